/**
 * Tool switching: make a model call a different tool from the one it would pick, by adding a direction
 * at one layer from the last prompt token on.
 *
 * The experiment, per TEST prompt (a tool menu and a request that needs one of its tools):
 * 1. The reply is opened with the format's call up to the tool name (`<functioncall>{"name": "`), so
 *    every sample is a call and the next tokens name the tool — the model only has to choose.
 * 2. The source is the prompt's own (expected) tool; the unsteered reply shows whether the model picks it.
 * 3. A target is drawn (seeded) from the other tools of the menu, and the reply is generated again with
 *    α·direction added at `layer` on the last prompt token and every generated token, for three directions:
 *    - mean-diff: mean(target) − mean(source), the per-tool mean rows at that position on CAL;
 *    - unembed: the output-matrix row of the target name's first token, scaled to the mean-diff norm;
 *    - random: a seeded direction with the mean-diff norm (the control).
 * 4. With the name span (the default), a steered reply that names the target keeps only that name: the unsteered
 *    model writes the arguments (nameSpan.ts). With the reply span, the steered reply stands as generated.
 * Success: the steered reply names the target. Arguments follow the schema when the strict parser accepts
 * the whole call with the target's schema; both spans' verdicts are reported (the steered reply's always).
 */
import { splitOf, type DatasetSample } from "../data/index.js";
import { SPLITS, type Split } from "../data/types.js";
import type { GenerateBatchResult, SteerContext } from "../engine/context.js";
import type { SteeringSpec } from "../engine/steering.js";
import { ErrorCodes, SteerError } from "../errors.js";
import type { ToolDefinition, ToolFormat } from "../formats/index.js";
import { GenerationJournal, journaledGenerate, journaledRows, type JournaledItem } from "../eval/journal.js";
import { renderSamples } from "../eval/prompts.js";
import { closingMarkers } from "../eval/runner.js";
import { SeededRandom } from "../synthetic/random.js";
import { classMeans, randomLike, switchVector } from "../vectors/builders.js";
import type { SteeringVector } from "../vectors/steeringVector.js";
import { unembeddingDirection } from "../vectors/unembedding.js";
import { menuCallGrammar } from "./callGrammar.js";
import { judged, STEER_SPANS, unsteeredArguments, type SteerSpan } from "./nameSpan.js";
import { errorRateByGap, planToolReadout, readWithPlan, type GapBucket } from "./readout.js";
import { rowsByExpectedTool } from "./rows.js";

export const SWITCH_METHODS = ["mean-diff", "unembed", "random"] as const;
export type SwitchMethod = (typeof SWITCH_METHODS)[number];

/** Where a call's tool name begins, per format: the reply is opened with this text. */
const CALL_OPENINGS: Readonly<Record<string, string>> = {
  asa: '<functioncall>{"name": "',
  hermes: '<tool_call>\n{"name": "',
  json: '{"name": "',
};

export interface ToolSwitchOptions {
  /** Tool format whose call the reply is opened with: asa, hermes or json. */
  format: ToolFormat;
  /** Layer the directions are measured at and added to (l_out convention). */
  layer: number;
  /** Strength α of every direction. Default 1 (mean-diff at α 1 moves the source mean onto the target mean). */
  alpha?: number;
  /** New tokens after the opened call (the name, the arguments and the closing tag). Default 48. */
  maxTokens?: number;
  /** Seed of the target draw and of the random control. Default 0. */
  seed?: number;
  /**
   * Constrain the tool name to the prompt's menu with a grammar (arguments stay free JSON). Without it, small
   * models often invent names and no choice is left to steer. Default true.
   */
  constrainNames?: boolean;
  /**
   * Splits whose prompts are switched, comma-separated ("test", "test,train"). Default "test". Tool means always
   * come from "cal", which therefore cannot be switched.
   */
  split?: string;
  /**
   * How long the direction is applied: "name" keeps the steered reply's tool name and lets the unsteered model
   * write the arguments; "reply" keeps the whole steered reply. Default "name".
   */
  steerSpan?: SteerSpan;
  /** Where generations are looked up and kept (a file journal makes a stopped run resumable). Default: in memory. */
  journal?: GenerationJournal;
  signal?: AbortSignal;
  onProgress?: (phase: string, done: number, total: number) => void;
}

