/**
 * Continuous batching (`pull` mode) reuses prompt heads the way a chat server must: requests rarely arrive
 * together, but most begin with the same template text (system prompt, tool list). A new request takes the cells
 * of that common head from a sequence that holds them instead of decoding it again:
 * - from a running sequence, whose cells are copied (in a unified KV cache a copy only tags the cells);
 * - from a finished one: a sequence that ends keeps its plain prompt cells while it waits free, and the next
 *   request whose prompt begins the same way is given that sequence (cells past the common head are dropped).
 * Pure bookkeeping here; the loop in batchGenerate.ts moves the cells.
 */
import { commonPrefixLength, MIN_SHARED_PREFIX, steeringTouchesPrefix } from "./prefixes.js";
import type { ResolvedSpec } from "./steering.js";

/**
 * Shorter common heads are not taken. Copying cells costs nothing, so the floor only keeps a coincidental token
 * or two (the same first word) from being reported as reuse.
 */
export const MIN_REUSED_HEAD = 8;

/** A prompt whose first `usable` tokens a sequence holds as plain, final KV cells. */
export interface HeldPrompt {
  tokens: Int32Array;
  steer: readonly ResolvedSpec[];
  /** Decoded prompt cells that will not be decoded again (never the last prompt token: it is decoded per item). */
  usable: number;
}

export interface Wanted {
  tokens: Int32Array;
  steer: readonly ResolvedSpec[];
}

/**
 * Tokens at the head of `wanted` that `held` can give: the common head within `held.usable`, short of the wanted
 * prompt's last token, 0 when shorter than MIN_REUSED_HEAD or when steering of either side touches it (a steered
 * cell is not the plain prompt's).
 */
export function reusableHead(held: HeldPrompt, wanted: Wanted): number {
  const n = commonPrefixLength(held.tokens, wanted.tokens, Math.min(held.usable, held.tokens.length - 1, wanted.tokens.length - 1));
  if (n < MIN_REUSED_HEAD) return 0;
  return steeringTouchesPrefix(held.steer, n, held.tokens.length) || steeringTouchesPrefix(wanted.steer, n, wanted.tokens.length) ? 0 : n;
}

/** The holder that gives the longest head, with that length (undefined when none gives any). */
export function bestHolder<T>(holders: Iterable<[T, HeldPrompt]>, wanted: Wanted): { holder: T; length: number } | undefined {
  let best: { holder: T; length: number } | undefined;
  for (const [holder, held] of holders) {
    const length = reusableHead(held, wanted);
    if (length > 0 && length > (best?.length ?? 0)) best = { holder, length };
  }
  return best;
}

/**
 * True when it pays to wait for a running sequence to finish decoding its prompt: it will hold a head shared with
 * `wanted` of at least MIN_SHARED_PREFIX tokens, longer than what is decoded of it now and than `have` (what the
 * request could take at once). Waiting costs the request one decode, usually.
 */
export function worthWaiting(inProgress: Iterable<HeldPrompt>, wanted: Wanted, have: number): boolean {
  for (const held of inProgress) {
    const decoded = held.usable;
    if (decoded >= held.tokens.length - 1) continue;
    const later = reusableHead({ ...held, usable: held.tokens.length }, wanted);
    if (later >= MIN_SHARED_PREFIX && later > decoded && later > have) return true;
  }
  return false;
}

/**
 * Free sequences that still hold their last prompt's cells, oldest first. The cells count against the context's
 * budget until they are taken or evicted. A context keeps one across pull rounds (a chat server's requests one
 * after another: each turn of a conversation begins with the one before), and forgets it before any other work.
 */
export class KeptHeads {
  private readonly kept = new Map<number, HeldPrompt>();

  get cells(): number {
    let n = 0;
    for (const held of this.kept.values()) n += held.usable;
    return n;
  }

  get size(): number {
    return this.kept.size;
  }

  has(seq: number): boolean {
    return this.kept.has(seq);
  }

  keep(seq: number, held: HeldPrompt): void {
    this.kept.delete(seq);
    this.kept.set(seq, held);
  }

  /** The kept sequence that gives `wanted` the longest head. */
  best(wanted: Wanted): { seq: number; length: number } | undefined {
    const found = bestHolder(this.kept.entries(), wanted);
    return found && { seq: found.holder, length: found.length };
  }

  /** Forgets `seq`'s record and returns the cells it held (the caller drops or takes them). */
  release(seq: number): number {
    const held = this.kept.get(seq);
    this.kept.delete(seq);
    return held?.usable ?? 0;
  }

  /** The sequence kept longest ago, if any. */
  oldest(): number | undefined {
    return this.kept.keys().next().value;
  }

  seqs(): number[] {
    return [...this.kept.keys()];
  }

  /** Forgets every record (the caller has cleared the cells). */
  clear(): void {
    this.kept.clear();
  }
}
