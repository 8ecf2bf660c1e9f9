/** Option parsing and model/dataset/context setup shared by the commands that run a model. */
import { loadDataset, splitOf, type DatasetSample } from "../data/index.js";
import { backendReport } from "../engine/binding.js";
import type { SteerContext } from "../engine/context.js";
import { loadModel, type SteerModel } from "../engine/model.js";
import { evalContextOptions } from "../eval/runner.js";
import { getFormat, type ToolFormat } from "../formats/index.js";
import { defaultModelName, resolveModelPath } from "../models/index.js";
import { UsageError, type CommandIo, type OptionSpec } from "./command.js";
import { createProgress, type Progress } from "./progress.js";

export const modelOption: OptionSpec = { type: "string", description: "model name from the manifest or a GGUF path (default: the default model)", valueName: "NAME|PATH" };
export const dataOption: OptionSpec = { type: "string", description: "built-in dataset (necessity, tool-choice, within-topic) or a JSONL file (default necessity)", valueName: "NAME|FILE" };
export const threadsOption: OptionSpec = { type: "string", description: "CPU threads for the model (default: all available cores)", valueName: "N" };
export const gpuLayersOption: OptionSpec = {
  type: "string",
  description: "layers to offload to the GPU backend, or \"all\" (default 0: CPU only; the backend is chosen as node-llama-cpp chooses it, NODE_LLAMA_CPP_GPU overrides)",
  valueName: "N|all",
};
/** The options of every command that opens a model: spread into a command's `options`. */
export const sessionOptions = { model: modelOption, threads: threadsOption, "gpu-layers": gpuLayersOption } as const;

/** `--gpu-layers`: a count, or "all"/"max" (-1, llama.cpp's every layer); 0 when absent. */
export function parseGpuLayers(value: unknown): number {
  if (value === "all" || value === "max") return -1;
  return parseInteger("gpu-layers", value, 0, 0);
}

/**
 * One line on stderr when layers were asked for on a GPU but no GPU backend loaded (the reason comes from the
 * backend choice: no GPU package installed, no driver, wrong runtime).
 */
export function warnIfNotOffloaded(gpuLayers: number, io: CommandIo): void {
  if (gpuLayers === 0) return;
  const report = backendReport();
  if (report?.loadedGpu) return;
  io.log(`llama-steer: --gpu-layers ${gpuLayers === -1 ? "all" : gpuLayers} has no effect: ${report?.fallbackReason ?? "no GPU backend is installed (node-llama-cpp's GPU packages for this platform are missing)"}`);
}
export const formatOption: OptionSpec = { type: "string", description: "tool format: asa, hermes, json, chat-template (default asa)", valueName: "NAME" };

export function parseNumberList(flag: string, value: unknown): number[] | undefined {
  if (value === undefined) return undefined;
  const parts = String(value).split(",").map((s) => s.trim()).filter(Boolean);
  const nums = parts.map(Number);
  if (nums.length === 0 || nums.some((n) => !Number.isFinite(n))) throw new UsageError(`--${flag} takes comma-separated numbers, got "${String(value)}"`);
  return nums;
}

