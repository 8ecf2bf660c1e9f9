/**
 * What an evaluation costs, end to end, through the library's own `runEvaluation` (what `llama-steer eval`
 * runs, in the context it creates):
 * - `eval_vs_llama_server`: the unsteered evaluation of necessity TEST prompts against llama.cpp's
 *   llama-server generating the same rendered prompts with the same budget and stop strings;
 * - `eval_asa_vs_eval_plain`: the whole evaluation with an ASA asset (baseline with decision rows, steered
 *   pass, readout, logit check) against the unsteered evaluation alone, on tool-choice prompts, each of which
 *   offers its own menu of tools.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

import { loadAsset, type SteeringAsset } from "../assets/index.js";
import { loadDataset, splitOf, type DatasetSample } from "../data/index.js";
import type { SteerContext } from "../engine/context.js";
import { tokenBudget } from "../eval/budget.js";
import { runEvaluation, type ControllerName } from "../eval/evaluate.js";
import { renderSamples } from "../eval/prompts.js";
import { closingMarkers, evalContextOptions } from "../eval/runner.js";
import { getFormat } from "../formats/index.js";
import { packageRoot } from "../util/packageRoot.js";
import type { BenchFigure, BenchSetup } from "./engineCases.js";
import { withLlamaServer, type LlamaServerProcess } from "./llamaServer.js";
import type { LlamaTools } from "./llamaTools.js";
import { runLoad } from "./loadClient.js";
import { plural, round, timePaired } from "./measure.js";
import { benchAsa } from "./peerCases.js";

/** TEST prompts per evaluation unless BenchOptions.evalPrompts says otherwise (every 10th of necessity's 600). */
export const EVAL_PROMPTS = 60;
/** Requests llama-server decodes together (its slots) and the client keeps in flight. */
export const EVAL_SERVER_PARALLEL = 8;
/** Each repetition is a whole evaluation per side: at most this many, whatever --reps says. */
export const EVAL_MAX_REPS = 3;
/** Between runs in different processes (see TimePairedOptions.settleMs). */
const SETTLE_MS = 750;

/** `n` items spread evenly over `items` (indices ⌊i·len/n⌋, in order); all of them when n ≥ their count. */
export function spreadSubset<T>(items: readonly T[], n: number): T[] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`the number of prompts must be a positive integer, got ${n}`);
  if (n >= items.length) return [...items];
  return Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]);
}

/** A dataset, whole (the token budget is computed from all of it, as eval does) and its TEST subset. */
async function testSubset(setup: BenchSetup, data: string): Promise<{ all: DatasetSample[]; samples: DatasetSample[]; testCount: number }> {
  const all = await loadDataset(data, { signal: setup.signal });
  const test = all.filter((s) => splitOf(s) === "test");
  if (test.length === 0) throw new Error(`the ${data} dataset has no TEST samples`);
  return { all, samples: spreadSubset(test, setup.evalPrompts ?? EVAL_PROMPTS), testCount: test.length };
}

/** The eval command's context over the bench's model, disposed after `fn`. */
async function withEvalContext<T>(setup: BenchSetup, fn: (ctx: SteerContext) => Promise<T>): Promise<T> {
  const ctx = await setup.model.createContext({ ...evalContextOptions(setup.model.info.nCtxTrain), threads: setup.threads });
  try {
    return await fn(ctx);
  } finally {
    await ctx.dispose();
  }
}

/** The shipped ASA asset (models/assets/*.asa.json) made for this model's fingerprint, if there is one. */
export async function shippedAssetFor(fingerprint: string, dir = path.join(packageRoot(), "models", "assets")): Promise<{ file: string; asset: SteeringAsset } | undefined> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.endsWith(".asa.json")).sort()) {
    const file = path.join(dir, name);
    const header = JSON.parse(await readFile(file, "utf8")) as { modelFingerprint?: unknown };
    if (header.modelFingerprint === fingerprint) return { file, asset: await loadAsset(file, { expectFingerprint: fingerprint }) };
  }
  return undefined;
}

interface CompletionAnswer {
  /** The generated text with the stop string that ended it, as eval judges it. */
  output: string;
  promptTokens: number;
}

