/**
 * Deterministic, disjoint splits. Vectors come from CAL, router and probes from TRAIN, α/τ/layer from VAL and
 * reported numbers from TEST, so a sample must land in the same split on every machine and every run.
 *
 * Rule for a sample without an explicit `split`:
 * - Within a dataset (`assignSplits`, used by `loadDataset`): samples are grouped into strata by
 *   (domain, needs_tool, expected tool name); each stratum is ordered by sha256(id) and the k-th of n samples
 *   takes the split whose cumulative-fraction interval holds (k + 0.5) / n. Every split thus keeps each stratum's
 *   share to within one sample, so the needs_tool balance, the domains and the tools are the same in all four.
 * - For a lone sample (`splitOf` on an object that never went through a loader): sha256(id) read as a number in
 *   [0, 1) picks the interval directly. Stable under additions but only balanced on average.
 */
import { createHash } from "node:crypto";
import { invalidArgument } from "../errors.js";
import { DEFAULT_SPLIT_FRACTIONS, SPLITS, type DatasetSample, type Split, type SplitFractions } from "./types.js";

/** The split of `sample`: its explicit `split` when it has one, else the per-id hash rule. */
export function splitOf(sample: Pick<DatasetSample, "id" | "split">, fractions: SplitFractions = DEFAULT_SPLIT_FRACTIONS): Split {
  return sample.split ?? splitAtPosition(idHashUnit(sample.id), checkSplitFractions(fractions));
}

/**
 * Returns copies of `samples` in which every sample has a `split`: explicit ones are kept, missing ones are
 * assigned by the stratified rule described at the top of this file. The input is not modified.
 */
export function assignSplits<T extends DatasetSample>(samples: readonly T[], fractions: SplitFractions = DEFAULT_SPLIT_FRACTIONS): T[] {
  const checked = checkSplitFractions(fractions);
  const strata = new Map<string, { index: number; hash: string }[]>();
  samples.forEach((sample, index) => {
    if (sample.split !== undefined) return;
    const key = stratumOf(sample);
    let members = strata.get(key);
    if (!members) strata.set(key, (members = []));
    members.push({ index, hash: idHashHex(sample.id) });
  });
  const assigned = new Map<number, Split>();
  for (const members of strata.values()) {
    members.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : a.index - b.index));
    members.forEach((member, k) => assigned.set(member.index, splitAtPosition((k + 0.5) / members.length, checked)));
  }
  return samples.map((sample, index) => (sample.split !== undefined ? { ...sample } : { ...sample, split: assigned.get(index) as Split }));
}

/** The stratum key: domain, necessity class and expected tool, so tool-choice menus stay balanced per tool too. */
export function stratumOf(sample: Pick<DatasetSample, "domain" | "needs_tool" | "expected">): string {
  return `${sample.domain}\u0000${sample.needs_tool ? "tool" : "no-tool"}\u0000${sample.expected?.name ?? ""}`;
}

export function checkSplitFractions(fractions: unknown): SplitFractions {
  const ok =
    typeof fractions === "object" &&
    fractions !== null &&
    SPLITS.every((s) => {
      const v = (fractions as Record<string, unknown>)[s];
      return typeof v === "number" && Number.isFinite(v) && v >= 0;
    });
  if (!ok) throw invalidArgument("splitFractions", "an object {cal, train, val, test} of non-negative numbers", fractions);
  const f = fractions as SplitFractions;
  const sum = f.cal + f.train + f.val + f.test;
  if (Math.abs(sum - 1) > 1e-9) throw invalidArgument("splitFractions", "fractions that sum to 1", sum);
  return f;
}

function splitAtPosition(position: number, fractions: SplitFractions): Split {
  let upper = 0;
  for (const split of SPLITS) {
    upper += fractions[split];
    if (position < upper) return split;
  }
  // Rounding can leave the sum a hair below 1; the last split with a non-zero share takes the remainder.
  return [...SPLITS].reverse().find((s) => fractions[s] > 0) ?? "test";
}

function idHashHex(id: string): string {
  return createHash("sha256").update(id, "utf8").digest("hex");
}

/** sha256(id) as a number in [0, 1), from its first 52 bits (exact in a double). */
function idHashUnit(id: string): number {
  return parseInt(idHashHex(id).slice(0, 13), 16) / 2 ** 52;
}
