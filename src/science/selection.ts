/**
 * Rules that pick α, τ and the gate mode on VAL. A rule must not reward a policy that ignores the prompt: on
 * balanced data "call every time" has F1 0.667, so plain F1 can prefer a controller that does nothing to an
 * eager model. Matthews correlation scores any such policy 0, and "f1-fpr" refuses points that raise the FPR.
 */
import { invalidArgument } from "../errors.js";
import type { Metrics } from "../eval/metrics.js";

export const SELECTION_RULES = ["mcc", "f1-fpr", "f1"] as const;
export type SelectionRule = (typeof SELECTION_RULES)[number];

/** The rule the CLI and buildAsaAsset use when none is named. */
export const DEFAULT_SELECTION_RULE: SelectionRule = "mcc";

export const SELECTION_RULE_DESCRIPTIONS: Record<SelectionRule, string> = {
  mcc: "highest Matthews correlation of trigger vs need (0 for always/never call); ties: lower FPR, then more successes, then smaller α",
  "f1-fpr": "highest F1 among points whose FPR is not above the unsteered baseline's; ties: lower FPR, then smaller α",
  f1: "highest F1 (can be gamed: 'always call' scores 0.667 on balanced data); ties: lower FPR, then smaller α",
};

export function parseSelectionRule(value: unknown, name = "select"): SelectionRule {
  if (value === undefined) return DEFAULT_SELECTION_RULE;
  if (typeof value !== "string" || !SELECTION_RULES.includes(value as SelectionRule)) {
    throw invalidArgument(name, `one of ${SELECTION_RULES.join(", ")}`, value);
  }
  return value as SelectionRule;
}

/** The score a rule gives a point; -Infinity when the rule refuses it. */
export function selectionScore(rule: SelectionRule, metrics: Metrics, baseline: Metrics): number {
  switch (rule) {
    case "mcc":
      return metrics.mcc;
    case "f1-fpr":
      return metrics.fpr <= baseline.fpr + 1e-12 ? metrics.f1 : -Infinity;
    case "f1":
      return metrics.f1;
  }
}

export interface Candidate {
  alpha: number;
  metrics: Metrics;
}

/**
 * The best candidate under a rule, or undefined when the rule refuses them all. Ties (within 1e-9) go to the
 * lower FPR, then to more successes, then to the smaller α (the least intrusive of equal choices).
 */
export function pickBest<T extends Candidate>(rule: SelectionRule, candidates: readonly T[], baseline: Metrics): T | undefined {
  let best: { candidate: T; score: number } | undefined;
  for (const candidate of candidates) {
    const score = selectionScore(rule, candidate.metrics, baseline);
    if (score === -Infinity) continue;
    if (!best || beats(score, candidate, best.score, best.candidate)) best = { candidate, score };
  }
  return best?.candidate;
}

function beats(score: number, a: Candidate, bestScore: number, b: Candidate): boolean {
  if (Math.abs(score - bestScore) > 1e-9) return score > bestScore;
  if (Math.abs(a.metrics.fpr - b.metrics.fpr) > 1e-9) return a.metrics.fpr < b.metrics.fpr;
  if (a.metrics.counts.successes !== b.metrics.counts.successes) return a.metrics.counts.successes > b.metrics.counts.successes;
  return a.alpha < b.alpha;
}
