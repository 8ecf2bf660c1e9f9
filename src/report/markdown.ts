/**
 * A compact Markdown summary of an eval report for the terminal: headline table with deltas, the
 * chosen α/τ, the best layer and one line per ablation. Columns are padded so it reads as plain text
 * too. Names come from the report file, so control characters (terminal escapes) are stripped and
 * pipes escaped.
 */
import type { EvalReport } from "../eval/reportTypes.js";
import {
  HEADLINE_METRICS,
  arrayOf,
  formatCount,
  formatDelta,
  formatNumber,
  formatPValue,
  formatRatio,
  isObject,
  metricOf,
  safeString,
  toNumber,
} from "./format.js";
import { logitShiftRows, triggerLabel } from "./tables.js";

export function renderMarkdownSummary(report: EvalReport): string {
  const r: EvalReport = isObject(report) ? report : ({} as EvalReport);
  const steered = isObject(r.steered) ? r.steered : undefined;
  const lines = [
    `## llama-steer eval: ${plain(r.model) || "unknown model"}`,
    "",
    `data ${plain(r.data) || "—"} · split ${plain(r.split) || "—"} · n = ${formatCount(r.n)}${settingsSuffix(r)}`,
    "",
    ...headlineRows(r, steered),
    "",
  ];
  if (steered) lines.push(`Chosen α = ${formatNumber(steered.alpha)}${steered.alpha_unit === "residual" ? " residual norms" : ""}${Number.isNaN(toNumber(steered.tau)) ? "" : `, τ = ${formatNumber(steered.tau)}`}${typeof steered.gate === "string" ? `, gate ${plain(steered.gate)}` : ""}${typeof steered.vectors === "string" ? `, direction ${plain(steered.vectors)}` : ""}${typeof steered.positions === "string" ? `, injected at ${plain(steered.positions)}` : ""}${selectionNote(r)}`);
  const truncated = [["baseline", r.baseline], ["steered", steered]].filter(([, m]) => isObject(m) && isObject((m as { counts?: unknown }).counts));
  if (truncated.length > 0) lines.push(`Calls cut by the token budget: ${truncated.map(([name, m]) => `${name} ${formatCount((m as { counts: { truncated?: unknown } }).counts.truncated)}`).join(", ")}`);
  const best = bestLayer(r);
  if (best) lines.push(best);
  for (const shift of logitShiftRows(r)) {
    lines.push(
      `Logit shift${typeof shift.token === "string" ? ` of ${triggerLabel(shift, (t) => t)}` : ""} at α = ${formatNumber(shift.alpha)}: +v ${formatDelta(toNumber(shift.plus))}, −v ${formatDelta(toNumber(shift.minus))}, random ${formatDelta(toNumber(shift.random))} (p = ${formatPValue(shift.p_value)}, n = ${formatCount(shift.n)})`,
    );
  }
  for (const [name, pair] of isObject(r.paired) ? Object.entries(r.paired) : []) {
    if (!isObject(pair)) continue;
    const part = (label: string, c: unknown) =>
      isObject(c) ? `${label} ${formatCount(c.better)} better / ${formatCount(c.worse)} worse (p = ${formatPValue(c.p_value)})` : `${label} —`;
    lines.push(`Paired, ${plain(name).replace(/_/g, " ")}: ${part("decisions", pair.decision)}; ${part("outcomes", pair.outcome)}`);
  }
  lines.push(...breakdownLines(r));
  const ablations = isObject(r.ablations) ? Object.entries(r.ablations) : [];
  if (ablations.length > 0) {
    lines.push("", "Ablations:");
    for (const [name, record] of ablations) lines.push(ablationLine(name, record, r));
  }
  return lines.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd() + "\n";
}

function headlineRows(r: EvalReport, steered: EvalReport["steered"]): string[] {
  const header = steered ? ["Metric", "Baseline", "Steered", "Δ"] : ["Metric", "Baseline"];
  const rows = HEADLINE_METRICS.map(({ key, label }) => {
    const base = metricOf(r.baseline, key);
    if (!steered) return [label, formatRatio(base)];
    const value = metricOf(steered, key);
    return [label, formatRatio(base), formatRatio(value), formatDelta(value - base)];
  });
  return alignedTable(header, rows);
}

