/**
 * Side-by-side timing: the two variants run alternately (A B A B ...) in one process, so drift of a
 * shared, noisy machine hits both equally; ratios are taken pair by pair and summarised by the median.
 */

export interface PairedTiming {
  /** Median wall milliseconds of each variant. */
  aMs: number;
  bMs: number;
  /** Median of the per-pair ratios bMs / aMs (> 1: A is faster). */
  ratio: number;
  ratioMin: number;
  ratioMax: number;
  reps: number;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The p-th percentile (0–100) of `xs`, linear between the two nearest ranks (numpy's default), so that p50 of
 * an even count is the median. NaN for an empty list.
 */
export function percentile(xs: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile takes p from 0 to 100, got ${p}`);
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const at = (p / 100) * (s.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return s[lo] + (s[hi] - s[lo]) * (at - lo);
}

export interface TimePairedOptions {
  /** Default 5. */
  reps?: number;
  /** Untimed rounds of each variant first. Default 1. */
  warmup?: number;
  /**
   * Idle milliseconds before every run (not timed). Use it when the variants run in different processes:
   * ggml's CPU threads keep polling for work for a while after a decode and would take cores from the
   * other process. Default 0.
   */
  settleMs?: number;
  signal?: AbortSignal;
}

/**
 * Times `a` and `b` `reps` times each after `warmup` rounds. Each function returns its own duration in ms
 * (so it can exclude setup) or undefined to be timed whole.
 */
export async function timePaired(
  a: () => Promise<number | void>,
  b: () => Promise<number | void>,
  { reps = 5, warmup = 1, settleMs = 0, signal }: TimePairedOptions = {},
): Promise<PairedTiming> {
  const once = async (f: () => Promise<number | void>) => {
    if (settleMs > 0) await new Promise((resolve) => setTimeout(resolve, settleMs));
    signal?.throwIfAborted();
    const t0 = performance.now();
    const own = await f();
    return typeof own === "number" ? own : performance.now() - t0;
  };
  for (let i = 0; i < warmup; i++) {
    await once(a);
    await once(b);
  }
  const as: number[] = [];
  const bs: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < reps; i++) {
    signal?.throwIfAborted();
    // Alternate which goes first so neither always runs on a warmer cache.
    const [ta, tb] = i % 2 === 0 ? [await once(a), await once(b)] : (([y, x]) => [x, y])([await once(b), await once(a)]);
    as.push(ta);
    bs.push(tb);
    ratios.push(tb / ta);
  }
  return { aMs: median(as), bMs: median(bs), ratio: median(ratios), ratioMin: Math.min(...ratios), ratioMax: Math.max(...ratios), reps };
}

/** "1 thread", "2 threads": for the detail lines. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** `x` rounded to `digits` decimals, for the JSON document. */
export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
