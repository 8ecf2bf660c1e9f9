/** SteerModel: a loaded GGUF model, the factory of contexts. */
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import path from "node:path";

import { ErrorCodes, SteerError, invalidArgument, isSteerError, type ErrorCode } from "../errors.js";
import { assertInteger, assertKnownKeys, assertOptionalAbortSignal, assertString } from "../util/validate.js";
import { loadAddon, type LogLevelName, type NativeAddon, type NativeModel, type NativeSampler, type NativeSamplerOptions } from "./binding.js";
import type { GpuOption } from "./backends.js";
import { SteerContext, type ContextOptions, type PromptInput } from "./context.js";
import { checkModelFile } from "./modelFile.js";
import { readOutputRow } from "../gguf/outputRow.js";

export interface LoadModelOptions {
  /** Layers to offload to a GPU backend; -1 offloads all, 0 keeps everything on the CPU. Default 0. */
  gpuLayers?: number;
  /**
   * The GPU backend to load, once per process (the first model loaded decides; see backendReport()): "auto"
   * picks what node-llama-cpp would pick on this machine, "cuda"/"vulkan"/"metal" one of its GPU packages,
   * false the CPU only. A GPU package that does not load falls back to the CPU. Default: `$NODE_LLAMA_CPP_GPU`,
   * else "auto".
   */
  gpu?: GpuOption;
  /** Memory-map the file instead of reading it. Default true. */
  useMmap?: boolean;
  /**
   * Let llama.cpp repack weights into its faster CPU layouts (default true). Repacked kernels are chosen by
   * batch size, so a prompt's activations then depend slightly (~1e-3 relative in deep layers) on what it
   * is batched with; false gives batch-invariant results at the cost of speed.
   */
  repack?: boolean;
  /** What llama.cpp may print to stderr. Default "none" (its warnings and errors are quoted in thrown errors). */
  logLevel?: LogLevelName;
  signal?: AbortSignal;
}
const LOAD_KEYS = ["gpuLayers", "gpu", "useMmap", "repack", "logLevel", "signal"] as const;

export interface ModelInfo {
  path: string;
  /** GGUF `general.architecture`, e.g. "llama", "qwen2", "gemma3". */
  architecture: string;
  name: string;
  description: string;
  nLayer: number;
  nEmbd: number;
  nHead: number;
  nVocab: number;
  nCtxTrain: number;
  nParams: number;
  sizeBytes: number;
  fileBytes: number;
  /** The GGUF's Jinja chat template, if it has one. */
  chatTemplate: string | null;
  bos: number;
  eos: number;
  eot: number;
  addBos: boolean;
  /**
   * Identity of the model's shape and vocabulary (architecture, sizes, name, parameter count), hashed.
   * Vectors and assets record it so they are not applied to a model they make no sense for.
   */
  fingerprint: string;
}

export interface TokenizeOptions {
  /** Add BOS (and other special tokens the model adds). Default true. */
  addSpecial?: boolean;
  /** Read special-token text ("<start_of_turn>") as special tokens. Default true. */
  parseSpecial?: boolean;
}

/** Loads a GGUF model. Fails with a typed error for missing, foreign or truncated files. */
export async function loadModel(modelPath: string, options: LoadModelOptions = {}): Promise<SteerModel> {
  assertString("modelPath", modelPath, { nonEmpty: true });
  if (options === null || typeof options !== "object") throw invalidArgument("options", "an options object", options);
  assertKnownKeys("loadModel options", options, LOAD_KEYS);
  const gpuLayers = options.gpuLayers ?? 0;
  assertInteger("gpuLayers", gpuLayers, -1);
  assertOptionalAbortSignal("signal", options.signal);
  const resolved = path.resolve(modelPath);
  const file = await checkModelFile(resolved);
  const addon = await loadAddon(options.logLevel ?? "none", { gpu: options.gpu });
  options.signal?.throwIfAborted();
  addon.takeRecentLogs();
  let native: NativeModel;
  try {
    native = await addon.ModelHandle.load(resolved, { gpuLayers, useMmap: options.useMmap ?? true, repack: options.repack ?? true });
  } catch (e) {
    const why = addon.takeRecentLogs().map((l) => l.trim()).filter(Boolean).slice(-2).join("; ");
    throw new SteerError(ErrorCodes.MODEL_LOAD_FAILED, `llama.cpp could not load ${resolved}${why ? `: ${why}` : ""}`, { path: resolved }, { cause: e });
  }
  return new SteerModel(addon, native, resolved, file.sizeBytes);
}

export class SteerModel {
  readonly info: ModelInfo;
  private readonly contexts = new Set<SteerContext>();
  private readonly pieceCache = new Map<number, string>();
  private disposed = false;

