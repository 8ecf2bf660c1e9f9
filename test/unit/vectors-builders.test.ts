import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCodes, SteerError } from "../../src/errors.js";
import { GgmlType, float16BitsToNumber } from "../../src/gguf/format.js";
import type { GgufTensorInfo } from "../../src/gguf/reader.js";
import { GgufWriter } from "../../src/gguf/writer.js";
import { SeededRandom } from "../../src/synthetic/random.js";
import {
  SteeringVector,
  classMeans,
  meanDifference,
  modelDiff,
  normMatched,
  outputRowByteRange,
  pairedDifferences,
  pcaDirection,
  randomLike,
  readOutputRow,
  rowsFromCapture,
  switchVector,
  unembeddingDirection,
} from "../../src/vectors/index.js";

const D = 32;

function unitDirection(seed: number): Float64Array {
  const r = new SeededRandom(seed, "planted");
  const v = Float64Array.from({ length: D }, () => r.gaussian());
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

/** n rows of N(0, noise²) plus shift·direction. */
function rows(n: number, seed: number, direction: Float64Array | null, shift: number, noise = 1): Float32Array[] {
  const r = new SeededRandom(seed, "rows");
  return Array.from({ length: n }, () => Float32Array.from({ length: D }, (_, i) => noise * r.gaussian() + (direction ? shift * direction[i] : 0)));
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}

function errorOf(f: () => unknown): SteerError {
  try {
    f();
  } catch (e) {
    if (e instanceof SteerError) return e;
    throw e;
  }
  throw new Error("expected a SteerError");
}

describe("meanDifference and modelDiff", () => {
  const u = unitDirection(1);

  it("recovers a planted direction at every layer", () => {
    const pos = new Map([[3, rows(400, 1, u, 3)], [4, rows(400, 2, u, 5)]]);
    const neg = new Map([[3, rows(300, 3, null, 0)], [4, rows(300, 4, null, 0)]]);
    const v = meanDifference(pos, neg, { modelFingerprint: "fp", source: "planted" });
    expect(v.layers).toEqual([3, 4]);
    expect(v.meta).toMatchObject({ method: "mean-diff", modelFingerprint: "fp", source: "planted", nEmbd: D });
    expect(cosine(v.get(3), u)).toBeGreaterThan(0.95);
    expect(cosine(v.get(4), u)).toBeGreaterThan(0.98);
    expect(v.norm(4)).toBeGreaterThan(4.5);
    expect(v.norm(4)).toBeLessThan(5.5);
  });

  it("is exact on tiny data", () => {
    const v = meanDifference(new Map([[0, [[1, 2], [3, 4]]]]), new Map([[0, [[0, 1]]]]));
    expect(Array.from(v.get(0))).toEqual([2, 2]);
  });

  it("modelDiff is mean(A) − mean(B) over paired rows and requires pairing", () => {
    const a = new Map([[1, [[2, 0], [4, 2]]]]);
    const b = new Map([[1, [[1, 1], [1, 1]]]]);
    const v = modelDiff(a, b, { modelFingerprint: "base" });
    expect(Array.from(v.get(1))).toEqual([2, 0]);
    expect(v.meta.method).toBe("model-diff");
    expect(errorOf(() => modelDiff(a, new Map([[1, [[1, 1]]]]))).code).toBe(ErrorCodes.INVALID_ARGUMENT);
  });

  it("refuses mismatched layers, widths and NaN", () => {
    expect(errorOf(() => meanDifference(new Map([[0, [[1]]]]), new Map([[1, [[1]]]]))).message).toBe(
      "positiveRows has layers [0] but negativeRows has layers [1]; they must match",
    );
    expect(errorOf(() => meanDifference(new Map([[0, [[1, 2]]]]), new Map([[0, [[1]]]]))).code).toBe(ErrorCodes.VECTOR_SIZE);
    expect(errorOf(() => meanDifference(new Map([[0, [[1, NaN]]]]), new Map([[0, [[1, 2]]]]))).code).toBe(ErrorCodes.NOT_FINITE);
    expect(errorOf(() => meanDifference(new Map([[0, []]]), new Map([[0, [[1]]]]))).code).toBe(ErrorCodes.INVALID_ARGUMENT);
  });
});

describe("pcaDirection", () => {
  const u = unitDirection(2);
  const pos = new Map([[5, rows(200, 5, u, 2)]]);
  const neg = new Map([[5, rows(200, 6, null, 0)]]);
  const diffs = pairedDifferences(pos, neg);

  it("finds the planted direction as a unit vector with a positive mean projection", () => {
    const v = pcaDirection(diffs);
    expect(v.meta.method).toBe("pca");
    expect(v.norm(5)).toBeCloseTo(1, 6);
    expect(cosine(v.get(5), u)).toBeGreaterThan(0.9);
    expect(v.meta.notes).toBeUndefined();
  });

  it("is deterministic and its sign follows the data, not the start", () => {
    const a = pcaDirection(diffs);
    const b = pcaDirection(diffs, { seed: 12345 });
    expect(a.maxAbsDiff(pcaDirection(diffs))).toBe(0);
    expect(a.maxAbsDiff(b)).toBeLessThan(1e-6);
    const flipped = pcaDirection(pairedDifferences(neg, pos));
    expect(cosine(flipped.get(5), a.get(5))).toBeCloseTo(-1, 6);
  });

  it("centred PCA finds a spread axis and orients it by the mean", () => {
    // Differences spread ±4 along u around a small offset along u: the mean still points along +u.
    const r = new SeededRandom(9, "spread");
    const spread = Array.from({ length: 300 }, () => {
      const s = 4 * r.gaussian() + 0.3;
      return Float32Array.from({ length: D }, (_, i) => s * u[i] + 0.2 * r.gaussian());
    });
    const v = pcaDirection(new Map([[0, spread]]), { center: true });
    expect(cosine(v.get(0), u)).toBeGreaterThan(0.99);
  });

  it("reports non-convergence in notes and refuses all-zero differences", () => {
    const v = pcaDirection(diffs, { maxIterations: 1 });
    expect(v.meta.notes).toBe("power iteration stopped before converging at layers 5");
    expect(errorOf(() => pcaDirection(new Map([[0, [[0, 0], [0, 0]]]]))).message).toBe("Cannot find a principal direction: every row is zero");
  });
});

describe("classMeans, switchVector, randomLike, normMatched", () => {
  const means = classMeans(
    new Map([
      ["get_weather", new Map([[2, [[1, 0, 0], [3, 0, 0]]]])],
      ["send_email", new Map([[2, [[0, 2, 0]]]])],
    ]),
    { modelFingerprint: "fp" },
  );

  it("classMeans averages each class", () => {
    expect(Array.from(means.get("get_weather")!.get(2))).toEqual([2, 0, 0]);
    expect(means.get("send_email")!.meta).toMatchObject({ method: "class-mean", source: "class send_email", modelFingerprint: "fp" });
  });

  it("switchVector is mean(target) − mean(source)", () => {
    const s = switchVector(means, "send_email", "get_weather");
    expect(Array.from(s.get(2))).toEqual([-2, 2, 0]);
    expect(s.meta).toMatchObject({ method: "switch", source: "get_weather -> send_email" });
    expect(errorOf(() => switchVector(means, "nope", "get_weather")).message).toBe(
      'Expected one of the classes "get_weather", "send_email" for target but received "nope" of type string',
    );
  });

  it("randomLike matches per-layer norms, differs by seed and repeats by seed", () => {
    const v = SteeringVector.create(new Map([[1, rows(1, 1, null, 0)[0]], [4, rows(1, 2, null, 0, 10)[0]]]), { method: "mean-diff", modelFingerprint: "fp" });
    const r1 = randomLike(v, 1);
    const r2 = randomLike(v, 2);
    for (const l of v.layers) {
      expect(r1.norm(l)).toBeCloseTo(v.norm(l), 4);
      expect(r2.norm(l)).toBeCloseTo(v.norm(l), 4);
      expect(Math.abs(r1.cosine(r2, l))).toBeLessThan(0.8);
    }
    expect(r1.maxAbsDiff(randomLike(v, 1))).toBe(0);
    expect(r1.maxAbsDiff(r2)).toBeGreaterThan(0);
    expect(r1.meta).toMatchObject({ method: "random", modelFingerprint: "fp" });
  });

  it("normMatched rescales to a number, a map or another vector's norms", () => {
    const v = SteeringVector.create(new Map([[0, [3, 4]], [1, [0, 2]]]), { method: "x" });
    expect(normMatched(v, 10).norm(0)).toBeCloseTo(10, 5);
    const byMap = normMatched(v, new Map([[0, 1], [1, 6]]));
    expect(Array.from(byMap.get(0))).toEqual([0.6000000238418579, 0.800000011920929]);
    expect(byMap.norm(1)).toBeCloseTo(6, 6);
    expect(normMatched(v, v.scale(2)).maxAbsDiff(v.scale(2))).toBeLessThan(1e-6);
    expect(errorOf(() => normMatched(v.scale(0), 1)).message).toBe("Cannot rescale the direction of layer 0 to norm 1: it is all zeros");
    expect(errorOf(() => normMatched(v, new Map([[0, 1]]))).code).toBe(ErrorCodes.INVALID_ARGUMENT);
  });
});

describe("rowsFromCapture", () => {
  it("splits packed per-prompt matrices into rows per layer", () => {
    const capture = {
      nEmbd: 2,
      layers: [1],
      prompts: [
        { tokenCount: 3, indices: [1, 2], layers: new Map([[1, new Float32Array([1, 2, 3, 4])]]) },
        { tokenCount: 2, indices: [1], layers: new Map([[1, new Float32Array([5, 6])]]) },
      ],
    };
    expect(rowsFromCapture(capture).get(1)!.map((r) => Array.from(r))).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(rowsFromCapture(capture, [1]).get(1)!.map((r) => Array.from(r))).toEqual([[5, 6]]);
  });
});

describe("unembedding directions", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "llama-steer-unembed-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const nEmbd = 8;
  const nVocab = 5;
  const matrix = Float32Array.from({ length: nEmbd * nVocab }, (_, i) => (i % nEmbd) + 10 * Math.floor(i / nEmbd) + 0.5);
  const calls: { type: number; bytes: number; n: number }[] = [];
  /** Stands in for the addon's dequantize on the plain types. */
  const dequantize = (type: number, bytes: Uint8Array, n: number): Float32Array => {
    calls.push({ type, bytes: bytes.length, n });
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return Float32Array.from({ length: n }, (_, i) => (type === GgmlType.F32 ? view.getFloat32(i * 4, true) : float16BitsToNumber(view.getUint16(i * 2, true))));
  };

  it("reads one row of output.weight (F32) and only its bytes", async () => {
    const path = join(dir, "f32.gguf");
    await new GgufWriter()
      .addString("general.architecture", "llama")
      .addTensor("token_embd.weight", { type: GgmlType.F32, shape: [nEmbd, nVocab], data: new Float32Array(nEmbd * nVocab) })
      .addTensor("output.weight", { type: GgmlType.F32, shape: [nEmbd, nVocab], data: matrix })
      .writeFile(path);
    const row = await readOutputRow(path, 3, dequantize);
    expect(Array.from(row)).toEqual(Array.from(matrix.subarray(3 * nEmbd, 4 * nEmbd)));
    expect(calls.at(-1)).toEqual({ type: GgmlType.F32, bytes: nEmbd * 4, n: nEmbd });
  });

  it("falls back to token_embd.weight for tied embeddings (F16)", async () => {
    const path = join(dir, "tied.gguf");
    await new GgufWriter().addString("general.architecture", "gemma3").addTensor("token_embd.weight", { type: GgmlType.F16, shape: [nEmbd, nVocab], data: matrix }).writeFile(path);
    expect(Array.from(await readOutputRow(path, 4, dequantize))).toEqual(Array.from(matrix.subarray(4 * nEmbd)));
    expect(calls.at(-1)).toEqual({ type: GgmlType.F16, bytes: nEmbd * 2, n: nEmbd });
    await expect(readOutputRow(path, nVocab, dequantize)).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT });
    await expect(readOutputRow(path, 0, () => new Float32Array(3))).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT });
  });

  it("computes quantized row byte ranges from the block layout", () => {
    const info = (type: number, shape: number[]): GgufTensorInfo => ({ name: "output.weight", type, typeName: "", shape, offset: 1000, byteSize: 0 });
    expect(outputRowByteRange(info(GgmlType.Q8_0, [64, 10]), 2)).toEqual({ start: 1000 + 2 * 68, length: 68 });
    expect(outputRowByteRange(info(GgmlType.Q4_K, [512, 10]), 1)).toEqual({ start: 1000 + 288, length: 288 });
    expect(outputRowByteRange(info(GgmlType.Q6_K, [256, 10]), 9)).toEqual({ start: 1000 + 9 * 210, length: 210 });
  });

  it("unembeddingDirection is the unit row scaled to the matched norm", () => {
    const row = matrix.slice(0, nEmbd);
    const reference = SteeringVector.create(new Map([[2, new Float32Array(nEmbd).fill(1)], [3, new Float32Array(nEmbd).fill(2)]]), { method: "switch", modelFingerprint: "fp" });
    const v = unembeddingDirection(row, reference, { source: "token 0" });
    expect(v.layers).toEqual([2, 3]);
    expect(v.norm(2)).toBeCloseTo(reference.norm(2), 5);
    expect(v.norm(3)).toBeCloseTo(reference.norm(3), 5);
    expect(cosine(v.get(3), row)).toBeCloseTo(1, 6);
    expect(v.meta).toMatchObject({ method: "unembed", modelFingerprint: "fp", source: "token 0" });
    expect(unembeddingDirection(row, 3, { layers: [7] }).norm(7)).toBeCloseTo(3, 5);
    expect(errorOf(() => unembeddingDirection(row, 3)).code).toBe(ErrorCodes.INVALID_ARGUMENT);
    expect(errorOf(() => unembeddingDirection(new Float32Array(nEmbd), 3, { layers: [1] })).message).toBe("The output row is all zeros: it has no direction");
  });
});
