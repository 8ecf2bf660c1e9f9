/**
 * Paired comparison of two runs over the same samples: McNemar's exact test on the samples where exactly one run
 * is right. Two readings of "right": the decision (called iff a tool was needed) and the outcome (a successful
 * call where one was needed, no call where none was).
 */
import { isSuccess } from "./metrics.js";
import type { SampleOutcome } from "./runner.js";

export interface PairedComparison {
  /** Samples right in the second run and wrong in the first. */
  better: number;
  /** Samples right in the first run and wrong in the second. */
  worse: number;
  /** Two-sided exact McNemar p-value (binomial, p = 0.5, over better + worse). */
  p_value: number;
  n: number;
}

export interface PairedReport {
  decision: PairedComparison;
  outcome: PairedComparison;
}

const decisionRight = (o: SampleOutcome) => o.parse.triggered === o.needsTool;
const outcomeRight = (o: SampleOutcome) =>
  o.needsTool ? isSuccess({ needsTool: true, expectedName: o.expectedName, domain: o.domain, parse: o.parse }) : !o.parse.triggered;

/** Compares `second` against `first`, sample by sample (same order, same samples). */
export function pairedComparison(first: readonly SampleOutcome[], second: readonly SampleOutcome[]): PairedReport {
  if (first.length !== second.length) throw new Error(`paired runs differ in length (${first.length} vs ${second.length})`);
  return { decision: compare(first, second, decisionRight), outcome: compare(first, second, outcomeRight) };
}

function compare(first: readonly SampleOutcome[], second: readonly SampleOutcome[], right: (o: SampleOutcome) => boolean): PairedComparison {
  let better = 0;
  let worse = 0;
  first.forEach((a, i) => {
    const ra = right(a);
    const rb = right(second[i]);
    if (!ra && rb) better++;
    if (ra && !rb) worse++;
  });
  return { better, worse, p_value: mcnemarExact(better, worse), n: first.length };
}

/** Two-sided exact McNemar test: P(|X − n/2| ≥ |b − n/2|) for X ~ Binomial(n = b + c, 1/2); 1 when n = 0. */
export function mcnemarExact(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  // log C(n, i) summed in log space: exact enough for n in the thousands.
  let logC = 0;
  let tail = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log(n - i + 1) - Math.log(i);
    tail += Math.exp(logC - n * Math.LN2);
  }
  return Math.min(1, 2 * tail);
}
