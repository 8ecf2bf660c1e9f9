/**
 * Builds an ASA asset from a dataset with disjoint splits: vectors from CAL only; router and probes from
 * TRAIN; layer (probe AUC, TRAIN cross-validation), α and τ from VAL. TEST is never touched here.
 */
import type { SteeringAsset } from "../assets/index.js";
import { datasetHash, splitOf, type DatasetSample } from "../data/index.js";
import type { SteerContext } from "../engine/context.js";
import type { ToolFormat } from "../formats/index.js";
import { fitLogisticProbe, fitSoftmaxRouter, type LinearProbe } from "../probes/index.js";
import { renderSamples } from "../eval/prompts.js";
import { runSamples, type SampleOutcome } from "../eval/runner.js";
import { computeMetrics, type Metrics } from "../eval/metrics.js";
import { classMeans, meanDifference } from "../vectors/index.js";
import { asaDecide, asaSteering, gateOf, type AsaDecision } from "./asa.js";
import { lastTokenRows, pick, rowsByExpectedTool } from "./rows.js";
import { sweepLayers, type SweepResult } from "./sweep.js";

export interface BuildAsaOptions {
  format: ToolFormat;
  /** Fixed layer; default: the best probe-AUC layer on TRAIN. */
  layer?: number;
  /** Candidate layers for the sweep. Default: all but the first and last block. */
  layers?: readonly number[];
  /** α grid searched on VAL. Default [0.5, 1, 2, 4, 8]. */
  alphas?: readonly number[];
  /** τ grid searched on VAL. Default [0.5, 0.6, 0.7, 0.8, 0.9]. */
  taus?: readonly number[];
  /** Weight of the global vector in MoV. Default 1. */
  beta?: number;
  /** New tokens per VAL sample while choosing α and τ. Default 24 (enough to see the call marker). */
  selectionMaxTokens?: number;
  signal?: AbortSignal;
  onProgress?: (phase: string, done: number, total: number) => void;
}

export interface SelectionPoint {
  alpha: number;
  tau: number;
  metrics: Metrics;
}

export interface BuildAsaResult {
  asset: Omit<SteeringAsset, "version" | "createdAt">;
  sweep: SweepResult;
  /** Every (α, τ) point tried on VAL, and the baseline (α = 0). */
  selection: { baseline: Metrics; points: SelectionPoint[] };
  counts: { cal: number; train: number; val: number };
}

export async function buildAsaAsset(ctx: SteerContext, samples: readonly DatasetSample[], options: BuildAsaOptions): Promise<BuildAsaResult> {
  const progress = options.onProgress ?? (() => {});
  const { nLayer, fingerprint, nEmbd } = ctx.model.info;
  const bySplit = (split: string) => samples.filter((s) => splitOf(s) === split);
  const cal = bySplit("cal");
  const train = bySplit("train");
  const val = bySplit("val");
  for (const [name, part] of [["cal", cal], ["train", train], ["val", val]] as const) {
    if (part.length === 0 || !part.some((s) => s.needs_tool) || !part.some((s) => !s.needs_tool)) {
      throw new Error(`The ${name} split needs samples with and without tool use (has ${part.length})`);
    }
  }
  const candidates = options.layer !== undefined ? [options.layer] : options.layers ?? Array.from({ length: Math.max(1, nLayer - 2) }, (_, i) => i + 1);

  progress("render", 0, 1);
  const prompts = await renderSamples(ctx.model, [...cal, ...train, ...val], options.format, { signal: options.signal });
  const calIdx = cal.map((_, i) => i);
  const trainIdx = train.map((_, i) => cal.length + i);
  const valIdx = val.map((_, i) => cal.length + train.length + i);

  // One pass reads every candidate layer for CAL and TRAIN (VAL only at the chosen layer, below).
  const rows = await lastTokenRows(ctx, pick(prompts, [...calIdx, ...trainIdx]), candidates, {
    signal: options.signal,
    onProgress: (d, t) => progress("capture", d, t),
  });
  const trainRowsByLayer = new Map([...rows].map(([l, r]) => [l, r.slice(cal.length)]));
  const trainLabels = Uint8Array.from(train, (s) => (s.needs_tool ? 1 : 0));
  const sweep = sweepLayers(trainRowsByLayer, trainLabels, { signal: options.signal, onProgress: (d, t) => progress("sweep", d, t) });
  const layer = options.layer ?? sweep.best_layer;

  // Vectors from CAL only: tool-needed minus no-tool, globally and per domain.
  const calRows = rows.get(layer)!.slice(0, cal.length);
  const diff = (subset: number[]) => {
    const pos = subset.filter((i) => cal[i].needs_tool).map((i) => calRows[i]);
    const neg = subset.filter((i) => !cal[i].needs_tool).map((i) => calRows[i]);
    return meanDifference(new Map([[layer, pos]]), new Map([[layer, neg]]), { modelFingerprint: fingerprint, source: "cal" });
  };
  const domains = [...new Set(samples.map((s) => s.domain))].sort();
  const global = diff(calIdx);
  const domainVectors = new Map(domains.filter((d) => cal.some((s) => s.domain === d && s.needs_tool) && cal.some((s) => s.domain === d && !s.needs_tool)).map((d) => [d, diff(calIdx.filter((i) => cal[i].domain === d))]));

  // Router and probes from TRAIN only.
  const trainRows = trainRowsByLayer.get(layer)!;
  const router = domainVectors.size > 1 ? fitSoftmaxRouter(trainRows, train.map((s) => s.domain), { classes: [...domainVectors.keys()] }).router : null;
  const probe = fitLogisticProbe(trainRows, trainLabels).probe;
  const domainProbes = new Map<string, LinearProbe>();
  for (const d of domainVectors.keys()) {
    const idx = train.map((s, i) => (s.domain === d ? i : -1)).filter((i) => i >= 0);
    const labels = idx.map((i) => trainLabels[i]);
    if (labels.some((y) => y === 1) && labels.some((y) => y === 0)) domainProbes.set(d, fitLogisticProbe(pick(trainRows, idx), labels).probe);
  }
  const tools = [...new Set(samples.flatMap((s) => s.tools.map((t) => t.function.name)))].sort();
  // Per-tool means on CAL at the layer, for the cosine readout (tools with at least one CAL sample).
  const rowsByTool = rowsByExpectedTool(cal, calRows);
  const toolMeans = rowsByTool.size >= 2 ? classMeans(new Map([...rowsByTool].map(([t, r]) => [t, new Map([[layer, r]])])), { modelFingerprint: fingerprint, source: "cal" }) : undefined;
  const draft: Omit<SteeringAsset, "version" | "createdAt"> = {
    modelFingerprint: fingerprint,
    nEmbd,
    layer,
    method: "asa-mov",
    datasetHash: datasetHash(samples),
    tools,
    params: { alpha: 1, beta: options.beta ?? 1, tau: 0.5 },
    vectors: { global, domains: domainVectors },
    ...(toolMeans ? { toolMeans } : {}),
    router,
    probe,
    domainProbes,
  };

  // α and τ from VAL.
  const valPrompts = pick(prompts, valIdx);
  const valRows = await lastTokenRows(ctx, valPrompts, [layer], { signal: options.signal });
  const decisions = valRows.get(layer)!.map((row) => asaDecide(draft as SteeringAsset, row, { tau: 0.5 }));
  const selection = await selectAlphaTau(ctx, val, valPrompts, decisions, draft as SteeringAsset, options, progress);
  const best = selection.points.reduce((a, b) => (better(b.metrics, a.metrics) ? b : a), selection.points[0]);
  const asset = { ...draft, params: { ...draft.params, alpha: best.alpha, tau: best.tau } };
  return { asset, sweep, selection, counts: { cal: cal.length, train: train.length, val: val.length } };
}

