/**
 * Escaping and number formatting shared by the HTML and Markdown renderers. A report may come back
 * from `eval --json`, where NaN was written as null, or be hand-edited: every reader here accepts
 * any value and turns what is not a finite number into NaN, which prints as a dash.
 */
import type { MetricsRecord } from "../eval/reportTypes.js";

/** The metrics the headline tables show, in order, with whether a higher value is the better one. */
export const HEADLINE_METRICS: readonly { key: MetricKey; label: string; higherIsBetter: boolean }[] = [
  { key: "precision", label: "Precision", higherIsBetter: true },
  { key: "recall", label: "Recall", higherIsBetter: true },
  { key: "f1", label: "F1", higherIsBetter: true },
  { key: "mcc", label: "MCC", higherIsBetter: true },
  { key: "balanced_accuracy", label: "Balanced accuracy", higherIsBetter: true },
  { key: "accuracy", label: "Accuracy", higherIsBetter: true },
  { key: "fpr", label: "False-positive rate", higherIsBetter: false },
  { key: "format_acc", label: "Format accuracy", higherIsBetter: true },
  { key: "tool_name_acc", label: "Tool-name accuracy", higherIsBetter: true },
  { key: "args_acc", label: "Arguments accuracy", higherIsBetter: true },
  { key: "success_precision", label: "Success precision", higherIsBetter: true },
  { key: "success_recall", label: "Success recall", higherIsBetter: true },
  { key: "args_match_acc", label: "Argument values", higherIsBetter: true },
  { key: "exact_success", label: "Exact success", higherIsBetter: true },
];

export type MetricKey = Exclude<keyof MetricsRecord, "counts" | "n">;

/** Placeholder for a value that is missing or not a finite number. */
export const MISSING = "—";

// Model output can carry any code point; C0 controls other than tab/newline/CR are not allowed
// in HTML text, so they become U+FFFD rather than being passed through.
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

/** Escapes text for an HTML text node or a quoted attribute value (either quote style). */
export function escapeHtml(value: unknown): string {
  return safeString(value)
    .replace(CONTROL_CHARACTERS, "\uFFFD")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** String(value), except that it never throws (String() does for an object without a prototype). */
export function safeString(value: unknown): string {
  if (value === undefined || value === null) return "";
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** A finite number, or NaN for anything else (null, strings, undefined, ±Infinity). */
export function toNumber(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : NaN;
}

/** Reads one metric from a record that may be missing or malformed. */
export function metricOf(record: unknown, key: string): number {
  return isObject(record) ? toNumber(record[key]) : NaN;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The array itself when it is one, otherwise empty: optional sections may be absent or malformed. */
export function arrayOf<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

/** A ratio in [0, 1] printed with three decimals. */
export function formatRatio(value: unknown): string {
  const x = toNumber(value);
  return Number.isNaN(x) ? MISSING : x.toFixed(3);
}

/** A signed difference; uses a true minus sign so columns of deltas line up. */
export function formatDelta(delta: number, digits = 3): string {
  if (Number.isNaN(delta)) return MISSING;
  const rounded = Number(delta.toFixed(digits));
  if (rounded === 0) return (0).toFixed(digits);
  return (rounded > 0 ? "+" : "\u2212") + Math.abs(rounded).toFixed(digits);
}

/** A number without forced decimals (α, τ, layer indices, logit shifts): at most `digits` significant. */
export function formatNumber(value: unknown, digits = 4): string {
  const x = toNumber(value);
  if (Number.isNaN(x)) return MISSING;
  if (Number.isInteger(x)) return String(x);
  return String(Number(x.toPrecision(digits)));
}

/** A rate in [0, 1] as a whole percentage ("67%"), or the placeholder. */
export function formatPercent(value: unknown): string {
  const x = toNumber(value);
  return Number.isNaN(x) ? MISSING : `${Math.round(100 * x)}%`;
}

/** p-values span many orders of magnitude; small ones read better in exponent form. */
export function formatPValue(value: unknown): string {
  const p = toNumber(value);
  if (Number.isNaN(p)) return MISSING;
  if (p < 1e-3) return p.toExponential(1);
  return p.toFixed(3);
}

/** An integer count, or the placeholder. */
export function formatCount(value: unknown): string {
  const x = toNumber(value);
  return Number.isNaN(x) ? MISSING : String(Math.round(x));
}

/** Whether a change is an improvement, a regression or neither, given the metric's direction. */
export function deltaTone(delta: number, higherIsBetter: boolean): "better" | "worse" | "same" {
  if (Number.isNaN(delta) || Math.abs(delta) < 5e-4) return "same";
  return delta > 0 === higherIsBetter ? "better" : "worse";
}
