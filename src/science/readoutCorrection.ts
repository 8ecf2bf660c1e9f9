/**
 * Readout-guided correction: when the cosine readout of a prompt's own residual names a different tool than the
 * model is about to call, steer toward the readout's tool.
 *
 * Per prompt (a tool menu and a request that needs one of its tools), with the reply opened up to the tool name as
 * in tool switching (toolSwitch.ts):
 * 1. The unsteered reply names tool M; the readout at `layer` (the row just before the name, cosine to CAL
 *    per-tool means among the menu) names R with a top-1/top-2 gap g.
 * 2. Where R ≠ M and g ≥ minGap, the reply is generated again with α·(mean(R) − mean(M)) added from the last
 *    prompt token on, and again with a norm-matched random direction (the control). Elsewhere the unsteered reply
 *    stands in all three arms.
 * 3. With the name span (the default), a steered reply keeps only its tool name and the unsteered model writes the
 *    arguments (nameSpan.ts); with the reply span the steered reply stands as generated.
 * Measured against the expected tool: name accuracy and exact calls (the whole call parses and its arguments
 * validate for the expected tool) of the three arms, per gap quintile, with McNemar's paired test.
 */
import type { DatasetSample } from "../data/index.js";
import type { SteerContext } from "../engine/context.js";
import { ErrorCodes, SteerError } from "../errors.js";
import type { ToolDefinition, ToolFormat } from "../formats/index.js";
import { mcnemarExact } from "../eval/paired.js";
import { renderSamples } from "../eval/prompts.js";
import { closingMarkers } from "../eval/runner.js";
import { randomLike, switchVector } from "../vectors/builders.js";
import { menuCallGrammar } from "./callGrammar.js";
import { gapQuantiles, planToolReadout, readWithPlan } from "./readout.js";
import { judged, unsteeredArguments, type SteerSpan } from "./nameSpan.js";
import { callFollowsSchema, callOpening, experimentSplits, fitSwitchMeans, generateByMenu, menuPrompts, menuOf, nameFromContinuation, steerFrom, steerSpanOf, type ToolSwitchOptions } from "./toolSwitch.js";

export const CORRECTION_ARMS = ["baseline", "corrected", "random"] as const;
export type CorrectionArm = (typeof CORRECTION_ARMS)[number];

/**
 * Tool switching's options (format, layer, α — here the strength of the correction and of the control — budget,
 * seed, names kept on the menu, split), plus the gap below which nothing is corrected.
 */
export interface ReadoutCorrectionOptions extends ToolSwitchOptions {
  /**
   * Correct only where the readout's gap is at least this. Default 0 (every disagreement; buckets show where it
   * pays). "auto" chooses it on the val split (every disagreement corrected there, then the gap that fixes the
   * most names net of those it breaks; none when nothing gains) and applies it to the splits asked for.
   */
  minGap?: number | "auto";
}

export interface CorrectionOutcome {
  id: string;
  expected: string;
  readout: { predicted: string; gap: number };
  /** The readout disagreed with the unsteered call and its gap was large enough: the prompt was steered. */
  steered: boolean;
  names: Record<CorrectionArm, string | null>;
  exact: Record<CorrectionArm, boolean>;
  /** Each arm's reply as judged (with the name span, a steered arm's name followed by the unsteered arguments). */
  outputs: Record<CorrectionArm, string>;
}

export interface ArmSummary {
  name_accuracy: number;
  exact_rate: number;
}

export interface CorrectionBucket {
  low: number;
  high: number;
  n: number;
  steered: number;
  arms: Record<CorrectionArm, ArmSummary>;
}

export interface ReadoutCorrectionReport {
  n: number;
  layer: number;
  alpha: number;
  /** The gap corrected from; null when "auto" found none that gains on VAL (nothing corrected). */
  min_gap: number | null;
  /** With minGap "auto": how the gap was chosen. */
  min_gap_selection?: MinGapSelection;
  max_tokens: number;
  steer_span: SteerSpan;
  /** Prompts where the readout disagreed with the unsteered call (at any gap). */
  disagreements: number;
  /** Prompts steered (disagreement with gap ≥ min_gap). */
  steered: number;
  arms: Record<CorrectionArm, ArmSummary>;
  /** Corrected vs baseline on the expected tool's name: fixed, broken, McNemar p. Also random vs baseline. */
  paired: Record<"corrected" | "random", { fixed: number; broken: number; p_value: number }>;
  /** Per quintile of the readout gap, lowest first. */
  gap_buckets: CorrectionBucket[];
  outcomes: CorrectionOutcome[];
}

