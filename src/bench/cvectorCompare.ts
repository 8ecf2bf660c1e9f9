/**
 * The same control vectors llama.cpp's cvector-generator computes with `--method mean`, built with
 * llama-steer's capture, so the two can be timed and compared layer by layer.
 *
 * What cvector-generator's mean method computes (tools/cvector-generator/cvector-generator.cpp and mean.hpp
 * of the llama.cpp node-llama-cpp ships), for each prompt pair (positive line i, negative line i):
 * - both prompts are tokenized with the model's BOS setting and special tokens parsed, and the shorter
 *   one is padded at the end with the last token of " " (tokenized without special tokens);
 * - each is decoded alone, and every `l_out-il` node with one row per token is kept: il = 0 .. n_layer − 2
 *   (the last block only holds the output row);
 * - per token position t: d_t = h_pos[t] − h_neg[t] (no per-pair averaging); rows whose values are all
 *   ≤ 1e-6 are dropped, which in exact arithmetic are the positions where both token prefixes are equal
 *   (identical inputs give identical rows);
 * - the rows of all pairs are pooled per layer; the direction is their mean, normalised to unit length,
 *   and saved as `direction.(il + 1)`.
 * Here rows are dropped by that same rule stated on tokens (prefixes equal up to t), since our rows come
 * from batched decodes whose rounding can leave 1e-7 where llama.cpp's single-sequence decode leaves 0.
 * The mean of the kept differences equals meanDifference(kept positive rows, kept negative rows).
 */
import type { CaptureResult, SteerContext } from "../engine/context.js";
import type { SteerModel } from "../engine/model.js";
import { meanDifference, SteeringVector } from "../vectors/index.js";
import { median } from "./measure.js";

export interface PromptPair {
  positive: string;
  negative: string;
}

const QUESTIONS = [
  "What should I cook for dinner tonight?",
  "How do I fix a flat bicycle tyre?",
  "Can you tell me about the history of Rome?",
  "What is a good way to learn a new language?",
  "How does a refrigerator keep food cold?",
  "What should I pack for a weekend trip?",
  "Why is the sky blue?",
  "How can I get better at chess?",
];

const PERSONAS: [string, string][] = [
  ["You are cheerful and full of joy.", "You are gloomy and full of sorrow."],
  ["You are an extremely happy assistant.", "You are an extremely sad assistant."],
  ["Answer with delight and enthusiasm.", "Answer with despair and weariness."],
  ["You love every moment of your life.", "You dread every moment of your life."],
];

/** `n` contrastive prompt pairs (a persona and its opposite, then the same question). */
export function cvectorPairs(n = 32): PromptPair[] {
  return Array.from({ length: n }, (_, i) => {
    const [pos, neg] = PERSONAS[i % PERSONAS.length];
    const question = QUESTIONS[Math.floor(i / PERSONAS.length) % QUESTIONS.length];
    return { positive: `${pos} ${question}`, negative: `${neg} ${question}` };
  });
}

export interface PaddedPair {
  positive: Int32Array;
  negative: Int32Array;
  /** First position where the two token sequences differ (rows before it are dropped). */
  divergence: number;
  /** Index of the last real (unpadded) token of each side. */
  lastPositive: number;
  lastNegative: number;
}

/** Pads the shorter side with `padToken` to the same length, as cvector-generator does. */
export function padPair(positive: Int32Array, negative: Int32Array, padToken: number): PaddedPair {
  const length = Math.max(positive.length, negative.length);
  const pad = (t: Int32Array) => {
    const out = new Int32Array(length).fill(padToken);
    out.set(t);
    return out;
  };
  const p = pad(positive);
  const n = pad(negative);
  let divergence = 0;
  while (divergence < length && p[divergence] === n[divergence]) divergence++;
  return { positive: p, negative: n, divergence, lastPositive: positive.length - 1, lastNegative: negative.length - 1 };
}

/** Tokenizes like cvector-generator (BOS as the model says, special tokens parsed) and pads each pair. */
export function tokenizePairs(model: SteerModel, pairs: readonly PromptPair[]): PaddedPair[] {
  const addSpecial = model.info.addBos;
  const spaceTokens = model.tokenize(" ", { addSpecial: false, parseSpecial: false });
  if (spaceTokens.length === 0) throw new Error('The model tokenizes " " to nothing; cvector-generator would have no padding token');
  const padToken = spaceTokens[spaceTokens.length - 1];
  return pairs.map((pair, i) => {
    const padded = padPair(model.tokenize(pair.positive, { addSpecial }), model.tokenize(pair.negative, { addSpecial }), padToken);
    if (padded.divergence === padded.positive.length) throw new Error(`Prompt pair ${i} tokenizes to the same tokens on both sides`);
    return padded;
  });
}

