/**
 * One evaluation run, end to end: baseline and steered generations on a split under the strict protocol,
 * optional ablations and the causal logit check, gathered into the EvalReport document.
 */
import type { GateMode, InjectionPositions, SteeringAsset, VectorSet } from "../assets/index.js";
import { datasetHash, splitOf, type DatasetSample, type Split } from "../data/index.js";
import type { SteerContext } from "../engine/context.js";
import type { SteeringSpec } from "../engine/steering.js";
import type { ToolFormat } from "../formats/index.js";
import { alphaScale, asaDecide, asaSteering, mixture, randomDirectionFor, type AsaDecision, type AsaOverrides } from "../science/asa.js";
import { errorRateByGap, planToolReadout, readWithPlan } from "../science/readout.js";
import { normMatched, seededVector } from "../util/arrays.js";
import { measureLogitShift } from "./logitShift.js";
import type { Metrics } from "./metrics.js";
import { renderSamples } from "./prompts.js";
import type { EvalExample, EvalReport, LogitShift, MetricsRecord } from "./reportTypes.js";
import { GenerationJournal } from "./journal.js";
import { pairedComparison } from "./paired.js";
import { breakdownMetrics } from "./breakdowns.js";
import { runSamples, type RunResult, type SampleOutcome } from "./runner.js";
import { triggerTokens } from "./triggerTokens.js";

export type ControllerName = "asa" | "always" | "none";

/** The ablations `eval --ablations` runs, in order. */
export const ABLATIONS = [
  "prompt_no_system", "prompt_few_shot", "no_gate", "random_direction", "mov", "global_only", "domain_only", "oracle_router", "mismatched_domain", "last_prompt", "whole_prompt",
] as const;
export type AblationName = (typeof ABLATIONS)[number];

export interface EvaluationOptions {
  data: string;
  samples: readonly DatasetSample[];
  /** The split reported on, or "all" (an imported benchmark evaluated whole with an asset built elsewhere). */
  split: Split | "all";
  format: ToolFormat;
  controller: ControllerName;
  /** Required for "asa" and "always". */
  asset?: SteeringAsset;
  /** Overrides the asset's α (a single value) — for "always" the strength. */
  alpha?: number;
  tau?: number;
  /** Overrides the asset's gate mode. */
  gate?: GateMode;
  /** Overrides the asset's injection positions (SteeringAssetParams.positions). */
  positions?: InjectionPositions;
  /** Overrides the asset's direction (SteeringAssetParams.vectors). */
  vectors?: VectorSet;
  maxTokens: number;
  /** Ablations to run: true for all of ABLATIONS, or a list of their names. */
  ablations: boolean | readonly AblationName[];
  /** Generations already made and where new ones go (see journal.ts). Default: a fresh in-memory journal. */
  journal?: GenerationJournal;
  /** α values of the logit check. Default 0.25, 1 and the controller's own α in raw units (see logitAlphas). */
  logitAlphas?: readonly number[];
  /** Most worked examples kept in the report. Default 12. */
  examples?: number;
  seed?: number;
  signal?: AbortSignal;
  onProgress?: (phase: string, done: number, total: number) => void;
}

const toRecord = (m: Metrics): MetricsRecord => m;