/** llama-server's native /completion answer, checked: text, budget kept, prompt length. */
function readCompletion(body: unknown, maxTokens: number, index: number): CompletionAnswer {
  const b = body as { content?: unknown; tokens_predicted?: unknown; tokens_evaluated?: unknown; stop_type?: unknown; stopping_word?: unknown };
  if (typeof b?.content !== "string" || !Number.isInteger(b.tokens_predicted) || !Number.isInteger(b.tokens_evaluated)) {
    throw new Error(`llama-server: prompt ${index} got a malformed answer: ${JSON.stringify(body).slice(0, 200)}`);
  }
  if ((b.tokens_predicted as number) > maxTokens) throw new Error(`llama-server: prompt ${index} generated ${String(b.tokens_predicted)} tokens for n_predict ${maxTokens}`);
  const stop = b.stop_type === "word" && typeof b.stopping_word === "string" ? b.stopping_word : "";
  return { output: b.content + stop, promptTokens: b.tokens_evaluated as number };
}

/** The prompts through llama-server's /completion, `EVAL_SERVER_PARALLEL` in flight; throws if any fails. */
async function llamaServerCompletions(server: LlamaServerProcess, prompts: readonly string[], maxTokens: number, stop: readonly string[], signal?: AbortSignal): Promise<{ ms: number; answers: CompletionAnswer[] }> {
  const bodies = prompts.map((prompt) => ({ prompt, n_predict: maxTokens, temperature: 0, stop, cache_prompt: true }));
  const run = await runLoad(`${server.url}/completion`, bodies, { concurrency: EVAL_SERVER_PARALLEL, signal });
  const failed = run.results.filter((r) => !r.ok);
  if (failed.length > 0) throw new Error(`llama-server: ${failed.length} of ${prompts.length} completions failed: ${failed.slice(0, 3).map((r) => `prompt ${r.index}: ${r.error}`).join("; ")}`);
  return { ms: run.wallMs, answers: run.results.map((r) => readCompletion(r.body, maxTokens, r.index)) };
}

export async function evalVsLlamaServer(setup: BenchSetup, tools: LlamaTools): Promise<BenchFigure> {
  const { model, threads, signal } = setup;
  const format = getFormat("asa");
  const { all, samples, testCount } = await testSubset(setup, "necessity");
  const maxTokens = tokenBudget(model, all, format).maxTokens;
  const stop = closingMarkers(format);
  // llama-server gets the very strings eval renders (rendering them is part of our side's time, not of theirs).
  const prompts = await renderSamples(model, samples, format, { signal });
  const ourPromptTokens = prompts.map((p) => model.tokenize(p).length);
  const reps = Math.min(setup.reps, EVAL_MAX_REPS);
  // llama-server admits a request to every free slot whether or not the shared cache has room for it, and fails
  // the request when it runs out: give it room for its slots at their longest (never less than our context).
  const slotCells = Math.max(...ourPromptTokens) + maxTokens;
  return withEvalContext(setup, (ctx) => {
    const contextSize = Math.max(ctx.contextSize, EVAL_SERVER_PARALLEL * slotCells);
    return withLlamaServer(tools.paths["llama-server"], { modelPath: setup.modelPath, threads, contextSize, batchSize: ctx.batchSize, parallel: EVAL_SERVER_PARALLEL }, { signal }, async (server) => {
      // Warm both (first decodes of a fresh context or server allocate), untimed.
      await ctx.generate(prompts[0], { maxTokens: 4, signal });
      await llamaServerCompletions(server, prompts.slice(0, 1), 4, stop, signal);
      let ours: Map<string, string> | undefined;
      let theirs: CompletionAnswer[] | undefined;
      const mine = async () => {
        const t0 = performance.now();
        const report = await runEvaluation(ctx, { data: "necessity", samples, split: "test", format, controller: "none", maxTokens, ablations: false, examples: samples.length, signal });
        const ms = performance.now() - t0;
        if (report.n !== samples.length || report.examples?.length !== samples.length) throw new Error(`eval judged ${report.n} of ${samples.length} prompts`);
        ours = new Map(report.examples.map((e) => [e.id, e.baseline_output]));
        return ms;
      };
      const llamaServer = async () => {
        const r = await llamaServerCompletions(server, prompts, maxTokens, stop, signal);
        const wrong = r.answers.findIndex((a, i) => a.promptTokens !== ourPromptTokens[i]);
        if (wrong >= 0) throw new Error(`llama-server read prompt ${wrong} as ${r.answers[wrong].promptTokens} tokens, llama-steer as ${ourPromptTokens[wrong]}: the two sides would not do the same work`);
        theirs = r.answers;
        return r.ms;
      };
      const timing = await timePaired(mine, llamaServer, { reps, warmup: 0, settleMs: SETTLE_MS, signal });
      const identical = samples.filter((s, i) => ours!.get(s.id) === theirs![i].output).length;
      return {
        key: "eval_vs_llama_server",
        value: timing.ratio,
        goal: 1.0,
        detail:
          `${samples.length} of the ${testCount} necessity TEST prompts, spread evenly, in the ASA format, greedy, budget ${maxTokens} tokens, stop at ${stop.join(", ")}, ${plural(threads, "thread")}: ` +
          `llama-steer's runEvaluation with controller none (what \`eval --controller none\` runs: render, generate in its own context of ${ctx.sequences} sequences in ${ctx.contextSize} cells, judge) ` +
          `vs llama.cpp's llama-server --parallel ${EVAL_SERVER_PARALLEL} --cont-batching (same engine settings, ${contextSize} cells) fed the same rendered prompts through POST /completion, ${EVAL_SERVER_PARALLEL} in flight ` +
          `(wall ratio, llama-server's over ours; ${plural(reps, "paired repetition")}); ${identical} of ${samples.length} outputs identical`,
        timing,
        extra: {
          prompts: samples.length,
          max_tokens: maxTokens,
          our_wall_ms: round(timing.aMs, 1),
          llama_server_wall_ms: round(timing.bMs, 1),
          identical_outputs: identical,
          our_sequences: ctx.sequences,
          our_context: ctx.contextSize,
          llama_server_parallel: EVAL_SERVER_PARALLEL,
          llama_server_context: contextSize,
          llama_tools_tag: tools.tag,
        },
      };
    });
  });
}

