/**
 * How long a menu experiment's direction is applied. Tool switching and readout-guided correction add their
 * direction from the last prompt token on, over every generated token ("reply"). At the strengths a 1.5B model
 * needs (α 16), that overruns the arguments as well as the name: measured on Qwen2.5-Coder-1.5B, not one switched
 * call of 199 had arguments that followed the target's schema. With "name", the steered reply is generated as
 * before but only its tool name is kept; the unsteered model then writes the arguments, continuing from the
 * opened call, the steered name and `", "arguments": ` (the whole reply so far decoded without steering). The
 * choice is steered; the call is written as if the model had made that choice itself.
 */
import type { SteerContext } from "../engine/context.js";
import type { GenerateResult } from "../engine/generate.js";
import { GenerationJournal, journaledGenerate } from "../eval/journal.js";
import { closingMarkers } from "../eval/runner.js";
import type { ToolFormat } from "../formats/index.js";
import { argumentsGrammar } from "./callGrammar.js";

export const STEER_SPANS = ["name", "reply"] as const;
export type SteerSpan = (typeof STEER_SPANS)[number];

/** A reply as the parser should see it: the text, and the closing marker it stopped at (stop strings are not in the text). */
export function judged(result: GenerateResult): string {
  return result.stopReason === "stop" && result.stopString ? result.text + result.stopString : result.text;
}

/** What follows the tool name in an opened call, up to the arguments object. */
export const AFTER_NAME = '", "arguments": ';

export interface NameContinuation {
  /** The rendered prompt with the call opened up to the tool name (the steered reply's prompt). */
  prompt: string;
  /** The tool name the steered reply gave. */
  name: string;
}

/** What the rewrite takes from the menu experiment's options (toolSwitch.ts ToolSwitchOptions). */
export interface ContinueOptions {
  format: ToolFormat;
  /** Keep the arguments to a JSON object and the format's closing, as the menu grammar does. Default true. */
  constrainNames?: boolean;
  journal?: GenerationJournal;
  signal?: AbortSignal;
  onProgress?: (phase: string, done: number, total: number) => void;
}

/**
 * For each steered name, the unsteered model's rest of the call (at most `maxTokens` new tokens, up to the format's
 * closing). Returns replies in the shape of a continuation of the opened call (`NAME", "arguments": {...}CLOSING`),
 * in input order, so that they are judged like steered ones. Progress is reported as `${phase}arguments after the
 * steered names`.
 */
export async function unsteeredArguments(ctx: SteerContext, items: readonly NameContinuation[], options: ContinueOptions, maxTokens: number, phase = ""): Promise<string[]> {
  if (items.length === 0) return [];
  const journal = options.journal ?? GenerationJournal.inMemory(ctx.model.info.fingerprint);
  const grammar = options.constrainNames === false ? undefined : argumentsGrammar(options.format.name);
  let done = 0;
  const runs = await journaledGenerate(
    ctx,
    journal,
    items.map((item) => ({ prompt: item.prompt + item.name + AFTER_NAME })),
    { maxTokens, stop: closingMarkers(options.format), grammar, signal: options.signal, onDone: () => options.onProgress?.(`${phase}arguments after the steered names`, ++done, items.length) },
  );
  return runs.map((run, i) => items[i].name + AFTER_NAME + judged(run.result));
}
