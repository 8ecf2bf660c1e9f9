/**
 * Benchmarks against peers, side by side in one run: llama.cpp's cvector-generator (building control
 * vectors), node-llama-cpp (plain greedy generation), and the ASA controller against the same request
 * unsteered, with the asset's size and the memory an evaluation needs above the model file.
 */
import { existsSync } from "node:fs";
import { stat, writeFile } from "node:fs/promises";
import path from "node:path";

import { importControlVector, saveAsset, type InjectionPositions, type SteeringAsset } from "../assets/index.js";
import { loadDataset, splitOf, type DatasetSample } from "../data/index.js";
import { loadModel } from "../engine/model.js";
import { renderSamples } from "../eval/prompts.js";
import { getFormat } from "../formats/index.js";
import { asaDecide, asaSteering, type AsaDecision } from "../science/asa.js";
import { buildAsaAsset } from "../science/buildAsa.js";
import { cosineSummary, cvectorMeanLikeGenerator, cvectorPairs, type CvectorMeanResult } from "./cvectorCompare.js";
import { STORY_PROMPT, type BenchFigure, type BenchSetup } from "./engineCases.js";
import { CVECTOR_GENERATOR_DECODE_START, promptFileText, runTool, tail, type LlamaTools } from "./llamaTools.js";
import { median, plural, round, timePaired } from "./measure.js";
import { BenchWorker } from "./workerClient.js";

/** Between runs in different processes (see TimePairedOptions.settleMs). */
const SETTLE_MS = 750;
const GENERATED_TOKENS = 64;
const CONTEXT = { contextSize: 4096, batchSize: 1024, sequences: 64 } as const;

export async function buildVsCvectorGenerator(setup: BenchSetup, tools: LlamaTools): Promise<BenchFigure[]> {
  const { modelPath, threads, tmpDir } = setup;
  const pairs = cvectorPairs(32);
  const positiveFile = path.join(tmpDir, "positive.txt");
  const negativeFile = path.join(tmpDir, "negative.txt");
  const outFile = path.join(tmpDir, "cvector-generator.gguf");
  await writeFile(positiveFile, promptFileText(pairs.map((p) => p.positive)));
  await writeFile(negativeFile, promptFileText(pairs.map((p) => p.negative)));
  const args = ["-m", modelPath, "--positive-file", positiveFile, "--negative-file", negativeFile, "--method", "mean", "-o", outFile, "-t", String(threads), "-fa", "off"];

  // From its token-count line to its exit: its capture and build alone.
  const theirInnerMs: number[] = [];
  const theirs = async () => {
    const run = await runTool(tools.paths["llama-cvector-generator"], args, { signal: setup.signal, cwd: tmpDir, mark: CVECTOR_GENERATOR_DECODE_START });
    if (run.code !== 0 || !existsSync(outFile)) throw new Error(`llama-cvector-generator failed (exit ${run.code ?? run.signal}):\n${tail(run.stderr + run.stdout)}`);
    if (run.markMs !== undefined) theirInnerMs.push(run.ms - run.markMs);
    return run.ms;
  };
  let ours: CvectorMeanResult | undefined;
  const innerMs: number[] = [];
  // Like for like: from a GGUF path and prompt pairs to vectors, model load included on both sides.
  const mine = async () => {
    const t0 = performance.now();
    const model = await loadModel(modelPath, { signal: setup.signal });
    try {
      const ctx = await model.createContext({ ...CONTEXT, threads });
      const t1 = performance.now();
      ours = await cvectorMeanLikeGenerator(ctx, pairs, { signal: setup.signal });
      innerMs.push(performance.now() - t1);
    } finally {
      await model.dispose();
    }
    return performance.now() - t0;
  };
  const timing = await timePaired(mine, theirs, { reps: setup.reps, settleMs: SETTLE_MS, signal: setup.signal });

  const imported = await importControlVector(outFile, { convention: "l_out", expectNEmbd: setup.model.info.nEmbd });
  const same = cosineSummary(imported.vector, ours!.directions);
  const lastToken = cosineSummary(imported.vector, ours!.lastToken);
  const inner = median(innerMs);
  const theirInner = theirInnerMs.length > 0 ? median(theirInnerMs) : undefined;
  const innerRatio = theirInner === undefined ? undefined : theirInner / inner;
  const perLayer = same.perLayer.map((p) => ({ layer: p.layer, cosine: round(p.cosine, 6) }));
  const extra = { pairs: pairs.length, rows_per_layer: ours!.rows, layers: perLayer.length, per_layer_cosine: perLayer, our_capture_and_build_ms: round(inner, 1), their_capture_and_build_ms: theirInner === undefined ? null : round(theirInner, 1), capture_and_build_ratio: innerRatio === undefined ? null : round(innerRatio, 3), llama_tools_tag: tools.tag };
  return [
    {
      key: "build_vs_cvector_generator",
      value: timing.ratio,
      goal: 3,
      detail:
        `llama.cpp's cvector-generator --method mean (A: llama-steer) on ${pairs.length} prompt pairs, all ${perLayer.length} layers it writes, ${plural(threads, "thread")}; ` +
        `both from the GGUF path to vectors (model load included); capture + build alone (medians): llama-steer ${inner.toFixed(0)} ms, cvector-generator ${theirInner === undefined ? "not measured (its token count line never came)" : `${theirInner.toFixed(0)} ms (ratio ${innerRatio!.toFixed(3)})`}`,
      timing,
      extra,
    },
    {
      key: "build_vs_cvector_generator_cosine_min",
      value: same.min,
      unit: "cosine",
      goal: 0.99,
      detail: `per-layer cosine, cvector-generator's direction.(i+1) vs our layer i computed the same way (every position after the pair's prompts diverge, padded alike, pooled mean, unit length); min over ${perLayer.length} layers`,
      extra: { per_layer_cosine: perLayer },
    },
    {
      key: "build_vs_cvector_generator_cosine_median",
      value: same.median,
      unit: "cosine",
      detail:
        `median of the same per-layer cosines; for reference, our plain last-token mean difference vs its vectors: ` +
        `median ${lastToken.median.toFixed(3)}, min ${lastToken.min.toFixed(3)} (different methods, not expected to agree)`,
      extra: { last_token_per_layer_cosine: lastToken.perLayer.map((p) => ({ layer: p.layer, cosine: round(p.cosine, 6) })) },
    },
  ];
}

