/**
 * Inline SVG charts for the HTML report, generated as strings so the page needs no script and no
 * network. Data marks (lines, bars) carry the class "mark" so a browser test can tell them from axes.
 * Inline <svg> in HTML is parsed into the SVG namespace without an xmlns attribute; leaving it out
 * keeps the page free of any URL.
 */
import { escapeHtml, formatNumber } from "./format.js";

export interface ChartPoint {
  x: number;
  y: number;
}

export interface LineSeries {
  name: string;
  /** CSS color of the line and its points. */
  color: string;
  /** Dashed lines tell series apart without relying on color alone. */
  dashed?: boolean;
  points: readonly ChartPoint[];
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly LineSeries[];
  /** Fixed y range; by default the data's range, widened to round ticks. */
  yDomain?: readonly [number, number];
  /** A vertical rule marking one x value (the chosen α, the best layer). */
  marker?: { x: number; label: string };
  /** Only integer x ticks (layer indices). */
  integerX?: boolean;
}

export interface Bar {
  label: string;
  value: number;
  /** Printed above the bar (e.g. the bucket's sample count). */
  note?: string;
}

export interface BarChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  bars: readonly Bar[];
  yDomain?: readonly [number, number];
  color: string;
}

const WIDTH = 560;
const HEIGHT = 320;
const MARGIN = { top: 50, right: 20, bottom: 52, left: 58 };
const PLOT_WIDTH = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_HEIGHT = HEIGHT - MARGIN.top - MARGIN.bottom;

/** A line chart, or a short note when no series has a finite point. */
export function renderLineChart(options: LineChartOptions): string {
  const finite = options.series.flatMap((s) => s.points.filter(isFinitePoint));
  if (finite.length === 0) return emptyChartNote(options.title);
  const xs = finite.map((p) => p.x);
  if (options.marker && Number.isFinite(options.marker.x)) xs.push(options.marker.x);
  const xDomain = widenDegenerate(Math.min(...xs), Math.max(...xs));
  const yDomain = options.yDomain ?? niceDomain(Math.min(...finite.map((p) => p.y)), Math.max(...finite.map((p) => p.y)));
  const xScale = linearScale(xDomain, [MARGIN.left, MARGIN.left + PLOT_WIDTH]);
  const yScale = linearScale(yDomain, [MARGIN.top + PLOT_HEIGHT, MARGIN.top]);
  const xTicks = ticks(xDomain[0], xDomain[1], 6).filter((t) => !options.integerX || Number.isInteger(t));

  const parts: string[] = [svgOpen(options.title), gridAndYAxis(yDomain, yScale, options.yLabel)];
  parts.push(xAxis(xTicks.map((t) => ({ at: xScale(t), label: formatNumber(t, 3) })), options.xLabel));
  if (options.marker && Number.isFinite(options.marker.x)) {
    const x = round(xScale(options.marker.x));
    const labelHalfWidth = estimateTextWidth(options.marker.label) / 2;
    parts.push(
      `<line class="chosen" x1="${x}" x2="${x}" y1="${MARGIN.top}" y2="${MARGIN.top + PLOT_HEIGHT}"/>`,
      // Above the plot, between legend and top edge, so it never sits on a curve.
      `<text class="chosen-label" x="${round(clamp(x, MARGIN.left + labelHalfWidth, WIDTH - MARGIN.right - labelHalfWidth))}" y="${MARGIN.top - 7}">${escapeHtml(options.marker.label)}</text>`,
    );
  }
  for (const series of options.series) parts.push(seriesMarks(series, xScale, yScale));
  parts.push(legend(options.series), "</svg>");
  return parts.join("");
}