export async function runEvaluation(ctx: SteerContext, options: EvaluationOptions): Promise<Omit<EvalReport, "model" | "reproducibility"> & { datasetHash: string }> {
  const progress = options.onProgress ?? (() => {});
  const samples = options.split === "all" ? [...options.samples] : options.samples.filter((s) => splitOf(s) === options.split);
  if (samples.length === 0) throw new Error(`The dataset has no samples in the ${options.split} split`);
  const prompts = await renderSamples(ctx.model, samples, options.format, { signal: options.signal });
  const journal = options.journal ?? GenerationJournal.inMemory(ctx.model.info.fingerprint);
  const run = (label: string, steerFor?: (i: number) => readonly SteeringSpec[] | undefined, texts: readonly string[] = prompts, captureLayer?: number) =>
    runSamples(ctx, samples, { format: options.format, prompts: texts, steerFor, maxTokens: options.maxTokens, captureLayer, journal, signal: options.signal, onProgress: (d, t) => progress(label, d, t) });

  // The baseline also reads each prompt's decision row, from which the gated controller decides.
  const baseline = await run("baseline", undefined, prompts, options.controller === "asa" ? options.asset?.layer : undefined);
  const baselineBreakdowns = breakdownMetrics(samples, baseline.outcomes);
  const report: Omit<EvalReport, "model" | "reproducibility"> & { datasetHash: string } = {
    data: options.data,
    split: options.split,
    n: samples.length,
    settings: { format: options.format.name, controller: options.controller, max_tokens: options.maxTokens, seed: options.seed ?? 0 },
    baseline: toRecord(baseline.metrics),
    by_domain: { baseline: baseline.byDomain },
    breakdowns: { baseline: baselineBreakdowns },
    datasetHash: datasetHash(options.samples),
  };
  if (options.controller === "none") {
    report.confusion = toolConfusion(samples, baseline.outcomes);
    report.examples = examples(samples, prompts, baseline.outcomes, baseline.outcomes, [], options.examples ?? 12);
    return report;
  }
  const asset = options.asset;
  if (!asset) throw new Error(`The ${options.controller} controller needs an asset`);
  const layer = asset.layer;
  report.settings.layer = layer;

  let steered: RunResult;
  let decisions: AsaDecision[] = [];
  if (options.controller === "always") {
    const alpha = options.alpha ?? asset.params.alpha;
    const vector = asset.vectors.global.get(layer);
    steered = await run("steered (always on)", () => [{ layer, vector, strength: alpha * alphaScale(asset, vector), positions: "all" }]);
    report.steered = { ...toRecord(steered.metrics), alpha, alpha_unit: asset.params.alphaUnit ?? "raw" };
  } else {
    const overrides: AsaOverrides = { alpha: options.alpha, tau: options.tau, gate: options.gate, positions: options.positions, vectors: options.vectors };
    const rows = baseline.rows!;
    const asa = await runAsa(ctx, samples, prompts, rows, asset, overrides, { ...options, journal }, "steered (ASA)");
    steered = asa.result;
    decisions = asa.decisions;
    Object.assign(report, readoutByGap(samples, rows, steered.outcomes, asset));
    report.steered = {
      ...toRecord(steered.metrics),
      alpha: options.alpha ?? asset.params.alpha,
      alpha_unit: asset.params.alphaUnit ?? "raw",
      tau: options.tau ?? asset.params.tau,
      gate: options.gate ?? asset.params.gate ?? "ternary",
      positions: options.positions ?? asset.params.positions ?? "last-prompt",
      vectors: options.vectors ?? asset.params.vectors ?? "mov",
    };
    report.paired = { steered_vs_baseline: pairedComparison(baseline.outcomes, steered.outcomes) };
    const wanted = options.ablations === true ? ABLATIONS : options.ablations === false ? [] : options.ablations;
    if (wanted.length > 0) {
      const ablations = await runAblations(ctx, samples, prompts, rows, asset, overrides, { ...options, journal }, wanted, baseline, steered);
      report.ablations = ablations.metrics;
      if (ablations.random) report.paired.steered_vs_random = pairedComparison(ablations.random.outcomes, steered.outcomes);
    }
    const direction = mixture(asset, [...asset.vectors.domains.keys()][0] ?? "", { vectors: "global" });
    const controllerAlpha = Number(((options.alpha ?? asset.params.alpha) * alphaScale(asset, direction)).toPrecision(4));
    report.logit_shift = await logitCheck(ctx, prompts, layer, direction, baseline.outcomes, options.logitAlphas ?? logitAlphas(controllerAlpha), options);
  }
  report.by_domain = { baseline: baseline.byDomain, steered: steered.byDomain };
  report.breakdowns = { baseline: baselineBreakdowns, steered: breakdownMetrics(samples, steered.outcomes) };
  report.confusion = toolConfusion(samples, steered.outcomes);
  report.examples = examples(samples, prompts, baseline.outcomes, steered.outcomes, decisions, options.examples ?? 12);
  return report;
}

/**
 * The gated controller over a split: each sample's decision comes from its own baseline row (the row the
 * steering would be decided from at run time: last prompt token, before any steering), and its steering is
 * applied at the last prompt token. Gate-0 samples carry no steering, so their generation is the baseline's,
 * which the journal already holds.
 */
