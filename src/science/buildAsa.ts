/**
 * Builds an ASA asset from a dataset with disjoint splits: vectors from CAL only; router and probes from
 * TRAIN; the layer by probe AUC (TRAIN cross-validation) or, given candidates (valLayers), on VAL with α, τ and
 * the gate mode. TEST is never touched here.
 */
import { GATE_MODES, INJECTION_POSITIONS, VECTOR_SETS, type AlphaUnit, type GateMode, type InjectionPositions, type SteeringAsset, type VectorSet } from "../assets/index.js";
import { datasetHash, splitOf, type DatasetSample } from "../data/index.js";
import type { SteerContext } from "../engine/context.js";
import type { ToolFormat } from "../formats/index.js";
import { fitLogisticProbe, fitSoftmaxRouter, type LinearProbe } from "../probes/index.js";
import { renderSamples } from "../eval/prompts.js";
import { GenerationJournal } from "../eval/journal.js";
import { runSamples, type SampleOutcome } from "../eval/runner.js";
import { computeMetrics, type Metrics } from "../eval/metrics.js";
import { invalidArgument } from "../errors.js";
import { l2Norm } from "../util/arrays.js";
import { classMeans, meanDifference } from "../vectors/index.js";
import { pairedComparison, type PairedReport } from "../eval/paired.js";
import { asaDecide, asaSteering, gateOf, randomDirectionFor, type AsaDecision } from "./asa.js";
import { lastTokenRows, pick, rowsByExpectedTool } from "./rows.js";
import { DEFAULT_SELECTION_RULE, pickBest, type SelectionRule } from "./selection.js";
import { sweepLayers, type SweepResult } from "./sweep.js";

export interface BuildAsaOptions {
  format: ToolFormat;
  /** Fixed layer; default: the best probe-AUC layer on TRAIN (or, with valLayers, the one VAL prefers). */
  layer?: number;
  /**
   * Candidate layers chosen on VAL together with α, τ and the gate mode, by the same rule: an asset is fitted at
   * each (vectors from CAL, probes from TRAIN) and the best point over all of them wins. Each layer costs one VAL
   * selection's generations. Cannot be combined with `layer`. Default: none (the layer is the best probe AUC).
   */
  valLayers?: readonly number[];
  /** Candidate layers for the sweep. Default: all but the first and last block. */
  layers?: readonly number[];
  /** α grid searched on VAL. Default [0.5, 1, 2, 4, 8]. */
  alphas?: readonly number[];
  /** τ grid searched on VAL. Default [0.5, 0.6, 0.7, 0.8, 0.9]. */
  taus?: readonly number[];
  /** Gate modes tried on VAL (each costs nothing extra: they reuse the same generations). Default all three. */
  gates?: readonly GateMode[];
  /**
   * Injection positions tried on VAL (SteeringAssetParams.positions). Each costs its own steered generations, and
   * "prompt" a full prefill per steered sample. Default ["last-prompt"] (the paper's).
   */
  positions?: readonly InjectionPositions[];
  /** Directions tried on VAL (SteeringAssetParams.vectors); each costs its own steered generations. Default ["mov"] (the paper's). */
  vectorSets?: readonly VectorSet[];
  /**
   * Also run the chosen point on VAL with a norm-matched random direction in place of the mixture (same gate, α and
   * positions; eval's random_direction ablation, seed 0), and report it with the paired counts: a point the random
   * direction matches is the gate's doing, not the direction's. Costs one more steered VAL pass. Default false.
   */
  randomControl?: boolean;
  /** Weight of the global vector in MoV. Default 1. */
  beta?: number;
  /** What the α grid counts in (SteeringAssetParams.alphaUnit). Default "raw". */
  alphaUnit?: AlphaUnit;
  /** Rule that picks α, τ and the gate mode on VAL (see selection.ts). Default "mcc". */
  select?: SelectionRule;
  /**
   * New tokens per VAL sample while choosing. Default 96; pass the evaluation's budget so that the VAL verdicts
   * (well-formed calls, successes) are judged as TEST's will be.
   */
  selectionMaxTokens?: number;
  /** Where VAL generations are looked up and kept (see eval/journal.ts). Default: a fresh in-memory journal. */
  journal?: GenerationJournal;
  signal?: AbortSignal;
  onProgress?: (phase: string, done: number, total: number) => void;
}

export interface SelectionPoint {
  layer: number;
  positions: InjectionPositions;
  vectors: VectorSet;
  alpha: number;
  tau: number;
  gate: GateMode;
  metrics: Metrics;
}