export interface SwitchAttempt {
  /** Tool name the reply gives (text up to the closing quote), or null when it gives none. */
  name: string | null;
  switched: boolean;
  /** The whole call (`output`) parses and its arguments validate against the target's schema. */
  args_ok: boolean;
  /** The same verdict on the steered reply as generated (equal to args_ok with the reply span). */
  reply_args_ok: boolean;
  /** The reply judged: with the name span and a switch, the steered name and the unsteered arguments. */
  output: string;
  /** With the name span and a switch: the steered reply as generated. */
  steered_reply?: string;
}

export interface SwitchOutcome {
  id: string;
  menu: string[];
  expected: string;
  /** Name of the unsteered reply (the source is the expected tool whatever the model names). */
  baseline: string | null;
  baseline_output: string;
  source: string;
  target: string;
  /** The target's first name token is also the first token of another tool on the menu. */
  target_first_token_shared: boolean;
  attempts: Record<SwitchMethod, SwitchAttempt>;
  /** Cosine readout of the unsteered row at `layer`, just before the name, among the menu's tools. */
  readout: { predicted: string; gap: number };
}

export interface SwitchReadout {
  /** The readout's tool is the expected one. */
  accuracy: number;
  /** Per gap quintile (lowest first): how often the readout is wrong, and how often the model's own unsteered call is. */
  gap_buckets: (GapBucket & { call_error_rate: number })[];
}

export interface ToolSwitchReport {
  n: number;
  layer: number;
  alpha: number;
  max_tokens: number;
  steer_span: SteerSpan;
  /** mean-diff successes / n. */
  success_rate: number;
  unembed_success_rate: number;
  random_success_rate: number;
  /** mean-diff: among successes, the share whose arguments follow the target's schema. */
  args_follow_schema_rate: number;
  unembed_args_follow_schema_rate: number;
  /** The same two rates judged on the steered replies as generated (equal to the above with the reply span). */
  reply_args_follow_schema_rate: number;
  unembed_reply_args_follow_schema_rate: number;
  /** Unsteered reply names the expected tool. */
  baseline_accuracy: number;
  /** Unsteered reply already names the drawn target (the floor any direction should beat). */
  baseline_target_rate: number;
  /** Samples whose target shares its first token with another menu tool (the unembed direction cannot separate them). */
  first_token_shared: number;
  readout: SwitchReadout;
  outcomes: SwitchOutcome[];
}

export function callOpening(format: ToolFormat): string {
  const opening = CALL_OPENINGS[format.name];
  if (opening === undefined) {
    throw new SteerError(ErrorCodes.INVALID_ARGUMENT, `Tool switching opens the call up to the tool name, which is defined for the formats ${Object.keys(CALL_OPENINGS).join(", ")}; got "${format.name}"`);
  }
  return opening;
}

/** The tool name at the start of a reply that continues an opened call: the text before the first quote. */
export function nameFromContinuation(text: string): string | null {
  const end = text.indexOf('"');
  if (end <= 0) return null;
  const name = text.slice(0, end);
  return /^[A-Za-z0-9_.-]{1,64}$/.test(name) ? name : null;
}

export function menuOf(sample: DatasetSample): string[] {
  return sample.tools.map((t) => t.function.name);
}

/** Per-tool mean rows on CAL at the position that predicts the tool name (the opened call's last token). */
export async function fitSwitchMeans(ctx: SteerContext, samples: readonly DatasetSample[], options: ToolSwitchOptions, opening: string): Promise<Map<string, SteeringVector>> {
  const cal = samples.filter((s) => splitOf(s) === "cal" && s.needs_tool && s.expected);
  if (cal.length === 0) throw new SteerError(ErrorCodes.INVALID_ARGUMENT, "Tool switching needs CAL samples with an expected tool to measure per-tool means");
  const prompts = (await renderSamples(ctx.model, cal, options.format, { signal: options.signal })).map((p) => p + opening);
  const journal = options.journal ?? GenerationJournal.inMemory(ctx.model.info.fingerprint);
  const rows = (await journaledRows(ctx, journal, prompts, [options.layer], { signal: options.signal, onProgress: (d, t) => options.onProgress?.("tool means on CAL", d, t) })).get(options.layer)!;
  const byTool = rowsByExpectedTool(cal, rows);
  return classMeans(new Map([...byTool].map(([tool, list]) => [tool, new Map([[options.layer, list]])])), { modelFingerprint: ctx.model.info.fingerprint, source: "tool-switch CAL means" });
}

