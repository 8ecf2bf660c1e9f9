/**
 * Generation for many prompts at once: continuous batching over the context's sequences.
 *
 * - Prompts that share a long prefix (one system prompt and tool list) decode it once; their sequences
 *   share those KV cells (unified KV) and each decodes only its own suffix.
 * - Each decode carries prompt chunks of sequences that are starting and the last sampled token of
 *   sequences that are generating; a finished sequence frees its slot and cells for the next prompt.
 * - Each sequence has its own sampler, stop-string state and steering; a spec only touches its own rows.
 * - An item may read the residual at its last prompt token (`capture`), and may `decide` its steering from
 *   that row: the prompt is then decoded again, from the first row the chosen steering touches (the last prompt
 *   token for the usual gated injection), before sampling.
 */
import { ErrorCodes, SteerError, throwIfAborted } from "../errors.js";
import type { NativeAdd, NativeContext, NativeModel, NativeSampler } from "./binding.js";
import { StreamingText, type GenerateResult, type StopReason } from "./generate.js";
import { bestHolder, KeptHeads, worthWaiting, type HeldPrompt } from "./headReuse.js";
import { groupByPrefix, steeringTouchesPrefix } from "./prefixes.js";
import { addsForDecode, firstPromptRowTouched, type ResolvedSpec, type RowInfo } from "./steering.js";

export interface BatchItem {
  tokens: Int32Array;
  steer: readonly ResolvedSpec[];
  sampler: NativeSampler;
  onText?: (chunk: string) => void;
  /** Layers to read at the last prompt token (before any decided steering). */
  capture?: readonly number[];
  /** Token ids whose next-token logits after the prompt (with its steering) are returned as `logits`. */
  logitsOf?: readonly number[];
  /** Chooses steering from the residual row of `layer` at the last prompt token. */
  decide?: { layer: number; choose: (row: Float32Array) => readonly ResolvedSpec[] };
  /** This item's token budget, in place of the loop's `maxTokens`. */
  maxTokens?: number;
  /** This item's stop strings, in place of the loop's `stop`. */
  stop?: readonly string[];
  /** Ends this item alone (stopReason "aborted") and frees its sequence; the other items go on. */
  signal?: AbortSignal;
}

export interface BatchResult extends GenerateResult {
  /** Rows read at the last prompt token, per layer (present when `capture` or `decide` was given). */
  captured?: Map<number, Float32Array>;
  /** The steering `decide` chose. */
  decided?: readonly ResolvedSpec[];
  /** Logits of `logitsOf` tokens at the first generated position. */
  logits?: Float32Array;
  /**
   * Prompt tokens not decoded for this item because a running sequence already held them (continuous batching
   * with `pull`: a request that shares a system prompt with one in flight copies its cells). Absent when none.
   */
  reusedPromptTokens?: number;
}

export interface BatchLoopOptions {
  /** 0: only prefill (and capture). */
  maxTokens: number;
  stop: readonly string[];
  /** Keep going past end-of-generation tokens (benchmarks). Default false. */
  ignoreEndOfGeneration?: boolean;
  /** Decode shared prompt prefixes once. Default true. */
  sharePrefixes?: boolean;
  signal?: AbortSignal;
  onDone?: (index: number, result: GenerateResult) => void;
  /**
   * Items that arrived since the last call, asked for whenever a sequence is free and every item so far has been
   * admitted; they are numbered after the ones before them (in results and `onDone`). The loop ends once nothing runs
   * and `pull` has nothing more. `room` is the number of free sequences; items beyond it wait their turn. With it,
   * prompt prefixes are not shared (items are not known in advance).
   */
  pull?: (room: number) => readonly BatchItem[];
  /**
   * Pull mode: sequences that hold a finished prompt's cells, carried over from the round before and handed on to
   * the next (the context's). Without it a round starts and ends with empty memory.
   */
  keptHeads?: KeptHeads;
}

export interface BatchGeometry {
  nBatch: number;
  nCtx: number;
  nSeqMax: number;
  nEmbd: number;
}

