/**
 * ROC AUC as the Mann–Whitney statistic: the probability that a random positive outscores a random
 * negative, ties counting one half. Tied scores share their mid-rank, which is exactly that half.
 */
import { ErrorCodes, SteerError, invalidArgument } from "../errors.js";
import { classCounts, toBinaryLabels, type BinaryLabelsLike } from "./matrix.js";

/**
 * @param scores higher = more positive (probabilities, logits, projections: any monotone score)
 * @throws SteerError INVALID_ARGUMENT when a class is missing or lengths differ, NOT_FINITE for NaN scores.
 */
export function rocAuc(scores: ArrayLike<number>, labels: BinaryLabelsLike): number {
  if (scores === null || typeof scores !== "object" || typeof scores.length !== "number") throw invalidArgument("scores", "an array of numbers", scores);
  const n = scores.length;
  const y = toBinaryLabels("labels", labels, n);
  const [negatives, positives] = classCounts("labels", y);
  for (let i = 0; i < n; i++) {
    // Infinity is a legitimate extreme score; NaN has no order.
    if (typeof scores[i] !== "number" || Number.isNaN(scores[i])) {
      throw new SteerError(ErrorCodes.NOT_FINITE, `Expected comparable numbers in scores but element ${i} is ${String(scores[i])}`, { index: i });
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b] || a - b);
  let positiveRankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && scores[order[end]] === scores[order[start]]) end++;
    // Ranks start..end-1 (0-based) are tied: each gets the 1-based mid-rank.
    const midRank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) if (y[order[k]] === 1) positiveRankSum += midRank;
    start = end;
  }
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