export interface BuildAsaResult {
  asset: Omit<SteeringAsset, "version" | "createdAt">;
  sweep: SweepResult;
  /**
   * Every (positions, vectors, α, τ, gate) point tried on VAL, the baseline (α = 0), the rule that chose and whether it had to fall
   * back to "mcc" because it refused every point ("f1-fpr" when every point raised the FPR).
   */
  selection: {
    baseline: Metrics;
    points: SelectionPoint[];
    rule: SelectionRule;
    fallback: boolean;
    chosen: SelectionPoint;
    layers: number[];
    /** With `randomControl`: the random direction at the chosen point on VAL, and McNemar's test of the chosen point against it. */
    randomControl?: { metrics: Metrics; paired: PairedReport };
  };
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
  if (options.layer !== undefined && options.valLayers !== undefined) throw invalidArgument("valLayers", "absent when a layer is fixed", options.valLayers);
  if (options.valLayers !== undefined && options.valLayers.length === 0) throw invalidArgument("valLayers", "at least one layer", options.valLayers);
  checkChoices("positions", options.positions, INJECTION_POSITIONS);
  checkChoices("vectorSets", options.vectorSets, VECTOR_SETS);
  for (const l of options.valLayers ?? []) if (!Number.isInteger(l) || l < 0 || l >= nLayer) throw invalidArgument("valLayers", `layers of this model (0..${nLayer - 1})`, l);
  const swept = options.layers ?? Array.from({ length: Math.max(1, nLayer - 2) }, (_, i) => i + 1);
  const candidates = options.layer !== undefined ? [options.layer] : [...new Set([...swept, ...(options.valLayers ?? [])])];

  progress("render", 0, 1);
  const prompts = await renderSamples(ctx.model, [...cal, ...train, ...val], options.format, { signal: options.signal });
  const calIdx = cal.map((_, i) => i);
  const trainIdx = train.map((_, i) => cal.length + i);
  const valIdx = val.map((_, i) => cal.length + train.length + i);

  // One pass reads every candidate layer for CAL and TRAIN (VAL only at the layers VAL chooses among, below).
  const rows = await lastTokenRows(ctx, pick(prompts, [...calIdx, ...trainIdx]), candidates, {
    signal: options.signal,
    onProgress: (d, t) => progress("capture", d, t),
  });
  const trainRowsByLayer = new Map([...rows].map(([l, r]) => [l, r.slice(cal.length)]));
  const trainLabels = Uint8Array.from(train, (s) => (s.needs_tool ? 1 : 0));
  const sweep = sweepLayers(trainRowsByLayer, trainLabels, { signal: options.signal, onProgress: (d, t) => progress("sweep", d, t) });
  const valLayers = options.layer !== undefined ? [options.layer] : options.valLayers ? [...new Set(options.valLayers)] : [sweep.best_layer];

  const fit = { fingerprint, cal, train, trainLabels, calIdx, domains: [...new Set(samples.map((s) => s.domain))].sort(), tools: [...new Set(samples.flatMap((s) => s.tools.map((t) => t.function.name)))].sort() };
  const valPrompts = pick(prompts, valIdx);
  const valRows = await lastTokenRows(ctx, valPrompts, valLayers, { signal: options.signal, onProgress: (d, t) => progress("capture: val", d, t) });
  const identity = { datasetHash: datasetHash(samples), modelFingerprint: fingerprint, nEmbd };
  const drafts = new Map<number, Omit<SteeringAsset, "version" | "createdAt">>();
  const tried: Array<Omit<BuildAsaResult["selection"], "layers">> = [];
  for (const layer of valLayers) {
    const draft = { ...fitAtLayer(layer, rows.get(layer)!.slice(0, cal.length), trainRowsByLayer.get(layer)!, fit, options), ...identity };
    drafts.set(layer, draft);
    tried.push(await selectOnVal(ctx, val, valPrompts, draft as SteeringAsset, options, valRows.get(layer)));
  }
  // One selection over every layer's points (the unsteered VAL baseline is the same for all of them).
  const rule = options.select ?? DEFAULT_SELECTION_RULE;
  const selection = { ...chooseOnVal(rule, tried[0].baseline, tried.flatMap((t) => t.points)), layers: valLayers };
  const best = selection.chosen;
  const draft = drafts.get(best.layer)!;
  const asset = { ...draft, params: { ...draft.params, alpha: best.alpha, tau: best.tau, gate: best.gate, positions: best.positions, vectors: best.vectors } };
  const randomControl = options.randomControl ? await randomControlOnVal(ctx, val, valPrompts, asset as SteeringAsset, valRows.get(best.layer)!, options) : undefined;
  return { asset, sweep, selection: { ...selection, ...(randomControl ? { randomControl } : {}) }, counts: { cal: cal.length, train: train.length, val: val.length } };
}

interface FitInputs {
  fingerprint: string;
  cal: readonly DatasetSample[];
  train: readonly DatasetSample[];
  trainLabels: Uint8Array;
  calIdx: number[];
  domains: string[];
  tools: string[];
}

