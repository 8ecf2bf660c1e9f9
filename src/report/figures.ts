/**
 * The report's figures: the α sweep, the probe AUC per layer and the error rate per readout-gap
 * bucket. Each turns its report section into chart data and returns an HTML <figure>, or an empty
 * string when the section is absent.
 */
import type { EvalReport } from "../eval/reportTypes.js";
import { renderBarChart, renderLineChart, type LineSeries } from "./charts.js";
import { arrayOf, escapeHtml, formatNumber, formatPercent, formatRatio, isObject, metricOf, toNumber } from "./format.js";

// Okabe–Ito colors stay distinguishable with the common forms of color blindness.
const COLORS = { f1: "#0072B2", precision: "#009E73", recall: "#E69F00", fpr: "#D55E00", control: "#7f7f7f", bars: "#CC79A7" };

type SweepPoint = NonNullable<EvalReport["sweep"]>[number];

export function sweepFigure(report: EvalReport): string {
  const all = arrayOf<SweepPoint>(report.sweep).filter(isObject);
  if (all.length === 0) return "";
  const steered = isObject(report.steered) ? report.steered : undefined;
  const chosenAlpha = toNumber(steered?.alpha);
  const { points, note } = pointsAtChosenTau(all, toNumber(steered?.tau));
  const series: LineSeries[] = [
    { name: "F1", color: COLORS.f1, points: points.map((p) => ({ x: toNumber(p.alpha), y: metricOf(p, "f1") })) },
    { name: "Precision", color: COLORS.precision, points: points.map((p) => ({ x: toNumber(p.alpha), y: metricOf(p, "precision") })) },
    { name: "Recall", color: COLORS.recall, points: points.map((p) => ({ x: toNumber(p.alpha), y: metricOf(p, "recall") })) },
    { name: "FPR", color: COLORS.fpr, dashed: true, points: points.map((p) => ({ x: toNumber(p.alpha), y: metricOf(p, "fpr") })) },
  ];
  const chart = renderLineChart({
    title: "F1, precision, recall and false-positive rate against steering strength α",
    xLabel: "α (steering strength)",
    yLabel: "rate",
    series,
    yDomain: [0, 1],
    marker: Number.isNaN(chosenAlpha) ? undefined : { x: chosenAlpha, label: `chosen α = ${formatNumber(chosenAlpha)}` },
  });
  const caption = `α sweep on the validation split (${points.length} point${points.length === 1 ? "" : "s"}); the dashed rule marks the α used for the steered run.${note}`;
  return `<figure>${chart}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}

/**
 * A sweep over α and τ together would draw several curves per metric; the page shows the slice at the
 * chosen τ (or, when no τ was chosen, the most common one) and says how many points it left out.
 */
function pointsAtChosenTau(points: SweepPoint[], chosenTau: number): { points: SweepPoint[]; note: string } {
  const taus = [...new Set(points.map((p) => toNumber(p.tau)))];
  if (taus.length <= 1) return { points, note: "" };
  const counts = new Map<string, number>();
  for (const p of points) counts.set(String(toNumber(p.tau)), (counts.get(String(toNumber(p.tau))) ?? 0) + 1);
  const mostCommon = [...counts].sort((a, b) => b[1] - a[1])[0][0];
  const tauKey = taus.some((t) => t === chosenTau) ? String(chosenTau) : mostCommon;
  const kept = points.filter((p) => String(toNumber(p.tau)) === tauKey);
  const shown = tauKey === "NaN" ? "without τ" : `at τ = ${formatNumber(Number(tauKey))}`;
  return { points: kept, note: ` Shown ${shown}; ${points.length - kept.length} point(s) at other τ values are in the JSON report.` };
}

export function layerAucFigure(report: EvalReport): string {
  const rows = arrayOf<NonNullable<EvalReport["layer_auc"]>[number]>(report.layer_auc).filter(isObject);
  if (rows.length === 0) return "";
  let best: { layer: number; auc: number } | undefined;
  for (const r of rows) {
    const layer = toNumber(r.layer);
    const auc = toNumber(r.auc);
    if (!Number.isNaN(layer) && !Number.isNaN(auc) && (!best || auc > best.auc)) best = { layer, auc };
  }
  const values = rows.flatMap((r) => [toNumber(r.auc), toNumber(r.auc_shuffled)]).filter((v) => !Number.isNaN(v));
  // AUC lives in [0.5, 1] for a useful probe; start at 0.4 unless a value lies below it.
  const lowest = values.length > 0 ? Math.min(...values) : 0.5;
  const yLow = Math.max(0, Math.min(0.4, Math.floor(lowest * 10) / 10));
  const chart = renderLineChart({
    title: "Probe AUC per layer, with the shuffled-label control",
    xLabel: "layer",
    yLabel: "ROC AUC",
    integerX: true,
    yDomain: [yLow, 1],
    series: [
      { name: "AUC", color: COLORS.f1, points: rows.map((r) => ({ x: toNumber(r.layer), y: toNumber(r.auc) })) },
      { name: "shuffled labels", color: COLORS.control, dashed: true, points: rows.map((r) => ({ x: toNumber(r.layer), y: toNumber(r.auc_shuffled) })) },
    ],
    marker: best ? { x: best.layer, label: `best layer ${best.layer} (AUC ${formatRatio(best.auc)})` } : undefined,
  });
  const used = toNumber(report.settings?.layer);
  const usedNote = !Number.isNaN(used) && best && used !== best.layer ? ` The steered run used layer ${formatNumber(used)}.` : "";
  const caption = `Cross-validated probe AUC by layer; the control refits with shuffled labels and should stay near 0.5.${usedNote}`;
  return `<figure>${chart}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}

export function gapBucketFigure(report: EvalReport): string {
  const buckets = arrayOf<NonNullable<EvalReport["gap_buckets"]>[number]>(report.gap_buckets).filter(isObject);
  if (buckets.length === 0) return "";
  const rates = buckets.map((b) => toNumber(b.error_rate)).filter((v) => !Number.isNaN(v));
  const top = rates.length > 0 && Math.max(...rates) > 0 ? Math.min(1, Math.ceil(Math.max(...rates) * 10) / 10) : 1;
  const chart = renderBarChart({
    title: "Error rate by the gap between the top two readout scores",
    xLabel: "top-1 − top-2 readout gap",
    yLabel: "error rate",
    color: COLORS.bars,
    yDomain: [0, top],
    bars: buckets.map((b) => ({
      label: `${formatNumber(b.low, 3)}–${formatNumber(b.high, 3)}`,
      value: toNumber(b.error_rate),
      note: b.call_error_rate === undefined ? `n=${formatNumber(b.n)}` : `n=${formatNumber(b.n)}, calls wrong, ${formatPercent(b.call_error_rate)}`,
    })),
  });
  const caption = "A small gap means the readout was unsure between its two best answers; the error rate should fall as the gap grows.";
  return `<figure>${chart}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}
