/**
 * The strict protocol's metrics. A sample triggers iff the format's call marker appears in the output.
 * Post-trigger accuracies are over triggered samples that needed a tool; a success is a triggered,
 * well-formed call of the expected tool with schema-valid, non-empty arguments on a sample that needed one.
 * Values are judged too (argumentMatch.ts): `args_match_acc` and `exact_success` say whether the arguments were
 * the right ones, not only well-typed ones.
 */
import type { ExpectedCall } from "../data/index.js";
import type { ToolCallParseResult } from "../formats/index.js";
import { matchCalls } from "./argumentMatch.js";

export interface Metrics {
  n: number;
  precision: number;
  recall: number;
  f1: number;
  accuracy: number;
  /** Matthews correlation of trigger vs need, in [−1, 1]; 0 for any policy that ignores the prompt ("always call", "never call"). */
  mcc: number;
  /** Mean of recall and specificity (1 − FPR); 0.5 for any policy that ignores the prompt. */
  balanced_accuracy: number;
  fpr: number;
  format_acc: number;
  tool_name_acc: number;
  args_acc: number;
  success_precision: number;
  success_recall: number;
  /**
   * Over triggered samples that needed a tool and say which call (`expected` labelled): the share whose calls are
   * well formed and match the expected ones in name and argument values (as a set for parallel calls).
   * NaN when no sample carried its expected call to the metrics (values not judged).
   */
  args_match_acc: number;
  /**
   * Over samples with a verdict to reach (no tool needed, or a labelled call): the share answered exactly right —
   * the expected calls with matching values where a tool was needed, no call where none was. The score BFCL and
   * When2Call report. NaN when no sample carried its expected call to the metrics.
   */
  exact_success: number;
  /**
   * Counts behind the ratios. `truncated`: outputs the token budget cut while a call was open (triggered, not
   * well-formed, stopped by length) — a budget too small for the calls, not a model error. `args_matched` and
   * `exact` are the numerators of `args_match_acc` and `exact_success`.
   */
  counts: { tp: number; fp: number; tn: number; fn: number; successes: number; truncated: number; args_matched: number; exact: number };
}

export interface JudgedSample {
  needsTool: boolean;
  /** Expected tool name, when the sample says which. */
  expectedName?: string | null;
  domain: string;
  parse: ToolCallParseResult;
  /** The generation ended on the token budget (not on a stop string or end of turn). */
  hitBudget?: boolean;
  /** The expected call with its values (null: none, or not labelled). Undefined: values are not judged. */
  expected?: ExpectedCall | null;
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);

export function isSuccess(s: JudgedSample): boolean {
  if (!s.needsTool || !s.parse.triggered || !s.parse.args_ok) return false;
  return s.expectedName ? s.parse.calls.length > 0 && s.parse.calls.every((c) => c.name === s.expectedName) : s.parse.tool_ok;
}

/** A well-formed answer whose calls match the expected ones, values included. False without a labelled call. */
export function valuesMatch(s: JudgedSample): boolean {
  return s.expected != null && s.parse.triggered && s.parse.format_ok && matchCalls(s.parse.calls, s.expected).ok;
}

/** An exact answer: the expected calls with matching values where a tool was needed, no call where none was. */
export function isExact(s: JudgedSample): boolean {
  return s.needsTool ? valuesMatch(s) : !s.parse.triggered;
}

/** A call that was opened and cut by the token budget before it could be well-formed. */
export function isTruncated(s: JudgedSample): boolean {
  return s.hitBudget === true && s.parse.triggered && !s.parse.format_ok;
}

/**
 * Matthews correlation coefficient. When a row or column of the confusion table is empty (a policy that always
 * or never calls, or a split with one class) the correlation is undefined; it is reported as 0, its limit.
 */
export function matthews(tp: number, fp: number, tn: number, fn: number): number {
  const denominator = Math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
  return denominator > 0 ? (tp * tn - fp * fn) / denominator : 0;
}

export function computeMetrics(samples: readonly JudgedSample[]): Metrics {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  let formatOk = 0;
  let nameOk = 0;
  let argsOk = 0;
  let successes = 0;
  let truncated = 0;
  let labelledTp = 0;
  let argsMatched = 0;
  let decidable = 0;
  let exact = 0;
  const valuesJudged = samples.some((s) => s.expected !== undefined);
  for (const s of samples) {
    const t = s.parse.triggered;
    if (s.needsTool && t) tp++;
    else if (s.needsTool) fn++;
    else if (t) fp++;
    else tn++;
    if (s.needsTool && t) {
      if (s.parse.format_ok) formatOk++;
      if (s.expectedName ? s.parse.format_ok && s.parse.calls.length > 0 && s.parse.calls.every((c) => c.name === s.expectedName) : s.parse.tool_ok) nameOk++;
      if (s.parse.args_ok) argsOk++;
    }
    if (isSuccess(s)) successes++;
    if (isTruncated(s)) truncated++;
    if (s.needsTool && t && s.expected) {
      labelledTp++;
      if (valuesMatch(s)) argsMatched++;
    }
    if (!s.needsTool || s.expected) {
      decidable++;
      if (isExact(s)) exact++;
    }
  }
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  return {
    n: samples.length,
    precision,
    recall,
    f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
    accuracy: ratio(tp + tn, samples.length),
    mcc: matthews(tp, fp, tn, fn),
    balanced_accuracy: (recall + ratio(tn, tn + fp)) / 2,
    fpr: ratio(fp, fp + tn),
    format_acc: ratio(formatOk, tp),
    tool_name_acc: ratio(nameOk, tp),
    args_acc: ratio(argsOk, tp),
    success_precision: ratio(successes, tp + fp),
    success_recall: ratio(successes, tp + fn),
    args_match_acc: valuesJudged ? ratio(argsMatched, labelledTp) : NaN,
    exact_success: valuesJudged ? ratio(exact, decidable) : NaN,
    counts: { tp, fp, tn, fn, successes, truncated, args_matched: argsMatched, exact },
  };
}

export function metricsByDomain(samples: readonly JudgedSample[]): Record<string, Metrics> {
  const groups = new Map<string, JudgedSample[]>();
  for (const s of samples) {
    const g = groups.get(s.domain);
    if (g) g.push(s);
    else groups.set(s.domain, [s]);
  }
  return Object.fromEntries([...groups].sort(([a], [b]) => a.localeCompare(b)).map(([d, g]) => [d, computeMetrics(g)]));
}