/** The token that starts `name` right after the opened call (tokenized in place, not on its own). */
export function firstNameToken(ctx: SteerContext, opening: string, name: string): number {
  const tokenize = (text: string) => ctx.model.tokenize(text, { addSpecial: false, parseSpecial: false });
  const head = tokenize(opening);
  const full = tokenize(opening + name);
  const samePrefix = head.every((t, i) => full[i] === t);
  return samePrefix && full.length > head.length ? full[head.length] : tokenize(name)[0];
}

/** The whole call parses, names only `name` and its arguments validate against the schema. */
export function callFollowsSchema(format: ToolFormat, opening: string, output: string, name: string, tools: readonly ToolDefinition[]): boolean {
  const parse = format.parse(opening + output, tools);
  return parse.args_ok && parse.calls.length > 0 && parse.calls.every((c) => c.name === name);
}

/** Judges a steered reply, and (name span) the call whose arguments the unsteered model wrote after its name. */
function attempt(format: ToolFormat, opening: string, reply: string, rewritten: string | undefined, target: string, tools: readonly ToolDefinition[]): SwitchAttempt {
  const name = nameFromContinuation(reply);
  const switched = name === target;
  const replyOk = switched && callFollowsSchema(format, opening, reply, target, tools);
  if (rewritten === undefined) return { name, switched, args_ok: replyOk, reply_args_ok: replyOk, output: reply };
  return { name, switched, args_ok: switched && callFollowsSchema(format, opening, rewritten, target, tools), reply_args_ok: replyOk, output: rewritten, steered_reply: reply };
}

export function steerFrom(vector: SteeringVector, alpha: number): SteeringSpec[] {
  return [...vector.toSpecs({ strength: alpha, positions: "last-prompt" }), ...vector.toSpecs({ strength: alpha, positions: "generated" })];
}