export function parseInteger(flag: string, value: unknown, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${flag} takes an integer >= ${min}, got "${String(value)}"`);
  return n;
}

/** Parses "3", "2,5,9" or "4..12" into layers (`flag` names the option in errors). */
export function parseLayers(value: unknown, flag = "layers"): number[] | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  const range = /^(\d+)\.\.(\d+)$/.exec(text);
  if (range) {
    const [a, b] = [Number(range[1]), Number(range[2])];
    if (b < a) throw new UsageError(`--${flag} range ${text} is empty`);
    return Array.from({ length: b - a + 1 }, (_, i) => a + i);
  }
  const list = parseNumberList(flag, text)!;
  if (list.some((l) => !Number.isInteger(l) || l < 0)) throw new UsageError(`--${flag} takes layer numbers, got "${text}"`);
  return list;
}

export interface Session {
  model: SteerModel;
  ctx: SteerContext;
  modelPath: string;
  dispose(): Promise<void>;
}

/** Loads the model (fetching a manifest model if needed) and a context sized for batched evaluation. */
export async function openSession(values: { model?: unknown; threads?: unknown; "gpu-layers"?: unknown }, io: CommandIo): Promise<Session> {
  const modelArg = values.model;
  const threads = values.threads === undefined ? "auto" : parseInteger("threads", values.threads, 1, 1);
  const gpuLayers = parseGpuLayers(values["gpu-layers"]);
  // Created on the first report only: a cached model prints nothing.
  let progress: Progress | undefined;
  const modelPath = await resolveModelPath(typeof modelArg === "string" ? modelArg : defaultModelName(), {
    signal: io.signal,
    onProgress: (p) => {
      if (p.phase === "verify-cache" || p.phase === "done") return;
      progress ??= createProgress("fetching model", p.totalBytes ?? 1);
      progress.update(p.bytes, p.totalBytes ?? Math.max(p.bytes, 1), `model: ${p.phase}`);
    },
  });
  progress?.done();
  const model = await loadModel(modelPath, { signal: io.signal, gpuLayers });
  warnIfNotOffloaded(gpuLayers, io);
  const ctx = await model.createContext({ ...evalContextOptions(model.info.nCtxTrain), threads });
  return { model, ctx, modelPath, dispose: () => model.dispose() };
}

export const subsetOption: OptionSpec = { type: "string", description: "keep every K-th sample of each split (quick runs; default 1 = all)", valueName: "K" };

export const valSubsetOption: OptionSpec = {
  type: "string",
  description: "keep every K-th of the VAL samples --subset kept: a cheaper choice on VAL that leaves the fitted parts (CAL vectors, TRAIN probes) as they are (default 1)",
  valueName: "K",
};

/**
 * Loads a dataset; `subset` K keeps every K-th sample of each split (the splits stay disjoint and balanced), within
 * each domain and class; `valSubset` J keeps every J-th of the VAL samples left (nested: every (K·J)-th).
 */
export async function openDataset(
  dataArg: unknown,
  io: CommandIo,
  subsetArg?: unknown,
  valSubsetArg?: unknown,
): Promise<{ name: string; samples: DatasetSample[]; all: DatasetSample[] }> {
  const name = typeof dataArg === "string" ? dataArg : "necessity";
  const every = parseInteger("subset", subsetArg, 1, 1);
  const valEvery = every * parseInteger("val-subset", valSubsetArg, 1, 1);
  const all = await loadDataset(name, { signal: io.signal });
  if (every === 1 && valEvery === 1) return { name, samples: all, all };
  const seen = new Map<string, number>();
  const samples = all.filter((s) => {
    const key = `${splitOf(s)}|${s.domain}|${s.needs_tool}`;
    const k = seen.get(key) ?? 0;
    seen.set(key, k + 1);
    return k % (splitOf(s) === "val" ? valEvery : every) === 0;
  });
  const kept = [every > 1 ? `every ${every}th sample of each split` : "", valEvery > every ? `every ${valEvery}th of VAL` : ""].filter(Boolean).join(", ");
  return { name: `${name} (${kept})`, samples, all };
}

export function formatFrom(value: unknown): ToolFormat {
  return getFormat(typeof value === "string" ? value : "asa");
}

/** One progress bar whose label follows the phase of a long job. */
export function phaseProgress(): { onProgress: (phase: string, done: number, total: number) => void; done: () => void } {
  let bar: Progress | undefined;
  let phase = "";
  return {
    onProgress(p, done, total) {
      if (p !== phase) {
        bar?.done();
        bar = createProgress(p, total);
        phase = p;
      }
      bar!.update(done, total);
    },
    done: () => bar?.done(),
  };
}
