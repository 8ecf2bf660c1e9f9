/**
 * The one typed description of the native addon, and the only module that loads it.
 * Everything else goes through these types; the raw binding never leaks past src/engine/.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

import { ErrorCodes, SteerError } from "../errors.js";
import { packageRoot } from "../util/packageRoot.js";
import { loadBackendBinaries, parseGpuOption, type BackendReport, type GpuOption } from "./backends.js";

export interface NativeModelInfo {
  nLayer: number;
  nEmbd: number;
  nHead: number;
  nVocab: number;
  nCtxTrain: number;
  sizeBytes: number;
  nParams: number;
  description: string;
  architecture: string;
  name: string;
  chatTemplate: string | null;
  bos: number;
  eos: number;
  eot: number;
  addBos: boolean;
  hasEncoder: boolean;
  isRecurrent: boolean;
}

export interface NativeModel {
  info(): NativeModelInfo;
  metadata(): Record<string, string>;
  tokenize(text: string, addSpecial: boolean, parseSpecial: boolean): Int32Array;
  detokenize(tokens: Int32Array, removeSpecial: boolean, unparseSpecial: boolean): string;
  tokenBytes(token: number, special: boolean): Uint8Array;
  isEndOfGeneration(token: number): boolean;
  dispose(): void;
}

export interface NativeContextOptions {
  nCtx: number;
  nBatch: number;
  nSeqMax: number;
  nThreads: number;
  kvUnified: boolean;
  threadpool: boolean;
  flashAttention: boolean;
}

export interface NativeContextInfo {
  nCtx: number;
  nBatch: number;
  nUbatch: number;
  nSeqMax: number;
  nThreads: number;
  threadpool: boolean;
}

/** One vector added to rows of `l_out-<layer>` during a decode; `rows` are batch indices (all rows if absent). */
export interface NativeAdd {
  layer: number;
  vector: Float32Array;
  rows?: Int32Array;
}

export interface NativeDecodeRequest {
  tokens: Int32Array;
  positions: Int32Array;
  sequences: Int32Array;
  /** 1 where the batch entry requests logits (and keeps its row in the last layer). */
  outputs: Uint8Array;
  adds?: NativeAdd[];
  /** Rows (batch indices) of these layers are copied out, in `rows` order. */
  capture?: { layers: Int32Array; rows: Int32Array };
  /**
   * End the graph right after this layer (no logits are produced; the KV cache of higher layers is not
   * written). For captures that need nothing above their highest layer.
   */
  stopAfterLayer?: number;
}

export interface NativeContext {
  info(): NativeContextInfo;
  /** Resolves with one [rows x nEmbd] array per captured layer, in request order. */
  decode(request: NativeDecodeRequest): Promise<Float32Array[]>;
  logits(batchIndex: number): Float32Array;
  setControlVector(data: Float32Array | null, ilStart?: number, ilEnd?: number): void;
  clearMemory(): void;
  removeSequence(seq: number, p0: number, p1: number): boolean;
  /** Lets `dst` share `src`'s cells in positions [p0, p1) (p1 < 0: to the end). */
  copySequence(src: number, dst: number, p0: number, p1: number): void;
  setAbort(flag: boolean): void;
  dispose(): void;
}

export interface NativeSamplerOptions {
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  seed: number;
  grammar?: string;
  grammarRoot?: string;
}

export interface NativeSampler {
  sample(context: NativeContext, batchIndex: number): number;
  accept(token: number): void;
  reset(): void;
  dispose(): void;
}

export interface NativeBackendInfo {
  devices: { name: string; description: string; type: "cpu" | "gpu" | "igpu" | "accel" }[];
  systemInfo: string;
  supportsGpuOffload: boolean;
}