interface Slot {
  item: number;
  seq: number;
  promptLength: number;
  /** Prompt tokens already in the KV cache (the shared prefix counts). */
  fed: number;
  /** Of those, the ones copied from another running sequence (pull mode). */
  reused: number;
  position: number;
  lastToken: number;
  /** The last prompt token must be decoded again with the decided steering. */
  redo: boolean;
  steer: readonly ResolvedSpec[];
  generated: number[];
  text: StreamingText;
  captured?: Map<number, Float32Array>;
  decided?: readonly ResolvedSpec[];
  logits?: Float32Array;
  cells: number;
  started: number;
  prefillDone: number;
}

interface Entry {
  slot: Slot;
  token: number;
  position: number;
  seq: number;
  output: boolean;
  capture: boolean;
}

export async function runBatchGeneration(native: NativeContext, model: NativeModel, geometry: BatchGeometry, items: readonly BatchItem[], options: BatchLoopOptions): Promise<BatchResult[]> {
  items.forEach((item, i) => assertFits(item, i, geometry.nCtx));
  const all = [...items];
  const results: BatchResult[] = new Array(items.length);
  const share = options.sharePrefixes !== false && geometry.nSeqMax >= 2 && options.pull === undefined;
  const groups = share
    ? groupByPrefix(items.map((it) => it.tokens), (i, n) => !steeringTouchesPrefix(items[i].steer, n, items[i].tokens.length))
    : [{ prefix: new Int32Array(0), members: items.map((_, i) => i) }];
  const kept = options.pull ? options.keptHeads : undefined;
  if (kept === undefined || kept.size === 0) {
    native.clearMemory();
    kept?.clear();
  }
  try {
    for (const group of groups) {
      await runGroup(native, model, geometry, all, group.prefix, group.members, options, results);
    }
  } catch (error) {
    // Cells of an unfinished round are not worth keeping.
    native.clearMemory();
    kept?.clear();
    throw error;
  }
  return results;
}

function assertFits(item: BatchItem, i: number, nCtx: number): void {
  if (item.tokens.length + 1 >= nCtx) {
    throw new SteerError(ErrorCodes.PROMPT_TOO_LONG, `Prompt ${i} has ${item.tokens.length} tokens but the context holds ${nCtx}`, { prompt: i });
  }
}

