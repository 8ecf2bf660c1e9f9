/**
 * k-fold cross-validated AUC with deterministic stratified folds, and the shuffled-label control:
 * the same procedure on labels permuted at random, which must land near 0.5. A probe AUC is only
 * evidence of a linear readout when the control stays there (with d ≈ n a probe can fit noise).
 */
import { ErrorCodes, SteerError, invalidArgument } from "../errors.js";
import { SeededRandom } from "../synthetic/random.js";
import { assertBoolean, assertInteger, assertKnownKeys } from "../util/validate.js";
import { rocAuc } from "./auc.js";
import { logisticFitter, type BinaryFitter } from "./logistic.js";
import { classCounts, matrixRow, selectRows, toBinaryLabels, toMatrix, type BinaryLabelsLike, type RowsLike } from "./matrix.js";

export interface CrossValidationOptions {
  /** Number of folds, at least 2 and at most the smaller class's count. Default 5. */
  folds?: number;
  /** Seeds the fold assignment and the label permutation of the control. Default 0. */
  seed?: number;
  /** The algorithm: fits on training rows, returns a scorer. Default logisticFitter() (L2 logistic, lambda 0.01, standardised). */
  fit?: BinaryFitter;
  /** Also run the shuffled-label control. Default true. */
  shuffledControl?: boolean;
}
const CV_KEYS = ["folds", "seed", "fit", "shuffledControl"] as const;

export interface CrossValidationResult {
  /** Mean of the per-fold AUCs. */
  auc: number;
  foldAucs: number[];
  /** AUC of all out-of-fold scores pooled (scores from different fits, so slightly pessimistic). */
  pooledAuc: number;
  /** Out-of-fold score of every row. */
  scores: Float64Array;
  /** The fold of every row. */
  foldOf: Int32Array;
  /** Mean fold AUC with permuted labels; undefined when the control was not run. */
  shuffledAuc?: number;
  shuffledFoldAucs?: number[];
}

/**
 * Assigns each row a fold in [0, k): within each class, rows are shuffled by the seed and dealt
 * round-robin, so every fold gets ⌊count/k⌋ or ⌈count/k⌉ of each class. Same labels + seed → same folds.
 */
export function stratifiedFolds(labels: Uint8Array, k: number, seed: number): Int32Array {
  assertInteger("folds", k, 2);
  assertInteger("seed", seed, 0, 0xffffffff);
  const [negatives, positives] = classCounts("labels", labels);
  if (Math.min(negatives, positives) < k) {
    throw new SteerError(ErrorCodes.INVALID_ARGUMENT, `Cannot make ${k} stratified folds: the smaller class has only ${Math.min(negatives, positives)} rows (each fold needs one of each class)`, {
      folds: k,
      positives,
      negatives,
    });
  }
  const foldOf = new Int32Array(labels.length);
  // The second class's deal continues where the first one stopped, so fold sizes stay balanced when both counts leave remainders.
  let dealt = 0;
  for (const cls of [0, 1]) {
    const members: number[] = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === cls) members.push(i);
    const shuffled = seededPermutation(members.length, seed, `folds/class ${cls}`);
    shuffled.forEach((m, position) => (foldOf[members[m]] = (dealt + position) % k));
    dealt += members.length;
  }
  return foldOf;
}

/** A seeded Fisher–Yates permutation of 0..n-1 (same seed and stream → same permutation everywhere). */
export function seededPermutation(n: number, seed: number, stream = "permutation"): Int32Array {
  const random = new SeededRandom(seed, stream);
  const out = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random.nextFloat() * (i + 1));
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}

/**
 * Cross-validated AUC of `fit` on (x, y). Deterministic for a given seed and fitter.
 * @throws SteerError for bad input, a missing class, or more folds than the smaller class has rows.
 */
export function crossValidatedAuc(x: RowsLike, y: BinaryLabelsLike, options: CrossValidationOptions = {}): CrossValidationResult {
  if (options === null || typeof options !== "object") throw invalidArgument("options", "an options object", options);
  assertKnownKeys("cross-validation options", options, CV_KEYS);
  const folds = options.folds ?? 5;
  const seed = options.seed ?? 0;
  const fit = options.fit ?? logisticFitter();
  const shuffledControl = options.shuffledControl ?? true;
  if (typeof fit !== "function") throw invalidArgument("options.fit", "a function (x, y) => scorer", fit);
  assertBoolean("options.shuffledControl", shuffledControl);
  const m = toMatrix("x", x);
  const labels = toBinaryLabels("y", y, m.rows);
  const real = runFolds(m, labels, folds, seed, fit);
  if (!shuffledControl) return real;
  const permutation = seededPermutation(labels.length, seed, "shuffled-label control");
  const shuffled = Uint8Array.from(permutation, (j) => labels[j]);
  const control = runFolds(m, shuffled, folds, seed, fit);
  return { ...real, shuffledAuc: control.auc, shuffledFoldAucs: control.foldAucs };
}

function runFolds(m: ReturnType<typeof toMatrix>, labels: Uint8Array, folds: number, seed: number, fit: BinaryFitter): CrossValidationResult {
  const foldOf = stratifiedFolds(labels, folds, seed);
  const scores = new Float64Array(m.rows);
  const foldAucs: number[] = [];
  for (let f = 0; f < folds; f++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < m.rows; i++) (foldOf[i] === f ? test : train).push(i);
    const trainLabels = Uint8Array.from(train, (i) => labels[i]);
    const scorer = fit(selectRows(m, train), trainLabels);
    if (typeof scorer !== "function") throw invalidArgument("the result of options.fit", "a scorer function (row) => number", scorer);
    for (const i of test) {
      const s = scorer(matrixRow(m, i));
      if (typeof s !== "number" || Number.isNaN(s)) throw new SteerError(ErrorCodes.NOT_FINITE, `The fitted scorer returned ${String(s)} for row ${i}`, { row: i });
      scores[i] = s;
    }
    foldAucs.push(rocAuc(Float64Array.from(test, (i) => scores[i]), Uint8Array.from(test, (i) => labels[i])));
  }
  const auc = foldAucs.reduce((a, b) => a + b, 0) / folds;
  return { auc, foldAucs, pooledAuc: rocAuc(scores, labels), scores, foldOf };
}
