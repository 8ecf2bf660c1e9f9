/**
 * First principal component of paired differences by power iteration: the "pca" steering direction
 * (repeng's pca_diff, llama.cpp cvector-generator's --method pca). Power iteration multiplies by
 * XᵀX implicitly (X v, then Xᵀ of that), so one step costs O(rows × nEmbd) and no nEmbd × nEmbd
 * matrix is ever formed.
 */
import { ErrorCodes, SteerError, invalidArgument } from "../errors.js";
import { SeededRandom } from "../synthetic/random.js";
import { assertBoolean, assertFiniteNumber, assertInteger, assertKnownKeys } from "../util/validate.js";
import type { BuildOptions } from "./builders.js";
import { checkLayerRows, checkSameLayers, meanOfRows, type LayerRows } from "./rows.js";
import { SteeringVector } from "./steeringVector.js";

export interface PrincipalComponentOptions {
  /**
   * Subtract the column means before the decomposition (classic PCA, what scikit-learn does). The
   * default, false, decomposes the raw second moment XᵀX: for differences that share a direction,
   * that direction is the mean itself, which centring would remove. Default false.
   */
  center?: boolean;
  /** Most power-iteration steps. Default 500. */
  maxIterations?: number;
  /** Stop when the unit direction moves less than this (L2) in one step. Default 1e-9. */
  tolerance?: number;
  /** Seed of the fixed random start (the result does not depend on it once converged). Default 0. */
  seed?: number;
}
const PCA_KEYS = ["center", "maxIterations", "tolerance", "seed", "modelFingerprint", "source"] as const;

export interface PrincipalComponent {
  /** Unit vector; its sign makes the mean projection of the (uncentred) rows non-negative. */
  direction: Float64Array;
  /** Largest eigenvalue of XᵀX / rows (the variance along the direction; the second moment when not centred). */
  eigenvalue: number;
  iterations: number;
  converged: boolean;
}

/**
 * The first principal component of `rows` (all of length `width`).
 * @throws SteerError INVALID_ARGUMENT when every row is zero (after centring): there is no direction.
 */
export function firstPrincipalComponent(rows: readonly ArrayLike<number>[], width: number, options: PrincipalComponentOptions = {}): PrincipalComponent {
  const { center, maxIterations, tolerance, seed } = pcaOptions(options);
  const n = rows.length;
  const rawMean = meanOfRows(rows, width);
  const offset = center ? rawMean : new Float64Array(width);
  const x = new Float64Array(n * width);
  for (let r = 0; r < n; r++) for (let i = 0; i < width; i++) x[r * width + i] = rows[r][i] - offset[i];

  const random = new SeededRandom(seed, "pca start");
  let v = unit(Float64Array.from({ length: width }, () => random.gaussian()));
  const projected = new Float64Array(n);
  let iterations = 0;
  let converged = false;
  let eigenvalue = 0;
  while (iterations < maxIterations) {
    iterations++;
    const next = multiplyGram(x, n, width, v, projected);
    const size = norm(next);
    if (size === 0) {
      throw new SteerError(ErrorCodes.INVALID_ARGUMENT, `Cannot find a principal direction: every row is zero${center ? " after centring" : ""}`, { rows: n });
    }
    for (let i = 0; i < width; i++) next[i] /= size;
    eigenvalue = size / n;
    // XᵀX is positive semi-definite, so the iterate never flips sign: plain distance is the right test.
    let moved = 0;
    for (let i = 0; i < width; i++) moved += (next[i] - v[i]) ** 2;
    v = next;
    if (Math.sqrt(moved) < tolerance) {
      converged = true;
      break;
    }
  }
  return { direction: fixSign(v, rawMean), eigenvalue, iterations, converged };
}

/**
 * Per layer, the first principal component of the paired differences (positive − negative rows of
 * the same prompt pair), as a unit vector whose sign makes the mean projection of the differences
 * positive. Layers where power iteration did not converge are listed in `meta.notes`.
 */