export async function runReadoutCorrection(ctx: SteerContext, samples: readonly DatasetSample[], options: ReadoutCorrectionOptions): Promise<ReadoutCorrectionReport> {
  const opening = callOpening(options.format);
  const alpha = options.alpha ?? 1;
  const maxTokens = options.maxTokens ?? 48;
  const span = steerSpanOf(options.steerSpan);
  const auto = options.minGap === "auto";
  const fixedGap = auto ? 0 : (options.minGap ?? 0);
  if (!Number.isFinite(alpha)) throw new SteerError(ErrorCodes.NOT_FINITE, `alpha must be a finite number, got ${alpha}`);
  if (typeof fixedGap !== "number" || !Number.isFinite(fixedGap) || fixedGap < 0) throw new SteerError(ErrorCodes.INVALID_ARGUMENT, `minGap must be a finite number ≥ 0 or "auto", got ${String(options.minGap)}`);
  const splits = experimentSplits(options.split);
  if (auto && splits.includes("val")) throw new SteerError(ErrorCodes.INVALID_ARGUMENT, 'minGap "auto" chooses the gap on the val split; correct other splits');
  const means = await fitSwitchMeans(ctx, samples, options, opening);
  const run = { ctx, means, opening, alpha, maxTokens, span, options };

  // "auto": every disagreement corrected on VAL, then the gap that gains the most there.
  let minGap: number | null = fixedGap;
  let selection: MinGapSelection | undefined;
  if (auto) {
    const val = menuPrompts(samples, ["val"], means);
    if (val.length === 0) throw new SteerError(ErrorCodes.INVALID_ARGUMENT, 'minGap "auto" needs val samples that offer two or more tools with CAL means');
    const onVal = await correctPrompts(run, val, 0, "val: ");
    selection = chooseMinGap(onVal.outcomes);
    minGap = selection.min_gap;
  }

  const test = menuPrompts(samples, splits, means);
  if (test.length === 0) throw new SteerError(ErrorCodes.INVALID_ARGUMENT, `No ${splits.join("/")} samples offer two or more tools with CAL means; there is nothing to correct`);
  const { outcomes, disagreements } = await correctPrompts(run, test, minGap ?? Number.POSITIVE_INFINITY, "");
  const report = summarizeCorrection(outcomes, { layer: options.layer, alpha, minGap, maxTokens, disagreements, steerSpan: span });
  return selection ? { ...report, min_gap_selection: selection } : report;
}

interface CorrectionRun {
  ctx: SteerContext;
  means: Awaited<ReturnType<typeof fitSwitchMeans>>;
  opening: string;
  alpha: number;
  maxTokens: number;
  span: SteerSpan;
  options: ReadoutCorrectionOptions;
}

/** The three arms on `test`'s prompts, correcting where the readout disagrees with a gap of at least `minGap`. */
async function correctPrompts(run: CorrectionRun, test: readonly DatasetSample[], minGap: number, phase: string): Promise<{ outcomes: CorrectionOutcome[]; disagreements: number }> {
  const { ctx, means, opening, alpha, maxTokens, span, options } = run;
  const seed = options.seed ?? 0;
  const prompts = (await renderSamples(ctx.model, test, options.format, { signal: options.signal })).map((p) => p + opening);
  const plans = test.map((sample) => ({ sample, menu: menuOf(sample) }));
  const generation = {
    maxTokens,
    stop: closingMarkers(options.format),
    signal: options.signal,
    grammarFor: options.constrainNames === false ? () => undefined : (menu: readonly string[]) => menuCallGrammar(options.format.name, menu),
    journal: options.journal,
  };

  // Stage 1: the unsteered reply and the row the readout reads, per prompt.
  const first = await generateByMenu(ctx, plans, prompts.map((prompt) => ({ prompt, capture: [options.layer] })), 1, {
    ...generation,
    onDone: (done, total) => options.onProgress?.(`${phase}unsteered calls`, done, total),
  });
  const base = first.map((r, i) => {
    const output = judged(r);
    const read = readWithPlan(planToolReadout(means, options.layer, plans[i].menu)!, r.captured!.get(options.layer)!);
    return { output, name: nameFromContinuation(output), read };
  });

  // Stage 2: where the readout disagrees (gap large enough) and names a tool with a mean, correct and control.
  const chosen = base.map((b, i) => i).filter((i) => base[i].name !== null && base[i].read.predicted !== base[i].name && base[i].read.gap >= minGap && means.has(base[i].name!));
  const steeredPlans = chosen.map((i) => plans[i]);
  const items = chosen.flatMap((i, k) => {
    const toward = switchVector(means, base[i].read.predicted, base[i].name!);
    const control = randomLike(toward, (seed * 7919 + k) >>> 0);
    return [
      { prompt: prompts[i], steer: steerFrom(toward, alpha) },
      { prompt: prompts[i], steer: steerFrom(control, alpha) },
    ];
  });
  const second = items.length > 0 ? await generateByMenu(ctx, steeredPlans, items, 2, { ...generation, onDone: (done, total) => options.onProgress?.(`${phase}corrected and control calls`, done, total) }) : [];

  // Name span: every steered reply that names a tool keeps the name; the unsteered model writes its arguments.
  const steeredReplies = second.map(judged);
  const toRewrite = span === "name" ? steeredReplies.map((reply, j) => ({ j, name: nameFromContinuation(reply) })).filter((r): r is { j: number; name: string } => r.name !== null) : [];
  const rewrittenReplies = await unsteeredArguments(ctx, toRewrite.map(({ j, name }) => ({ prompt: prompts[chosen[Math.floor(j / 2)]], name })), options, maxTokens, phase);
  toRewrite.forEach(({ j }, r) => (steeredReplies[j] = rewrittenReplies[r]));

  const exactFor = (sample: DatasetSample, output: string) => callFollowsSchema(options.format, opening, output, sample.expected!.name, sample.tools as ToolDefinition[]);
  const outcomes: CorrectionOutcome[] = plans.map((plan, i) => {
    const k = chosen.indexOf(i);
    const outputs: Record<CorrectionArm, string> = {
      baseline: base[i].output,
      corrected: k >= 0 ? steeredReplies[2 * k] : base[i].output,
      random: k >= 0 ? steeredReplies[2 * k + 1] : base[i].output,
    };
    return {
      id: plan.sample.id,
      expected: plan.sample.expected!.name,
      readout: { predicted: base[i].read.predicted, gap: base[i].read.gap },
      steered: k >= 0,
      names: mapArms((arm) => nameFromContinuation(outputs[arm])),
      exact: mapArms((arm) => exactFor(plan.sample, outputs[arm])),
      outputs,
    };
  });
  return { outcomes, disagreements: base.filter((b) => b.name !== null && b.read.predicted !== b.name).length };
}

