/**
 * L2-regularised logistic regression, the linear probe that reads "is a tool call coming?" from one
 * layer's residual. Fitted by L-BFGS from a zero start: deterministic, and no d × d Hessian.
 *
 * Objective: mean log-loss + (lambda / 2) · ‖w‖² over standardised features (the bias is not
 * penalised). Because the loss is a mean, lambda does not need retuning when the row count changes.
 */
import { invalidArgument } from "../errors.js";
import { assertBoolean, assertFiniteNumber, assertInteger, assertKnownKeys } from "../util/validate.js";
import { minimizeLbfgs } from "./lbfgs.js";
import { checkRow, classCounts, toBinaryLabels, toMatrix, type BinaryLabelsLike, type Matrix, type RowsLike } from "./matrix.js";
import { fitStandardizer, standardizeRows, type Standardizer } from "./standardize.js";

export interface LogisticOptions {
  /** L2 strength on the mean-loss scale. Default 0.01 (strong enough for rows ≈ features, the usual probe regime). */
  lambda?: number;
  /** Standardise features first (the fitted statistics travel with the probe). Default true. */
  standardize?: boolean;
  /** Most L-BFGS steps. Default 200. */
  maxIterations?: number;
  /** Stop when max |gradient| falls to this. Default 1e-6. */
  tolerance?: number;
}
const LOGISTIC_KEYS = ["lambda", "standardize", "maxIterations", "tolerance"] as const;

/** A fitted probe: plain data, so it serialises into a steering asset. */
export interface LinearProbe {
  /** Applied to a row before the dot product; null when fitted on raw features. */
  readonly standardizer: Standardizer | null;
  readonly weights: Float64Array;
  readonly bias: number;
}

export interface FitInfo {
  iterations: number;
  converged: boolean;
  /** Final objective (mean loss + penalty). */
  loss: number;
}

/** Scores one row; higher means "more positive". What cross-validation evaluates. */
export type Scorer = (row: ArrayLike<number>) => number;
/** Fits on training rows and labels and returns a scorer: the pluggable algorithm of crossValidatedAuc. */
export type BinaryFitter = (x: Matrix, y: Uint8Array) => Scorer;

/**
 * Fits the probe. Labels are 0/1 or booleans; both classes must be present.
 * @throws SteerError INVALID_ARGUMENT, VECTOR_SIZE, NOT_FINITE for bad input.
 */
export function fitLogisticProbe(x: RowsLike, y: BinaryLabelsLike, options: LogisticOptions = {}): { probe: LinearProbe; info: FitInfo } {
  const { lambda, standardize, maxIterations, tolerance } = logisticOptions(options);
  const raw = toMatrix("x", x);
  const labels = toBinaryLabels("y", y, raw.rows);
  classCounts("y", labels);
  const standardizer = standardize ? fitStandardizer(raw) : null;
  const m = standardizer ? standardizeRows(standardizer, raw) : raw;
  const { rows: n, cols: d, data } = m;
  const margins = new Float64Array(n);

  const objective = (params: Float64Array, gradient: Float64Array): number => {
    const bias = params[d];
    let loss = 0;
    for (let r = 0; r < n; r++) {
      let z = bias;
      const base = r * d;
      for (let i = 0; i < d; i++) z += data[base + i] * params[i];
      loss += softplus(z) - labels[r] * z;
      margins[r] = (sigmoid(z) - labels[r]) / n;
    }
    gradient.fill(0);
    let biasGradient = 0;
    for (let r = 0; r < n; r++) {
      const e = margins[r];
      biasGradient += e;
      const base = r * d;
      for (let i = 0; i < d; i++) gradient[i] += e * data[base + i];
    }
    let penalty = 0;
    for (let i = 0; i < d; i++) {
      penalty += params[i] * params[i];
      gradient[i] += lambda * params[i];
    }
    gradient[d] = biasGradient;
    return loss / n + (lambda / 2) * penalty;
  };

  const result = minimizeLbfgs(objective, new Float64Array(d + 1), { maxIterations, gradientTolerance: tolerance });
  return {
    probe: { standardizer, weights: result.x.slice(0, d), bias: result.x[d] },
    info: { iterations: result.iterations, converged: result.converged, loss: result.value },
  };
}

/** The probe's logit (log-odds) for one row. */
export function probeLogit(probe: LinearProbe, row: ArrayLike<number>): number {
  const d = probe.weights.length;
  checkRow("row", row, d);
  const s = probe.standardizer;
  let z = probe.bias;
  if (s) for (let i = 0; i < d; i++) z += ((row[i] - s.mean[i]) / s.scale[i]) * probe.weights[i];
  else for (let i = 0; i < d; i++) z += row[i] * probe.weights[i];
  return z;
}

/** P(positive | row). */
export function predictProba(probe: LinearProbe, row: ArrayLike<number>): number {
  return sigmoid(probeLogit(probe, row));
}

/** P(positive | row) for every row. */
export function predictProbaRows(probe: LinearProbe, x: RowsLike): Float64Array {
  const m = toMatrix("x", x);
  return Float64Array.from({ length: m.rows }, (_, r) => predictProba(probe, m.data.subarray(r * m.cols, (r + 1) * m.cols)));
}

/** A BinaryFitter that fits this probe with fixed options (the default fitter of crossValidatedAuc). */
export function logisticFitter(options: LogisticOptions = {}): BinaryFitter {
  logisticOptions(options);
  return (x, y) => {
    const { probe } = fitLogisticProbe(x, y, options);
    return (row) => probeLogit(probe, row);
  };
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

function logisticOptions(options: LogisticOptions): Required<LogisticOptions> {
  return fitOptions("logistic probe options", options, LOGISTIC_KEYS);
}

/** The fitting options logistic probes and routers share, validated and with their defaults. */
export function fitOptions(name: string, options: LogisticOptions, knownKeys: readonly string[]): Required<LogisticOptions> {
  if (options === null || typeof options !== "object") throw invalidArgument("options", "an options object", options);
  assertKnownKeys(name, options, knownKeys);
  const lambda = options.lambda ?? 0.01;
  const standardize = options.standardize ?? true;
  const maxIterations = options.maxIterations ?? 200;
  const tolerance = options.tolerance ?? 1e-6;
  assertFiniteNumber("options.lambda", lambda, 0);
  assertBoolean("options.standardize", standardize);
  assertInteger("options.maxIterations", maxIterations, 1);
  assertFiniteNumber("options.tolerance", tolerance, 0);
  return { lambda, standardize, maxIterations, tolerance };
}
