import { describe, expect, it } from "vitest";
import { ErrorCodes, SteerError } from "../../src/errors.js";
import { resolveSpecs } from "../../src/engine/steering.js";
import { seededVector } from "../../src/util/arrays.js";
import { SteeringVector, assertApplicable } from "../../src/vectors/index.js";

const N = 16;

function vec(seed: number, layers: number[] = [2, 5], meta: Partial<{ modelFingerprint: string; method: string }> = {}): SteeringVector {
  return SteeringVector.create(new Map(layers.map((l) => [l, seededVector(N, seed * 100 + l)])), { method: meta.method ?? "mean-diff", modelFingerprint: meta.modelFingerprint ?? "fp-a" });
}

function errorOf(f: () => unknown): SteerError {
  try {
    f();
  } catch (e) {
    if (e instanceof SteerError) return e;
    throw new Error(`expected a SteerError but got ${String(e)}`);
  }
  throw new Error("expected a SteerError but the call succeeded");
}

function allZero(v: SteeringVector): boolean {
  return v.layers.every((l) => v.get(l).every((x) => x === 0));
}

describe("SteeringVector algebra", () => {
  const a = vec(1);
  const b = vec(2);

  it("v − v = 0 and scale(0) = 0", () => {
    expect(allZero(a.sub(a))).toBe(true);
    expect(allZero(a.scale(0))).toBe(true);
    expect(a.sub(a).layers).toEqual([2, 5]);
  });

  it("(a + b) − b = a up to float32 rounding, exactly for dyadic values", () => {
    expect(a.add(b).sub(b).maxAbsDiff(a)).toBeLessThan(1e-6);
    const d1 = SteeringVector.create([[0, [0.5, -1.25, 3]]], { method: "x" });
    const d2 = SteeringVector.create([[0, [0.25, 2, -0.75]]], { method: "x" });
    expect(Array.from(d1.add(d2).sub(d2).get(0))).toEqual([0.5, -1.25, 3]);
    expect(Array.from(d1.add(d2).get(0))).toEqual([0.75, 0.75, 2.25]);
  });

  it("negate equals scale(−1) and a + (−a) = 0", () => {
    expect(a.negate().maxAbsDiff(a.scale(-1))).toBe(0);
    expect(allZero(a.add(a.negate()))).toBe(true);
  });

  it("normalize gives unit norm per layer and keeps the direction", () => {
    const u = a.scale(7).normalize();
    for (const l of u.layers) {
      expect(u.norm(l)).toBeCloseTo(1, 6);
      expect(u.cosine(a, l)).toBeCloseTo(1, 6);
    }
  });

  it("cosine(v, v) = 1, cosine(v, −v) = −1, cosine with zero = 0", () => {
    for (const l of a.layers) {
      expect(a.cosine(a, l)).toBeCloseTo(1, 12);
      expect(a.cosine(a.negate(), l)).toBeCloseTo(-1, 12);
      expect(a.cosine(a.scale(0), l)).toBe(0);
    }
    expect([...a.cosines(b).keys()]).toEqual([2, 5]);
  });

  it("norm equals the L2 norm of get()", () => {
    const v = a.get(5);
    expect(a.norm(5)).toBeCloseTo(Math.hypot(...v), 10);
    expect(a.scale(3).norm(5)).toBeCloseTo(3 * a.norm(5), 5);
  });

  it("is immutable: inputs are copied and get() returns a copy", () => {
    const source = new Float32Array([1, 2, 3]);
    const v = SteeringVector.create([[1, source]], { method: "x" });
    source[0] = 99;
    const got = v.get(1);
    got[1] = 99;
    expect(Array.from(v.get(1))).toEqual([1, 2, 3]);
    expect(Object.isFrozen(v.meta)).toBe(true);
  });

  it("withLayers keeps only the given layers; operations keep metadata", () => {
    const only = a.withLayers([5]);
    expect(only.layers).toEqual([5]);
    expect(Array.from(only.get(5))).toEqual(Array.from(a.get(5)));
    expect(a.scale(2).meta).toEqual(a.meta);
    expect(a.meta.layerConvention).toBe("l_out");
    expect(a.add(vec(3, [2, 5], { method: "pca" })).meta.method).toBe("combination");
  });
});

describe("SteeringVector.toSpecs", () => {
  const a = vec(1);

  it("emits one spec per layer with strength and positions; the engine folds strength like scale()", () => {
    const specs = a.toSpecs({ strength: 2.5, positions: "last-prompt" });
    expect(specs.map((s) => [s.layer, s.strength, s.positions])).toEqual([
      [2, 2.5, "last-prompt"],
      [5, 2.5, "last-prompt"],
    ]);
    const folded = resolveSpecs(specs, 8, N);
    const scaled = resolveSpecs(a.scale(2.5).toSpecs(), 8, N);
    folded.forEach((spec, i) => expect(Array.from(spec.vector)).toEqual(Array.from(scaled[i].vector)));
  });

  it("defaults to strength 1 and all positions; strength 0 is a no-op spec", () => {
    expect(a.toSpecs()[0]).toMatchObject({ layer: 2, strength: 1, positions: "all" });
    expect(resolveSpecs(a.toSpecs({ strength: 0 }), 8, N).every((s) => s.isNoop)).toBe(true);
    expect(resolveSpecs(a.sub(a).toSpecs(), 8, N).every((s) => s.isNoop)).toBe(true);
  });

  it("emits a subset of layers and refuses layers it does not have", () => {
    expect(a.toSpecs({ layers: [5] }).map((s) => s.layer)).toEqual([5]);
    expect(errorOf(() => a.toSpecs({ layers: [3] })).message).toBe("The steering vector has no direction for layer 3 (it has layers 2, 5)");
    expect(errorOf(() => a.toSpecs({ strength: NaN })).code).toBe(ErrorCodes.NOT_FINITE);
    expect(errorOf(() => a.toSpecs({ strenght: 2 } as never)).message).toContain('did you mean "strength"');
  });
});