/** The asset's fitted parts at one layer: vectors and tool means from CAL rows, router and probes from TRAIN rows. */
function fitAtLayer(
  layer: number,
  calRows: readonly Float32Array[],
  trainRows: readonly Float32Array[],
  { fingerprint, cal, train, trainLabels, calIdx, domains, tools }: FitInputs,
  options: BuildAsaOptions,
): Omit<SteeringAsset, "version" | "createdAt" | "datasetHash" | "modelFingerprint" | "nEmbd"> {
  // Vectors from CAL only: tool-needed minus no-tool, globally and per domain.
  const diff = (subset: number[]) => {
    const pos = subset.filter((i) => cal[i].needs_tool).map((i) => calRows[i]);
    const neg = subset.filter((i) => !cal[i].needs_tool).map((i) => calRows[i]);
    return meanDifference(new Map([[layer, pos]]), new Map([[layer, neg]]), { modelFingerprint: fingerprint, source: "cal" });
  };
  const global = diff(calIdx);
  const domainVectors = new Map(domains.filter((d) => cal.some((s) => s.domain === d && s.needs_tool) && cal.some((s) => s.domain === d && !s.needs_tool)).map((d) => [d, diff(calIdx.filter((i) => cal[i].domain === d))]));

  // Router and probes from TRAIN only.
  const router = domainVectors.size > 1 ? fitSoftmaxRouter(trainRows, train.map((s) => s.domain), { classes: [...domainVectors.keys()] }).router : null;
  const probe = fitLogisticProbe(trainRows, trainLabels).probe;
  const domainProbes = new Map<string, LinearProbe>();
  for (const d of domainVectors.keys()) {
    const idx = train.map((s, i) => (s.domain === d ? i : -1)).filter((i) => i >= 0);
    const labels = idx.map((i) => trainLabels[i]);
    if (labels.some((y) => y === 1) && labels.some((y) => y === 0)) domainProbes.set(d, fitLogisticProbe(pick(trainRows, idx), labels).probe);
  }
  // Per-tool means on CAL at the layer, for the cosine readout (tools with at least one CAL sample).
  const rowsByTool = rowsByExpectedTool(cal, calRows);
  const toolMeans = rowsByTool.size >= 2 ? classMeans(new Map([...rowsByTool].map(([t, r]) => [t, new Map([[layer, r]])])), { modelFingerprint: fingerprint, source: "cal" }) : undefined;
  return {
    layer,
    method: "asa-mov",
    tools,
    // The residual's size at the layer is recorded in every asset (it says how hard α pushes); it sets the unit of α only when asked.
    params: { alpha: 1, beta: options.beta ?? 1, tau: 0.5, residualNorm: meanNorm(calRows), ...(options.alphaUnit === "residual" ? { alphaUnit: "residual" as const } : {}) },
    vectors: { global, domains: domainVectors },
    ...(toolMeans ? { toolMeans } : {}),
    router,
    probe,
    domainProbes,
  };
}

/** The point the rule picks, or "mcc"'s pick (fallback) when the rule refuses every point. */
function chooseOnVal(rule: SelectionRule, baseline: Metrics, points: SelectionPoint[]): Omit<BuildAsaResult["selection"], "layers"> {
  const chosen = pickBest(rule, points, baseline);
  return { baseline, points, rule, fallback: chosen === undefined, chosen: chosen ?? pickBest("mcc", points, baseline)! };
}

/**
 * α, τ, the gate mode, the injection positions and the direction from VAL for an asset whose vectors, router and
 * probes are fitted (its own values of these are ignored): every point of the grids scored, and the one the rule picks. With the journal a build used, this
 * re-reads the VAL selection of a saved asset without generating anything again.
 */
export async function selectOnVal(
  ctx: SteerContext,
  val: readonly DatasetSample[],
  valPrompts: readonly string[],
  asset: SteeringAsset,
  options: BuildAsaOptions,
  valRows?: readonly Float32Array[],
): Promise<Omit<BuildAsaResult["selection"], "layers">> {
  const progress = options.onProgress ?? (() => {});
  const rows = valRows ?? (await lastTokenRows(ctx, valPrompts, [asset.layer], { signal: options.signal })).get(asset.layer)!;
  const decisions = rows.map((row) => asaDecide(asset, row, { tau: 0.5 }));
  const tried = await selectAlphaTau(ctx, val, valPrompts, decisions, asset, options, progress);
  return chooseOnVal(options.select ?? DEFAULT_SELECTION_RULE, tried.baseline, tried.points);
}