/** One sequence, node-llama-cpp's default batch size: the same kind of context on both sides. */
const GENERATE_CONTEXT = { contextSize: 4096, batchSize: 512, sequences: 1 } as const;

export async function generateVsNodeLlamaCpp(setup: BenchSetup): Promise<BenchFigure> {
  const { model, threads } = setup;
  const tokens = model.tokenize(STORY_PROMPT);
  const worker = BenchWorker.start();
  const ctx = await model.createContext({ ...GENERATE_CONTEXT, threads });
  try {
    await worker.request({ type: "nlc-load", modelPath: setup.modelPath, threads, ...GENERATE_CONTEXT });
    let ourTokens: Int32Array | undefined;
    let theirTokens: number[] | undefined;
    const mine = async () => {
      const t0 = performance.now();
      const r = await ctx.generate(tokens, { maxTokens: GENERATED_TOKENS, ignoreEndOfGeneration: true, signal: setup.signal });
      const ms = performance.now() - t0;
      if (r.tokens.length !== GENERATED_TOKENS) throw new Error(`llama-steer generated ${r.tokens.length} tokens instead of ${GENERATED_TOKENS}`);
      ourTokens = Int32Array.from(r.tokens);
      return ms;
    };
    const theirs = async () => {
      const r = await worker.request({ type: "nlc-generate", tokens: Array.from(tokens), maxTokens: GENERATED_TOKENS });
      theirTokens = r.tokens;
      return r.ms;
    };
    const timing = await timePaired(mine, theirs, { reps: setup.reps, settleMs: SETTLE_MS, signal: setup.signal });
    const firstDifference = ourTokens!.findIndex((t, i) => t !== theirTokens![i]);
    return {
      key: "generate_vs_node_llama_cpp",
      value: timing.ratio,
      goal: 0.95,
      detail:
        `unsteered greedy generation of ${GENERATED_TOKENS} tokens after a ${tokens.length}-token prompt (prefill included), ${plural(threads, "thread")}; ` +
        `B: node-llama-cpp's LlamaContextSequence.evaluate in a separate process, same model, prompt tokens and context (${GENERATE_CONTEXT.contextSize} cells, 1 sequence, batch ${GENERATE_CONTEXT.batchSize}) (tokens/s ratio); ` +
        `greedy tokens ${firstDifference < 0 ? "identical" : `first differ at token ${firstDifference}`}`,
      timing,
      extra: { prompt_tokens: tokens.length, generated_tokens: GENERATED_TOKENS, tokens_identical: firstDifference < 0 },
    };
  } finally {
    await ctx.dispose();
    await worker.close();
  }
}