async function runGroup(
  native: NativeContext,
  model: NativeModel,
  geometry: BatchGeometry,
  items: BatchItem[],
  prefix: Int32Array,
  members: number[],
  options: BatchLoopOptions,
  results: BatchResult[],
): Promise<void> {
  // The prefix lives in the last sequence id; members use the others.
  const prefixSeq = geometry.nSeqMax - 1;
  const slotSeqs = prefix.length > 0 ? geometry.nSeqMax - 1 : geometry.nSeqMax;
  if (prefix.length > 0) await decodePlain(native, prefix, prefixSeq, geometry.nBatch, options.signal);
  const freeSeqs = Array.from({ length: slotSeqs }, (_, s) => slotSeqs - 1 - s);
  const active: Slot[] = [];
  let next = 0;
  // Pull mode: free sequences that keep their finished prompt's cells for the next request (headReuse.ts).
  const kept = options.pull ? (options.keptHeads ?? new KeptHeads()) : new KeptHeads();
  let cellsInUse = prefix.length + kept.cells;
  const maxTokensOf = (i: number) => items[i].maxTokens ?? options.maxTokens;
  const cellsFor = (i: number) => Math.min(items[i].tokens.length - prefix.length + maxTokensOf(i) + 1, geometry.nCtx - prefix.length);

  const dropKept = (seq: number) => {
    cellsInUse -= kept.release(seq);
    native.removeSequence(seq, -1, -1);
  };
  const heldBy = (slot: Slot): HeldPrompt => ({ tokens: items[slot.item].tokens, steer: slot.steer, usable: Math.min(slot.fed, slot.promptLength - 1) });

  /** Where `wanted` could take its prompt's head from now: a kept sequence, a running one. */
  const headsFor = (wanted: BatchItem) => ({
    fromKept: kept.best(wanted),
    fromRunning: bestHolder(active.map((slot) => [slot, heldBy(slot)] as [Slot, HeldPrompt]), wanted),
  });

  /**
   * A free sequence and the head of the prompt already in its cells: without `heads` (prefix groups) the group's
   * prefix; with them (pull mode), taken from a kept sequence or copied from a running one.
   */
  const seqFor = (heads: ReturnType<typeof headsFor> | undefined): { seq: number; reused: number } => {
    if (!heads) {
      const seq = freeSeqs.pop()!;
      if (prefix.length > 0) native.copySequence(prefixSeq, seq, 0, prefix.length);
      return { seq, reused: 0 };
    }
    const { fromKept, fromRunning } = heads;
    if (fromKept && fromKept.length >= (fromRunning?.length ?? 0)) {
      freeSeqs.splice(freeSeqs.indexOf(fromKept.seq), 1);
      // Its cells become the item's own (counted in cellsFor).
      cellsInUse -= kept.release(fromKept.seq);
      native.removeSequence(fromKept.seq, fromKept.length, -1);
      return { seq: fromKept.seq, reused: fromKept.length };
    }
    // An empty sequence if there is one, else the one kept longest ago.
    const empty = freeSeqs.findIndex((s) => !kept.has(s));
    const seq = empty >= 0 ? freeSeqs.splice(empty, 1)[0] : kept.oldest()!;
    if (empty < 0) {
      freeSeqs.splice(freeSeqs.indexOf(seq), 1);
      dropKept(seq);
    }
    if (fromRunning) native.copySequence(fromRunning.holder.seq, seq, 0, fromRunning.length);
    return { seq, reused: fromRunning?.length ?? 0 };
  };

  const admit = () => {
    if (options.pull && next >= members.length && freeSeqs.length > 0) {
      for (const item of options.pull(freeSeqs.length)) {
        assertFits(item, items.length, geometry.nCtx);
        members.push(items.length);
        items.push(item);
      }
    }
    while (next < members.length && freeSeqs.length > 0) {
      // Kept cells give way to a request that needs the room.
      while (kept.size > 0 && cellsInUse + cellsFor(members[next]) > geometry.nCtx) dropKept(kept.oldest()!);
      if (active.length > 0 && cellsInUse + cellsFor(members[next]) > geometry.nCtx) break;
      const wanted = items[members[next]];
      // A prompt whose head a running sequence is still decoding waits for it (one decode, usually) and then copies it.
      const heads = options.pull ? headsFor(wanted) : undefined;
      if (heads && worthWaiting(active.map(heldBy), wanted, Math.max(heads.fromKept?.length ?? 0, heads.fromRunning?.length ?? 0))) break;
      const item = members[next++];
      if (wanted.signal?.aborted) {
        // Cancelled while it waited: it never takes a sequence.
        const result: BatchResult = { text: "", tokens: new Int32Array(0), promptTokens: wanted.tokens.length, stopReason: "aborted", timings: { prefillMs: 0, decodeMs: 0, tokensPerSecond: 0 } };
        results[item] = result;
        options.onDone?.(item, result);
        continue;
      }
      // The reused cells stay counted as this item's own, so the budget holds whichever of two sharing sequences ends first.
      const { seq, reused } = seqFor(heads);
      const start = reused > 0 ? reused : prefix.length;
      const cells = cellsFor(item);
      cellsInUse += cells;
      active.push({
        item, seq, promptLength: wanted.tokens.length, fed: start, reused, position: start, lastToken: -1, redo: false, steer: wanted.steer,
        generated: [], text: new StreamingText(wanted.stop ?? options.stop, wanted.onText), cells, started: performance.now(), prefillDone: 0,
      });
    }
  };

  const finish = (slot: Slot, stopReason: StopReason) => {
    const decodeMs = slot.prefillDone > 0 ? performance.now() - slot.prefillDone : 0;
    const result: BatchResult = {
      text: slot.text.finish(stopReason === "stop"),
      tokens: Int32Array.from(slot.generated),
      promptTokens: slot.promptLength,
      stopReason,
      ...(stopReason === "stop" ? { stopString: slot.text.matchedStop } : {}),
      timings: { prefillMs: (slot.prefillDone || performance.now()) - slot.started, decodeMs, tokensPerSecond: decodeMs > 0 ? (1000 * Math.max(0, slot.generated.length - 1)) / decodeMs : 0 },
      ...(slot.captured ? { captured: slot.captured } : {}),
      ...(slot.decided ? { decided: slot.decided } : {}),
      ...(slot.logits ? { logits: slot.logits } : {}),
      ...(slot.reused > 0 ? { reusedPromptTokens: slot.reused } : {}),
    };
    results[slot.item] = result;
    cellsInUse -= slot.cells;
    active.splice(active.indexOf(slot), 1);
    const held = heldBy(slot);
    if (options.pull && held.usable > 0) {
      // Keep the plain prompt cells for a later request that begins the same way; drop the rest.
      native.removeSequence(slot.seq, held.usable, -1);
      kept.keep(slot.seq, held);
      cellsInUse += held.usable;
    } else {
      native.removeSequence(slot.seq, -1, -1);
    }
    freeSeqs.push(slot.seq);
    options.onDone?.(slot.item, result);
  };

  admit();
  while (active.length > 0) {
    throwIfAborted(options.signal);
    const cancelled = active.filter((slot) => items[slot.item].signal?.aborted);
    if (cancelled.length > 0) {
      for (const slot of cancelled) finish(slot, "aborted");
      admit();
      continue;
    }
    const entries = planDecode(active, items, geometry.nBatch);
    const captureLayers = [...new Set(entries.flatMap((e) => (e.capture ? captureLayersOf(items[e.slot.item]) : [])))].sort((a, b) => a - b);
    const captureRows = entries.flatMap((e, i) => (e.capture ? [i] : []));
    const captured = await native.decode({
      tokens: Int32Array.from(entries, (e) => e.token),
      positions: Int32Array.from(entries, (e) => e.position),
      sequences: Int32Array.from(entries, (e) => e.seq),
      outputs: Uint8Array.from(entries, (e) => (e.output ? 1 : 0)),
      adds: addsForEntries(entries),
      capture: captureRows.length > 0 ? { layers: Int32Array.from(captureLayers), rows: Int32Array.from(captureRows) } : undefined,
    });
    captureRows.forEach((batchIndex, k) => {
      const slot = entries[batchIndex].slot;
      slot.captured = new Map(captureLayersOf(items[slot.item]).map((layer) => {
        const data = captured[captureLayers.indexOf(layer)];
        return [layer, data.slice(k * geometry.nEmbd, (k + 1) * geometry.nEmbd)];
      }));
    });
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      const slot = e.slot;
      if (!e.output) continue;
      const item = items[slot.item];
      if (e.capture && item.decide) {
        // Decide from the unsteered row, then decode again with that steering every prompt row it touches: the last
        // one for an injection there, the whole prompt for one over every prompt token (its cells, shared or not, are
        // dropped from this sequence and computed anew).
        slot.decided = item.decide.choose(slot.captured!.get(item.decide.layer)!);
        slot.steer = [...item.steer, ...slot.decided];
        const from = Math.min(slot.promptLength - 1, firstPromptRowTouched(slot.decided, slot.promptLength));
        native.removeSequence(slot.seq, from, -1);
        if (from === slot.promptLength - 1) slot.redo = true;
        else {
          slot.fed = from;
          slot.reused = Math.min(slot.reused, from);
        }
        continue;
      }
      if (slot.prefillDone === 0) {
        slot.prefillDone = performance.now();
        if (item.logitsOf) {
          const all = native.logits(i);
          slot.logits = Float32Array.from(item.logitsOf, (t) => all[t]);
        }
      }
      if (maxTokensOf(slot.item) === 0) {
        finish(slot, "maxTokens");
        continue;
      }
      slot.position = e.position + 1;
      const token = item.sampler.sample(native, i);
      slot.generated.push(token);
      slot.lastToken = token;
      let reason: StopReason | undefined;
      if (model.isEndOfGeneration(token) && !options.ignoreEndOfGeneration) reason = "eog";
      else if (slot.text.push(model.tokenBytes(token, false))) reason = "stop";
      else if (slot.generated.length >= maxTokensOf(slot.item)) reason = "maxTokens";
      else if (slot.position >= geometry.nCtx) reason = "contextFull";
      if (reason) finish(slot, reason);
    }
    admit();
  }
  if (options.keptHeads === undefined) for (const seq of kept.seqs()) dropKept(seq);
  if (prefix.length > 0) native.removeSequence(prefixSeq, -1, -1);
}