async function runAsa(
  ctx: SteerContext,
  samples: readonly DatasetSample[],
  prompts: readonly string[],
  rows: readonly Float32Array[],
  asset: SteeringAsset,
  overrides: AsaOverrides,
  options: EvaluationOptions & { journal: GenerationJournal },
  label: string,
  perSample?: (i: number) => AsaOverrides,
): Promise<{ result: RunResult; decisions: AsaDecision[] }> {
  const decisions = rows.map((row, i) => asaDecide(asset, row, { ...overrides, ...perSample?.(i) }));
  const result = await runSamples(ctx, samples, {
    format: options.format,
    prompts,
    steerFor: (i) => asaSteering(asset, decisions[i], { ...overrides, ...perSample?.(i) }),
    maxTokens: options.maxTokens,
    journal: options.journal,
    signal: options.signal,
    onProgress: (d, t) => options.onProgress?.(label, d, t),
  });
  return { result, decisions };
}

async function runAblations(
  ctx: SteerContext,
  samples: readonly DatasetSample[],
  prompts: readonly string[],
  rows: readonly Float32Array[],
  asset: SteeringAsset,
  overrides: AsaOverrides,
  options: EvaluationOptions & { journal: GenerationJournal },
  wanted: readonly AblationName[],
  baseline: RunResult,
  full: RunResult,
): Promise<{ metrics: Record<string, MetricsRecord>; random?: RunResult }> {
  const out: Record<string, MetricsRecord> = { baseline: baseline.metrics, asa_full: full.metrics };
  let random: RunResult | undefined;
  for (const variant of ["none", "few-shot"] as const) {
    if (!wanted.includes(variant === "none" ? "prompt_no_system" : "prompt_few_shot")) continue;
    const texts = await renderSamples(ctx.model, samples, options.format, { variant, signal: options.signal });
    const r = await runSamples(ctx, samples, { format: options.format, prompts: texts, maxTokens: options.maxTokens, journal: options.journal, signal: options.signal, onProgress: (d, t) => options.onProgress?.(`ablation: prompt ${variant}`, d, t) });
    out[variant === "none" ? "prompt_no_system" : "prompt_few_shot"] = r.metrics;
  }
  const domains = [...asset.vectors.domains.keys()];
  const variants: Partial<Record<AblationName, (i: number) => AsaOverrides>> = {
    no_gate: () => ({ noGate: true }),
    random_direction: (i) => ({ direction: randomDirectionFor(asset, samples[i].domain, options.seed ?? 0, overrides) }),
    // The direction and the positions each way, whatever the controller uses (the one it uses repeats its own run,
    // taken from the journal): the paper's mixture and last prompt token next to the other choices.
    mov: () => ({ vectors: "mov" }),
    global_only: () => ({ vectors: "global" }),
    domain_only: () => ({ vectors: "domain" }),
    oracle_router: (i) => ({ domain: samples[i].domain }),
    mismatched_domain: (i) => ({ domain: domains[(domains.indexOf(samples[i].domain) + 1) % domains.length] }),
    last_prompt: () => ({ positions: "last-prompt" }),
    // Every prompt token (no prefix sharing: costs a full prefill per steered sample).
    whole_prompt: () => ({ positions: "prompt" }),
  };
  for (const [name, perSample] of Object.entries(variants) as [AblationName, (i: number) => AsaOverrides][]) {
    if (!wanted.includes(name)) continue;
    const r = await runAsa(ctx, samples, prompts, rows, asset, overrides, options, `ablation: ${name}`, perSample);
    out[name] = r.result.metrics;
    if (name === "random_direction") random = r.result;
  }
  return { metrics: out, random };
}

/** The paper's α 0.25 and 1, and the α the controller steers with (in raw units), where the effect shows on a larger model. */
export function logitAlphas(controllerAlpha: number): number[] {
  const alphas = [0.25, 1];
  return Number.isFinite(controllerAlpha) && controllerAlpha > 0 && !alphas.includes(controllerAlpha) ? [...alphas, controllerAlpha] : alphas;
}

