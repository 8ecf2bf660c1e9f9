/**
 * The token budget of an evaluation. A budget that cuts calls off turns a correct call into a format error and
 * hides what steering does, so by default the data decides: the longest expected call, written in the format's
 * syntax and tokenized by the model, plus room for a short preamble. Generation still stops at the format's
 * closing marker, so a generous budget costs only on answers that never close.
 */
import type { DatasetSample } from "../data/index.js";
import type { SteerModel } from "../engine/model.js";
import type { ToolFormat } from "../formats/index.js";
import { closingMarkers } from "./runner.js";

/** Tokens allowed before the call (a sentence such as "I'll use the calculator:"). */
export const CALL_PREAMBLE_TOKENS = 32;
/** The budget never falls below this (data without expected calls still gets room for a call). */
export const MIN_CALL_BUDGET = 96;

/** What the budget was set to and why, as written into reports. */
export interface TokenBudget {
  maxTokens: number;
  /** "auto" when derived from the data, "fixed" when given. */
  source: "auto" | "fixed";
  /** Tokens of the longest expected call in the format's syntax (auto only). */
  longestCallTokens?: number;
}

/** The longest expected call of the samples, written as the format writes a call, in the model's tokens. */
export function longestCallTokens(model: Pick<SteerModel, "tokenize">, samples: readonly DatasetSample[], format: ToolFormat): number {
  const close = closingMarkers(format)[0] ?? "";
  let longest = 0;
  for (const sample of samples) {
    if (!sample.expected) continue;
    const call = `${format.callMarker}${JSON.stringify({ name: sample.expected.name, arguments: sample.expected.arguments ?? {} })}${close}`;
    longest = Math.max(longest, model.tokenize(call, { addSpecial: false }).length);
  }
  return longest;
}

/**
 * A fixed budget when one is given, else the longest call plus the preamble (at least MIN_CALL_BUDGET). Pass the
 * whole dataset, not a subset, so that every run on it gets the same budget (and a journal serves them all).
 */
export function tokenBudget(model: Pick<SteerModel, "tokenize">, samples: readonly DatasetSample[], format: ToolFormat, fixed?: number): TokenBudget {
  if (fixed !== undefined) return { maxTokens: fixed, source: "fixed" };
  const longest = longestCallTokens(model, samples, format);
  return { maxTokens: Math.max(MIN_CALL_BUDGET, longest + CALL_PREAMBLE_TOKENS), source: "auto", longestCallTokens: longest };
}
