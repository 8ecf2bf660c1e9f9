/**
 * SteerContext: a llama.cpp context with capture and steering. One operation runs at a time per
 * context (calls queue up); dispose() cancels the running one and waits for it to finish.
 */
import os from "node:os";

import { ErrorCodes, SteerError, abortedError, invalidArgument } from "../errors.js";
import { assertFiniteNumber, assertInteger, assertKnownKeys, assertOptionalAbortSignal, toFiniteVector } from "../util/validate.js";
import type { NativeContext, NativeSampler } from "./binding.js";
import { runBatchGeneration, type BatchItem, type BatchResult } from "./batchGenerate.js";
import { KeptHeads } from "./headReuse.js";
import type { GenerateResult } from "./generate.js";
import type { SteerModel } from "./model.js";
import { validateCapturePositions, type CapturePositions } from "./positions.js";
import { runPrompts } from "./runPrompts.js";
import { assertLayer, resolveSpecs, type ResolvedSpec, type SteeringSpec } from "./steering.js";

export interface ContextOptions {
  /** Tokens the KV cache holds (shared by all sequences). Default 2048, capped at the model's training context. */
  contextSize?: number;
  /** Most tokens one decode takes; prompts are packed into decodes of at most this many. Default 512. */
  batchSize?: number;
  /** Most prompts packed into one decode as separate sequences (at most batchSize). Default min(64, batchSize). */
  sequences?: number;
  /** CPU threads. Default "auto": the number of available cores. */
  threads?: number | "auto";
  /** Keep a persistent CPU threadpool (makes capture nearly free). Default true. */
  threadpool?: boolean;
  /** Default false. */
  flashAttention?: boolean;
}
const CONTEXT_KEYS = ["contextSize", "batchSize", "sequences", "threads", "threadpool", "flashAttention"] as const;

export type PromptInput = string | Int32Array | readonly number[];

export interface CaptureOptions {
  /** Layers to read (0-based `l_out-<layer>`), or "all". */
  layers: readonly number[] | "all";
  /** Default "last". */
  positions?: CapturePositions;
  /** Steering applied while capturing (captures show its effect on the layers after it). */
  steer?: readonly SteeringSpec[];
  signal?: AbortSignal;
  /** Called after each prompt is done. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Run every block even above the highest captured layer (default false: each decode stops after that
   * layer, since nothing above it can change what is read, and the output head is skipped too).
   */
  fullGraph?: boolean;
}
const CAPTURE_KEYS = ["layers", "positions", "steer", "signal", "onProgress", "fullGraph"] as const;

export interface CapturedPrompt {
  tokenCount: number;
  /** Token indices read (all of them for "mean", which still yields one row). */
  indices: number[];
  /** Per layer: rows x nEmbd, row-major. */
  layers: Map<number, Float32Array>;
}

export interface CaptureResult {
  nEmbd: number;
  layers: number[];
  prompts: CapturedPrompt[];
}

export interface EvaluateOptions {
  steer?: readonly SteeringSpec[];
  /** Also read residual rows in the same pass (what an agent loop needs for a readout). Default none. */
  capture?: { layers: readonly number[] | "all"; positions?: CapturePositions };
  /** How many top tokens to return with log-probabilities. Default 10. */
  topK?: number;
  signal?: AbortSignal;
}
const EVALUATE_KEYS = ["steer", "capture", "topK", "signal"] as const;

export interface TokenLogProb {
  token: number;
  text: string;
  logprob: number;
}

export interface EvaluateResult {
  /** Raw logits of the next token (nVocab). */
  logits: Float32Array;
  top: TokenLogProb[];
  /** Present when `capture` was asked for. */
  captured?: CapturedPrompt;
}

export interface GenerateOptions {
  /** Default 256. */
  maxTokens?: number;
  /** Generation ends when one of these strings appears; it is not part of the result. Default []. */
  stop?: readonly string[];
  /** 0 = greedy (default). */
  temperature?: number;
  /** Default 40 (only with temperature > 0). */
  topK?: number;
  /** Default 0.95 (only with temperature > 0). */
  topP?: number;
  /** Default 0.05 (only with temperature > 0). */
  minP?: number;
  /** Default 42. */
  seed?: number;
  /** GBNF grammar the output must follow. */
  grammar?: string;
  /** Keep generating past end-of-generation tokens until maxTokens (benchmarks). Default false. */
  ignoreEndOfGeneration?: boolean;
  steer?: readonly SteeringSpec[];
  signal?: AbortSignal;
  /** Streamed text as it is generated (never a partial stop string). */
  onText?: (chunk: string) => void;
}

