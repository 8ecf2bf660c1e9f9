/**
 * Cosine readout: which class mean a row points at. Per-tool means from the model's own activations
 * predict the tool it will call, and a small gap between the best and second-best cosine flags
 * calls that are likely wrong.
 */
import { ErrorCodes, SteerError, invalidArgument } from "../errors.js";
import type { SteeringVector } from "../vectors/steeringVector.js";
import { checkRow } from "./matrix.js";

export interface CosineReadoutOptions {
  /**
   * Subtracted from the row and from every mean before the cosine, e.g. the mean over all classes:
   * the residual stream has a large shared component that otherwise makes every cosine ≈ 1.
   * Default: none.
   */
  center?: ArrayLike<number>;
}

export interface CosineReadout {
  /** Class names, in the order of `scores`. */
  classes: string[];
  /** Cosine of the row with each class mean (0 for an all-zero mean or row). */
  scores: Float64Array;
  predicted: string;
  runnerUp: string;
  /** Best minus second-best cosine, ≥ 0: small means the readout is unsure. */
  gap: number;
}

/**
 * Scores `row` against each class mean. Needs at least two classes, all of the row's length.
 * On an exact tie the class listed first wins.
 */
export function cosineReadout(classMeans: ReadonlyMap<string, ArrayLike<number>>, row: ArrayLike<number>, options: CosineReadoutOptions = {}): CosineReadout {
  if (!(classMeans instanceof Map) || classMeans.size < 2) throw invalidArgument("classMeans", "a Map of at least two class means", classMeans);
  if (options === null || typeof options !== "object") throw invalidArgument("options", "an options object", options);
  const d = (row as ArrayLike<number> | null)?.length ?? NaN;
  checkRow("row", row, d);
  if (options.center !== undefined) checkRow("options.center", options.center, d);
  const center = options.center;
  const classes = [...classMeans.keys()];
  const centered = (v: ArrayLike<number>, i: number): number => v[i] - (center ? center[i] : 0);
  let rowNorm = 0;
  for (let i = 0; i < d; i++) rowNorm += centered(row, i) ** 2;
  rowNorm = Math.sqrt(rowNorm);
  const scores = new Float64Array(classes.length);
  classes.forEach((name, c) => {
    const mean = classMeans.get(name) as ArrayLike<number>;
    checkRow(`the mean of class "${name}"`, mean, d);
    let dotProduct = 0;
    let meanNorm = 0;
    for (let i = 0; i < d; i++) {
      const m = centered(mean, i);
      dotProduct += m * centered(row, i);
      meanNorm += m * m;
    }
    const denominator = Math.sqrt(meanNorm) * rowNorm;
    scores[c] = denominator === 0 ? 0 : Math.max(-1, Math.min(1, dotProduct / denominator));
  });
  let best = 0;
  for (let c = 1; c < scores.length; c++) if (scores[c] > scores[best]) best = c;
  let second = best === 0 ? 1 : 0;
  for (let c = 0; c < scores.length; c++) if (c !== best && scores[c] > scores[second]) second = c;
  return { classes, scores, predicted: classes[best], runnerUp: classes[second], gap: scores[best] - scores[second] };
}

/** Each class's mean at one layer, ready for cosineReadout. */
export function meansAtLayer(classMeans: ReadonlyMap<string, SteeringVector>, layer: number): Map<string, Float32Array> {
  if (!(classMeans instanceof Map)) throw invalidArgument("classMeans", "a Map from class name to SteeringVector", classMeans);
  const out = new Map<string, Float32Array>();
  for (const [name, vector] of classMeans) {
    if (!vector.has(layer)) throw new SteerError(ErrorCodes.INVALID_ARGUMENT, `The mean of class "${name}" has no layer ${layer}`, { layer, className: name });
    out.set(name, vector.get(layer));
  }
  return out;
}

/** The average of the class means (equal weight per class): the usual `center` for cosineReadout. */
export function meanOfMeans(classMeans: ReadonlyMap<string, ArrayLike<number>>): Float64Array {
  if (!(classMeans instanceof Map) || classMeans.size === 0) throw invalidArgument("classMeans", "a non-empty Map of class means", classMeans);
  const first = classMeans.values().next().value as ArrayLike<number>;
  const out = new Float64Array(first.length);
  for (const [name, mean] of classMeans) {
    checkRow(`the mean of class "${name}"`, mean, out.length);
    for (let i = 0; i < out.length; i++) out[i] += mean[i] / classMeans.size;
  }
  return out;
}
