/**
 * The causal check: does adding the steering direction at the last prompt token raise the logit of the
 * token that opens a tool call, more than a random direction of the same norm does?
 */
import type { SteerContext } from "../engine/context.js";
import type { SteeringSpec } from "../engine/steering.js";
import type { LogitShift } from "./reportTypes.js";

export interface LogitShiftOptions {
  layer: number;
  /** Unscaled direction (MoV or a mean difference). */
  direction: Float32Array;
  /** Norm-matched random control direction. */
  random: Float32Array;
  /** The tokens whose logits are read (the first token of the call marker, and of the model's own calls): one row per token and α. */
  triggerTokens: readonly number[];
  alphas: readonly number[];
  signal?: AbortSignal;
  /** Seed of the sign-flip test. Default 0. */
  seed?: number;
}

/** One α's shifts of one token's logit; `token_id` says which token. */
export type TokenLogitShift = LogitShift & { token_id: number };

export async function measureLogitShift(ctx: SteerContext, prompts: readonly string[], options: LogitShiftOptions): Promise<TokenLogitShift[]> {
  // Every variant of every prompt in one batch: the variants of a prompt differ only at its last token, so the
  // batch's shared prefixes decode each prompt once and each variant only its last token (and prompts that share
  // a system prompt still share it). Variant 0 is unsteered; then +α, −α and random per α.
  const spec = (vector: Float32Array, strength: number): SteeringSpec[] => [{ layer: options.layer, vector, strength, positions: "last-prompt" }];
  const variants: (SteeringSpec[] | undefined)[] = [undefined];
  for (const alpha of options.alphas) variants.push(spec(options.direction, alpha), spec(options.direction, -alpha), spec(options.random, alpha));
  // Every trigger token's logit is read from the same forward passes.
  const tokens = [...new Set(options.triggerTokens)];
  const items = prompts.flatMap((prompt) => variants.map((steer) => ({ prompt, steer, logitsOf: tokens })));
  const results = await ctx.generateBatch(items, { maxTokens: 0, signal: options.signal });
  const out: TokenLogitShift[] = [];
  tokens.forEach((tokenId, t) => {
    const logit = (prompt: number, variant: number) => results[prompt * variants.length + variant].logits![t];
    const shift = (variant: number) => prompts.map((_, i) => logit(i, variant) - logit(i, 0));
    options.alphas.forEach((alpha, k) => {
      const plus = shift(1 + 3 * k);
      const minus = shift(2 + 3 * k);
      const random = shift(3 + 3 * k);
      out.push({
        alpha,
        plus: mean(plus),
        minus: mean(minus),
        random: mean(random),
        p_value: signFlipPValue(plus.map((x, i) => x - random[i]), options.seed ?? 0),
        p_value_minus: signFlipPValue(minus.map((x, i) => x - random[i]), (options.seed ?? 0) + 1),
        n: prompts.length,
        token_id: tokenId,
      });
    });
  });
  return out;
}

export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
}

/**
 * Two-sided paired test of "mean difference is 0": the observed |mean| against the means of the same
 * differences with random signs (20,000 seeded flips; exact enumeration when n ≤ 14).
 */
export function signFlipPValue(diffs: readonly number[], seed = 0): number {
  const n = diffs.length;
  if (n === 0) return Number.NaN;
  const observed = Math.abs(diffs.reduce((a, b) => a + b, 0));
  let extreme = 0;
  let total = 0;
  if (n <= 14) {
    for (let mask = 0; mask < 1 << n; mask++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += mask & (1 << i) ? -diffs[i] : diffs[i];
      if (Math.abs(s) >= observed - 1e-12) extreme++;
      total++;
    }
    return extreme / total;
  }
  let state = (seed ^ 0x9e3779b9) >>> 0 || 1;
  const rounds = 20_000;
  for (let r = 0; r < rounds; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      state ^= state << 13;
      state >>>= 0;
      state ^= state >>> 17;
      state ^= state << 5;
      state >>>= 0;
      s += state & 1 ? -diffs[i] : diffs[i];
    }
    if (Math.abs(s) >= observed - 1e-12) extreme++;
  }
  // The observed labelling counts as one of the permutations.
  return (extreme + 1) / (rounds + 1);
}
