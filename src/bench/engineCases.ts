/** Engine benchmarks: the cost of capture and of steering, as ratios against the same work without them. */
import type { SteerContext } from "../engine/context.js";
import type { SteerModel } from "../engine/model.js";
import { seededVector } from "../util/arrays.js";
import { PACKED_DECODE_TOKENS } from "../engine/promptBatches.js";
import { cvectorCaptureInputs, cvectorPairs } from "./cvectorCompare.js";
import { timePaired, type PairedTiming } from "./measure.js";

export interface BenchFigure {
  key: string;
  /** A ratio (higher is better for every ratio key), or a quantity in `unit`. */
  value: number;
  /** Set for figures that are not ratios ("KiB", "MiB", "cosine"). */
  unit?: string;
  goal?: number;
  detail: string;
  timing?: PairedTiming;
  /** Further measurements behind the figure (per-layer values, counts), for the JSON document. */
  extra?: Record<string, unknown>;
}

export interface BenchSetup {
  model: SteerModel;
  ctx: SteerContext;
  modelPath: string;
  /** CPU threads every side of every comparison uses. */
  threads: number;
  reps: number;
  /** A folder for this run's files (removed afterwards). */
  tmpDir: string;
  /** Requests per side of serve_vs_llama_server. Default SERVE_REQUESTS (200). */
  requests?: number;
  /** TEST prompts of the eval_* cases. Default EVAL_PROMPTS (60). */
  evalPrompts?: number;
  signal?: AbortSignal;
  log: (line: string) => void;
}

const TOPICS = ["the weather in Oslo", "a derivative", "Python decorators", "the French word for cat", "compound interest", "the capital of Peru", "a binary search", "photosynthesis"];

/** 64 distinct prompts of a few dozen tokens, like the rows a probe is trained on. */
export function benchPrompts(n = 64): string[] {
  return Array.from({ length: n }, (_, i) => `Question ${i + 1}: could you explain ${TOPICS[i % TOPICS.length]} in a couple of sentences, with one example?`);
}

/**
 * Capture against a plain prefill of the same prompts. `fullGraph` keeps every block running (the pure
 * cost of the hook); without it capture stops after the layer it reads, as it does by default.
 */
export async function captureVsPrefill(setup: BenchSetup, allLayers: boolean, fullGraph = false): Promise<BenchFigure> {
  const { ctx, model } = setup;
  const prompts = benchPrompts(64);
  const layer = Math.floor(model.info.nLayer / 2);
  const layers = allLayers ? ("all" as const) : [layer];
  const timing = await timePaired(
    () => ctx.capture(prompts, { layers, positions: "last", fullGraph, signal: setup.signal }).then(() => undefined),
    () => ctx.prefill(prompts, { signal: setup.signal }),
    { reps: setup.reps, signal: setup.signal },
  );
  return {
    key: `${allLayers ? "all_layers_capture_vs_prefill" : "capture_vs_prefill"}${fullGraph ? "_full_graph" : ""}`,
    value: timing.ratio,
    goal: fullGraph ? undefined : allLayers ? 0.85 : 0.95,
    detail:
      `64 prompts packed up to ${PACKED_DECODE_TOKENS} tokens per decode; last-token rows of ${allLayers ? `all ${model.info.nLayer} layers` : `layer ${layer}`} vs the same decodes reading nothing (throughput ratio)` +
      (fullGraph ? "; every block and the output head still run (hook cost alone)" : "; capture stops after the layer it reads (default)"),
    timing,
  };
}

/** Tokens each decode benchmark generates: enough that one run lasts seconds, not a few timer ticks. */
const DECODE_TOKENS = 128;
export const STORY_PROMPT = "Write a short story about a lighthouse keeper who finds a message in a bottle.";

/** The steering the decode benches apply: a small vector at the middle layer, which must not end generation early, only cost what steering costs. */
function benchSteering(model: SteerModel): { layer: number; vector: Float32Array } {
  return { layer: Math.floor(model.info.nLayer / 2), vector: seededVector(model.info.nEmbd, 7, 0.01) };
}

