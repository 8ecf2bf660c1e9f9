/**
 * Metrics broken down by where samples come from (`source`), the benchmark's category and a finer label (When2Call's
 * `correct_answer` kind ...), so a user sees where a model fails. A pure function of the samples and their
 * verdicts; the expected calls are read from the samples, so argument values are judged in every group.
 */
import type { DatasetSample } from "../data/index.js";
import type { ToolCallParseResult } from "../formats/index.js";
import { computeMetrics, type JudgedSample, type Metrics } from "./metrics.js";

/** Groups by each field; a field no sample carries is left out. Keys are the report's contract. */
export interface Breakdowns {
  by_source?: Record<string, Metrics>;
  by_category?: Record<string, Metrics>;
  by_label?: Record<string, Metrics>;
}

/** What breakdowns need of one verdict (a `SampleOutcome` from runner.ts has it). */
export interface Verdict {
  parse: ToolCallParseResult;
  hitBudget?: boolean;
}

const FIELDS = [
  ["by_source", "source"],
  ["by_category", "category"],
  ["by_label", "label"],
] as const;

/** `outcomes[i]` is the verdict on `samples[i]`. Throws on a length mismatch (a caller's bug, never data). */
export function breakdownMetrics(samples: readonly DatasetSample[], outcomes: readonly Verdict[]): Breakdowns {
  if (samples.length !== outcomes.length) throw new RangeError(`breakdownMetrics: ${samples.length} samples but ${outcomes.length} outcomes`);
  const judged: JudgedSample[] = samples.map((s, i) => ({
    needsTool: s.needs_tool,
    expectedName: s.expected?.name ?? null,
    expected: s.expected ?? null,
    domain: s.domain,
    parse: outcomes[i].parse,
    hitBudget: outcomes[i].hitBudget,
  }));
  const out: Breakdowns = {};
  for (const [key, field] of FIELDS) {
    const groups = new Map<string, JudgedSample[]>();
    samples.forEach((s, i) => {
      const value = s[field];
      if (typeof value !== "string" || value.length === 0) return;
      const group = groups.get(value);
      if (group) group.push(judged[i]);
      else groups.set(value, [judged[i]]);
    });
    if (groups.size === 0) continue;
    out[key] = Object.fromEntries([...groups].sort(([a], [b]) => a.localeCompare(b)).map(([name, group]) => [name, computeMetrics(group)]));
  }
  return out;
}