export async function runToolSwitch(ctx: SteerContext, samples: readonly DatasetSample[], options: ToolSwitchOptions): Promise<ToolSwitchReport> {
  const opening = callOpening(options.format);
  const alpha = options.alpha ?? 1;
  const maxTokens = options.maxTokens ?? 48;
  const seed = options.seed ?? 0;
  const span = steerSpanOf(options.steerSpan);
  const splits = experimentSplits(options.split);
  if (!Number.isFinite(alpha)) throw new SteerError(ErrorCodes.NOT_FINITE, `alpha must be a finite number, got ${alpha}`);
  const means = await fitSwitchMeans(ctx, samples, options, opening);
  const test = menuPrompts(samples, splits, means);
  if (test.length === 0) throw new SteerError(ErrorCodes.INVALID_ARGUMENT, `No ${splits.join("/")} samples offer two or more tools with CAL means; tool switching has nothing to switch`);
  const prompts = (await renderSamples(ctx.model, test, options.format, { signal: options.signal })).map((p) => p + opening);
  const plans = await Promise.all(
    test.map(async (sample, i) => {
      const menu = menuOf(sample);
      const source = sample.expected!.name;
      const candidates = menu.filter((t) => t !== source && means.has(t));
      const target = candidates[Math.floor(new SeededRandom(seed, `switch target/${sample.id}`).nextFloat() * candidates.length)];
      const meanDiff = switchVector(means, target, source);
      const targetToken = firstNameToken(ctx, opening, target);
      const unembed = unembeddingDirection(await ctx.model.outputRow(targetToken), meanDiff, { source: `first token of "${target}"` });
      const random = randomLike(meanDiff, (seed * 7919 + i) >>> 0);
      const shared = menu.some((t) => t !== target && firstNameToken(ctx, opening, t) === targetToken);
      return { sample, menu, source, target, shared, vectors: { "mean-diff": meanDiff, unembed, random } as Record<SwitchMethod, SteeringVector> };
    }),
  );

  // One unsteered and three steered replies per prompt, in one batch: the four share the prompt's cells.
  const perPrompt = 1 + SWITCH_METHODS.length;
  const items = plans.flatMap((plan, i) => [{ prompt: prompts[i], capture: [options.layer] }, ...SWITCH_METHODS.map((method) => ({ prompt: prompts[i], steer: steerFrom(plan.vectors[method], alpha) }))]);
  const results = await generateByMenu(ctx, plans, items, perPrompt, {
    maxTokens,
    stop: closingMarkers(options.format),
    signal: options.signal,
    grammarFor: options.constrainNames === false ? () => undefined : (menu) => menuCallGrammar(options.format.name, menu),
    journal: options.journal,
    onDone: (done, total) => options.onProgress?.("unsteered and steered calls", done, total),
  });

  // Name span: the switched replies' arguments written again by the unsteered model, per item (undefined: kept).
  const replyOf = (i: number, m: number) => judged(results[i * perPrompt + 1 + m]);
  const toRewrite = span === "name" ? plans.flatMap((plan, i) => SWITCH_METHODS.map((_, m) => ({ i, m })).filter(({ m }) => nameFromContinuation(replyOf(i, m)) === plan.target)) : [];
  const rewrittenReplies = await unsteeredArguments(ctx, toRewrite.map(({ i }) => ({ prompt: prompts[i], name: plans[i].target })), options, maxTokens);
  const rewritten: (string | undefined)[] = [];
  toRewrite.forEach(({ i, m }, k) => (rewritten[i * SWITCH_METHODS.length + m] = rewrittenReplies[k]));

  const outcomes: SwitchOutcome[] = plans.map((plan, i) => {
    const read = readWithPlan(planToolReadout(means, options.layer, plan.menu)!, results[i * perPrompt].captured!.get(options.layer)!);
    const tools = plan.sample.tools as ToolDefinition[];
    const baselineOutput = judged(results[i * perPrompt]);
    const attempts = Object.fromEntries(SWITCH_METHODS.map((method, m) => [method, attempt(options.format, opening, replyOf(i, m), rewritten[i * SWITCH_METHODS.length + m], plan.target, tools)])) as Record<SwitchMethod, SwitchAttempt>;
    return {
      id: plan.sample.id,
      menu: plan.menu,
      expected: plan.sample.expected!.name,
      baseline: nameFromContinuation(baselineOutput),
      baseline_output: baselineOutput,
      source: plan.source,
      target: plan.target,
      target_first_token_shared: plan.shared,
      attempts,
      readout: { predicted: read.predicted, gap: read.gap },
    };
  });
  return summarizeSwitch(outcomes, { layer: options.layer, alpha, maxTokens, steerSpan: span });
}

/** The span option, checked (it may come from JavaScript callers or a CLI flag). Default "name". */
export function steerSpanOf(span: string | undefined): SteerSpan {
  if (span === undefined) return "name";
  if (!(STEER_SPANS as readonly string[]).includes(span)) throw new SteerError(ErrorCodes.INVALID_ARGUMENT, `steerSpan must be one of ${STEER_SPANS.join(", ")}, got "${span}"`);
  return span as SteerSpan;
}

/** The splits a menu experiment runs on, from "test" or a comma list; CAL is refused (the tool means come from it). */
export function experimentSplits(split: string | undefined): Split[] {
  const names = (split ?? "test").split(",").map((s) => s.trim());
  for (const name of names) {
    if (!(SPLITS as readonly string[]).includes(name)) throw new SteerError(ErrorCodes.INVALID_ARGUMENT, `Unknown split "${name}"; use ${SPLITS.join(", ")} or a comma list of them`);
    if (name === "cal") throw new SteerError(ErrorCodes.INVALID_ARGUMENT, "The cal split holds the prompts the tool means are measured on; run the experiment on other splits");
  }
  return [...new Set(names as Split[])];
}