function better(a: Metrics, b: Metrics): boolean {
  if (Math.abs(a.f1 - b.f1) > 1e-9) return a.f1 > b.f1;
  return a.fpr < b.fpr;
}

/**
 * Each VAL sample is generated at most once per α and sign: with +α when p > 0.5 (the only samples any
 * τ ≥ 0.5 can gate +1) and with −α when p < 0.5; the baseline covers gate 0. Every (α, τ) is then scored
 * by picking, per sample, the output its gate selects.
 */
async function selectAlphaTau(
  ctx: SteerContext,
  val: readonly DatasetSample[],
  prompts: readonly string[],
  decisions: readonly AsaDecision[],
  asset: SteeringAsset,
  options: BuildAsaOptions,
  progress: (phase: string, done: number, total: number) => void,
): Promise<{ baseline: Metrics; points: SelectionPoint[] }> {
  const alphas = options.alphas ?? [0.5, 1, 2, 4, 8];
  const taus = options.taus ?? [0.5, 0.6, 0.7, 0.8, 0.9];
  const maxTokens = options.selectionMaxTokens ?? 24;
  const run = async (indices: number[], sign: -1 | 0 | 1, alpha: number, label: string): Promise<Map<number, SampleOutcome>> => {
    if (indices.length === 0) return new Map();
    const subset = pick(val, indices);
    const r = await runSamples(ctx, subset, {
      format: options.format,
      prompts: pick(prompts, indices),
      maxTokens,
      steerFor: (k) => (sign === 0 ? undefined : asaSteering(asset, { ...decisions[indices[k]], gate: sign }, { alpha })),
      signal: options.signal,
      onProgress: (d, t) => progress(label, d, t),
    });
    return new Map(indices.map((i, k) => [i, r.outcomes[k]]));
  };
  const all = val.map((_, i) => i);
  const base = await run(all, 0, 0, "select: baseline");
  const judged = (pickOutcome: (i: number) => SampleOutcome) =>
    computeMetrics(all.map((i) => ({ needsTool: val[i].needs_tool, expectedName: val[i].expected?.name ?? null, domain: val[i].domain, parse: pickOutcome(i).parse })));
  const points: SelectionPoint[] = [];
  for (const alpha of alphas) {
    const plus = await run(all.filter((i) => decisions[i].p > 0.5), 1, alpha, `select: +${alpha}`);
    const minus = await run(all.filter((i) => decisions[i].p < 0.5), -1, alpha, `select: -${alpha}`);
    for (const tau of taus) {
      points.push({
        alpha,
        tau,
        metrics: judged((i) => {
          const gate = gateOf(decisions[i].p, tau);
          return (gate === 1 ? plus.get(i) : gate === -1 ? minus.get(i) : undefined) ?? base.get(i)!;
        }),
      });
    }
  }
  return { baseline: judged((i) => base.get(i)!), points };
}