export interface BenchAsa {
  asset: SteeringAsset;
  assetPath: string;
  assetBytes: number;
  /** Rendered TEST prompts (ASA format). */
  testPrompts: string[];
  counts: { cal: number; train: number; val: number };
}

const asaCache = new WeakMap<BenchSetup, Promise<BenchAsa>>();

/** Every `every`-th sample of each (split, domain, needs_tool) stratum, in file order. */
function subset(samples: readonly DatasetSample[], every: number): DatasetSample[] {
  const seen = new Map<string, number>();
  return samples.filter((s) => {
    const key = `${splitOf(s)}|${s.domain}|${s.needs_tool}`;
    const k = seen.get(key) ?? 0;
    seen.set(key, k + 1);
    return k % every === 0;
  });
}

/**
 * A small ASA asset for the bench model, built once per run: every 10th sample of the necessity dataset,
 * vectors from CAL, router and probes from TRAIN, the middle layer, α = 2 and τ = 0.5 checked on VAL with
 * 4 new tokens per sample. Its quality does not matter here, only what it costs to run and store.
 */
export function benchAsa(setup: BenchSetup): Promise<BenchAsa> {
  let pending = asaCache.get(setup);
  if (!pending) {
    pending = (async () => {
      const format = getFormat("asa");
      const samples = subset(await loadDataset("necessity", { signal: setup.signal }), 10);
      setup.log(`bench: building a small ASA asset from ${samples.length} necessity samples ...`);
      const built = await buildAsaAsset(setup.ctx, samples, {
        format,
        layer: Math.floor(setup.model.info.nLayer / 2),
        alphas: [2],
        taus: [0.5],
        selectionMaxTokens: 4,
        signal: setup.signal,
      });
      const assetPath = path.join(setup.tmpDir, "asa-asset.json");
      await saveAsset(assetPath, built.asset);
      const asset = { ...built.asset, version: 1, createdAt: new Date().toISOString() } as SteeringAsset;
      const test = samples.filter((s) => splitOf(s) === "test");
      const testPrompts = await renderSamples(setup.model, test, format, { signal: setup.signal });
      return { asset, assetPath, assetBytes: (await stat(assetPath)).size, testPrompts, counts: built.counts };
    })();
    asaCache.set(setup, pending);
  }
  return pending;
}

/**
 * One timed request of exactly GENERATED_TOKENS greedy tokens: unsteered (positions undefined), or under the ASA
 * controller injecting at the given positions; `decided` receives the gate's decision.
 */
function timedRequest(setup: BenchSetup, asset: SteeringAsset, prompt: string, positions?: InjectionPositions, decided?: (d: AsaDecision) => void) {
  return async () => {
    const choose = (row: Float32Array) => {
      const decision = asaDecide(asset, row);
      decided?.(decision);
      return asaSteering(asset, decision, { positions });
    };
    const t0 = performance.now();
    const [r] = await setup.ctx.generateBatch([positions ? { prompt, decide: { layer: asset.layer, choose } } : { prompt }], {
      maxTokens: GENERATED_TOKENS,
      ignoreEndOfGeneration: true,
      signal: setup.signal,
    });
    const ms = performance.now() - t0;
    if (r.tokens.length !== GENERATED_TOKENS) throw new Error(`the bench request generated ${r.tokens.length} tokens instead of ${GENERATED_TOKENS}`);
    return ms;
  };
}