/** A bar chart over labelled categories; a bar whose value is not finite is left out, its label kept. */
export function renderBarChart(options: BarChartOptions): string {
  const values = options.bars.map((b) => b.value).filter(Number.isFinite);
  if (values.length === 0) return emptyChartNote(options.title);
  const yDomain = options.yDomain ?? niceDomain(Math.min(0, ...values), Math.max(...values));
  const yScale = linearScale(yDomain, [MARGIN.top + PLOT_HEIGHT, MARGIN.top]);
  const band = PLOT_WIDTH / options.bars.length;
  const parts: string[] = [svgOpen(options.title), gridAndYAxis(yDomain, yScale, options.yLabel)];
  parts.push(xAxis(options.bars.map((b, i) => ({ at: MARGIN.left + band * (i + 0.5), label: b.label })), options.xLabel));
  const baseline = yScale(Math.max(yDomain[0], 0));
  options.bars.forEach((bar, i) => {
    if (!Number.isFinite(bar.value)) return;
    const left = round(MARGIN.left + band * (i + 0.15));
    const right = round(MARGIN.left + band * (i + 0.85));
    const top = round(yScale(clamp(bar.value, yDomain[0], yDomain[1])));
    const tooltip = `${bar.label}: ${formatNumber(bar.value, 3)}${bar.note ? ` (${bar.note})` : ""}`;
    parts.push(
      `<path class="mark" fill="${escapeHtml(options.color)}" d="M${left} ${round(baseline)}V${top}H${right}V${round(baseline)}Z"><title>${escapeHtml(tooltip)}</title></path>`,
    );
    if (bar.note) parts.push(barNote(bar.note, round((left + right) / 2), top - 4));
  });
  parts.push("</svg>");
  return parts.join("");
}

/** Line height of bar notes, px (their font is 11 px). */
const NOTE_LINE = 13;

/**
 * A bar's note above it, one line per comma-separated part with the last line nearest the bar: a note
 * on one line can be wider than its bar and run into its neighbours' notes.
 */
function barNote(note: string, x: number, bottom: number): string {
  const lines = note.split(/,\s*/);
  const spans = lines.map((line, i) => `<tspan x="${x}" y="${bottom - (lines.length - 1 - i) * NOTE_LINE}">${escapeHtml(line)}</tspan>`);
  return `<text class="bar-note">${spans.join("")}</text>`;
}

function svgOpen(title: string): string {
  return `<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img"><title>${escapeHtml(title)}</title>`;
}

function emptyChartNote(title: string): string {
  return `<p class="empty">${escapeHtml(title)}: no finite data to plot.</p>`;
}

function gridAndYAxis(domain: readonly [number, number], yScale: (v: number) => number, label: string): string {
  const parts = ticks(domain[0], domain[1], 5).map((t) => {
    const y = round(yScale(t));
    return `<line class="grid" x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_WIDTH}" y1="${y}" y2="${y}"/><text class="tick y" x="${MARGIN.left - 6}" y="${y + 4}">${escapeHtml(formatNumber(t, 3))}</text>`;
  });
  const middle = MARGIN.top + PLOT_HEIGHT / 2;
  parts.push(
    `<line class="axis" x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + PLOT_HEIGHT}"/>`,
    `<text class="axis-label" transform="translate(16 ${middle}) rotate(-90)">${escapeHtml(label)}</text>`,
  );
  return parts.join("");
}

function xAxis(tickMarks: readonly { at: number; label: string }[], label: string): string {
  const bottom = MARGIN.top + PLOT_HEIGHT;
  const parts = [`<line class="axis" x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_WIDTH}" y1="${bottom}" y2="${bottom}"/>`];
  for (const t of tickMarks) {
    const x = round(t.at);
    parts.push(`<line class="axis" x1="${x}" x2="${x}" y1="${bottom}" y2="${bottom + 5}"/><text class="tick x" x="${x}" y="${bottom + 18}">${escapeHtml(t.label)}</text>`);
  }
  parts.push(`<text class="axis-label" x="${MARGIN.left + PLOT_WIDTH / 2}" y="${HEIGHT - 8}">${escapeHtml(label)}</text>`);
  return parts.join("");
}