export interface GenerateItem {
  prompt: PromptInput;
  steer?: readonly SteeringSpec[];
  onText?: (chunk: string) => void;
  /** Read these layers at the last prompt token (returned as `captured`). */
  capture?: readonly number[];
  /** Return the next-token logits of these token ids after the prompt (as `logits`, same order). */
  logitsOf?: readonly number[];
  /**
   * Decide this item's steering from its own residual row at `layer`, last prompt token (read without the
   * decided steering); the prompt is then decoded again with the chosen specs from the first row they touch (only
   * the last prompt token for a "last-prompt" spec, all of it for "prompt" or "all"). This is how a gated controller
   * such as ASA runs: the decision comes from the same prompt's hidden state.
   */
  decide?: { layer: number; choose: (row: Float32Array) => readonly SteeringSpec[] };
  /** This item's token budget. Default: the batch's `maxTokens`. */
  maxTokens?: number;
  /** This item's stop strings. Default: the batch's `stop`. */
  stop?: readonly string[];
  /** This item's sampling, field by field over the batch's. Default: the batch's. */
  sampling?: SamplingOptions;
  /** Ends this item alone: its result comes back with stopReason "aborted" and the others go on. Default none. */
  signal?: AbortSignal;
}
const GENERATE_ITEM_KEYS = ["prompt", "steer", "onText", "capture", "decide", "logitsOf", "maxTokens", "stop", "sampling", "signal"] as const;

/** How tokens are drawn; each field as in GenerateOptions. */
export type SamplingOptions = Pick<GenerateOptions, "temperature" | "topK" | "topP" | "minP" | "seed" | "grammar">;
const SAMPLING_KEYS = ["temperature", "topK", "topP", "minP", "seed", "grammar"] as const;

export interface GenerateBatchOptions extends Omit<GenerateOptions, "steer" | "onText"> {
  /** Called as each item finishes (items finish out of order). */
  onDone?: (index: number, result: GenerateResult) => void;
  /** Decode prompt prefixes shared by several items once (default true). Results are the same either way. */
  sharePrefixes?: boolean;
  /**
   * Items that arrived while the batch runs (a server's new requests): asked for whenever a sequence is free and
   * every item so far has started, with the number of free sequences (`room`); numbered after the ones before them
   * in the results and `onDone`. The batch ends once nothing runs and `pull` returns nothing. With it, prefixes are
   * not shared and steering always goes through the per-row path. Default none.
   */
  pull?: (room: number) => readonly GenerateItem[];
}
const GENERATE_BATCH_KEYS = ["maxTokens", "stop", "temperature", "topK", "topP", "minP", "seed", "grammar", "ignoreEndOfGeneration", "signal", "onDone", "sharePrefixes", "pull"] as const;

export type GenerateBatchResult = BatchResult;

export class SteerContext {
  readonly contextSize: number;
  readonly batchSize: number;
  readonly sequences: number;
  readonly threads: number;
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;
  private running = 0;
  private readonly cancel = new AbortController();
  /** A control vector the user set; generation must not replace it with its own. */
  private userControlVector = false;
  /** Prompt cells that pull rounds (a server's requests) leave for the next request (headReuse.ts). */
  private readonly keptHeads = new KeptHeads();

  /** @internal use SteerModel.createContext() */
  constructor(
    readonly model: SteerModel,
    private readonly native: NativeContext,
  ) {
    const info = native.info();
    this.contextSize = info.nCtx;
    this.batchSize = info.nBatch;
    this.sequences = info.nSeqMax;
    this.threads = info.nThreads;
  }