export async function steeredDecodeVsPlain(setup: BenchSetup): Promise<BenchFigure> {
  const { ctx, model } = setup;
  const { layer, vector } = benchSteering(model);
  const prompt = STORY_PROMPT;
  const maxTokens = DECODE_TOKENS;
  const run = (steer: boolean) => async () => {
    // Past end-of-generation too: both variants must decode the same number of tokens.
    const r = await ctx.generate(prompt, { maxTokens, steer: steer ? [{ layer, vector }] : undefined, ignoreEndOfGeneration: true, signal: setup.signal });
    if (r.tokens.length !== maxTokens) throw new Error(`bench generated ${r.tokens.length} tokens instead of ${maxTokens}`);
    // Time of the decode steps, prefill excluded.
    return r.timings.decodeMs;
  };
  const timing = await timePaired(run(true), run(false), { reps: setup.reps, signal: setup.signal });
  return {
    key: "steered_decode_vs_plain",
    value: timing.ratio,
    goal: 0.97,
    detail: `greedy decode of ${maxTokens} tokens with one always-on spec at layer ${layer} (run as llama.cpp's control vector) vs none (tokens/s ratio)`,
    timing,
  };
}

/**
 * Steering that differs between sequences cannot be llama.cpp's control vector (one per context): the
 * eval callback adds each sequence's own vector to its rows. Two sequences generate side by side, one
 * steered, against the same two unsteered.
 */
export async function perSequenceSteeringVsPlain(setup: BenchSetup): Promise<BenchFigure> {
  const { ctx, model } = setup;
  const { layer, vector } = benchSteering(model);
  const prompts = [STORY_PROMPT, "Describe a walk through a busy market on a rainy morning."];
  const run = (steer: boolean) => async () => {
    const results = await ctx.generateBatch(
      prompts.map((prompt, i) => ({ prompt, steer: steer && i === 0 ? [{ layer, vector }] : undefined })),
      { maxTokens: DECODE_TOKENS, ignoreEndOfGeneration: true, signal: setup.signal },
    );
    if (results.some((r) => r.tokens.length !== DECODE_TOKENS)) throw new Error(`bench generated fewer than ${DECODE_TOKENS} tokens`);
    return undefined;
  };
  const timing = await timePaired(run(true), run(false), { reps: setup.reps, signal: setup.signal });
  return {
    key: "per_sequence_steering_vs_plain",
    value: timing.ratio,
    detail: `two sequences generating ${DECODE_TOKENS} tokens each in one batch, the first steered at layer ${layer} through the eval callback (the path for steering that differs per sequence), vs neither steered (throughput ratio)`,
    timing,
  };
}

/**
 * What packing prompts into shared decodes buys on this machine: the prompt pairs of the
 * cvector-generator comparison, every position of every layer it writes, captured packed vs one prompt
 * per decode (the way cvector-generator runs them). On a CPU, prefill is bound by arithmetic, so this
 * stays near 1; on a GPU one short prompt per decode leaves most of the device idle.
 */
export async function captureBatchedVsSequential(setup: BenchSetup): Promise<BenchFigure> {
  const { ctx, model } = setup;
  const { prompts, layers } = cvectorCaptureInputs(model, cvectorPairs(32));
  const options = { layers, positions: "all" as const, signal: setup.signal };
  const timing = await timePaired(
    () => ctx.capture(prompts, options).then(() => undefined),
    async () => {
      for (const prompt of prompts) await ctx.capture([prompt], options);
    },
    { reps: setup.reps, signal: setup.signal },
  );
  const tokens = prompts.reduce((n, p) => n + p.length, 0);
  return {
    key: "capture_batched_vs_sequential",
    value: timing.ratio,
    detail: `${prompts.length} prompts (${tokens} tokens), rows of layers 0–${model.info.nLayer - 2} at every position: packed up to ${PACKED_DECODE_TOKENS} tokens per decode vs one prompt per decode (throughput ratio)`,
    timing,
  };
}