/**
 * Each VAL sample is generated at most once per variant (positions, vectors), α and sign: with +α when p > 0.5 (the
 * only samples any τ ≥ 0.5 can gate +1) and with −α when p < 0.5, each side only when a gate mode tried uses it; the
 * baseline covers gate 0. Every (variant, α, τ, gate mode) is then scored by picking, per sample, the output its
 * gate selects.
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
  const gates = options.gates ?? GATE_MODES;
  const positionsTried = options.positions ?? ["last-prompt"];
  const vectorsTried = options.vectorSets ?? ["mov"];
  const variants = positionsTried.flatMap((positions) => vectorsTried.map((vectors) => ({ positions, vectors })));
  const wantsPlus = gates.some((g) => g !== "negative");
  const wantsMinus = gates.some((g) => g !== "positive");
  const maxTokens = options.selectionMaxTokens ?? 96;
  const journal = options.journal ?? GenerationJournal.inMemory(ctx.model.info.fingerprint);
  const run = async (indices: number[], sign: -1 | 0 | 1, alpha: number, label: string, variant = variants[0]): Promise<Map<number, SampleOutcome>> => {
    if (indices.length === 0) return new Map();
    const subset = pick(val, indices);
    const r = await runSamples(ctx, subset, {
      format: options.format,
      prompts: pick(prompts, indices),
      maxTokens,
      journal,
      steerFor: (k) => (sign === 0 ? undefined : asaSteering(asset, { ...decisions[indices[k]], gate: sign }, { alpha, ...variant })),
      signal: options.signal,
      onProgress: (d, t) => progress(label, d, t),
    });
    return new Map(indices.map((i, k) => [i, r.outcomes[k]]));
  };
  const all = val.map((_, i) => i);
  const base = await run(all, 0, 0, "select: baseline");
  const judged = (pickOutcome: (i: number) => SampleOutcome) =>
    computeMetrics(all.map((i) => ({ needsTool: val[i].needs_tool, expectedName: val[i].expected?.name ?? null, expected: val[i].expected ?? null, domain: val[i].domain, parse: pickOutcome(i).parse, hitBudget: pickOutcome(i).hitBudget })));
  const points: SelectionPoint[] = [];
  for (const variant of variants) {
    const named = variants.length > 1 ? ` (${variant.positions}, ${variant.vectors})` : "";
    for (const alpha of alphas) {
      const plus = await run(wantsPlus ? all.filter((i) => decisions[i].p > 0.5) : [], 1, alpha, `select: +${alpha}${named}`, variant);
      const minus = await run(wantsMinus ? all.filter((i) => decisions[i].p < 0.5) : [], -1, alpha, `select: -${alpha}${named}`, variant);
      for (const gateMode of gates) {
        for (const tau of taus) {
          points.push({
            layer: asset.layer,
            ...variant,
            alpha,
            tau,
            gate: gateMode,
            metrics: judged((i) => {
              const gate = gateOf(decisions[i].p, tau, gateMode);
              return (gate === 1 ? plus.get(i) : gate === -1 ? minus.get(i) : undefined) ?? base.get(i)!;
            }),
          });
        }
      }
    }
  }
  return { baseline: judged((i) => base.get(i)!), points };
}

/** The chosen asset on VAL against the same gate with a norm-matched random direction (see BuildAsaOptions.randomControl). */
async function randomControlOnVal(
  ctx: SteerContext,
  val: readonly DatasetSample[],
  prompts: readonly string[],
  asset: SteeringAsset,
  rows: readonly Float32Array[],
  options: BuildAsaOptions,
): Promise<{ metrics: Metrics; paired: PairedReport }> {
  const decisions = rows.map((row) => asaDecide(asset, row));
  const journal = options.journal ?? GenerationJournal.inMemory(ctx.model.info.fingerprint);
  const run = (label: string, direction?: (i: number) => Float32Array) =>
    runSamples(ctx, val, {
      format: options.format,
      prompts,
      maxTokens: options.selectionMaxTokens ?? 96,
      journal,
      steerFor: (i) => asaSteering(asset, decisions[i], direction ? { direction: direction(i) } : {}),
      signal: options.signal,
      onProgress: (d, t) => options.onProgress?.(label, d, t),
    });
  // The chosen point's replies are in the journal already; only the random direction's are decoded.
  const chosen = await run("select: chosen");
  const random = await run("select: random control", (i) => randomDirectionFor(asset, val[i].domain));
  return { metrics: random.metrics, paired: pairedComparison(random.outcomes, chosen.outcomes) };
}

/** A list option of the VAL grid: absent, or a non-empty list of allowed values. */
function checkChoices(name: string, values: readonly string[] | undefined, allowed: readonly string[]): void {
  if (values === undefined) return;
  if (!Array.isArray(values) || values.length === 0 || values.some((v) => !allowed.includes(v))) {
    throw invalidArgument(name, `a non-empty list of ${allowed.map((a) => `"${a}"`).join(", ")}`, values);
  }
}

/** Mean L2 norm of the rows. */
function meanNorm(rows: readonly Float32Array[]): number {
  return rows.reduce((total, row) => total + l2Norm(row), 0) / rows.length;
}
