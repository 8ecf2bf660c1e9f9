/** Generation results and the streaming text decoder with stop strings. The loop is in batchGenerate.ts. */

/** "aborted": the item's own signal ended it (batched generation only; the other items went on). */
export type StopReason = "eog" | "stop" | "maxTokens" | "contextFull" | "aborted";

export interface GenerateResult {
  /** Generated text, without the stop string that ended it. */
  text: string;
  /** Generated tokens (including the end-of-generation token, if any). */
  tokens: Int32Array;
  promptTokens: number;
  stopReason: StopReason;
  /** The stop string that ended generation, when stopReason is "stop". */
  stopString?: string;
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

/**
 * Incremental UTF-8 decoding with stop strings. Text that could still turn into a stop string is held
 * back from the stream until it is clear either way, so a caller never sees a partial stop string.
 */
export class StreamingText {
  private readonly decoder = new TextDecoder("utf-8");
  private text = "";
  private emitted = 0;
  private stopAt = -1;
  /** The stop string found, once push() returned true. */
  matchedStop: string | undefined;

  constructor(
    private readonly stops: readonly string[],
    private readonly onText?: (chunk: string) => void,
  ) {}

  /** Appends a token's bytes; returns true when a stop string has appeared. */
  push(bytes: Uint8Array): boolean {
    this.text += this.decoder.decode(bytes, { stream: true });
    for (const stop of this.stops) {
      const at = stop.length > 0 ? this.text.indexOf(stop, Math.max(0, this.emitted - stop.length)) : -1;
      if (at >= 0 && (this.stopAt < 0 || at < this.stopAt)) {
        this.stopAt = at;
        this.matchedStop = stop;
      }
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
