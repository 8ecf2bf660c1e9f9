import { describe, expect, test } from "vitest";

import type { SteeringAsset } from "../../src/assets/index.js";
import { alphaScale, asaDecide, asaSteering, gateOf, mixture } from "../../src/science/asa.js";
import { SteeringVector } from "../../src/vectors/index.js";

const E = 4;
const vec = (values: number[]) => SteeringVector.create(new Map([[2, Float32Array.from(values)]]), { method: "test", modelFingerprint: "f" });

function asset(overrides: Partial<SteeringAsset> = {}): SteeringAsset {
  return {
    version: 1,
    createdAt: "2026-01-01T00:00:00Z",
    modelFingerprint: "f",
    nEmbd: E,
    layer: 2,
    method: "asa-mov",
    datasetHash: "h",
    tools: ["calc"],
    params: { alpha: 2, beta: 0.5, tau: 0.7 },
    vectors: { global: vec([1, 0, 0, 0]), domains: new Map([["math", vec([0, 1, 0, 0])], ["code", vec([0, 0, 1, 0])]]) },
    // Class 0 (math) wins when row[0] > 0; the probe says "tool" when row[1] > 0.
    router: { classes: ["math", "code"], standardizer: null, weights: Float64Array.from([5, 0, 0, 0, -5, 0, 0, 0]), bias: Float64Array.from([0, 0]) },
    probe: { standardizer: null, weights: Float64Array.from([0, 10, 0, 0]), bias: 0 },
    ...overrides,
  };
}