function captureLayersOf(item: BatchItem): number[] {
  const layers = new Set(item.capture ?? []);
  if (item.decide) layers.add(item.decide.layer);
  return [...layers];
}

/** One decode: generating sequences first (one token each), then prompt chunks while room is left. */
function planDecode(active: readonly Slot[], items: readonly BatchItem[], nBatch: number): Entry[] {
  const entries: Entry[] = [];
  for (const slot of active) {
    if (slot.redo) {
      const last = slot.promptLength - 1;
      entries.push({ slot, token: items[slot.item].tokens[last], position: last, seq: slot.seq, output: true, capture: false });
      slot.redo = false;
    } else if (slot.fed === slot.promptLength && slot.lastToken >= 0) {
      entries.push({ slot, token: slot.lastToken, position: slot.position, seq: slot.seq, output: true, capture: false });
    }
  }
  for (const slot of active) {
    if (slot.fed === slot.promptLength) continue;
    const room = nBatch - entries.length;
    if (room <= 0) break;
    const item = items[slot.item];
    const take = Math.min(room, slot.promptLength - slot.fed);
    for (let k = 0; k < take; k++) {
      const p = slot.fed + k;
      const last = p === slot.promptLength - 1;
      // A prompt decoded again after its steering was decided is not read again: its rows are the unsteered ones.
      entries.push({ slot, token: item.tokens[p], position: p, seq: slot.seq, output: last, capture: last && slot.decided === undefined && captureLayersOf(item).length > 0 });
    }
    slot.fed += take;
  }
  return entries;
}

