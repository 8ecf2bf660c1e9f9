/** The generation loop: prefill the prompt (in chunks), then sample, feed back and steer token by token. */
import { throwIfAborted } from "../errors.js";
import type { NativeContext, NativeModel, NativeSampler } from "./binding.js";
import { addsForDecode, type ResolvedSpec, type RowInfo } from "./steering.js";

export type StopReason = "eog" | "stop" | "maxTokens" | "contextFull";

export interface GenerateResult {
  /** Generated text, without the stop string that ended it. */
  text: string;
  /** Generated tokens (including the end-of-generation token, if any). */
  tokens: Int32Array;
  promptTokens: number;
  stopReason: StopReason;
  timings: GenerationTimings;
}

export interface GenerationTimings {
  /** Wall time of feeding the prompt. */
  prefillMs: number;
  /** Wall time from the first sampled token to the end. */
  decodeMs: number;
  /** Generated tokens per second of decodeMs (tokens after the first, which prefill paid for). */
  tokensPerSecond: number;
}

export interface GenerationLoopOptions {
  maxTokens: number;
  stop: readonly string[];
  steer: readonly ResolvedSpec[];
  signal?: AbortSignal;
  onText?: (chunk: string) => void;
}

export interface GenerationGeometry {
  nBatch: number;
  nCtx: number;
}

export async function runGeneration(
  native: NativeContext,
  model: NativeModel,
  sampler: NativeSampler,
  geometry: GenerationGeometry,
  prompt: Int32Array,
  options: GenerationLoopOptions,
): Promise<GenerateResult> {
  const promptLength = prompt.length;
  const started = performance.now();
  native.clearMemory();

  // Prefill. Only the last prompt token requests output.
  for (let start = 0; start < promptLength; start += geometry.nBatch) {
    throwIfAborted(options.signal);
    const end = Math.min(promptLength, start + geometry.nBatch);
    const n = end - start;
    const positions = Int32Array.from({ length: n }, (_, i) => start + i);
    const outputs = new Uint8Array(n);
    if (end === promptLength) outputs[n - 1] = 1;
    const rows: RowInfo[] = Array.from(positions, (position) => ({ position, promptLength }));
    await native.decode({ tokens: prompt.subarray(start, end), positions, sequences: new Int32Array(n), outputs, adds: addsForDecode(options.steer, rows) });
  }

  const prefillDone = performance.now();
  const generated: number[] = [];
  const text = new StreamingText(options.stop, options.onText);
  let outputIndex = (promptLength - 1) % geometry.nBatch;
  let position = promptLength;
  let stopReason: StopReason = "maxTokens";
  while (generated.length < options.maxTokens) {
    throwIfAborted(options.signal);
    const token = sampler.sample(native, outputIndex);
    generated.push(token);
    if (model.isEndOfGeneration(token)) {
      stopReason = "eog";
      break;
    }
    if (text.push(model.tokenBytes(token, false))) {
      stopReason = "stop";
      break;
    }
    if (generated.length >= options.maxTokens) break;
    if (position >= geometry.nCtx) {
      stopReason = "contextFull";
      break;
    }
    const rows: RowInfo[] = [{ position, promptLength }];
    await native.decode({
      tokens: Int32Array.of(token),
      positions: Int32Array.of(position),
      sequences: Int32Array.of(0),
      outputs: Uint8Array.of(1),
      adds: addsForDecode(options.steer, rows),
    });
    outputIndex = 0;
    position++;
  }
  const decodeMs = performance.now() - prefillDone;
  const timings = { prefillMs: prefillDone - started, decodeMs, tokensPerSecond: decodeMs > 0 ? (1000 * Math.max(0, generated.length - 1)) / decodeMs : 0 };
  return { text: text.finish(stopReason === "stop"), tokens: Int32Array.from(generated), promptTokens: promptLength, stopReason, timings };
}

/**
 * Incremental UTF-8 decoding with stop strings. Text that could still turn into a stop string is held
 * back from the stream until it is clear either way, so a caller never sees a partial stop string.
 */
export class StreamingText {
  private readonly decoder = new TextDecoder("utf-8");
  private text = "";
  private emitted = 0;
  private stopAt = -1;

  constructor(
    private readonly stops: readonly string[],
    private readonly onText?: (chunk: string) => void,
  ) {}

  /** Appends a token's bytes; returns true when a stop string has appeared. */
  push(bytes: Uint8Array): boolean {
    this.text += this.decoder.decode(bytes, { stream: true });
    for (const stop of this.stops) {
      const at = stop.length > 0 ? this.text.indexOf(stop, Math.max(0, this.emitted - stop.length)) : -1;
      if (at >= 0 && (this.stopAt < 0 || at < this.stopAt)) this.stopAt = at;
    }
    if (this.stopAt >= 0) return true;
    this.emit(this.text.length - this.heldBack());
    return false;
  }

  finish(stopped: boolean): string {
    if (!stopped) this.text += this.decoder.decode();
    const end = stopped ? this.stopAt : this.text.length;
    this.emit(end);
    return this.text.slice(0, end);
  }

  /** Length of the longest suffix of the text that is a proper prefix of some stop string. */
  private heldBack(): number {
    let hold = 0;
    for (const stop of this.stops) {
      for (let k = Math.min(stop.length - 1, this.text.length); k > hold; k--) {
        if (this.text.endsWith(stop.slice(0, k))) {
          hold = k;
          break;
        }
      }
    }
    return hold;
  }

  private emit(upTo: number): void {
    if (upTo > this.emitted) {
      this.onText?.(this.text.slice(this.emitted, upTo));
      this.emitted = upTo;
    }
  }
}