/** How `minGap: "auto"` chose the gap: on which prompts, and what the chosen gap gained there. */
export interface MinGapSelection {
  split: "val";
  n: number;
  /** VAL prompts whose readout disagreed with the unsteered call (all corrected for the choice). */
  disagreements: number;
  /** The chosen gap; null when no gap gained anything on VAL (then nothing is corrected). */
  min_gap: number | null;
  /** On VAL at the chosen gap: names fixed and broken by the correction. */
  fixed: number;
  broken: number;
}

/**
 * The smallest gap to correct from, chosen on prompts where every disagreement was corrected: the candidate gaps are
 * those of the corrected prompts; the one with the most names fixed minus broken wins, ties going to the larger gap
 * (fewer interventions). When none gains (fixed − broken ≤ 0), nothing is to be corrected: min_gap null.
 */
export function chooseMinGap(outcomes: readonly CorrectionOutcome[]): MinGapSelection {
  const steered = outcomes.filter((o) => o.steered);
  const tally = (gap: number) => {
    const from = steered.filter((o) => o.readout.gap >= gap);
    return {
      fixed: from.filter((o) => o.names.baseline !== o.expected && o.names.corrected === o.expected).length,
      broken: from.filter((o) => o.names.baseline === o.expected && o.names.corrected !== o.expected).length,
    };
  };
  let best: { gap: number; fixed: number; broken: number } | undefined;
  for (const gap of [...new Set(steered.map((o) => o.readout.gap))].sort((a, b) => b - a)) {
    const t = tally(gap);
    if (t.fixed - t.broken > (best ? best.fixed - best.broken : 0)) best = { gap, ...t };
  }
  return { split: "val", n: outcomes.length, disagreements: steered.length, min_gap: best?.gap ?? null, fixed: best?.fixed ?? 0, broken: best?.broken ?? 0 };
}

function mapArms<T>(f: (arm: CorrectionArm) => T): Record<CorrectionArm, T> {
  return Object.fromEntries(CORRECTION_ARMS.map((arm) => [arm, f(arm)])) as Record<CorrectionArm, T>;
}

function armsOf(outcomes: readonly CorrectionOutcome[]): Record<CorrectionArm, ArmSummary> {
  const rate = (count: number) => (outcomes.length > 0 ? count / outcomes.length : 0);
  return mapArms((arm) => ({
    name_accuracy: rate(outcomes.filter((o) => o.names[arm] === o.expected).length),
    exact_rate: rate(outcomes.filter((o) => o.exact[arm]).length),
  }));
}

export function summarizeCorrection(
  outcomes: readonly CorrectionOutcome[],
  settings: { layer: number; alpha: number; minGap: number | null; maxTokens: number; disagreements: number; steerSpan?: SteerSpan },
): ReadoutCorrectionReport {
  const pairedFor = (arm: "corrected" | "random") => {
    const fixed = outcomes.filter((o) => o.names.baseline !== o.expected && o.names[arm] === o.expected).length;
    const broken = outcomes.filter((o) => o.names.baseline === o.expected && o.names[arm] !== o.expected).length;
    return { fixed, broken, p_value: mcnemarExact(fixed, broken) };
  };
  const gap_buckets: CorrectionBucket[] = gapQuantiles(outcomes, (o) => o.readout.gap).map((b) => ({
    low: b.low,
    high: b.high,
    n: b.items.length,
    steered: b.items.filter((o) => o.steered).length,
    arms: armsOf(b.items),
  }));
  return {
    n: outcomes.length,
    layer: settings.layer,
    alpha: settings.alpha,
    min_gap: settings.minGap,
    max_tokens: settings.maxTokens,
    steer_span: settings.steerSpan ?? "name",
    disagreements: settings.disagreements,
    steered: outcomes.filter((o) => o.steered).length,
    arms: armsOf(outcomes),
    paired: { corrected: pairedFor("corrected"), random: pairedFor("random") },
    gap_buckets,
    outcomes: [...outcomes],
  };
}