  /** @internal use loadModel() */
  constructor(
    private readonly addon: NativeAddon,
    /** @internal */ readonly native: NativeModel,
    modelPath: string,
    fileBytes: number,
  ) {
    const i = native.info();
    this.info = Object.freeze({
      path: modelPath,
      architecture: i.architecture,
      name: i.name,
      description: i.description,
      nLayer: i.nLayer,
      nEmbd: i.nEmbd,
      nHead: i.nHead,
      nVocab: i.nVocab,
      nCtxTrain: i.nCtxTrain,
      nParams: i.nParams,
      sizeBytes: i.sizeBytes,
      fileBytes,
      chatTemplate: i.chatTemplate,
      bos: i.bos,
      eos: i.eos,
      eot: i.eot,
      addBos: i.addBos,
      fingerprint: modelFingerprint(i.architecture, i.nLayer, i.nEmbd, i.nVocab, i.nParams, i.name),
    });
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** All GGUF metadata llama.cpp keeps, as strings (long arrays are summarised by llama.cpp). */
  metadata(): Record<string, string> {
    this.assertAlive();
    return this.native.metadata();
  }

  tokenize(text: string, options: TokenizeOptions = {}): Int32Array {
    this.assertAlive();
    assertString("text", text);
    assertKnownKeys("tokenize options", options, ["addSpecial", "parseSpecial"]);
    return this.native.tokenize(text, options.addSpecial ?? true, options.parseSpecial ?? true);
  }

  detokenize(tokens: Int32Array | readonly number[], { special = false }: { special?: boolean } = {}): string {
    this.assertAlive();
    return this.native.detokenize(this.checkTokens(tokens, "tokens"), !special, special);
  }

  /** Text of one token, special tokens included (cached). */
  tokenText(token: number): string {
    let text = this.pieceCache.get(token);
    if (text === undefined) {
      text = new TextDecoder().decode(this.native.tokenBytes(token, true));
      this.pieceCache.set(token, text);
    }
    return text;
  }

  async createContext(options: ContextOptions = {}): Promise<SteerContext> {
    this.assertAlive();
    const params = SteerContext.resolveOptions(options, this.info.nCtxTrain);
    let native;
    try {
      native = new this.addon.ContextHandle(this.native, params);
    } catch (e) {
      throw this.translateNativeError(e);
    }
    const ctx = new SteerContext(this, native);
    this.contexts.add(ctx);
    return ctx;
  }

  /** Disposes every context of this model, then the model. Idempotent. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await Promise.all([...this.contexts].map((c) => c.dispose()));
    this.native.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  /** @internal */
  forgetContext(ctx: SteerContext): void {
    this.contexts.delete(ctx);
  }

  /** @internal */
  createSampler(options: NativeSamplerOptions): NativeSampler {
    try {
      return new this.addon.SamplerHandle(this.native, options);
    } catch (e) {
      throw this.translateNativeError(e);
    }
  }

  /** @internal tokens of a prompt given as text or token ids; rejects empty prompts and unknown ids. */
  toTokens(prompt: PromptInput, name: string): Int32Array {
    this.assertAlive();
    if (typeof prompt === "string") {
      if (prompt.length === 0) throw new SteerError(ErrorCodes.EMPTY_PROMPT, `${name} is an empty string`, { name });
      const tokens = this.native.tokenize(prompt, true, true);
      if (tokens.length === 0) throw new SteerError(ErrorCodes.EMPTY_PROMPT, `${name} tokenized to zero tokens`, { name });
      return tokens;
    }
    const tokens = this.checkTokens(prompt, name);
    if (tokens.length === 0) throw new SteerError(ErrorCodes.EMPTY_PROMPT, `${name} has no tokens`, { name });
    return tokens;
  }

  /**
   * The output-layer (unembedding) row of a token, read from the model file and dequantized: the direction
   * the final residual must point along for that token to win. Tied-embedding models give their token
   * embedding row. @throws SteerError INVALID_ARGUMENT (token out of range), DISPOSED
   */
  async outputRow(tokenId: number): Promise<Float32Array> {
    this.assertAlive();
    assertInteger("tokenId", tokenId, 0, this.info.nVocab - 1);
    return readOutputRow(this.info.path, tokenId, (type, bytes, n) => this.addon.dequantize(type, bytes, n));
  }

  /** @internal turns errors thrown by the addon ({code, message}) into SteerErrors. */
  translateNativeError(e: unknown): unknown {
    if (isSteerError(e)) return e;
    const code = (e as { code?: unknown })?.code;
    if (typeof code === "string" && (Object.values(ErrorCodes) as string[]).includes(code)) {
      // llama.cpp explains failures in its log (e.g. where a grammar fails to parse); quote the last lines.
      const logs = this.addon.takeRecentLogs().map((l) => l.trim()).filter(Boolean);
      const why = logs.length > 0 && code !== ErrorCodes.ABORTED ? `: ${logs.slice(-2).join("; ")}` : "";
      return new SteerError(code as ErrorCode, `${(e as Error).message}${why}`, {}, { cause: e });
    }
    return e;
  }

  private checkTokens(tokens: Int32Array | readonly number[], name: string): Int32Array {
    const arr = tokens instanceof Int32Array ? tokens : Array.isArray(tokens) ? Int32Array.from(tokens) : undefined;
    if (!arr || (Array.isArray(tokens) && !tokens.every((t) => Number.isInteger(t)))) throw invalidArgument(name, "a string, Int32Array or array of token ids", tokens);
    for (const t of arr) {
      if (t < 0 || t >= this.info.nVocab) throw invalidArgument(name, `token ids between 0 and ${this.info.nVocab - 1}`, t);
    }
    return arr;
  }

  private assertAlive(): void {
    if (this.disposed) throw new SteerError(ErrorCodes.DISPOSED, "The model was disposed");
  }
}

export function modelFingerprint(architecture: string, nLayer: number, nEmbd: number, nVocab: number, nParams: number, name: string): string {
  const identity = JSON.stringify({ architecture, nLayer, nEmbd, nVocab, nParams, name });
  return createHash("sha256").update(identity).digest("hex").slice(0, 16);
}

/** @internal size of a file on disk, for reports. */
export function fileSize(p: string): number {
  return statSync(p).size;
}