function seriesMarks(series: LineSeries, xScale: (v: number) => number, yScale: (v: number) => number): string {
  const sorted = [...series.points].sort((a, b) => a.x - b.x);
  // A non-finite value breaks the line instead of being drawn at zero.
  const runs: ChartPoint[][] = [[]];
  for (const p of sorted) {
    if (isFinitePoint(p)) runs[runs.length - 1].push(p);
    else if (runs[runs.length - 1].length > 0) runs.push([]);
  }
  const d = runs
    .filter((run) => run.length > 0)
    .map((run) => "M" + run.map((p) => `${round(xScale(p.x))} ${round(yScale(p.y))}`).join("L"))
    .join("");
  const color = escapeHtml(series.color);
  const dash = series.dashed ? ' stroke-dasharray="6 4"' : "";
  const parts = d ? [`<path class="mark line" stroke="${color}"${dash} d="${d}"/>`] : [];
  for (const p of sorted.filter(isFinitePoint)) {
    const tooltip = `${series.name}: ${formatNumber(p.y, 3)} at ${formatNumber(p.x, 4)}`;
    parts.push(`<circle class="point" fill="${color}" cx="${round(xScale(p.x))}" cy="${round(yScale(p.y))}" r="3"><title>${escapeHtml(tooltip)}</title></circle>`);
  }
  return parts.join("");
}

function legend(series: readonly LineSeries[]): string {
  let x = MARGIN.left;
  const y = 16;
  const parts: string[] = [];
  for (const s of series) {
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : "";
    parts.push(
      `<line class="legend-swatch" stroke="${escapeHtml(s.color)}"${dash} x1="${x}" x2="${x + 22}" y1="${y}" y2="${y}"/>`,
      `<text class="legend" x="${x + 27}" y="${y + 4}">${escapeHtml(s.name)}</text>`,
    );
    x += 40 + estimateTextWidth(s.name);
  }
  return parts.join("");
}

/** No layout engine inside a string: a 12px label's width estimated from its length. */
function estimateTextWidth(text: string): number {
  return text.length * 7;
}

function isFinitePoint(p: ChartPoint): boolean {
  return Number.isFinite(p.x) && Number.isFinite(p.y);
}

function linearScale(domain: readonly [number, number], range: readonly [number, number]): (v: number) => number {
  const span = domain[1] - domain[0] || 1;
  return (v) => range[0] + ((v - domain[0]) / span) * (range[1] - range[0]);
}

/** A one-value range gets room on both sides so the point sits mid-axis. */
function widenDegenerate(min: number, max: number): [number, number] {
  if (max > min) return [min, max];
  const pad = Math.abs(min) > 0 ? Math.abs(min) * 0.5 : 1;
  return [min - pad, max + pad];
}

/** The data's range extended outward to the nearest tick. */
export function niceDomain(min: number, max: number): [number, number] {
  const [lo, hi] = widenDegenerate(min, max);
  const step = tickStep(lo, hi, 5);
  return [Math.floor(lo / step) * step, Math.ceil(hi / step) * step];
}

/** Round tick values (1, 2 or 5 times a power of ten) covering [min, max]. */
export function ticks(min: number, max: number, count: number): number[] {
  if (!(Number.isFinite(min) && Number.isFinite(max) && max > min)) return Number.isFinite(min) ? [min] : [];
  const step = tickStep(min, max, count);
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  const out: number[] = [];
  for (let i = Math.ceil(min / step - 1e-9); i * step <= max + step * 1e-9; i++) out.push(Number((i * step).toFixed(decimals)));
  return out;
}

function tickStep(min: number, max: number, count: number): number {
  const raw = (max - min) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normalized = raw / magnitude;
  return magnitude * (normalized < 1.5 ? 1 : normalized < 3 ? 2 : normalized < 7 ? 5 : 10);
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
