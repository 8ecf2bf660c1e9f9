/**
 * The report's tables: headline, per domain, ablations, logit shift and tool confusion. Each takes the
 * raw (possibly partial) report section and returns an HTML fragment; an absent or empty section
 * renders as an empty string so the page simply leaves it out.
 */
import type { EvalReport, LogitShift, MetricsRecord } from "../eval/reportTypes.js";
import {
  HEADLINE_METRICS,
  arrayOf,
  deltaTone,
  escapeHtml,
  formatCount,
  formatDelta,
  formatNumber,
  formatPValue,
  formatRatio,
  isObject,
  metricOf,
  toNumber,
  type MetricKey,
} from "./format.js";

/** The few metrics that fit in the wide per-domain and ablation tables. */
const COMPACT_METRICS = HEADLINE_METRICS.filter((m) => (["f1", "mcc", "precision", "recall", "fpr", "success_recall", "exact_success"] as MetricKey[]).includes(m.key));

export function headlineTable(report: EvalReport): string {
  const steered = isObject(report.steered) ? report.steered : undefined;
  const steeredHeader = steered ? `Steered (α = ${escapeHtml(formatNumber(steered.alpha))})` : "";
  const head = `<tr><th scope="col">Metric</th><th scope="col">Baseline</th>${steered ? `<th scope="col">${steeredHeader}</th><th scope="col">Δ</th>` : ""}</tr>`;
  const rows = HEADLINE_METRICS.map(({ key, label, higherIsBetter }) => {
    const base = metricOf(report.baseline, key);
    const cells = [`<th scope="row">${escapeHtml(label)}</th>`, numberCell(formatRatio(base))];
    if (steered) {
      const value = metricOf(steered, key);
      cells.push(numberCell(formatRatio(value)), deltaCell(value - base, higherIsBetter));
    }
    return `<tr>${cells.join("")}</tr>`;
  });
  rows.push(countsRow("Samples (n)", (r) => formatCount(metricOf(r, "n")), report.baseline, steered));
  if (hasCounts(report.baseline) || hasCounts(steered)) {
    rows.push(countsRow("TP / FP / TN / FN", (r) => confusionCounts(r), report.baseline, steered));
    rows.push(countsRow("Successes", (r) => formatCount(metricOf(isObject(r) ? r.counts : undefined, "successes")), report.baseline, steered));
  }
  const note = steered ? "" : `<p class="note">This report has no steered run; only the baseline is shown.</p>`;
  const caption = steered
    ? "Baseline against steered on the evaluation split. Δ is steered minus baseline; green is an improvement (for the false-positive rate, a decrease)."
    : "Baseline on the evaluation split.";
  return `<table class="headline"><caption>${caption}</caption><thead>${head}</thead><tbody>${rows.join("")}</tbody></table>${note}`;
}

export function domainTable(report: EvalReport): string {
  return groupTable(report.by_domain, "Domain", "Per domain");
}

/** The breakdowns by source, category and label (see src/eval/breakdowns.ts), one table each. */
export function breakdownTables(report: EvalReport): string {
  const b = report.breakdowns;
  if (!isObject(b)) return "";
  const baseline: Record<string, unknown> = isObject(b.baseline) ? b.baseline : {};
  const steered: Record<string, unknown> | undefined = isObject(b.steered) ? b.steered : undefined;
  const groupings = [
    ["by_source", "Source", "Per source"],
    ["by_category", "Category", "Per benchmark category"],
    ["by_label", "Label", "Per label (e.g. the kind of answer expected)"],
  ] as const;
  return groupings
    .map(([key, column, caption]) => groupTable({ baseline: baseline[key] as Record<string, MetricsRecord>, steered: steered?.[key] as Record<string, MetricsRecord> | undefined }, column, caption))
    .join("");
}

