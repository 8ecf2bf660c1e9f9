/**
 * The strict protocol's metrics. A sample triggers iff the format's call marker appears in the output.
 * Post-trigger accuracies are over triggered samples that needed a tool; a success is a triggered,
 * well-formed call of the expected tool with schema-valid, non-empty arguments on a sample that needed one.
 */
import type { ToolCallParseResult } from "../formats/index.js";

export interface Metrics {
  n: number;
  precision: number;
  recall: number;
  f1: number;
  accuracy: number;
  fpr: number;
  format_acc: number;
  tool_name_acc: number;
  args_acc: number;
  success_precision: number;
  success_recall: number;
  /** Counts behind the ratios. */
  counts: { tp: number; fp: number; tn: number; fn: number; successes: number };
}

export interface JudgedSample {
  needsTool: boolean;
  /** Expected tool name, when the sample says which. */
  expectedName?: string | null;
  domain: string;
  parse: ToolCallParseResult;
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);

export function isSuccess(s: JudgedSample): boolean {
  if (!s.needsTool || !s.parse.triggered || !s.parse.args_ok) return false;
  return s.expectedName ? s.parse.calls.length > 0 && s.parse.calls.every((c) => c.name === s.expectedName) : s.parse.tool_ok;
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
  }
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  return {
    n: samples.length,
    precision,
    recall,
    f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
    accuracy: ratio(tp + tn, samples.length),
    fpr: ratio(fp, fp + tn),
    format_acc: ratio(formatOk, tp),
    tool_name_acc: ratio(nameOk, tp),
    args_acc: ratio(argsOk, tp),
    success_precision: ratio(successes, tp + fp),
    success_recall: ratio(successes, tp + fn),
    counts: { tp, fp, tn, fn, successes },
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