export interface NativeAddon {
  setLogLevel(level: number): void;
  takeRecentLogs(): string[];
  loadBackends(binsDir?: string): boolean;
  /** Loads one backend plugin file; false when it does not load (the reason is in takeRecentLogs()). */
  loadBackendFile(file: string): boolean;
  backendInfo(): NativeBackendInfo;
  /** Dequantizes `nElements` values of ggml type `type` (throws RangeError on a size mismatch). */
  dequantize(type: number, bytes: Uint8Array, nElements: number): Float32Array;
  /**
   * llama.cpp's own chat formatting (`llama_chat_apply_template`, no Jinja): `template` is a chat template whose
   * family llama.cpp recognises from its markers, or a built-in name ("chatml", "gemma", "llama3", ...). Null when
   * llama.cpp supports neither. Used to check the Jinja rendering in src/formats against llama.cpp.
   */
  applyChatTemplate(template: string, messages: readonly { role: string; content: string }[], addAssistant: boolean): string | null;
  ModelHandle: { load(path: string, options: { gpuLayers: number; useMmap: boolean; repack: boolean }): Promise<NativeModel> };
  ContextHandle: new (model: NativeModel, options: NativeContextOptions) => NativeContext;
  SamplerHandle: new (model: NativeModel, options: NativeSamplerOptions) => NativeSampler;
}

/** ggml log levels as the addon understands them. */
export const LogLevel = { debug: 1, info: 2, warn: 3, error: 4, none: 5 } as const;
export type LogLevelName = keyof typeof LogLevel;

let loaded: { addon: NativeAddon; report: BackendReport } | undefined;

/** What the first loadAddon() loaded: the CPU package, the GPU plugin if any, and why not if not. */
export function backendReport(): BackendReport | undefined {
  return loaded?.report;
}

/** Where the addon is loaded from: `$LLAMA_STEER_ADDON` (e.g. the AddressSanitizer build), else build/Release. */
export function nativeAddonPath(): string {
  const fromEnv = process.env.LLAMA_STEER_ADDON;
  return fromEnv ? path.resolve(fromEnv) : path.join(packageRoot(), "build", "Release", "llama_steer.node");
}

export interface LoadAddonOptions {
  /**
   * The GPU backend to load, chosen once per process by the first call: "auto" picks what node-llama-cpp
   * would pick here, false keeps to the CPU. Default: `$NODE_LLAMA_CPP_GPU`, else "auto". See backends.ts.
   */
  gpu?: GpuOption;
}

/**
 * Loads the addon once per process and registers llama.cpp's backends (CPU, and a GPU backend when one of
 * node-llama-cpp's GPU packages is installed and loads; see backendReport()).
 * @param logLevel what llama.cpp may print to stderr (default "none": its warnings and errors are kept
 *   and quoted in the typed errors llama-steer throws instead)
 */
export async function loadAddon(logLevel: LogLevelName = "none", options: LoadAddonOptions = {}): Promise<NativeAddon> {
  if (loaded) {
    if (options.gpu !== undefined && parseGpuOption(options.gpu, "gpu") !== loaded.report.gpu) {
      throw new SteerError(ErrorCodes.INVALID_ARGUMENT, `Backends are chosen once per process: this one already loaded with gpu ${JSON.stringify(loaded.report.gpu)}, not ${JSON.stringify(options.gpu)}.`, { name: "gpu" });
    }
    loaded.addon.setLogLevel(LogLevel[logLevel]);
    return loaded.addon;
  }
  const addonPath = nativeAddonPath();
  if (!existsSync(addonPath)) {
    throw new SteerError(
      ErrorCodes.ADDON_LOAD_FAILED,
      `The native addon is not built (${addonPath} is missing). Run "npm rebuild llama-steer" (or "node scripts/build-addon.mjs" in a clone).`,
      { path: addonPath },
    );
  }
  let addon: NativeAddon;
  try {
    addon = createRequire(import.meta.url)(addonPath) as NativeAddon;
  } catch (e) {
    throw new SteerError(
      ErrorCodes.ADDON_LOAD_FAILED,
      `The native addon at ${addonPath} failed to load: ${(e as Error).message}. If node_modules moved or node-llama-cpp was reinstalled, run "npm rebuild llama-steer".`,
      { path: addonPath },
      { cause: e },
    );
  }
  addon.setLogLevel(LogLevel[logLevel]);
  const report = await loadBackendBinaries(addon, options.gpu);
  loaded = { addon, report };
  return addon;
}