export interface CvectorMeanResult {
  /** Unit directions, layers 0 .. n_layer − 2 (l_out convention). */
  directions: SteeringVector;
  /** Plain last-token mean difference (unnormalised), for reference. */
  lastToken: SteeringVector;
  /** Kept difference rows per layer (the same for every layer). */
  rows: number;
}

/**
 * The directions from a capture of [pos0, neg0, pos1, neg1, ...] at every position. Pure: no model needed.
 */
export function cvectorMeanDirections(capture: CaptureResult, pairs: readonly PaddedPair[], fingerprint?: string): CvectorMeanResult {
  if (capture.prompts.length !== pairs.length * 2) throw new Error(`Expected ${pairs.length * 2} captured prompts (positive, negative per pair), got ${capture.prompts.length}`);
  const { nEmbd } = capture;
  const row = (matrix: Float32Array, t: number) => matrix.subarray(t * nEmbd, (t + 1) * nEmbd);
  const pos = new Map<number, Float32Array[]>();
  const neg = new Map<number, Float32Array[]>();
  const lastPos = new Map<number, Float32Array[]>();
  const lastNeg = new Map<number, Float32Array[]>();
  for (const layer of capture.layers) {
    for (const m of [pos, neg, lastPos, lastNeg]) m.set(layer, []);
  }
  pairs.forEach((pair, i) => {
    const [cp, cn] = [capture.prompts[2 * i], capture.prompts[2 * i + 1]];
    if (cp.tokenCount !== pair.positive.length || cn.tokenCount !== pair.negative.length) throw new Error(`Pair ${i}: captured token counts do not match the padded prompts`);
    for (const layer of capture.layers) {
      const [mp, mn] = [cp.layers.get(layer)!, cn.layers.get(layer)!];
      if (mp.length !== cp.tokenCount * nEmbd || mn.length !== cn.tokenCount * nEmbd) throw new Error(`Pair ${i}: layer ${layer} was not captured at every position`);
      for (let t = pair.divergence; t < pair.positive.length; t++) {
        pos.get(layer)!.push(row(mp, t));
        neg.get(layer)!.push(row(mn, t));
      }
      lastPos.get(layer)!.push(row(mp, pair.lastPositive));
      lastNeg.get(layer)!.push(row(mn, pair.lastNegative));
    }
  });
  const options = { modelFingerprint: fingerprint, source: "cvector-generator mean method, reproduced" };
  const directions = meanDifference(pos, neg, options).normalize().withMeta({ method: "mean-diff" });
  const lastToken = meanDifference(lastPos, lastNeg, { modelFingerprint: fingerprint, source: "last-token mean difference" });
  return { directions, lastToken, rows: pos.get(capture.layers[0])!.length };
}

/** What cvector-generator decodes and reads: the padded pairs as [pos0, neg0, pos1, neg1, ...], and l_out-0 .. l_out-(n_layer − 2). */
export function cvectorCaptureInputs(model: SteerModel, pairs: readonly PromptPair[]): { padded: PaddedPair[]; prompts: Int32Array[]; layers: number[] } {
  const padded = tokenizePairs(model, pairs);
  return { padded, prompts: padded.flatMap((p) => [p.positive, p.negative]), layers: Array.from({ length: model.info.nLayer - 1 }, (_, i) => i) };
}

/** Captures every position of every pair at l_out-0 .. l_out-(n_layer − 2) and builds the directions. */
export async function cvectorMeanLikeGenerator(ctx: SteerContext, pairs: readonly PromptPair[], options: { signal?: AbortSignal } = {}): Promise<CvectorMeanResult> {
  const { padded, prompts, layers } = cvectorCaptureInputs(ctx.model, pairs);
  const capture = await ctx.capture(prompts, { layers, positions: "all", signal: options.signal });
  return cvectorMeanDirections(capture, padded, ctx.model.info.fingerprint);
}

export interface CosineSummary {
  /** Per layer both vectors have, ascending. */
  perLayer: { layer: number; cosine: number }[];
  min: number;
  median: number;
  /** Layers only one side has. */
  onlyA: number[];
  onlyB: number[];
}

/** Per-layer cosine of two vectors in the same layer convention, with its min and median. */
export function cosineSummary(a: SteeringVector, b: SteeringVector): CosineSummary {
  const perLayer = [...a.cosines(b)].map(([layer, cosine]) => ({ layer, cosine }));
  if (perLayer.length === 0) throw new Error(`The two vectors share no layer ([${a.layers.join(", ")}] and [${b.layers.join(", ")}])`);
  const values = perLayer.map((p) => p.cosine);
  return {
    perLayer,
    min: Math.min(...values),
    median: median(values),
    onlyA: a.layers.filter((l) => !b.has(l)),
    onlyB: b.layers.filter((l) => !a.has(l)),
  };
}