  /** @internal */
  static resolveOptions(options: ContextOptions, nCtxTrain: number) {
    if (options === null || typeof options !== "object") throw invalidArgument("options", "an options object", options);
    assertKnownKeys("createContext options", options, CONTEXT_KEYS);
    const contextSize = options.contextSize ?? Math.min(2048, nCtxTrain > 0 ? nCtxTrain : 2048);
    assertInteger("contextSize", contextSize, 16, 1 << 20);
    const batchSize = options.batchSize ?? Math.min(512, contextSize);
    assertInteger("batchSize", batchSize, 1, contextSize);
    // llama.cpp reserves one output row per sequence inside a batch, so sequences cannot exceed the batch size.
    const sequences = options.sequences ?? Math.min(64, batchSize);
    assertInteger("sequences", sequences, 1, Math.min(256, batchSize));
    const threads = options.threads === undefined || options.threads === "auto" ? Math.max(1, os.availableParallelism()) : options.threads;
    assertInteger("threads", threads, 1, 1024);
    return { nCtx: contextSize, nBatch: batchSize, nSeqMax: sequences, nThreads: threads, kvUnified: true, threadpool: options.threadpool ?? true, flashAttention: options.flashAttention ?? false };
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Reads rows of the residual stream for each prompt. Prompts are packed several per decode. */
  capture(prompts: readonly PromptInput[], options: CaptureOptions): Promise<CaptureResult> {
    return this.run(options?.signal, async (signal) => {
      if (options === null || typeof options !== "object") throw invalidArgument("options", "an options object", options);
      assertKnownKeys("capture options", options, CAPTURE_KEYS);
      const { nLayer, nEmbd } = this.model.info;
      const { layers, positions } = this.resolveCapture(options.layers, options.positions);
      const tokenized = this.tokenizeAll(prompts);
      const steer = resolveSpecs(options.steer, nLayer, nEmbd);
      const run = await runPrompts(this.native, this.geometry(), tokenized, {
        captureLayers: layers,
        positions,
        steer,
        wantLogits: false,
        stopEarly: options.fullGraph !== true,
        signal,
        onProgress: options.onProgress,
      });
      return {
        nEmbd,
        layers,
        prompts: run.captures.map((c, i) => ({ tokenCount: tokenized[i].length, indices: c.indices, layers: c.layers })),
      };
    });
  }

  /** Feeds prompts through the model and reads nothing (warm-up, benchmarks): the baseline capture is compared to. */
  prefill(prompts: readonly PromptInput[], options: { steer?: readonly SteeringSpec[]; signal?: AbortSignal } = {}): Promise<void> {
    return this.run(options?.signal, async (signal) => {
      assertKnownKeys("prefill options", options, ["steer", "signal"]);
      const { nLayer, nEmbd } = this.model.info;
      const steer = resolveSpecs(options.steer, nLayer, nEmbd);
      await runPrompts(this.native, this.geometry(), this.tokenizeAll(prompts), { captureLayers: [], positions: "last", steer, wantLogits: false, signal });
    });
  }

  /** Next-token logits and top log-probabilities after each prompt. */
  evaluate(prompts: readonly PromptInput[], options: EvaluateOptions = {}): Promise<EvaluateResult[]> {
    return this.run(options?.signal, async (signal) => {
      assertKnownKeys("evaluate options", options, EVALUATE_KEYS);
      const topK = options.topK ?? 10;
      assertInteger("topK", topK, 0, 1000);
      const { nLayer, nEmbd } = this.model.info;
      const capture = options.capture ? this.resolveCapture(options.capture.layers, options.capture.positions) : { layers: [], positions: "last" as const };
      const tokenized = this.tokenizeAll(prompts);
      const steer = resolveSpecs(options.steer, nLayer, nEmbd);
      const run = await runPrompts(this.native, this.geometry(), tokenized, { captureLayers: capture.layers, positions: capture.positions, steer, wantLogits: true, signal });
      return run.logits.map((logits, i) => {
        const result: EvaluateResult = { logits, top: topLogProbs(logits, topK, (t) => this.model.tokenText(t)) };
        if (options.capture) result.captured = { tokenCount: tokenized[i].length, indices: run.captures[i].indices, layers: run.captures[i].layers };
        return result;
      });
    });
  }

  /** Generates a completion of a raw prompt (apply a chat template first for chat models). */
  generate(prompt: PromptInput, options: GenerateOptions = {}): Promise<GenerateResult> {
    const { onText, steer, ...shared } = options ?? {};
    return this.generateBatch([{ prompt, steer, onText }], shared).then((r) => r[0]);
  }

  /**
   * Generates completions of many prompts at once (continuous batching over the context's sequences):
   * much faster than one at a time on any backend. Each item has its own steering; results keep input order.
   */
  generateBatch(items: readonly GenerateItem[], options: GenerateBatchOptions = {}): Promise<GenerateBatchResult[]> {
    return this.run(options?.signal, async (signal) => {
      if (options === null || typeof options !== "object") throw invalidArgument("options", "an options object", options);
      assertKnownKeys("generate options", options, GENERATE_BATCH_KEYS);
      if (!Array.isArray(items)) throw invalidArgument("items", "an array of {prompt, steer?, onText?}", items);
      const maxTokens = options.maxTokens ?? 256;
      assertInteger("maxTokens", maxTokens, 0);
      const stop = options.stop ?? [];
      assertStops("stop", stop);
      const temperature = options.temperature ?? 0;
      assertFiniteNumber("temperature", temperature, 0, 100);
      if (options.pull !== undefined && typeof options.pull !== "function") throw invalidArgument("pull", "a function", options.pull);
      const { nLayer, nEmbd, nVocab } = this.model.info;
      const samplers: NativeSampler[] = [];
      const prepare = (item: GenerateItem, i: number): BatchItem => {
        if (item === null || typeof item !== "object") throw invalidArgument(`items[${i}]`, "an object {prompt, steer?, onText?, capture?, decide?}", item);
        assertKnownKeys(`items[${i}]`, item, GENERATE_ITEM_KEYS);
        const logitsOf = item.logitsOf === undefined ? undefined : [...item.logitsOf];
        logitsOf?.forEach((t, k) => assertInteger(`items[${i}].logitsOf[${k}]`, t, 0, nVocab - 1));
        const capture = item.capture === undefined ? undefined : [...new Set(item.capture)];
        capture?.forEach((l, k) => assertLayer(`items[${i}].capture[${k}]`, l, nLayer));
        let decide;
        if (item.decide !== undefined) {
          const { layer, choose } = item.decide;
          assertLayer(`items[${i}].decide.layer`, layer, nLayer);
          if (typeof choose !== "function") throw invalidArgument(`items[${i}].decide.choose`, "a function", choose);
          decide = { layer, choose: (row: Float32Array) => resolveSpecs(choose(row), nLayer, nEmbd, `items[${i}].decide result`) };
        }
        if (item.maxTokens !== undefined) assertInteger(`items[${i}].maxTokens`, item.maxTokens, 0);
        if (item.stop !== undefined) assertStops(`items[${i}].stop`, item.stop);
        assertOptionalAbortSignal(`items[${i}].signal`, item.signal);
        const sampling = item.sampling ?? {};
        if (sampling === null || typeof sampling !== "object") throw invalidArgument(`items[${i}].sampling`, "an object of sampling options", sampling);
        assertKnownKeys(`items[${i}].sampling`, sampling, SAMPLING_KEYS);
        if (sampling.temperature !== undefined) assertFiniteNumber(`items[${i}].sampling.temperature`, sampling.temperature, 0, 100);
        const tokens = this.tokenizeAll([item.prompt])[0];
        const steer = resolveSpecs(item.steer, nLayer, nEmbd, `items[${i}].steer`);
        const sampler = this.model.createSampler({
          temperature: sampling.temperature ?? temperature,
          topK: sampling.topK ?? options.topK ?? 40,
          topP: sampling.topP ?? options.topP ?? 0.95,
          minP: sampling.minP ?? options.minP ?? 0.05,
          seed: sampling.seed ?? options.seed ?? 42,
          grammar: sampling.grammar ?? options.grammar,
        });
        samplers.push(sampler);
        return { tokens, steer, sampler, onText: item.onText, capture, decide, logitsOf, maxTokens: item.maxTokens, stop: item.stop, signal: item.signal };
      };
      try {
        const prepared = (items as readonly GenerateItem[]).map(prepare);
        // Steering that every item applies to every token is the same as llama.cpp's control vector, which
        // adds inside the graph instead of splitting it (doctor's cvec_equals_hook): use it, it is free.
        const shared =
          this.userControlVector || options.pull !== undefined ? undefined : alwaysOnShared(prepared.map((p) => p.steer), prepared.some((p) => p.decide !== undefined));
        if (shared) {
          const data = new Float32Array((nLayer - 1) * nEmbd);
          for (const spec of shared) for (let k = 0; k < nEmbd; k++) data[(spec.layer - 1) * nEmbd + k] += spec.vector[k];
          applyControlVector(this.native, data, shared.map((s) => s.layer));
        }
        let count = prepared.length;
        const pull = options.pull;
        try {
          return await runBatchGeneration(
            this.native,
            this.model.native,
            { nBatch: this.batchSize, nCtx: this.contextSize, nSeqMax: this.sequences, nEmbd },
            prepared.map((p) => (shared ? { ...p, steer: [] } : p)),
            {
              maxTokens,
              stop,
              signal,
              onDone: options.onDone,
              sharePrefixes: options.sharePrefixes,
              ignoreEndOfGeneration: options.ignoreEndOfGeneration === true,
              pull: pull ? (room) => pull(room).map((item) => prepare(item, count++)) : undefined,
              keptHeads: pull ? this.keptHeads : undefined,
            },
          );
        } finally {
          if (shared) this.native.setControlVector(null);
        }
      } finally {
        for (const s of samplers) s.dispose();
      }
    }, options?.pull !== undefined);
  }

  /**
   * llama.cpp's built-in always-on steering (`llama_set_adapter_cvec`): adds `vectors[layer]` to every
   * token at each given layer until cleared with `null`. Layer 0 cannot be reached this way (use a
   * steering spec instead).
   */
  setControlVector(vectors: ReadonlyMap<number, Float32Array | readonly number[]> | null): Promise<void> {
    return this.run(undefined, async () => {
      if (vectors !== null && !(vectors instanceof Map)) throw invalidArgument("vectors", "a Map from layer to vector, or null", vectors);
      if (vectors === null || vectors.size === 0) {
        applyControlVector(this.native, null, []);
        this.userControlVector = false;
        return;
      }
      const { nLayer, nEmbd } = this.model.info;
      // Every layer is written each time: llama.cpp keeps old values for layers missing from the buffer.
      const data = new Float32Array((nLayer - 1) * nEmbd);
      for (const [layer, vector] of vectors) {
        assertLayer("control vector layer", layer, nLayer);
        if (layer === 0) throw new SteerError(ErrorCodes.LAYER_OUT_OF_RANGE, "llama.cpp's control vectors cannot reach layer 0; use a steering spec for layer 0", { layer });
        data.set(toFiniteVector(`vectors.get(${layer})`, vector, nEmbd), (layer - 1) * nEmbd);
      }
      applyControlVector(this.native, data, [...vectors.keys()]);
      this.userControlVector = true;
    });
  }

  /** Cancels the running operation (it rejects with ERR_ABORTED), waits for it, and frees the context. Idempotent. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.cancel.abort(new SteerError(ErrorCodes.ABORTED, "the context was disposed"));
    if (this.running > 0) this.native.setAbort(true);
    await this.queue.catch(() => undefined);
    this.native.dispose();
    this.model.forgetContext(this);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  private resolveCapture(layersOption: readonly number[] | "all", positionsOption: CapturePositions | undefined) {
    const { nLayer } = this.model.info;
    if (layersOption !== "all" && !Array.isArray(layersOption)) throw invalidArgument("layers", 'an array of layers or "all"', layersOption);
    const layers = layersOption === "all" ? Array.from({ length: nLayer }, (_, i) => i) : [...new Set(layersOption)];
    if (layers.length === 0) throw invalidArgument("layers", 'a non-empty array of layers or "all"', layersOption);
    layers.forEach((l, i) => assertLayer(`layers[${i}]`, l, nLayer));
    layers.sort((a, b) => a - b);
    const positions = positionsOption ?? "last";
    validateCapturePositions("positions", positions);
    return { layers, positions };
  }

  private geometry() {
    return { nBatch: this.batchSize, nSeqMax: this.sequences, nLayer: this.model.info.nLayer, nEmbd: this.model.info.nEmbd };
  }

  private tokenizeAll(prompts: readonly PromptInput[]): Int32Array[] {
    if (!Array.isArray(prompts) && !(prompts as unknown instanceof Int32Array)) throw invalidArgument("prompts", "an array of prompts", prompts);
    return prompts.map((p, i) => {
      const tokens = this.model.toTokens(p, `prompts[${i}]`);
      if (tokens.length > this.contextSize) {
        throw new SteerError(ErrorCodes.PROMPT_TOO_LONG, `Prompt ${i} has ${tokens.length} tokens but the context holds ${this.contextSize}`, {
          prompt: i,
          tokens: tokens.length,
          contextSize: this.contextSize,
        });
      }
      return tokens;
    });
  }

  /** Queues an operation; the signal it gets fires on the caller's abort or on dispose(). */
  private run<T>(callerSignal: AbortSignal | undefined, op: (signal: AbortSignal) => Promise<T>, keepsHeads = false): Promise<T> {
    if (this.disposed) return Promise.reject(new SteerError(ErrorCodes.DISPOSED, "The context was disposed"));
    try {
      assertOptionalAbortSignal("signal", callerSignal);
    } catch (e) {
      return Promise.reject(e);
    }
    const signal = callerSignal ? AbortSignal.any([callerSignal, this.cancel.signal]) : this.cancel.signal;
    const task = this.queue.then(async () => {
      if (signal.aborted) throw abortedError(signal.reason);
      // Only pull rounds carry prompt cells from one to the next; anything else starts from empty memory.
      if (!keepsHeads && this.keptHeads.size > 0) {
        this.native.clearMemory();
        this.keptHeads.clear();
      }
      this.running++;
      this.native.setAbort(false);
      // A decode already running is stopped between graph nodes.
      const onAbort = () => this.native.setAbort(true);
      signal.addEventListener("abort", onAbort, { once: true });
      try {
        return await op(signal);
      } catch (e) {
        if (signal.aborted && (e as { code?: string })?.code === ErrorCodes.ABORTED) throw abortedError(signal.reason);
        throw this.model.translateNativeError(e);
      } finally {
        signal.removeEventListener("abort", onAbort);
        this.running--;
      }
    });
    this.queue = task.catch(() => undefined);
    return task;
  }
}

/**
 * The specs, when every item has the same non-empty list of "all"-position specs at layers >= 1 (reachable
 * by a control vector) and nothing decides steering per item; otherwise undefined.
 */
/**
 * Hands llama.cpp a control vector (`data`: n_embd floats per layer from layer 1) for just the range of
 * `layers`, since llama.cpp adds the vector of every layer in its range, zeros included; no layers (or
 * null data) clears it.
 */
function applyControlVector(native: NativeContext, data: Float32Array | null, layers: readonly number[]): void {
  if (data === null || layers.length === 0) native.setControlVector(null);
  else native.setControlVector(data, Math.min(...layers), Math.max(...layers));
}

function alwaysOnShared(lists: readonly (readonly ResolvedSpec[])[], anyDecide: boolean): readonly ResolvedSpec[] | undefined {
  const first = lists[0]?.filter((s) => !s.isNoop);
  if (anyDecide || !first || first.length === 0 || first.some((s) => s.positions !== "all" || s.layer < 1)) return undefined;
  const same = (a: readonly ResolvedSpec[]) => {
    const b = a.filter((s) => !s.isNoop);
    return b.length === first.length && b.every((s, i) => s === first[i] || (s.layer === first[i].layer && s.positions === "all" && s.vector.every((x, k) => x === first[i].vector[k])));
  };
  return lists.every(same) ? first : undefined;
}

function assertStops(name: string, stop: unknown): void {
  if (!Array.isArray(stop) || !stop.every((s) => typeof s === "string" && s.length > 0)) throw invalidArgument(name, "an array of non-empty strings", stop);
}

function topLogProbs(logits: Float32Array, k: number, text: (token: number) => string): TokenLogProb[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  const logZ = max + Math.log(sum);
  const best: number[] = [];
  for (let i = 0; i < logits.length; i++) {
    if (best.length < k || logits[i] > logits[best[best.length - 1]]) {
      best.push(i);
      best.sort((a, b) => logits[b] - logits[a]);
      if (best.length > k) best.pop();
    }
  }
  return best.map((token) => ({ token, text: text(token), logprob: logits[token] - logZ }));
}