async function logitCheck(
  ctx: SteerContext,
  prompts: readonly string[],
  layer: number,
  direction: Float32Array,
  baseline: readonly SampleOutcome[],
  alphas: readonly number[],
  options: EvaluationOptions,
): Promise<LogitShift[]> {
  const triggers = triggerTokens(ctx.model, options.format.callMarker, baseline);
  const subset = prompts.slice(0, 200);
  const shifts = await measureLogitShift(ctx, subset, {
    layer,
    direction,
    random: normMatched(seededVector(direction.length, (options.seed ?? 0) + 7), direction),
    triggerTokens: triggers.map((t) => t.id),
    alphas,
    signal: options.signal,
  });
  // Each token's label once, then on each of its rows (one per α).
  const labels = new Map(triggers.map(({ id, source, ...shares }) => [id, { token: ctx.model.detokenize([id], { special: true }), token_source: source, ...shares }]));
  return shifts.map(({ token_id, ...shift }) => ({ ...shift, ...labels.get(token_id)! }));
}

function examples(samples: readonly DatasetSample[], prompts: readonly string[], base: readonly SampleOutcome[], steered: readonly SampleOutcome[], decisions: readonly AsaDecision[], limit: number): EvalExample[] {
  const verdict = (o: SampleOutcome) => ({ triggered: o.parse.triggered, format_ok: o.parse.format_ok, tool_ok: o.parse.tool_ok, args_ok: o.parse.args_ok, errors: o.parse.errors });
  // Changed verdicts first, then calls (the rare event on small models): they are what a reader wants to see.
  const changed = (i: number) => Number(base[i].parse.triggered !== steered[i].parse.triggered);
  const called = (i: number) => Number(base[i].parse.triggered || steered[i].parse.triggered);
  const order = samples.map((_, i) => i).sort((a, b) => changed(b) - changed(a) || called(b) - called(a) || a - b);
  return order.slice(0, limit).map((i) => ({
    id: samples[i].id,
    domain: samples[i].domain,
    needs_tool: samples[i].needs_tool,
    expected: samples[i].expected?.name ?? null,
    prompt: prompts[i],
    baseline_output: base[i].output,
    steered_output: steered[i].output,
    baseline_verdict: verdict(base[i]),
    steered_verdict: verdict(steered[i]),
    ...(decisions[i] ? { gate: { domain: decisions[i].domain, p: decisions[i].p, gate: decisions[i].gate } } : {}),
  }));
}

/** The tool called (first call of a well-formed reply) or "none", per expected tool. Undefined when no sample names a tool. */
export function toolConfusion(samples: readonly DatasetSample[], outcomes: readonly SampleOutcome[]): EvalReport["confusion"] {
  const counts: Record<string, Record<string, number>> = {};
  samples.forEach((s, i) => {
    if (!s.needs_tool || !s.expected) return;
    const parse = outcomes[i].parse;
    const called = parse.format_ok && parse.calls.length > 0 ? parse.calls[0].name : "none";
    const row = (counts[s.expected.name] ??= {});
    row[called] = (row[called] ?? 0) + 1;
  });
  const tools = Object.keys(counts).sort();
  return tools.length > 0 ? { tools, counts } : undefined;
}

/**
 * Cosine readout of each prompt's decision row against the asset's tool means (among the prompt's menu), and per
 * gap quintile how often the readout names the wrong tool and how often the steered call does (no call counts
 * as wrong). Nothing when the asset has no tool means or no sample names a tool.
 */
export function readoutByGap(samples: readonly DatasetSample[], rows: readonly Float32Array[], outcomes: readonly SampleOutcome[], asset: SteeringAsset): Pick<EvalReport, "readout" | "gap_buckets"> {
  const judged: { gap: number; wrong: boolean; callWrong: boolean }[] = [];
  samples.forEach((s, i) => {
    if (!s.needs_tool || !s.expected || !rows[i]) return;
    const plan = planToolReadout(asset.toolMeans, asset.layer, s.tools.map((t) => t.function.name));
    if (!plan) return;
    const r = readWithPlan(plan, rows[i]);
    const parse = outcomes[i].parse;
    judged.push({ gap: r.gap, wrong: r.predicted !== s.expected.name, callWrong: !(parse.format_ok && parse.calls.length > 0 && parse.calls[0].name === s.expected.name) });
  });
  if (judged.length === 0) return {};
  const readoutWrong = errorRateByGap(judged);
  const callWrong = errorRateByGap(judged.map((j) => ({ gap: j.gap, wrong: j.callWrong })));
  return {
    readout: { layer: asset.layer, n: judged.length, accuracy: judged.filter((j) => !j.wrong).length / judged.length },
    gap_buckets: readoutWrong.map((b, k) => ({ ...b, call_error_rate: callWrong[k].error_rate })),
  };
}
