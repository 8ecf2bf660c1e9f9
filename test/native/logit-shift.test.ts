// The logit check decodes every variant of every prompt in one batch (shared prefixes): its shifts must equal
// those computed one prompt and one variant at a time with `evaluate`.
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import type { SteerContext } from "../../src/engine/context.js";
import type { SteerModel } from "../../src/engine/model.js";
import { mean, measureLogitShift } from "../../src/eval/logitShift.js";
import { seededVector } from "../../src/util/arrays.js";
import { loadSynthetic } from "../helpers/models.js";

describe("measureLogitShift", () => {
  let model: SteerModel;
  let ctx: SteerContext;
  beforeAll(async () => {
    model = await loadSynthetic("qwen2");
    ctx = await model.createContext({ contextSize: 1024, batchSize: 256 });
  });
  afterAll(async () => {
    await model.dispose();
  });

  test("equals the shifts read prompt by prompt and variant by variant", async () => {
    const system = "You may call tools. Answer briefly and call a tool only when it is needed. ".repeat(3);
    const prompts = ["add two and three", "what is a cat", "look up the news", "say hello"].map((q) => `${system}${q}`);
    const E = model.info.nEmbd;
    const direction = seededVector(E, 3);
    const random = seededVector(E, 4);
    const layer = 1;
    const triggerToken = 42;
    const alphas = [0.5, 2];
    const shifts = await measureLogitShift(ctx, prompts, { layer, direction, random, triggerTokens: [triggerToken], alphas });

    const logitOf = async (prompt: string, vector?: Float32Array, strength = 0) =>
      (await ctx.evaluate([prompt], { topK: 0, steer: vector ? [{ layer, vector, strength, positions: "last-prompt" }] : undefined }))[0].logits[triggerToken];
    expect(shifts.map((s) => s.alpha)).toEqual(alphas);
    for (const [k, alpha] of alphas.entries()) {
      const plus: number[] = [];
      const minus: number[] = [];
      const rand: number[] = [];
      for (const prompt of prompts) {
        const base = await logitOf(prompt);
        plus.push((await logitOf(prompt, direction, alpha)) - base);
        minus.push((await logitOf(prompt, direction, -alpha)) - base);
        rand.push((await logitOf(prompt, random, alpha)) - base);
      }
      expect(shifts[k].plus).toBeCloseTo(mean(plus), 4);
      expect(shifts[k].minus).toBeCloseTo(mean(minus), 4);
      expect(shifts[k].random).toBeCloseTo(mean(rand), 4);
      expect(shifts[k].n).toBe(prompts.length);
      // The variants really differ: a check that read the same logits for every variant would fail here.
      expect(Math.abs(shifts[k].plus - shifts[k].minus)).toBeGreaterThan(1e-3);
    }
  });

  test("reads several tokens from the same passes: each token's rows equal a check of that token alone", async () => {
    const prompts = ["add two and three", "look up the news"];
    const E = model.info.nEmbd;
    const options = { layer: 1, direction: seededVector(E, 5), random: seededVector(E, 6), alphas: [1] };
    const both = await measureLogitShift(ctx, prompts, { ...options, triggerTokens: [42, 77, 42] });
    // A token named twice is read once.
    expect(both.map((s) => s.token_id)).toEqual([42, 77]);
    for (const token of [42, 77]) {
      const [alone] = await measureLogitShift(ctx, prompts, { ...options, triggerTokens: [token] });
      const row = both.find((s) => s.token_id === token)!;
      expect(row.plus).toBeCloseTo(alone.plus, 4);
      expect(row.minus).toBeCloseTo(alone.minus, 4);
      expect(row.random).toBeCloseTo(alone.random, 4);
    }
    expect(both[0].plus).not.toBeCloseTo(both[1].plus, 4);
  });
});