/** Each slot's steering, restricted to its own rows of this decode. */
function addsForEntries(entries: readonly Entry[]): NativeAdd[] {
  const bySlot = new Map<Slot, number[]>();
  entries.forEach((e, i) => {
    const list = bySlot.get(e.slot);
    if (list) list.push(i);
    else bySlot.set(e.slot, [i]);
  });
  const adds: NativeAdd[] = [];
  for (const [slot, indices] of bySlot) {
    // The first pass over the last prompt token of a deciding item runs unsteered by the decision.
    const rows: RowInfo[] = indices.map((i) => ({ position: entries[i].position, promptLength: slot.promptLength }));
    for (const add of addsForDecode(slot.steer, rows)) {
      const local = add.rows ? Array.from(add.rows, (r) => indices[r]) : indices;
      adds.push({ layer: add.layer, vector: add.vector, rows: Int32Array.from(local) });
    }
  }
  return adds;
}

/** Decodes tokens into one sequence with no steering and no reads (a shared prefix). */
async function decodePlain(native: NativeContext, tokens: Int32Array, seq: number, nBatch: number, signal?: AbortSignal): Promise<void> {
  for (let start = 0; start < tokens.length; start += nBatch) {
    throwIfAborted(signal);
    const end = Math.min(tokens.length, start + nBatch);
    const n = end - start;
    const outputs = new Uint8Array(n);
    outputs[n - 1] = 1;
    await native.decode({
      tokens: tokens.subarray(start, end),
      positions: Int32Array.from({ length: n }, (_, i) => start + i),
      sequences: new Int32Array(n).fill(seq),
      outputs,
    });
  }
}