describe("ASA controller", () => {
  test("the ternary gate", () => {
    expect(gateOf(0.9, 0.7)).toBe(1);
    expect(gateOf(0.1, 0.7)).toBe(-1);
    expect(gateOf(0.5, 0.7)).toBe(0);
    expect(gateOf(0.7, 0.7)).toBe(0);
  });

  test("the injection goes to the last prompt token unless every prompt token is asked for", () => {
    const a = asset();
    const d = asaDecide(a, Float32Array.from([1, 1, 0, 0]));
    expect(asaSteering(a, d)[0].positions).toBe("last-prompt");
    expect(asaSteering(a, d, { positions: "prompt" })[0].positions).toBe("prompt");
  });

  test("the asset's injection positions and direction apply unless overridden", () => {
    const a = asset({ params: { alpha: 2, beta: 0.5, tau: 0.7, positions: "prompt", vectors: "global" } });
    const d = asaDecide(a, Float32Array.from([1, 1, 0, 0]));
    expect(d).toMatchObject({ domain: "math", gate: 1 });
    const [spec] = asaSteering(a, d);
    expect(spec.positions).toBe("prompt");
    // The global vector alone, not the math mixture (0.5, 1, 0, 0).
    expect(Array.from(spec.vector as Float32Array)).toEqual([1, 0, 0, 0]);
    const [paper] = asaSteering(a, d, { positions: "last-prompt", vectors: "mov" });
    expect(paper.positions).toBe("last-prompt");
    expect(Array.from(paper.vector as Float32Array)).toEqual([0.5, 1, 0, 0]);
    expect(Array.from(mixture(asset({ params: { alpha: 2, beta: 0.5, tau: 0.7, vectors: "domain" } }), "code"))).toEqual([0, 0, 1, 0]);
  });

  test("one-sided gates keep only their side", () => {
    expect(gateOf(0.9, 0.7, "negative")).toBe(0);
    expect(gateOf(0.1, 0.7, "negative")).toBe(-1);
    expect(gateOf(0.9, 0.7, "positive")).toBe(1);
    expect(gateOf(0.1, 0.7, "positive")).toBe(0);
    expect(gateOf(0.5, 0.7, "positive")).toBe(0);
  });

  test("in residual units α counts norms of the residual: the push has norm α·residualNorm whatever the mixture's norm", () => {
    const norm = (v: ArrayLike<number>) => Math.hypot(...Array.from(v));
    const pushOf = (a: SteeringAsset, domain: string) => {
      const [spec] = asaSteering(a, { domain, p: 0, gate: -1 });
      return norm(spec.vector as Float32Array) * Math.abs(spec.strength!);
    };
    const raw = asset();
    const residual = asset({ params: { alpha: 2, beta: 0.5, tau: 0.7, alphaUnit: "residual", residualNorm: 30 } });
    // MoV(math) = (0.5, 1, 0, 0): raw, the push is α·‖MoV‖; in residual units 2 × 30 for every domain.
    expect(pushOf(raw, "math")).toBeCloseTo(2 * Math.hypot(0.5, 1), 5);
    expect(pushOf(residual, "math")).toBeCloseTo(60, 4);
    expect(pushOf(residual, "code")).toBeCloseTo(60, 4);
    expect(asaSteering(residual, { domain: "math", p: 0, gate: -1 })[0].strength).toBeLessThan(0);
    // A norm-matched random direction in place of MoV gets the same push.
    expect(norm(asaSteering(residual, { domain: "math", p: 0, gate: 1 }, { direction: Float32Array.from([0, 0, 0, 7]) })[0].vector as Float32Array) * 60 / 7).toBeCloseTo(60, 4);
    expect(alphaScale(residual, new Float32Array(4))).toBe(0);
    expect(alphaScale(raw, Float32Array.from([3, 4, 0, 0]))).toBe(1);
  });

  test("the asset's gate mode applies unless overridden", () => {
    const eager = asset({ params: { alpha: 2, beta: 0.5, tau: 0.7, gate: "negative" } });
    const toolRow = Float32Array.from([1, 1, 0, 0]);
    const plainRow = Float32Array.from([1, -1, 0, 0]);
    expect(asaDecide(eager, toolRow).gate).toBe(0);
    expect(asaDecide(eager, plainRow).gate).toBe(-1);
    expect(asaDecide(eager, toolRow, { gate: "ternary" }).gate).toBe(1);
    expect(asaSteering(eager, asaDecide(eager, toolRow))).toEqual([]);
  });

  test("routes, reads the probe and gates from the row", () => {
    const a = asset();
    expect(asaDecide(a, Float32Array.from([1, 1, 0, 0]))).toMatchObject({ domain: "math", gate: 1 });
    expect(asaDecide(a, Float32Array.from([-1, -1, 0, 0]))).toMatchObject({ domain: "code", gate: -1 });
    expect(asaDecide(a, Float32Array.from([1, 0, 0, 0]))).toMatchObject({ gate: 0, p: 0.5 });
    expect(asaDecide(a, Float32Array.from([1, -1, 0, 0]), { noGate: true }).gate).toBe(1);
    expect(asaDecide(a, Float32Array.from([1, 1, 0, 0]), { domain: "code" }).domain).toBe("code");
  });

  test("MoV = v_domain + β·v_global, injected once at the last prompt token with gate·α", () => {
    const a = asset();
    expect(Array.from(mixture(a, "math"))).toEqual([0.5, 1, 0, 0]);
    expect(Array.from(mixture(a, "math", { vectors: "global" }))).toEqual([1, 0, 0, 0]);
    expect(Array.from(mixture(a, "math", { vectors: "domain" }))).toEqual([0, 1, 0, 0]);
    const specs = asaSteering(a, { domain: "code", p: 0.1, gate: -1 });
    expect(specs).toHaveLength(1);
    expect(specs[0]).toMatchObject({ layer: 2, strength: -2, positions: "last-prompt" });
    expect(Array.from(specs[0].vector as Float32Array)).toEqual([0.5, 0, 1, 0]);
    expect(asaSteering(a, { domain: "code", p: 0.5, gate: 0 })).toEqual([]);
  });

  test("a plain vector asset (no router, no probe, no domains) always steers with its global vector", () => {
    const a = asset({ router: null, probe: null, vectors: { global: vec([1, 2, 3, 4]), domains: new Map() } });
    const d = asaDecide(a, Float32Array.from([0, 0, 0, 0]));
    expect(d.gate).toBe(1);
    expect(Array.from(asaSteering(a, d)[0].vector as Float32Array)).toEqual([1, 2, 3, 4]);
  });
});