export function pcaDirection(pairedDifferences: LayerRows, options: PrincipalComponentOptions & BuildOptions = {}): SteeringVector {
  const width = checkLayerRows("pairedDifferences", pairedDifferences);
  if (options === null || typeof options !== "object") throw invalidArgument("options", "an options object", options);
  assertKnownKeys("pcaDirection options", options, PCA_KEYS);
  const directions = new Map<number, Float32Array>();
  const unconverged: number[] = [];
  for (const [layer, rows] of pairedDifferences) {
    const pc = firstPrincipalComponent(rows, width, options);
    if (!pc.converged) unconverged.push(layer);
    directions.set(layer, Float32Array.from(pc.direction));
  }
  return SteeringVector.create(directions, {
    modelFingerprint: options.modelFingerprint,
    source: options.source,
    nEmbd: width,
    method: "pca",
    notes: unconverged.length > 0 ? `power iteration stopped before converging at layers ${unconverged.join(", ")}` : undefined,
  });
}

/** Row-wise positive − negative for paired captures (row i of both sides is one prompt pair). */
export function pairedDifferences(positiveRows: LayerRows, negativeRows: LayerRows): Map<number, Float32Array[]> {
  const width = checkLayerRows("positiveRows", positiveRows);
  const otherWidth = checkLayerRows("negativeRows", negativeRows);
  if (width !== otherWidth) throw new SteerError(ErrorCodes.VECTOR_SIZE, `positiveRows has rows of length ${width} but negativeRows has rows of length ${otherWidth}`);
  checkSameLayers("positiveRows", positiveRows, "negativeRows", negativeRows);
  const out = new Map<number, Float32Array[]>();
  for (const [layer, pos] of positiveRows) {
    const neg = negativeRows.get(layer) as readonly ArrayLike<number>[];
    if (neg.length !== pos.length) throw invalidArgument(`negativeRows at layer ${layer}`, `${pos.length} rows, one per positive row`, neg);
    out.set(layer, pos.map((row, r) => Float32Array.from(row, (x, i) => x - neg[r][i])));
  }
  return out;
}

function pcaOptions(options: PrincipalComponentOptions): Required<PrincipalComponentOptions> {
  if (options === null || typeof options !== "object") throw invalidArgument("options", "an options object", options);
  const center = options.center ?? false;
  const maxIterations = options.maxIterations ?? 500;
  const tolerance = options.tolerance ?? 1e-9;
  const seed = options.seed ?? 0;
  assertBoolean("options.center", center);
  assertInteger("options.maxIterations", maxIterations, 1);
  assertFiniteNumber("options.tolerance", tolerance, 0);
  assertInteger("options.seed", seed, 0, 0xffffffff);
  return { center, maxIterations, tolerance, seed };
}

/** XᵀX v for row-major X (n × d); `scratch` receives X v. */
function multiplyGram(x: Float64Array, n: number, d: number, v: Float64Array, scratch: Float64Array): Float64Array {
  for (let r = 0; r < n; r++) {
    let s = 0;
    const base = r * d;
    for (let i = 0; i < d; i++) s += x[base + i] * v[i];
    scratch[r] = s;
  }
  const out = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    const s = scratch[r];
    if (s === 0) continue;
    const base = r * d;
    for (let i = 0; i < d; i++) out[i] += s * x[base + i];
  }
  return out;
}

/** Flip v so the mean row projects non-negatively; if that projection is exactly 0, make the largest component positive (still deterministic). */
function fixSign(v: Float64Array, mean: Float64Array): Float64Array {
  let projection = 0;
  for (let i = 0; i < v.length; i++) projection += v[i] * mean[i];
  let flip = projection < 0;
  if (projection === 0) {
    let largest = 0;
    for (let i = 1; i < v.length; i++) if (Math.abs(v[i]) > Math.abs(v[largest])) largest = i;
    flip = v[largest] < 0;
  }
  return flip ? v.map((x) => -x) : v;
}

function norm(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

function unit(v: Float64Array): Float64Array {
  const n = norm(v);
  return v.map((x) => x / n);
}
