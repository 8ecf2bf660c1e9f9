/**
 * Tool readout: per-tool mean residual rows (from CAL) and, for a new prompt, the cosine of its row to
 * each offered tool's mean. The best tool is the prediction; a small gap between the top two scores
 * flags a likely wrong call an agent loop can act on (abstain, ask, retry).
 */
import { splitOf, type DatasetSample } from "../data/index.js";
import type { SteerContext } from "../engine/context.js";
import type { ToolFormat } from "../formats/index.js";
import { renderSamples } from "../eval/prompts.js";
import { cosineReadout, meanOfMeans, type CosineReadout } from "../probes/index.js";
import type { SteeringVector } from "../vectors/steeringVector.js";
import { meanOfRows } from "../vectors/rows.js";
import { lastTokenRows, pick, rowsByExpectedTool } from "./rows.js";

export interface ToolMeans {
  layer: number;
  means: Map<string, Float32Array>;
  /** Mean over all CAL rows, subtracted before cosines so the shared component does not dominate. */
  center: Float32Array;
}

export interface ReadoutMeasurement {
  layer: number;
  n: number;
  accuracy: number;
  /** Error rate by top-1/top-2 gap quintile (lowest gaps first). */
  gap_buckets: GapBucket[];
}

export async function fitToolMeans(ctx: SteerContext, samples: readonly DatasetSample[], format: ToolFormat, layer: number, signal?: AbortSignal): Promise<ToolMeans> {
  const cal = samples.filter((s) => splitOf(s) === "cal" && s.expected);
  const prompts = await renderSamples(ctx.model, cal, format, { signal });
  const rows = (await lastTokenRows(ctx, prompts, [layer], { signal })).get(layer)!;
  const nEmbd = ctx.model.info.nEmbd;
  const byTool = rowsByExpectedTool(cal, rows);
  const center = Float32Array.from(meanOfRows(rows, nEmbd));
  const means = new Map([...byTool].map(([tool, r]) => [tool, Float32Array.from(meanOfRows(r, nEmbd), (x, k) => x - center[k])]));
  return { layer, means, center };
}

/** Scores one row against the tools on offer (all known tools when `offered` is omitted). */
export function readRow(toolMeans: ToolMeans, row: Float32Array, offered?: readonly string[]) {
  const means = new Map([...toolMeans.means].filter(([tool]) => !offered || offered.includes(tool)));
  return cosineReadout(means, row.map((x, k) => x - toolMeans.center[k]));
}

/** Readout accuracy on a split (choosing among each sample's own menu) and error rate per gap quintile. */
export async function measureReadout(ctx: SteerContext, samples: readonly DatasetSample[], format: ToolFormat, toolMeans: ToolMeans, split = "test", signal?: AbortSignal): Promise<ReadoutMeasurement> {
  const test = samples.filter((s) => splitOf(s) === split && s.expected && toolMeans.means.has(s.expected.name));
  const prompts = await renderSamples(ctx.model, test, format, { signal });
  const rows = (await lastTokenRows(ctx, pick(prompts, test.map((_, i) => i)), [toolMeans.layer], { signal })).get(toolMeans.layer)!;
  const judged = test.map((s, i) => {
    const r = readRow(toolMeans, rows[i], s.tools.map((t) => t.function.name));
    return { correct: r.predicted === s.expected!.name, gap: r.gap };
  });
  return { layer: toolMeans.layer, n: judged.length, accuracy: judged.filter((x) => x.correct).length / Math.max(1, judged.length), gap_buckets: errorRateByGap(judged.map((x) => ({ gap: x.gap, wrong: !x.correct }))) };
}

export interface GapBucket {
  /** Smallest and largest top-1/top-2 gap in the bucket. */
  low: number;
  high: number;
  n: number;
  error_rate: number;
}

/** Sorts judged items by gap and splits them into `count` equal buckets (lowest gaps first), each with its error rate. */
export function errorRateByGap(items: readonly { gap: number; wrong: boolean }[], count = 5): GapBucket[] {
  return gapQuantiles(items, (x) => x.gap, count).map((b) => ({ low: b.low, high: b.high, n: b.items.length, error_rate: b.items.filter((x) => x.wrong).length / b.items.length }));
}

/** Items split into `count` groups of (nearly) equal size by ascending gap, empty groups left out. */
export function gapQuantiles<T>(items: readonly T[], gapOf: (item: T) => number, count = 5): { low: number; high: number; items: T[] }[] {
  const sorted = [...items].sort((a, b) => gapOf(a) - gapOf(b));
  const out: { low: number; high: number; items: T[] }[] = [];
  for (let q = 0; q < count; q++) {
    const part = sorted.slice(Math.floor((q * sorted.length) / count), Math.floor(((q + 1) * sorted.length) / count));
    if (part.length > 0) out.push({ low: gapOf(part[0]), high: gapOf(part[part.length - 1]), items: part });
  }
  return out;
}

/** Tool means at one layer, ready to score rows: the offered tools' means and the center every cosine is taken from. */
export interface ToolReadoutPlan {
  layer: number;
  means: Map<string, Float32Array>;
  center: Float64Array;
}

/**
 * Plans a readout over per-tool means (e.g. an asset's `toolMeans`) at `layer`, among the offered tools that have a
 * mean (every tool with a mean when fewer than two are offered). Cosines are taken after subtracting the average
 * of ALL tool means, so a tool scores the same whatever else is on the menu. Undefined when fewer than two tools have
 * a mean at that layer.
 */
export function planToolReadout(toolMeans: ReadonlyMap<string, SteeringVector> | undefined, layer: number, offered?: readonly string[]): ToolReadoutPlan | undefined {
  const all = [...(toolMeans ?? new Map<string, SteeringVector>())].filter(([, v]) => v.has(layer)).map(([name, v]) => [name, v.get(layer)] as const);
  if (all.length < 2) return undefined;
  const onOffer = offered ? all.filter(([name]) => offered.includes(name)) : all;
  const chosen = onOffer.length >= 2 ? onOffer : all;
  return { layer, means: new Map(chosen), center: meanOfMeans(new Map(all)) };
}

export function readWithPlan(plan: ToolReadoutPlan, row: ArrayLike<number>): CosineReadout {
  return cosineReadout(plan.means, row, { center: plan.center });
}