/** One row per group, the compact metrics as columns; baseline, and steered with Δ when present. */
function groupTable(groups: unknown, column: string, caption: string): string {
  if (!isObject(groups)) return "";
  const baseline: Record<string, unknown> = isObject(groups.baseline) ? groups.baseline : {};
  const steered: Record<string, unknown> | undefined = isObject(groups.steered) ? groups.steered : undefined;
  const names = [...new Set([...Object.keys(baseline), ...Object.keys(steered ?? {})])].sort((a, b) => a.localeCompare(b));
  if (names.length === 0) return "";
  const span = steered ? 3 : 1;
  const groupHead = COMPACT_METRICS.map((m) => `<th scope="colgroup" colspan="${span}">${escapeHtml(m.label)}</th>`).join("");
  const subHead = steered ? COMPACT_METRICS.map(() => `<th scope="col">Base</th><th scope="col">Steer</th><th scope="col">Δ</th>`).join("") : COMPACT_METRICS.map(() => `<th scope="col">Base</th>`).join("");
  const rows = names.map((name) => {
    const base = baseline[name];
    const steer = steered?.[name];
    const n = steered ? `${formatCount(metricOf(base, "n"))} / ${formatCount(metricOf(steer, "n"))}` : formatCount(metricOf(base, "n"));
    const cells = COMPACT_METRICS.flatMap(({ key, higherIsBetter }) => {
      const b = metricOf(base, key);
      if (!steered) return [numberCell(formatRatio(b))];
      const s = metricOf(steer, key);
      return [numberCell(formatRatio(b)), numberCell(formatRatio(s)), deltaCell(s - b, higherIsBetter)];
    });
    return `<tr><th scope="row">${escapeHtml(name)}</th>${numberCell(n)}${cells.join("")}</tr>`;
  });
  return `<div class="scroll"><table class="domains"><caption>${escapeHtml(caption)}${steered ? ", baseline against steered" : ""}.</caption><thead><tr><th scope="col" rowspan="2">${escapeHtml(column)}</th><th scope="col" rowspan="2">n</th>${groupHead}</tr><tr>${subHead}</tr></thead><tbody>${rows.join("")}</tbody></table></div>`;
}

export function ablationTable(report: EvalReport): string {
  const ablations = report.ablations;
  if (!isObject(ablations) || Object.keys(ablations).length === 0) return "";
  const reference = isObject(report.steered) ? report.steered : undefined;
  const head = [`<th scope="col">Ablation</th>`, `<th scope="col">n</th>`, ...COMPACT_METRICS.map((m) => `<th scope="col">${escapeHtml(m.label)}</th>`)];
  head.push(`<th scope="col">ΔF1 vs baseline</th>`);
  if (reference) head.push(`<th scope="col">ΔF1 vs steered</th>`);
  const rows = Object.entries(ablations).map(([name, record]) => {
    const f1 = metricOf(record, "f1");
    const cells = [`<th scope="row">${escapeHtml(name)}</th>`, numberCell(formatCount(metricOf(record, "n")))];
    cells.push(...COMPACT_METRICS.map((m) => numberCell(formatRatio(metricOf(record, m.key)))));
    cells.push(deltaCell(f1 - metricOf(report.baseline, "f1"), true));
    if (reference) cells.push(deltaCell(f1 - metricOf(reference, "f1"), true));
    return `<tr>${cells.join("")}</tr>`;
  });
  return `<div class="scroll"><table class="ablations"><caption>Ablations: the method with one part removed or replaced, on the same split.</caption><thead><tr>${head.join("")}</tr></thead><tbody>${rows.join("")}</tbody></table></div>`;
}

/** The report stores one shift or a list (one per α); both become a list. */
export function logitShiftRows(report: EvalReport): LogitShift[] {
  const raw = report.logit_shift;
  return (Array.isArray(raw) ? raw : isObject(raw) ? [raw] : []).filter(isObject) as LogitShift[];
}

