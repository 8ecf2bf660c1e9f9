/** Runs the benchmark cases on one model and gathers their figures. */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { loadModel } from "../engine/model.js";
import { assertInteger } from "../util/validate.js";
import { captureBatchedVsSequential, captureVsPrefill, perSequenceSteeringVsPlain, steeredDecodeVsPlain, type BenchFigure, type BenchSetup } from "./engineCases.js";
import { findLlamaTools, type LlamaTools, type LlamaToolsLookup } from "./llamaTools.js";
import { evalAsaVsEvalPlain, evalVsLlamaServer } from "./evalCases.js";
import { asaRequestVsPlain, asaWholePromptVsLastPrompt, buildVsCvectorGenerator, generateVsNodeLlamaCpp, rssOverModel } from "./peerCases.js";
import { serveVsLlamaServer } from "./serverCases.js";

export interface BenchOptions {
  modelPath: string;
  /** Paired repetitions per case. Default 5. */
  reps?: number;
  /** CPU threads for every side of every comparison. Default: the available cores. */
  threads?: number;
  /** Layers of llama-steer's model offloaded to the GPU backend (-1: all). Default 0. */
  gpuLayers?: number;
  /** Chat requests per side of serve_vs_llama_server (fewer: a quicker, noisier figure). Default 200. */
  requests?: number;
  /** TEST prompts of eval_vs_llama_server and eval_asa_vs_eval_plain. Default 60. */
  evalPrompts?: number;
  /** Run only the cases that produce these keys. Default all. */
  only?: readonly string[];
  /** Where llama.cpp's tools are (tests pass a lookup). Default: findLlamaTools(). */
  llamaTools?: LlamaToolsLookup;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Called once llama-steer's model is loaded. */
  onLoaded?: () => void;
}

export interface SkippedFigure {
  key: string;
  reason: string;
}

export interface BenchReport {
  machine: string;
  model: string;
  date: string;
  threads: number;
  figures: BenchFigure[];
  /** Keys not measured in this run, with the reason (e.g. llama.cpp's tools are not built). */
  skipped: SkippedFigure[];
}

interface Case {
  /** Every key the case reports; the first names it. */
  keys: readonly string[];
  /** Needs llama.cpp's own tools (scripts/build-llama-tools.mjs). */
  needsLlamaTools?: boolean;
  run: (setup: BenchSetup, tools: LlamaTools | undefined) => Promise<BenchFigure | BenchFigure[]>;
}

const CASES: Case[] = [
  { keys: ["capture_vs_prefill"], run: (s) => captureVsPrefill(s, false) },
  { keys: ["all_layers_capture_vs_prefill"], run: (s) => captureVsPrefill(s, true) },
  { keys: ["capture_vs_prefill_full_graph"], run: (s) => captureVsPrefill(s, false, true) },
  { keys: ["all_layers_capture_vs_prefill_full_graph"], run: (s) => captureVsPrefill(s, true, true) },
  { keys: ["steered_decode_vs_plain"], run: steeredDecodeVsPlain },
  { keys: ["per_sequence_steering_vs_plain"], run: perSequenceSteeringVsPlain },
  { keys: ["capture_batched_vs_sequential"], run: captureBatchedVsSequential },
  {
    keys: ["build_vs_cvector_generator", "build_vs_cvector_generator_cosine_min", "build_vs_cvector_generator_cosine_median"],
    needsLlamaTools: true,
    run: (s, tools) => buildVsCvectorGenerator(s, tools!),
  },
  { keys: ["generate_vs_node_llama_cpp"], run: generateVsNodeLlamaCpp },
  { keys: ["asa_request_vs_plain", "asset_kb"], run: asaRequestVsPlain },
  { keys: ["asa_whole_prompt_vs_last_prompt"], run: asaWholePromptVsLastPrompt },
  { keys: ["rss_over_model_mb"], run: rssOverModel },
  { keys: ["serve_vs_llama_server"], needsLlamaTools: true, run: (s, tools) => serveVsLlamaServer(s, tools!) },
  { keys: ["eval_vs_llama_server"], needsLlamaTools: true, run: (s, tools) => evalVsLlamaServer(s, tools!) },
  { keys: ["eval_asa_vs_eval_plain"], run: evalAsaVsEvalPlain },
];

export const BENCH_KEYS = CASES.flatMap((c) => c.keys);

/** The cases `only` selects (a case runs when any of its keys is named), and the keys skipped for lack of tools. */
export function planBench(only: readonly string[] | undefined, tools: LlamaToolsLookup): { run: Case[]; skipped: SkippedFigure[] } {
  const selected = CASES.filter((c) => !only || c.keys.some((k) => only.includes(k)));
  const skipped: SkippedFigure[] = [];
  const run: Case[] = [];
  for (const c of selected) {
    if (c.needsLlamaTools && !tools.found) skipped.push(...c.keys.map((key) => ({ key, reason: tools.reason })));
    else run.push(c);
  }
  return { run, skipped };
}

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const log = options.log ?? (() => {});
  if (options.requests !== undefined) assertInteger("requests", options.requests, 1);
  if (options.evalPrompts !== undefined) assertInteger("evalPrompts", options.evalPrompts, 1);
  const tools = options.llamaTools ?? findLlamaTools();
  const plan = planBench(options.only, tools);
  for (const s of plan.skipped) log(`bench: ${s.key} skipped: ${s.reason}`);
  const model = await loadModel(options.modelPath, { signal: options.signal, gpuLayers: options.gpuLayers ?? 0 });
  options.onLoaded?.();
  const tmpDir = await mkdtemp(path.join(os.tmpdir(), "llama-steer-bench-"));
  const figures: BenchFigure[] = [];
  let threads = 0;
  try {
    const ctx = await model.createContext({ contextSize: 4096, batchSize: 1024, sequences: 64, threads: options.threads ?? "auto" });
    threads = ctx.threads;
    const setup: BenchSetup = { model, ctx, modelPath: options.modelPath, threads, reps: options.reps ?? 5, tmpDir, requests: options.requests, evalPrompts: options.evalPrompts, signal: options.signal, log };
    for (const c of plan.run) {
      log(`bench: ${c.keys[0]} ...`);
      const result = await c.run(setup, tools.found ? tools.tools : undefined);
      for (const figure of Array.isArray(result) ? result : [result]) {
        log(`bench: ${figure.key} = ${formatValue(figure)}${figure.goal !== undefined ? ` (goal >= ${figure.goal})` : ""}`);
        figures.push(figure);
      }
    }
  } finally {
    await model.dispose();
    await rm(tmpDir, { recursive: true, force: true });
  }
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  return {
    machine: `${os.cpus().length} x ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.arch()}, Node ${process.version}`,
    model: options.modelPath,
    date: new Date().toISOString(),
    threads,
    figures,
    skipped: plan.skipped,
  };
}

/** A figure's value as the CLI and Markdown show it: ratios to 3 decimals, cosines to 6 (they sit near 1), sizes to 1. */
export function formatValue(figure: BenchFigure): string {
  if (figure.unit === undefined) return figure.value.toFixed(3);
  if (figure.unit === "cosine") return figure.value.toFixed(6);
  return `${figure.value.toFixed(1)} ${figure.unit}`;
}