/** A Markdown table whose columns are padded to equal width; numeric columns right-aligned. */
function alignedTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => [...row[i]].length)));
  const pad = (text: string, i: number) => (i === 0 ? text.padEnd(widths[i]) : text.padStart(widths[i] + text.length - [...text].length));
  const line = (cells: string[]) => `| ${cells.map(pad).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : "-".repeat(w + 1) + ":")).join("|")}|`;
  return [line(header), rule, ...rows.map(line)];
}

function settingsSuffix(r: EvalReport): string {
  const settings: Record<string, unknown> = isObject(r.settings) ? r.settings : {};
  const parts: string[] = [];
  if (settings.format !== undefined) parts.push(`format ${plain(settings.format)}`);
  if (settings.controller !== undefined) parts.push(`controller ${plain(settings.controller)}`);
  if (settings.layer !== undefined) parts.push(`layer ${formatNumber(settings.layer)}`);
  return parts.length > 0 ? ` · ${parts.join(" · ")}` : "";
}

function bestLayer(r: EvalReport): string | undefined {
  let best: { layer: number; auc: number; shuffled: number } | undefined;
  for (const row of arrayOf<NonNullable<EvalReport["layer_auc"]>[number]>(r.layer_auc).filter(isObject)) {
    const layer = toNumber(row.layer);
    const auc = toNumber(row.auc);
    if (Number.isNaN(layer) || Number.isNaN(auc)) continue;
    if (!best || auc > best.auc) best = { layer, auc, shuffled: toNumber(row.auc_shuffled) };
  }
  return best ? `Best layer: ${best.layer} (AUC ${formatRatio(best.auc)}, shuffled control ${formatRatio(best.shuffled)})` : undefined;
}

function selectionNote(r: EvalReport): string {
  if (!isObject(r.selection)) return "";
  return ` (on VAL by ${plain(r.selection.rule)}${r.selection.fallback === true ? ", which refused every point: mcc chose" : ""})`;
}

/** One line per breakdown (source, category, label): each group's exact success, with the steered value when present. */
function breakdownLines(r: EvalReport): string[] {
  const b = isObject(r.breakdowns) ? r.breakdowns : undefined;
  if (!b || !isObject(b.baseline)) return [];
  const steered: Record<string, unknown> = isObject(b.steered) ? b.steered : {};
  const lines: string[] = [];
  for (const [key, title] of [["by_source", "source"], ["by_category", "category"], ["by_label", "label"]] as const) {
    const groups = b.baseline[key];
    if (!isObject(groups)) continue;
    const steeredGroups: Record<string, unknown> = isObject(steered[key]) ? steered[key] : {};
    const parts = Object.entries(groups).map(([name, m]) => {
      const after = name in steeredGroups ? ` → ${formatRatio(metricOf(steeredGroups[name], "exact_success"))}` : "";
      return `${plain(name)} ${formatRatio(metricOf(m, "exact_success"))}${after} (n = ${formatCount(metricOf(m, "n"))})`;
    });
    if (parts.length > 0) lines.push(`Exact success by ${title}: ${parts.join(", ")}`);
  }
  return lines;
}

function ablationLine(name: string, record: unknown, r: EvalReport): string {
  const f1 = metricOf(record, "f1");
  const vsBaseline = formatDelta(f1 - metricOf(r.baseline, "f1"));
  const vsSteered = isObject(r.steered) ? `, ${formatDelta(f1 - metricOf(r.steered, "f1"))} vs steered` : "";
  return `- ${plain(name)}: F1 ${formatRatio(f1)} (${vsBaseline} vs baseline${vsSteered}), precision ${formatRatio(metricOf(record, "precision"))}, recall ${formatRatio(metricOf(record, "recall"))}, FPR ${formatRatio(metricOf(record, "fpr"))}`;
}

/** One-line text safe for a terminal and a Markdown table cell. */
function plain(value: unknown): string {
  return safeString(value)
    .replace(/[\u0000-\u001F\u007F-\u009F]/g, " ")
    .replace(/\|/g, "\\|")
    .trim();
}