export async function evalAsaVsEvalPlain(setup: BenchSetup): Promise<BenchFigure> {
  const { model, signal } = setup;
  const format = getFormat("asa");
  const { all, samples } = await testSubset(setup, "tool-choice");
  const maxTokens = tokenBudget(model, all, format).maxTokens;
  // Found or built before any timing: the build is not part of either side.
  const shipped = await shippedAssetFor(model.info.fingerprint);
  const asset = shipped?.asset ?? (await benchAsa(setup)).asset;
  const source = shipped ? `the shipped ${path.basename(shipped.file)}` : "a small asset built for the bench (necessity, every 10th sample)";
  const menus = new Set(samples.map((s) => s.tools.map((t) => t.function.name).sort().join(","))).size;
  const reps = Math.min(setup.reps, EVAL_MAX_REPS);
  return withEvalContext(setup, async (ctx) => {
    await ctx.generate("Say hello.", { maxTokens: 4, signal });
    let asaReport: Awaited<ReturnType<typeof runEvaluation>> | undefined;
    const evaluate = (controller: ControllerName) => async () => {
      const t0 = performance.now();
      const report = await runEvaluation(ctx, { data: "tool-choice", samples, split: "test", format, controller, ...(controller === "asa" ? { asset } : {}), maxTokens, ablations: false, signal });
      const ms = performance.now() - t0;
      if (report.n !== samples.length) throw new Error(`eval (${controller}) judged ${report.n} of ${samples.length} prompts`);
      if (controller === "asa") {
        if (!report.steered || !report.logit_shift) throw new Error("the ASA evaluation came back without its steered pass or its logit check");
        asaReport = report;
      }
      return ms;
    };
    const timing = await timePaired(evaluate("asa"), evaluate("none"), { reps, warmup: 0, signal });
    const readout = asaReport!.readout;
    return {
      key: "eval_asa_vs_eval_plain",
      value: timing.ratio,
      goal: 0.5,
      detail:
        `${samples.length} tool-choice TEST prompts (${menus} different tool menus) in the ASA format, budget ${maxTokens} tokens, the eval command's context (${ctx.sequences} sequences in ${ctx.contextSize} cells): ` +
        `the whole evaluation with ${source} (baseline reading each prompt's decision row at layer ${asset.layer}, gated steered pass, ${readout ? `readout of ${readout.n} prompts, ` : "no readout (the asset has no tool means), "}logit check) ` +
        `vs the unsteered evaluation alone (wall ratio, plain over ASA; ${plural(reps, "paired repetition")}; finding or building the asset not timed)`,
      timing,
      extra: { n: samples.length, menus, max_tokens: maxTokens, asa_wall_ms: round(timing.aMs, 1), plain_wall_ms: round(timing.bMs, 1), asset: shipped ? path.basename(shipped.file) : "built", layer: asset.layer, readout_n: readout?.n ?? 0 },
    };
  });
}
