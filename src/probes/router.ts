/**
 * Softmax (multinomial logistic) router with an L2 penalty: from one layer's residual to a
 * probability per class (per domain for ASA's mixture of vectors, per tool for tool choice).
 * Fitted by L-BFGS from zero, so it is deterministic.
 *
 * Objective: mean cross-entropy + (lambda / 2) · ‖W‖² over standardised features (biases not penalised).
 */
import { ErrorCodes, SteerError, invalidArgument } from "../errors.js";
import { minimizeLbfgs } from "./lbfgs.js";
import { fitOptions, type FitInfo } from "./logistic.js";
import { checkRow, toMatrix, type RowsLike } from "./matrix.js";
import { fitStandardizer, standardizeRows, type Standardizer } from "./standardize.js";

export interface RouterOptions {
  /** L2 strength on the mean-loss scale. Default 0.01. */
  lambda?: number;
  /** Standardise features first. Default true. */
  standardize?: boolean;
  /** Most L-BFGS steps. Default 200. */
  maxIterations?: number;
  /** Stop when max |gradient| falls to this. Default 1e-6. */
  tolerance?: number;
  /** Class order of the fitted router; every class needs at least one row. Default: the distinct labels, sorted. */
  classes?: readonly string[];
}
const ROUTER_KEYS = ["lambda", "standardize", "maxIterations", "tolerance", "classes"] as const;

/** A fitted router: plain data (serialisable into a steering asset). */
export interface SoftmaxRouter {
  readonly classes: readonly string[];
  readonly standardizer: Standardizer | null;
  /** classes.length × nFeatures, row-major: row k scores class k. */
  readonly weights: Float64Array;
  readonly bias: Float64Array;
}

export interface RouteResult {
  /** Index into router.classes of the most probable class (the first one on an exact tie). */
  index: number;
  label: string;
  probabilities: Float64Array;
}

export function fitSoftmaxRouter(x: RowsLike, labels: readonly string[], options: RouterOptions = {}): { router: SoftmaxRouter; info: FitInfo } {
  const { lambda, standardize, maxIterations, tolerance } = fitOptions("router options", options, ROUTER_KEYS);
  const raw = toMatrix("x", x);
  const { classes, target } = encodeLabels(labels, raw.rows, options.classes);
  const standardizer = standardize ? fitStandardizer(raw) : null;
  const { rows: n, cols: d, data } = standardizer ? standardizeRows(standardizer, raw) : raw;
  const k = classes.length;
  const logits = new Float64Array(k);

  const objective = (params: Float64Array, gradient: Float64Array): number => {
    gradient.fill(0);
    let loss = 0;
    for (let r = 0; r < n; r++) {
      const base = r * d;
      for (let c = 0; c < k; c++) {
        let z = params[k * d + c];
        const w = c * d;
        for (let i = 0; i < d; i++) z += params[w + i] * data[base + i];
        logits[c] = z;
      }
      const logNormalizer = logSumExp(logits);
      loss += logNormalizer - logits[target[r]];
      for (let c = 0; c < k; c++) {
        const e = (Math.exp(logits[c] - logNormalizer) - (c === target[r] ? 1 : 0)) / n;
        gradient[k * d + c] += e;
        const w = c * d;
        for (let i = 0; i < d; i++) gradient[w + i] += e * data[base + i];
      }
    }
    let penalty = 0;
    for (let j = 0; j < k * d; j++) {
      penalty += params[j] * params[j];
      gradient[j] += lambda * params[j];
    }
    return loss / n + (lambda / 2) * penalty;
  };

  const result = minimizeLbfgs(objective, new Float64Array(k * d + k), { maxIterations, gradientTolerance: tolerance });
  return {
    router: { classes, standardizer, weights: result.x.slice(0, k * d), bias: result.x.slice(k * d) },
    info: { iterations: result.iterations, converged: result.converged, loss: result.value },
  };
}

/** Class probabilities for one row, in router.classes order. */
export function routerProbabilities(router: SoftmaxRouter, row: ArrayLike<number>): Float64Array {
  const k = router.classes.length;
  const d = router.weights.length / k;
  checkRow("row", row, d);
  const s = router.standardizer;
  const features = s ? Float64Array.from({ length: d }, (_, i) => (row[i] - s.mean[i]) / s.scale[i]) : row;
  const logits = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let z = router.bias[c];
    for (let i = 0; i < d; i++) z += router.weights[c * d + i] * features[i];
    logits[c] = z;
  }
  const logNormalizer = logSumExp(logits);
  return logits.map((z) => Math.exp(z - logNormalizer));
}

/** The most probable class for one row, with all probabilities. */
export function route(router: SoftmaxRouter, row: ArrayLike<number>): RouteResult {
  const probabilities = routerProbabilities(router, row);
  let index = 0;
  for (let c = 1; c < probabilities.length; c++) if (probabilities[c] > probabilities[index]) index = c;
  return { index, label: router.classes[index], probabilities };
}

/** Fraction of rows whose predicted class equals the label. */
export function routerAccuracy(router: SoftmaxRouter, x: RowsLike, labels: readonly string[]): number {
  const m = toMatrix("x", x);
  if (!Array.isArray(labels) || labels.length !== m.rows) throw invalidArgument("labels", `${m.rows} labels (one per row)`, labels);
  let correct = 0;
  for (let r = 0; r < m.rows; r++) if (route(router, m.data.subarray(r * m.cols, (r + 1) * m.cols)).label === labels[r]) correct++;
  return correct / m.rows;
}

function encodeLabels(labels: readonly string[], rows: number, classOrder: readonly string[] | undefined): { classes: string[]; target: Int32Array } {
  if (!Array.isArray(labels) || labels.length !== rows) throw invalidArgument("labels", `${rows} class names (one per row)`, labels);
  labels.forEach((l, i) => {
    if (typeof l !== "string" || l.length === 0) throw invalidArgument(`labels[${i}]`, "a non-empty string", l);
  });
  const distinct = [...new Set(labels)].sort();
  const classes = classOrder === undefined ? distinct : [...classOrder];
  if (!Array.isArray(classOrder) && classOrder !== undefined) throw invalidArgument("options.classes", "an array of class names", classOrder);
  if (new Set(classes).size !== classes.length) throw invalidArgument("options.classes", "distinct class names", classOrder);
  const unknown = distinct.filter((l) => !classes.includes(l));
  if (unknown.length > 0) throw invalidArgument("labels", `classes from options.classes (${classes.join(", ")})`, unknown[0]);
  const empty = classes.filter((c) => !distinct.includes(c));
  if (classes.length < 2 || empty.length > 0) {
    throw new SteerError(ErrorCodes.INVALID_ARGUMENT, `A router needs at least two classes, each with at least one row (classes: ${classes.join(", ")}; without rows: ${empty.join(", ") || "none"})`, {
      classes,
      empty,
    });
  }
  const index = new Map(classes.map((c, i) => [c, i]));
  return { classes, target: Int32Array.from(labels, (l) => index.get(l) as number) };
}

function logSumExp(v: Float64Array): number {
  let max = -Infinity;
  for (const z of v) max = Math.max(max, z);
  let s = 0;
  for (const z of v) s += Math.exp(z - max);
  return max + Math.log(s);
}