describe("SteeringVector validation", () => {
  it("refuses NaN, mismatched lengths, bad layers and empty inputs with typed errors", () => {
    expect(errorOf(() => SteeringVector.create([[0, [1, NaN]]], { method: "x" })).code).toBe(ErrorCodes.NOT_FINITE);
    expect(errorOf(() => SteeringVector.create([[0, [1, 2]], [1, [1]]], { method: "x" })).code).toBe(ErrorCodes.VECTOR_SIZE);
    expect(errorOf(() => SteeringVector.create([[-1, [1]]], { method: "x" })).code).toBe(ErrorCodes.LAYER_OUT_OF_RANGE);
    expect(errorOf(() => SteeringVector.create([[1.5, [1]]], { method: "x" })).code).toBe(ErrorCodes.INVALID_ARGUMENT);
    expect(errorOf(() => SteeringVector.create([], { method: "x" })).code).toBe(ErrorCodes.INVALID_ARGUMENT);
    expect(errorOf(() => SteeringVector.create([[0, [1]], [0, [2]]], { method: "x" })).code).toBe(ErrorCodes.INVALID_ARGUMENT);
    expect(errorOf(() => SteeringVector.create([[0, [1]]], { method: "" })).code).toBe(ErrorCodes.INVALID_ARGUMENT);
  });

  it("refuses to combine different widths or layer sets", () => {
    const narrow = SteeringVector.create([[2, new Float32Array(8)]], { method: "x", modelFingerprint: "fp-a" });
    expect(errorOf(() => vec(1).add(narrow)).code).toBe(ErrorCodes.VECTOR_SIZE);
    const e = errorOf(() => vec(1).add(vec(2, [2, 6])));
    expect(e.code).toBe(ErrorCodes.INVALID_ARGUMENT);
    expect(e.message).toBe("Cannot add steering vectors with different layers ([2, 5] and [2, 6]); align them with withLayers() first");
  });

  it("refuses cross-model combination unless allowed", () => {
    const other = vec(2, [2, 5], { modelFingerprint: "fp-b" });
    const e = errorOf(() => vec(1).sub(other));
    expect(e.code).toBe(ErrorCodes.ASSET_INVALID);
    expect(e.message).toBe("Cannot sub steering vectors measured on different models (fingerprints fp-a and fp-b); pass {allowCrossModel: true} to allow it");
    const combined = vec(1).sub(other, { allowCrossModel: true });
    expect(combined.meta.modelFingerprint).toBe("fp-a");
    // An unknown fingerprint (an imported file) cannot be checked and combines freely.
    const unknown = SteeringVector.create(new Map([[2, seededVector(N, 1)], [5, seededVector(N, 2)]]), { method: "import:cvector" });
    expect(unknown.add(vec(1)).meta.modelFingerprint).toBe("fp-a");
  });

  it("refuses scaling by NaN, overflow to infinity and normalising a zero layer", () => {
    expect(errorOf(() => vec(1).scale(NaN)).code).toBe(ErrorCodes.NOT_FINITE);
    expect(errorOf(() => vec(1).scale(1e39)).code).toBe(ErrorCodes.NOT_FINITE);
    expect(errorOf(() => vec(1).scale(0).normalize()).message).toBe("Cannot normalize the direction of layer 2: it is all zeros");
  });
});

describe("assertApplicable", () => {
  const model = { fingerprint: "fp-a", nLayer: 6, nEmbd: N };

  it("accepts a vector made for the model", () => {
    expect(() => assertApplicable(vec(1), model)).not.toThrow();
  });

  it("refuses another width even across models", () => {
    const e = errorOf(() => assertApplicable(vec(1), { ...model, nEmbd: 32 }, { allowCrossModel: true }));
    expect(e.code).toBe(ErrorCodes.VECTOR_SIZE);
    expect(e.message).toBe("The steering vector has nEmbd 16 but the model has nEmbd 32");
  });

  it("refuses layers beyond the model", () => {
    const e = errorOf(() => assertApplicable(vec(1, [2, 6]), model));
    expect(e.code).toBe(ErrorCodes.LAYER_OUT_OF_RANGE);
    expect(e.message).toBe("The steering vector has layers 6 but the model has 6 layers (0 to 5)");
  });

  it("refuses another model's fingerprint unless allowCrossModel", () => {
    const e = errorOf(() => assertApplicable(vec(1), { ...model, fingerprint: "fp-z" }));
    expect(e.code).toBe(ErrorCodes.ASSET_INVALID);
    expect(e.message).toContain("fp-a");
    expect(e.message).toContain("fp-z");
    expect(() => assertApplicable(vec(1), { ...model, fingerprint: "fp-z" }, { allowCrossModel: true })).not.toThrow();
  });
});
