// The steering invariants, on each synthetic architecture. Each check measures a difference; the
// negative controls below show the same measurements do move when something really changes.
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import {
  DOCTOR_PROMPTS,
  checkBatchedEqualsUnbatched,
  checkCaptureDeterministic,
  checkControlVectorEqualsHook,
  checkInjection,
  checkVectorChangeTakesEffect,
  checkZeroStrengthIdentity,
  probeLayer,
  probeVector,
} from "../../src/doctor/checks.js";
import type { SteerContext } from "../../src/engine/context.js";
import type { SteerModel } from "../../src/engine/model.js";
import { maxAbsDiff, rowOf } from "../../src/util/arrays.js";
import { ARCHITECTURES, loadSynthetic } from "../helpers/models.js";

describe.each(ARCHITECTURES)("%s", (arch) => {
  let model: SteerModel;
  let ctx: SteerContext;
  let layer: number;
  let vector: Float32Array;

  beforeAll(async () => {
    model = await loadSynthetic(arch);
    ctx = await model.createContext({ contextSize: 512, sequences: 8 });
    layer = probeLayer(model.info.nLayer);
    vector = await probeVector(ctx, layer);
  });
  afterAll(async () => {
    await model.dispose();
  });

  test("capture is deterministic and leaves logits unchanged", async () => {
    const r = await checkCaptureDeterministic(ctx);
    expect(r.max_abs_diff).toBe(0);
    expect(r.ok).toBe(true);
  });

  test("an injection moves exactly the targeted row of the targeted layer by v", async () => {
    for (const row of [0, 1, 2]) {
      const [exact, rowsOnly] = await checkInjection(ctx, vector, layer, row);
      expect(exact.max_abs_diff).toBeLessThanOrEqual(1e-5 * Math.max(...vector.map(Math.abs)));
      expect(rowsOnly.max_abs_diff).toBe(0);
    }
  });

  test("an injection does change the layers after it (negative control)", async () => {
    const layers = [layer + 1];
    const base = await ctx.capture(DOCTOR_PROMPTS, { layers, positions: "all" });
    const steered = await ctx.capture(DOCTOR_PROMPTS, { layers, positions: "all", steer: [{ layer, vector, positions: { ranges: [[1, 2]] } }] });
    const nEmbd = model.info.nEmbd;
    const p = 1; // a prompt long enough to have rows after row 1
    const b = base.prompts[p].layers.get(layer + 1)!;
    const s = steered.prompts[p].layers.get(layer + 1)!;
    expect(maxAbsDiff(rowOf(s, 0, nEmbd), rowOf(b, 0, nEmbd))).toBe(0); // causal: earlier rows untouched
    expect(maxAbsDiff(rowOf(s, 1, nEmbd), rowOf(b, 1, nEmbd))).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(rowOf(s, 3, nEmbd), rowOf(b, 3, nEmbd))).toBeGreaterThan(1e-6); // later rows attend to the steered one
  });

  test("llama.cpp's control vector equals the callback adding the same vector to every row", async () => {
    const r = await checkControlVectorEqualsHook(ctx, vector, layer);
    expect(r.max_abs_diff).toBeLessThanOrEqual(1e-4);
    // Negative control: the same vector at another layer is measurably different.
    const here = await ctx.evaluate(DOCTOR_PROMPTS, { topK: 0, steer: [{ layer, vector }] });
    const elsewhere = await ctx.evaluate(DOCTOR_PROMPTS, { topK: 0, steer: [{ layer: layer + 1, vector }] });
    expect(maxAbsDiff(here[0].logits, elsewhere[0].logits)).toBeGreaterThan(1e-3);
    // And clearing it really clears it.
    const plain = await ctx.evaluate(DOCTOR_PROMPTS, { topK: 0 });
    const again = await ctx.evaluate(DOCTOR_PROMPTS, { topK: 0 });
    expect(maxAbsDiff(plain[0].logits, again[0].logits)).toBe(0);
  });

  test("strength 0, the zero vector and v - v equal no steering", async () => {
    const r = await checkZeroStrengthIdentity(ctx, vector, layer);
    expect(r.max_abs_diff).toBe(0);
    // Stacking +v and -v as two specs cancels up to float rounding.
    const plain = await ctx.evaluate(DOCTOR_PROMPTS, { topK: 0 });
    const stacked = await ctx.evaluate(DOCTOR_PROMPTS, { topK: 0, steer: [{ layer, vector }, { layer, vector, strength: -1 }] });
    expect(Math.max(...plain.map((p, i) => maxAbsDiff(p.logits, stacked[i].logits)))).toBeLessThanOrEqual(1e-3);
    const steered = await ctx.evaluate(DOCTOR_PROMPTS, { topK: 0, steer: [{ layer, vector }] });
    expect(maxAbsDiff(plain[0].logits, steered[0].logits)).toBeGreaterThan(1e-2);
  });

  test("batched capture across sequences equals one-at-a-time capture", async () => {
    const r = await checkBatchedEqualsUnbatched(model, ctx);
    expect(r.max_abs_diff).toBeLessThanOrEqual(1e-4);
  });

  test("a vector changed between two decodes is used by the second", async () => {
    const r = await checkVectorChangeTakesEffect(model, ctx, vector, layer);
    expect(r.ok).toBe(true);
  });

  test("prompts longer than a batch are captured in chunks identical to one decode", async () => {
    const long = "The river bends twice before it reaches the old mill, and then it widens into a lake.";
    const small = await model.createContext({ contextSize: 512, batchSize: 7 });
    try {
      const chunked = await small.capture([long], { layers: "all", positions: "all" });
      const whole = await ctx.capture([long], { layers: "all", positions: "all" });
      expect(chunked.prompts[0].tokenCount).toBeGreaterThan(7 * 2);
      for (const l of whole.layers) expect(maxAbsDiff(chunked.prompts[0].layers.get(l)!, whole.prompts[0].layers.get(l)!)).toBeLessThanOrEqual(1e-4);
    } finally {
      await small.dispose();
    }
  });

  test("a capture that stops after its highest layer reads what the full graph reads, and leaves no stale state", async () => {
    for (const layers of [[0], [layer], [0, layer], "all" as const]) {
      const early = await ctx.capture(DOCTOR_PROMPTS, { layers, positions: "all" });
      const full = await ctx.capture(DOCTOR_PROMPTS, { layers, positions: "all", fullGraph: true });
      early.prompts.forEach((p, i) => p.layers.forEach((rows, l) => expect(maxAbsDiff(rows, full.prompts[i].layers.get(l)!)).toBe(0)));
    }
    const before = await ctx.evaluate(DOCTOR_PROMPTS, { topK: 0 });
    await ctx.capture(DOCTOR_PROMPTS, { layers: [0] });
    const after = await ctx.evaluate(DOCTOR_PROMPTS, { topK: 0 });
    expect(Math.max(...before.map((b, i) => maxAbsDiff(b.logits, after[i].logits)))).toBe(0);
  });

  test("position modes agree: last, mean, explicit and negative indices", async () => {
    const nEmbd = model.info.nEmbd;
    const prompts = DOCTOR_PROMPTS.slice(0, 2);
    const all = await ctx.capture(prompts, { layers: [layer], positions: "all" });
    const last = await ctx.capture(prompts, { layers: [layer], positions: "last" });
    const mean = await ctx.capture(prompts, { layers: [layer], positions: "mean" });
    const picked = await ctx.capture(prompts, { layers: [layer], positions: [0, -1] });
    prompts.forEach((_, i) => {
      const rows = all.prompts[i].layers.get(layer)!;
      const n = all.prompts[i].tokenCount;
      expect(maxAbsDiff(last.prompts[i].layers.get(layer)!, rowOf(rows, n - 1, nEmbd))).toBe(0);
      const expectedMean = new Float32Array(nEmbd).map((_, k) => {
        let s = 0;
        for (let r = 0; r < n; r++) s += rows[r * nEmbd + k];
        return s / n;
      });
      expect(maxAbsDiff(mean.prompts[i].layers.get(layer)!, expectedMean)).toBeLessThanOrEqual(1e-5);
      const p = picked.prompts[i].layers.get(layer)!;
      expect(picked.prompts[i].indices).toEqual([0, n - 1]);
      expect(maxAbsDiff(rowOf(p, 0, nEmbd), rowOf(rows, 0, nEmbd))).toBe(0);
      expect(maxAbsDiff(rowOf(p, 1, nEmbd), rowOf(rows, n - 1, nEmbd))).toBe(0);
    });
  });
});