export function logitShiftTable(report: EvalReport): string {
  const shifts = logitShiftRows(report);
  if (shifts.length === 0) return "";
  // Reports that read one token name none; newer ones name each token and where it comes from.
  const named = shifts.some((s) => typeof s.token === "string");
  const rows = shifts.map(
    (s) =>
      `<tr>${named ? `<td>${triggerLabel(s)}</td>` : ""}${numberCell(formatNumber(s.alpha))}${numberCell(formatCount(s.n))}${numberCell(signed(s.plus))}${numberCell(signed(s.minus))}${numberCell(signed(s.random))}${numberCell(formatPValue(s.p_value))}${numberCell(formatPValue(s.p_value_minus))}</tr>`,
  );
  const tokenHead = named ? `<th scope="col">token</th>` : "";
  return `<table class="logit-shift"><caption>Mean change of the call-trigger token's logit when adding +v, −v and a random vector of the same norm. p-values are paired two-sided tests against the random vector. "marker": the first token of the format's call marker; "calls": the token the unsteered model's own calls most often open with (with the share of calls and of other replies that open with it).</caption><thead><tr>${tokenHead}<th scope="col">α</th><th scope="col">n</th><th scope="col">+v</th><th scope="col">−v</th><th scope="col">random</th><th scope="col">p (+v vs random)</th><th scope="col">p (−v vs random)</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

/** The token as code, its source and, for the calls' token, how specific it is to calls. */
export function triggerLabel(s: LogitShift, code = (t: string) => `<code>${escapeHtml(t)}</code>`): string {
  if (typeof s.token !== "string") return "";
  const shares = s.token_source === "calls" ? `, opens ${formatRatio(s.share_of_calls)} of calls, ${formatRatio(s.share_of_others)} of other replies` : "";
  return `${code(JSON.stringify(s.token))} (${s.token_source === "calls" ? "calls" : "marker"}${shares})`;
}

export function confusionTable(report: EvalReport): string {
  const confusion = report.confusion;
  if (!isObject(confusion) || !isObject(confusion.counts)) return "";
  const counts = confusion.counts;
  const tools = arrayOf<unknown>(confusion.tools).map(String);
  const expected = unionInOrder(tools, Object.keys(counts));
  const predictedKeys = Object.values(counts).flatMap((row) => (isObject(row) ? Object.keys(row) : []));
  const predicted = unionInOrder([...tools, "none"], predictedKeys);
  if (expected.length === 0) return "";
  const head = `<tr><th scope="col">Expected ↓ / predicted →</th>${predicted.map((p) => `<th scope="col">${escapeHtml(p)}</th>`).join("")}<th scope="col">Total</th></tr>`;
  const rows = expected.map((exp) => {
    const row = isObject(counts[exp]) ? counts[exp] : {};
    const values = predicted.map((p) => toNumber(row[p]));
    const total = values.reduce((sum, v) => sum + (Number.isNaN(v) ? 0 : v), 0);
    const cells = predicted.map((p, i) => heatCell(values[i], total, p === exp));
    return `<tr><th scope="row">${escapeHtml(exp)}</th>${cells.join("")}${numberCell(String(total))}</tr>`;
  });
  return `<div class="scroll"><table class="confusion"><caption>Tool choice: rows are the expected tool, columns the tool called ("none" when there was no valid call). Shading is the share of the row; blue on the diagonal (correct), red off it.</caption><thead>${head}</thead><tbody>${rows.join("")}</tbody></table></div>`;
}

function heatCell(value: number, rowTotal: number, onDiagonal: boolean): string {
  if (Number.isNaN(value) || value === 0) return `<td class="num heat zero">0</td>`;
  const share = rowTotal > 0 ? value / rowTotal : 0;
  const alpha = (0.12 + 0.78 * share).toFixed(2);
  const rgb = onDiagonal ? "0, 114, 178" : "213, 94, 0";
  // Dark shading needs light text to stay readable.
  const text = share > 0.55 ? "#fff" : "#111";
  return `<td class="num heat" style="background-color: rgba(${rgb}, ${alpha}); color: ${text}" title="${escapeHtml(`${(share * 100).toFixed(0)}% of row`)}">${escapeHtml(formatCount(value))}</td>`;
}

function unionInOrder(first: readonly string[], rest: readonly string[]): string[] {
  const seen = new Set(first);
  const extra = [...new Set(rest)].filter((k) => !seen.has(k)).sort((a, b) => a.localeCompare(b));
  return [...first, ...extra];
}

function countsRow(label: string, read: (r: MetricsRecord | undefined) => string, baseline: MetricsRecord | undefined, steered: MetricsRecord | undefined): string {
  const cells = [`<th scope="row">${escapeHtml(label)}</th>`, numberCell(read(baseline))];
  if (steered) cells.push(numberCell(read(steered)), `<td></td>`);
  return `<tr class="counts">${cells.join("")}</tr>`;
}

function hasCounts(record: unknown): boolean {
  return isObject(record) && isObject(record.counts);
}

function confusionCounts(record: MetricsRecord | undefined): string {
  const counts = isObject(record) ? record.counts : undefined;
  return (["tp", "fp", "tn", "fn"] as const).map((k) => formatCount(metricOf(counts, k))).join(" / ");
}

function signed(value: unknown): string {
  const x = toNumber(value);
  return Number.isNaN(x) ? formatNumber(x) : formatDelta(x, 3);
}

function numberCell(text: string): string {
  return `<td class="num">${escapeHtml(text)}</td>`;
}

function deltaCell(delta: number, higherIsBetter: boolean): string {
  return `<td class="num delta ${deltaTone(delta, higherIsBetter)}">${escapeHtml(formatDelta(delta))}</td>`;
}
