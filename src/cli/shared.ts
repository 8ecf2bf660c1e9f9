/** Option parsing and model/dataset/context setup shared by the commands that run a model. */
import { loadDataset, splitOf, type DatasetSample } from "../data/index.js";
import type { SteerContext } from "../engine/context.js";
import { loadModel, type SteerModel } from "../engine/model.js";
import { getFormat, type ToolFormat } from "../formats/index.js";
import { defaultModelName, resolveModelPath } from "../models/index.js";
import { UsageError, type CommandIo, type OptionSpec } from "./command.js";
import { createProgress, type Progress } from "./progress.js";

export const modelOption: OptionSpec = { type: "string", description: "model name from the manifest or a GGUF path (default: the default model)", valueName: "NAME|PATH" };
export const dataOption: OptionSpec = { type: "string", description: "built-in dataset (necessity, tool-choice, within-topic) or a JSONL file (default necessity)", valueName: "NAME|FILE" };
export const threadsOption: OptionSpec = { type: "string", description: "CPU threads for the model (default: all available cores)", valueName: "N" };
/** The options of every command that opens a model: spread into a command's `options`. */
export const sessionOptions = { model: modelOption, threads: threadsOption } as const;
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

/** Parses "3", "2,5,9" or "4..12" into layers. */
export function parseLayers(value: unknown): number[] | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  const range = /^(\d+)\.\.(\d+)$/.exec(text);
  if (range) {
    const [a, b] = [Number(range[1]), Number(range[2])];
    if (b < a) throw new UsageError(`--layers range ${text} is empty`);
    return Array.from({ length: b - a + 1 }, (_, i) => a + i);
  }
  const list = parseNumberList("layers", text)!;
  if (list.some((l) => !Number.isInteger(l) || l < 0)) throw new UsageError(`--layers takes layer numbers, got "${text}"`);
  return list;
}

export interface Session {
  model: SteerModel;
  ctx: SteerContext;
  modelPath: string;
  dispose(): Promise<void>;
}

/** Loads the model (fetching a manifest model if needed) and a context sized for batched evaluation. */
export async function openSession(values: { model?: unknown; threads?: unknown }, io: CommandIo): Promise<Session> {
  const modelArg = values.model;
  const threads = values.threads === undefined ? "auto" : parseInteger("threads", values.threads, 1, 1);
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
  const model = await loadModel(modelPath, { signal: io.signal });
  const ctx = await model.createContext({ contextSize: Math.min(8192, Math.max(2048, model.info.nCtxTrain)), batchSize: 512, sequences: 32, threads });
  return { model, ctx, modelPath, dispose: () => model.dispose() };
}

export const subsetOption: OptionSpec = { type: "string", description: "keep every K-th sample of each split (quick runs; default 1 = all)", valueName: "K" };

/** Loads a dataset; `subset` K keeps every K-th sample of each split (the splits stay disjoint and balanced). */
export async function openDataset(dataArg: unknown, io: CommandIo, subsetArg?: unknown): Promise<{ name: string; samples: DatasetSample[]; all: DatasetSample[] }> {
  const name = typeof dataArg === "string" ? dataArg : "necessity";
  const every = parseInteger("subset", subsetArg, 1, 1);
  const all = await loadDataset(name, { signal: io.signal });
  if (every === 1) return { name, samples: all, all };
  const seen = new Map<string, number>();
  const samples = all.filter((s) => {
    const key = `${splitOf(s)}|${s.domain}|${s.needs_tool}`;
    const k = seen.get(key) ?? 0;
    seen.set(key, k + 1);
    return k % every === 0;
  });
  return { name: `${name} (every ${every}th sample of each split)`, samples, all };
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
