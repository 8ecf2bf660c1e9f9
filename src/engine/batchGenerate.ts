/**
 * Generation for many prompts at once: continuous batching over the context's sequences. Each decode
 * carries prompt chunks of sequences that are starting and the last sampled token of sequences that are
 * generating; a finished sequence frees its slot (and its KV cells) for the next prompt. Every
 * sequence has its own sampler, stop strings state and steering specs; a spec only ever touches rows of
 * its own sequence.
 */
import { ErrorCodes, SteerError, throwIfAborted } from "../errors.js";
import type { NativeContext, NativeModel, NativeSampler } from "./binding.js";
import { StreamingText, type GenerateResult, type StopReason } from "./generate.js";
import { addsForDecode, type ResolvedSpec, type RowInfo } from "./steering.js";

export interface BatchItem {
  tokens: Int32Array;
  steer: readonly ResolvedSpec[];
  sampler: NativeSampler;
  onText?: (chunk: string) => void;
}

export interface BatchLoopOptions {
  maxTokens: number;
  stop: readonly string[];
  signal?: AbortSignal;
  onDone?: (index: number, result: GenerateResult) => void;
}

export interface BatchGeometry {
  nBatch: number;
  nCtx: number;
  nSeqMax: number;
}

interface Slot {
  item: number;
  seq: number;
  promptLength: number;
  /** Prompt tokens already fed. */
  fed: number;
  /** Next position to feed. */
  position: number;
  lastToken: number;
  generated: number[];
  text: StreamingText;
  started: number;
  prefillDone: number;
}

export async function runBatchGeneration(native: NativeContext, model: NativeModel, geometry: BatchGeometry, items: readonly BatchItem[], options: BatchLoopOptions): Promise<GenerateResult[]> {
  const results: GenerateResult[] = new Array(items.length);
  const budget = (i: number) => items[i].tokens.length + options.maxTokens;
  for (let i = 0; i < items.length; i++) {
    if (items[i].tokens.length >= geometry.nCtx) {
      throw new SteerError(ErrorCodes.PROMPT_TOO_LONG, `Prompt ${i} has ${items[i].tokens.length} tokens but the context holds ${geometry.nCtx}`, { prompt: i });
    }
  }
  native.clearMemory();
  const freeSeqs = Array.from({ length: geometry.nSeqMax }, (_, s) => geometry.nSeqMax - 1 - s);
  const active: Slot[] = [];
  let next = 0;
  let cellsInUse = 0;

  const admit = () => {
    // A sequence may need its prompt plus maxTokens cells; start one only when that fits (one always may).
    while (next < items.length && freeSeqs.length > 0 && (active.length === 0 || cellsInUse + Math.min(budget(next), geometry.nCtx) <= geometry.nCtx)) {
      const seq = freeSeqs.pop()!;
      cellsInUse += Math.min(budget(next), geometry.nCtx);
      active.push({ item: next, seq, promptLength: items[next].tokens.length, fed: 0, position: 0, lastToken: -1, generated: [], text: new StreamingText(options.stop, items[next].onText), started: performance.now(), prefillDone: 0 });
      next++;
    }
  };

  const finish = (slot: Slot, stopReason: StopReason) => {
    const decodeMs = performance.now() - slot.prefillDone;
    const result: GenerateResult = {
      text: slot.text.finish(stopReason === "stop"),
      tokens: Int32Array.from(slot.generated),
      promptTokens: slot.promptLength,
      stopReason,
      timings: { prefillMs: slot.prefillDone - slot.started, decodeMs, tokensPerSecond: decodeMs > 0 ? (1000 * Math.max(0, slot.generated.length - 1)) / decodeMs : 0 },
    };
    results[slot.item] = result;
    native.removeSequence(slot.seq, -1, -1);
    freeSeqs.push(slot.seq);
    cellsInUse -= Math.min(budget(slot.item), geometry.nCtx);
    options.onDone?.(slot.item, result);
  };

  admit();
  while (active.length > 0) {
    throwIfAborted(options.signal);
    // Build one decode: generating sequences first (one token each), then prompt chunks while room is left.
    const entries: { slot: Slot; token: number; position: number; output: boolean }[] = [];
    for (const slot of active) {
      if (slot.fed === slot.promptLength && slot.lastToken >= 0) entries.push({ slot, token: slot.lastToken, position: slot.position, output: true });
    }
    for (const slot of active) {
      if (slot.fed === slot.promptLength) continue;
      const room = geometry.nBatch - entries.length;
      if (room <= 0) break;
      const take = Math.min(room, slot.promptLength - slot.fed);
      for (let k = 0; k < take; k++) {
        const p = slot.fed + k;
        entries.push({ slot, token: items[slot.item].tokens[p], position: p, output: p === slot.promptLength - 1 });
      }
      slot.fed += take;
    }
    const n = entries.length;
    const adds = [];
    const bySlot = new Map<Slot, number[]>();
    entries.forEach((e, i) => {
      const list = bySlot.get(e.slot);
      if (list) list.push(i);
      else bySlot.set(e.slot, [i]);
    });
    for (const [slot, indices] of bySlot) {
      const rows: RowInfo[] = indices.map((i) => ({ position: entries[i].position, promptLength: slot.promptLength }));
      for (const add of addsForDecode(items[slot.item].steer, rows)) {
        const local = add.rows ? Array.from(add.rows, (r) => indices[r]) : indices;
        adds.push({ layer: add.layer, vector: add.vector, rows: Int32Array.from(local) });
      }
    }
    await native.decode({
      tokens: Int32Array.from(entries, (e) => e.token),
      positions: Int32Array.from(entries, (e) => e.position),
      sequences: Int32Array.from(entries, (e) => e.slot.seq),
      outputs: Uint8Array.from(entries, (e) => (e.output ? 1 : 0)),
      adds,
    });
    for (let i = 0; i < n; i++) {
      const e = entries[i];
      if (!e.output) continue;
      const slot = e.slot;
      if (slot.generated.length === 0) slot.prefillDone = performance.now();
      slot.position = e.position + 1;
      const token = items[slot.item].sampler.sample(native, i);
      slot.generated.push(token);
      slot.lastToken = token;
      let reason: StopReason | undefined;
      if (model.isEndOfGeneration(token)) reason = "eog";
      else if (slot.text.push(model.tokenBytes(token, false))) reason = "stop";
      else if (slot.generated.length >= options.maxTokens) reason = "maxTokens";
      else if (slot.position >= geometry.nCtx) reason = "contextFull";
      if (reason) {
        finish(slot, reason);
        active.splice(active.indexOf(slot), 1);
      }
    }
    admit();
  }
  return results;
}
