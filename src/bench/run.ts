/** Runs the benchmark cases on one model and gathers their figures. */
import os from "node:os";

import { loadModel } from "../engine/model.js";
import { captureVsPrefill, steeredDecodeVsPlain, type BenchFigure, type BenchSetup } from "./engineCases.js";

export interface BenchOptions {
  modelPath: string;
  /** Paired repetitions per case. Default 5. */
  reps?: number;
  /** Run only these keys. Default all. */
  only?: readonly string[];
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface BenchReport {
  machine: string;
  model: string;
  date: string;
  figures: BenchFigure[];
}

type Case = { key: string; run: (setup: BenchSetup) => Promise<BenchFigure> };

const CASES: Case[] = [
  { key: "capture_vs_prefill", run: (s) => captureVsPrefill(s, false) },
  { key: "all_layers_capture_vs_prefill", run: (s) => captureVsPrefill(s, true) },
  { key: "capture_vs_prefill_full_graph", run: (s) => captureVsPrefill(s, false, true) },
  { key: "all_layers_capture_vs_prefill_full_graph", run: (s) => captureVsPrefill(s, true, true) },
  { key: "steered_decode_vs_plain", run: steeredDecodeVsPlain },
];

export const BENCH_KEYS = CASES.map((c) => c.key);

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const log = options.log ?? (() => {});
  const model = await loadModel(options.modelPath, { signal: options.signal });
  const figures: BenchFigure[] = [];
  try {
    const ctx = await model.createContext({ contextSize: 4096, batchSize: 1024, sequences: 64 });
    const setup: BenchSetup = { model, ctx, reps: options.reps ?? 5, signal: options.signal, log };
    for (const c of CASES) {
      if (options.only && !options.only.includes(c.key)) continue;
      log(`bench: ${c.key} ...`);
      const figure = await c.run(setup);
      log(`bench: ${c.key} = ${figure.value.toFixed(3)}${figure.goal ? ` (goal >= ${figure.goal})` : ""}`);
      figures.push(figure);
    }
  } finally {
    await model.dispose();
  }
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  return {
    machine: `${os.cpus().length} x ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.arch()}, Node ${process.version}`,
    model: options.modelPath,
    date: new Date().toISOString(),
    figures,
  };
}
