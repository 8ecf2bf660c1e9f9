// Model diffing on synthetic pairs: a "fine-tuned" twin whose change lives in one residual direction
// (a shift added to every token embedding). The mean difference of the two models' rows, measured on some
// prompts and added to the base on other prompts, must bring the base's next-token distribution close to
// the twin's; a norm-matched random direction must not.
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import type { SteerContext } from "../../src/engine/context.js";
import { loadModel, type SteerModel } from "../../src/engine/model.js";
import { ErrorCodes } from "../../src/errors.js";
import { syntheticModelPath } from "../../src/synthetic/index.js";
import { assertApplicable, modelDiff, randomLike, rowsFromCapture, type SteeringVector } from "../../src/vectors/index.js";

const WORDS = "the weather in paris is cold today and tomorrow we will see how the market moves when prices fall over time".split(" ");
const PROMPTS = Array.from({ length: 40 }, (_, i) => Array.from({ length: 6 + (i % 5) }, (_, k) => WORDS[(i * 7 + k * 3) % WORDS.length]).join(" "));
const FIT = PROMPTS.slice(0, 30);
const HELD_OUT = PROMPTS.slice(30);
const LAYER = 0;

function logSoftmax(logits: Float32Array): Float64Array {
  let max = -Infinity;
  for (const x of logits) max = Math.max(max, x);
  let sum = 0;
  for (const x of logits) sum += Math.exp(x - max);
  const logSum = Math.log(sum);
  return Float64Array.from(logits, (x) => x - max - logSum);
}

/** KL(p ‖ q) from log-probabilities. */
function kl(p: Float64Array, q: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < p.length; i++) sum += Math.exp(p[i]) * (p[i] - q[i]);
  return sum;
}

describe.each(["qwen2", "gemma3"] as const)("model diff on a synthetic %s pair", (arch) => {
  let base: SteerModel;
  let twin: SteerModel;
  let baseCtx: SteerContext;
  let twinCtx: SteerContext;
  let diff: SteeringVector;

  /** Mean KL(twin ‖ base steered with `steer`) over the held-out prompts. */
  async function divergenceFromTwin(vector?: SteeringVector): Promise<number> {
    const targets = await twinCtx.evaluate(HELD_OUT, { topK: 0 });
    const steered = await baseCtx.evaluate(HELD_OUT, { steer: vector?.toSpecs(), topK: 0 });
    return targets.reduce((sum, t, i) => sum + kl(logSoftmax(t.logits), logSoftmax(steered[i].logits)), 0) / HELD_OUT.length;
  }

  beforeAll(async () => {
    base = await loadModel(await syntheticModelPath(arch));
    twin = await loadModel(await syntheticModelPath(arch, { twin: { kind: "embedding-shift", seed: 1, scale: 1 } }));
    baseCtx = await base.createContext({ contextSize: 512, sequences: 8 });
    twinCtx = await twin.createContext({ contextSize: 512, sequences: 8 });
    const rows = async (ctx: SteerContext) => rowsFromCapture(await ctx.capture(FIT, { layers: [LAYER], positions: "all" }));
    diff = modelDiff(await rows(twinCtx), await rows(baseCtx), { modelFingerprint: base.info.fingerprint, source: "twin minus base" });
  });
  afterAll(async () => {
    await base.dispose();
    await twin.dispose();
  });

  test("the twin's difference, added to the base, recovers most of the twin's predictions; a random push does not", async () => {
    const unsteered = await divergenceFromTwin();
    const steered = await divergenceFromTwin(diff);
    const random = await divergenceFromTwin(randomLike(diff, 5));
    expect(unsteered).toBeGreaterThan(0.5);
    expect(steered).toBeLessThan(0.5 * unsteered);
    expect(random).toBeGreaterThan(0.8 * unsteered);
  });

  test("the vector is labelled for the base; the twin refuses it unless cross-model use is asked for", () => {
    expect(diff.meta.method).toBe("model-diff");
    expect(() => assertApplicable(diff, base.info)).not.toThrow();
    expect(() => assertApplicable(diff, twin.info)).toThrow(expect.objectContaining({ code: ErrorCodes.ASSET_INVALID }));
    expect(() => assertApplicable(diff, twin.info, { allowCrossModel: true })).not.toThrow();
  });
});

describe("cross-model vectors with shapes that make no sense", () => {
  test("a vector from a model of another width is refused even when cross-model use is asked for", async () => {
    const narrow = await loadModel(await syntheticModelPath("qwen2", { embd: 32, heads: 2, kvHeads: 2 }));
    const wide = await loadModel(await syntheticModelPath("qwen2"));
    try {
      const ctx = await narrow.createContext({ contextSize: 256 });
      const rows = rowsFromCapture(await ctx.capture(FIT.slice(0, 4), { layers: [1], positions: "last" }));
      const v = modelDiff(rows, rows, { modelFingerprint: narrow.info.fingerprint });
      expect(() => assertApplicable(v, wide.info, { allowCrossModel: true })).toThrow(
        expect.objectContaining({ code: ErrorCodes.VECTOR_SIZE, message: `The steering vector has nEmbd 32 but the model has nEmbd ${wide.info.nEmbd}` }),
      );
    } finally {
      await narrow.dispose();
      await wide.dispose();
    }
  });
});