/** Prompts of the splits that need a tool and offer at least two tools with a CAL mean. */
export function menuPrompts(samples: readonly DatasetSample[], splits: readonly Split[], means: ReadonlyMap<string, unknown>): DatasetSample[] {
  return samples.filter((s) => splits.includes(splitOf(s)) && s.needs_tool && s.expected && menuOf(s).filter((t) => means.has(t)).length >= 2);
}

/**
 * Generates the items in one batch, each under its prompt's menu grammar (grammars are per item, so prompts with
 * different menus decode together), and returns the results in item order. Every generation goes through the
 * journal: what it holds is not decoded again.
 */
export async function generateByMenu(
  ctx: SteerContext,
  plans: readonly { menu: string[] }[],
  items: readonly JournaledItem[],
  perPrompt: number,
  options: {
    maxTokens: number;
    stop: string[];
    signal?: AbortSignal;
    grammarFor: (menu: readonly string[]) => string | undefined;
    journal?: GenerationJournal;
    onDone: (done: number, total: number) => void;
  },
): Promise<GenerateBatchResult[]> {
  const journal = options.journal ?? GenerationJournal.inMemory(ctx.model.info.fingerprint);
  const grammars = plans.map((plan) => options.grammarFor(plan.menu));
  let done = 0;
  const out = await journaledGenerate(
    ctx,
    journal,
    items.map((item, k) => {
      const grammar = grammars[Math.floor(k / perPrompt)];
      return grammar === undefined ? item : { ...item, grammar };
    }),
    { maxTokens: options.maxTokens, stop: options.stop, signal: options.signal, onDone: () => options.onDone(++done, items.length) },
  );
  return out.map((run) => ({ ...run.result, ...(run.rows ? { captured: run.rows } : {}) }));
}

export function summarizeSwitch(outcomes: readonly SwitchOutcome[], settings: { layer: number; alpha: number; maxTokens: number; steerSpan?: SteerSpan }): ToolSwitchReport {
  const n = outcomes.length;
  const rate = (count: number, of: number) => (of > 0 ? count / of : 0);
  const successes = (method: SwitchMethod) => outcomes.filter((o) => o.attempts[method].switched);
  const argsRate = (method: SwitchMethod, verdict: "args_ok" | "reply_args_ok" = "args_ok") => rate(successes(method).filter((o) => o.attempts[method][verdict]).length, successes(method).length);
  return {
    n,
    layer: settings.layer,
    alpha: settings.alpha,
    max_tokens: settings.maxTokens,
    steer_span: settings.steerSpan ?? "name",
    success_rate: rate(successes("mean-diff").length, n),
    unembed_success_rate: rate(successes("unembed").length, n),
    random_success_rate: rate(successes("random").length, n),
    args_follow_schema_rate: argsRate("mean-diff"),
    unembed_args_follow_schema_rate: argsRate("unembed"),
    reply_args_follow_schema_rate: argsRate("mean-diff", "reply_args_ok"),
    unembed_reply_args_follow_schema_rate: argsRate("unembed", "reply_args_ok"),
    baseline_accuracy: rate(outcomes.filter((o) => o.baseline === o.expected).length, n),
    baseline_target_rate: rate(outcomes.filter((o) => o.baseline === o.target).length, n),
    first_token_shared: outcomes.filter((o) => o.target_first_token_shared).length,
    readout: readoutOf(outcomes),
    outcomes: [...outcomes],
  };
}

function readoutOf(outcomes: readonly SwitchOutcome[]): SwitchReadout {
  const readoutWrong = errorRateByGap(outcomes.map((o) => ({ gap: o.readout.gap, wrong: o.readout.predicted !== o.expected })));
  const callWrong = errorRateByGap(outcomes.map((o) => ({ gap: o.readout.gap, wrong: o.baseline !== o.expected })));
  return {
    accuracy: outcomes.length > 0 ? outcomes.filter((o) => o.readout.predicted === o.expected).length / outcomes.length : 0,
    gap_buckets: readoutWrong.map((b, i) => ({ ...b, call_error_rate: callWrong[i].error_rate })),
  };
}