export async function asaRequestVsPlain(setup: BenchSetup): Promise<BenchFigure[]> {
  const asa = await benchAsa(setup);
  const prompt = asa.testPrompts[0];
  let decision: AsaDecision | undefined;
  const steered = timedRequest(setup, asa.asset, prompt, "last-prompt", (d) => (decision = d));
  const timing = await timePaired(steered, timedRequest(setup, asa.asset, prompt), { reps: setup.reps, signal: setup.signal });
  const promptTokens = setup.model.tokenize(prompt).length;
  const kib = asa.assetBytes / 1024;
  const { cal, train, val } = asa.counts;
  return [
    {
      key: "asa_request_vs_plain",
      value: timing.ratio,
      goal: 0.95,
      detail:
        `one TEST request of the necessity dataset in the ASA format (${promptTokens}-token prompt) + exactly ${GENERATED_TOKENS} greedy tokens: ` +
        `under the ASA controller (read layer ${asa.asset.layer}, router, probe, gate ${decision?.gate ?? "?"} with p = ${decision?.p.toFixed(3) ?? "?"}, last prompt token decoded again) vs unsteered (latency ratio)`,
      timing,
      extra: { prompt_tokens: promptTokens, gate: decision?.gate, p: decision?.p, layer: asa.asset.layer },
    },
    {
      key: "asset_kb",
      value: kib,
      unit: "KiB",
      detail: `that ASA asset as JSON (global + ${asa.asset.vectors.domains.size} domain vectors, router, probes; built from CAL ${cal}, TRAIN ${train}, VAL ${val} samples)`,
      extra: { bytes: asa.assetBytes },
    },
  ];
}

/** What injecting over the whole prompt costs against the last prompt token alone (the prompt is decoded twice). */
export async function asaWholePromptVsLastPrompt(setup: BenchSetup): Promise<BenchFigure> {
  const asa = await benchAsa(setup);
  const prompt = asa.testPrompts[0];
  let decision: AsaDecision | undefined;
  const whole = timedRequest(setup, asa.asset, prompt, "prompt", (d) => (decision = d));
  const timing = await timePaired(whole, timedRequest(setup, asa.asset, prompt, "last-prompt"), { reps: setup.reps, signal: setup.signal });
  const promptTokens = setup.model.tokenize(prompt).length;
  return {
    key: "asa_whole_prompt_vs_last_prompt",
    value: timing.ratio,
    detail:
      `the request of asa_request_vs_plain (${promptTokens}-token prompt + ${GENERATED_TOKENS} greedy tokens, gate ${decision?.gate ?? "?"}) under the ASA controller ` +
      `injecting over every prompt token (the prompt decoded again after the gate reads it) vs at the last prompt token only (latency ratio)`,
    timing,
    extra: { prompt_tokens: promptTokens, gate: decision?.gate },
  };
}

export async function rssOverModel(setup: BenchSetup): Promise<BenchFigure> {
  const asa = await benchAsa(setup);
  const prompts = asa.testPrompts.slice(0, 32);
  const maxTokens = 32;
  const worker = BenchWorker.start();
  try {
    const r = await worker.request({ type: "eval-rss", modelPath: setup.modelPath, threads: setup.threads, assetPath: asa.assetPath, prompts, maxTokens });
    const mib = (b: number) => b / 2 ** 20;
    return {
      key: "rss_over_model_mb",
      value: mib(r.peakRssBytes - r.modelFileBytes),
      unit: "MiB",
      detail:
        `peak resident memory of a fresh process running ${prompts.length} TEST prompts under the ASA controller (${maxTokens} new tokens each, batched, the eval command's context) ` +
        `minus the model file: ${mib(r.peakRssBytes).toFixed(0)} − ${mib(r.modelFileBytes).toFixed(0)} MiB (Node alone at start: ${mib(r.startRssBytes).toFixed(0)} MiB)`,
      extra: { peak_rss_bytes: r.peakRssBytes, model_file_bytes: r.modelFileBytes, start_rss_bytes: r.startRssBytes, generated_tokens: r.generated },
    };
  } finally {
    await worker.close();
  }
}
