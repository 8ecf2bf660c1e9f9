/**
 * Vector builders: pure functions from captured rows (see rows.ts) to SteeringVectors. Means are
 * accumulated in float64 and stored as float32.
 */
import { ErrorCodes, SteerError, invalidArgument } from "../errors.js";
import { SeededRandom } from "../synthetic/random.js";
import { assertFiniteNumber, assertInteger } from "../util/validate.js";
import { checkLayerRows, checkSameLayers, meanOfRows, type LayerRows } from "./rows.js";
import { SteeringVector, type CombineOptions } from "./steeringVector.js";

/** Provenance recorded in the built vector's metadata. */
export interface BuildOptions {
  /** Fingerprint of the model the rows were captured on. Default: unknown. */
  modelFingerprint?: string;
  /** Free text, e.g. the dataset and split. Default: none. */
  source?: string;
}

/**
 * mean(positive) − mean(negative) at every layer: the ASA intent vector (tool needed minus no tool),
 * or any contrastive direction. The two sides may hold different numbers of rows, but the same layers.
 */
export function meanDifference(positiveRows: LayerRows, negativeRows: LayerRows, options: BuildOptions = {}): SteeringVector {
  const width = checkLayerRows("positiveRows", positiveRows);
  const otherWidth = checkLayerRows("negativeRows", negativeRows);
  checkWidths("positiveRows", width, "negativeRows", otherWidth);
  checkSameLayers("positiveRows", positiveRows, "negativeRows", negativeRows);
  return fromMeanDifference(positiveRows, negativeRows, width, "mean-diff", options);
}

/**
 * mean(A) − mean(B) over the same prompts run through two models (A fine-tuned, B its base): the
 * direction the fine-tune added to the residual stream. The rows must be paired (row i of both sides
 * is the same prompt and token), so the row counts must match; the pairing itself is the caller's.
 * Record the fingerprint of the model the vector is meant for (usually the base) in options.
 */
export function modelDiff(rowsModelA: LayerRows, rowsModelB: LayerRows, options: BuildOptions = {}): SteeringVector {
  const width = checkLayerRows("rowsModelA", rowsModelA);
  checkWidths("rowsModelA", width, "rowsModelB", checkLayerRows("rowsModelB", rowsModelB));
  checkSameLayers("rowsModelA", rowsModelA, "rowsModelB", rowsModelB);
  for (const [layer, rows] of rowsModelA) {
    const other = rowsModelB.get(layer) as readonly ArrayLike<number>[];
    if (rows.length !== other.length) {
      throw invalidArgument(`rowsModelB at layer ${layer}`, `${rows.length} rows, paired with rowsModelA (same prompts on both models)`, other);
    }
  }
  return fromMeanDifference(rowsModelA, rowsModelB, width, "model-diff", options);
}

/**
 * Per-class mean activation at every layer (per-tool means for tool switching and cosine readout).
 * Every class must have the same layers and width.
 */
export function classMeans(rowsByClass: ReadonlyMap<string, LayerRows>, options: BuildOptions = {}): Map<string, SteeringVector> {
  if (!(rowsByClass instanceof Map) || rowsByClass.size === 0) throw invalidArgument("rowsByClass", "a non-empty Map from class name to rows", rowsByClass);
  const provenance = checkBuildOptions(options);
  const out = new Map<string, SteeringVector>();
  let reference: { name: string; rows: LayerRows; width: number } | undefined;
  for (const [name, rows] of rowsByClass) {
    if (typeof name !== "string" || name.length === 0) throw invalidArgument("class name", "a non-empty string", name);
    const width = checkLayerRows(`rows of class "${name}"`, rows);
    if (reference === undefined) reference = { name, rows, width };
    checkWidths(`rows of class "${reference.name}"`, reference.width, `rows of class "${name}"`, width);
    checkSameLayers(`class "${reference.name}"`, reference.rows, `class "${name}"`, rows);
    const directions = new Map([...rows].map(([layer, list]) => [layer, Float32Array.from(meanOfRows(list, width))]));
    out.set(name, SteeringVector.create(directions, { ...provenance, nEmbd: width, method: "class-mean", source: provenance.source ?? `class ${name}` }));
  }
  return out;
}

/**
 * mean(target) − mean(source): added to a prompt where the model would call `source`, it pushes the
 * choice toward `target` (tool switching).
 */
export function switchVector(means: ReadonlyMap<string, SteeringVector>, target: string, source: string, options: CombineOptions = {}): SteeringVector {
  if (!(means instanceof Map)) throw invalidArgument("means", "a Map from class name to SteeringVector", means);
  const pick = (name: string, role: string): SteeringVector => {
    const v = means.get(name);
    if (v === undefined) throw invalidArgument(role, `one of the classes ${[...means.keys()].map((k) => JSON.stringify(k)).join(", ")}`, name);
    return v;
  };
  const difference = pick(target, "target").sub(pick(source, "source"), options);
  return difference.withMeta({ method: "switch", source: `${source} -> ${target}` });
}

/**
 * Seeded random directions with the same per-layer norms as `vector`: the control that tells a real
 * direction's effect from the effect of any push of that size. Different seeds give different
 * directions; the same seed gives the same one on every machine.
 */
export function randomLike(vector: SteeringVector, seed: number): SteeringVector {
  if (!(vector instanceof SteeringVector)) throw invalidArgument("vector", "a SteeringVector", vector);
  assertInteger("seed", seed, 0, 0xffffffff);
  const directions = new Map<number, Float32Array>();
  for (const layer of vector.layers) {
    const target = vector.norm(layer);
    const random = new SeededRandom(seed, `randomLike/layer ${layer}`);
    const raw = Float64Array.from({ length: vector.nEmbd }, () => random.gaussian());
    directions.set(layer, scaledTo(raw, target));
  }
  return SteeringVector.create(directions, { ...vector.meta, method: "random", source: `random directions (seed ${seed}) norm-matched to ${vector.meta.method}`, notes: undefined });
}

/** A reference magnitude: one norm for every layer, a norm per layer, or the norms of another vector. */
export type ReferenceNorm = number | ReadonlyMap<number, number> | SteeringVector;

/**
 * `direction` rescaled, layer by layer, to the reference norm (matched magnitude, so two methods
 * are compared at equal push).
 * @throws SteerError INVALID_ARGUMENT when a layer is all zeros but must reach a non-zero norm, or the reference lacks a layer.
 */
export function normMatched(direction: SteeringVector, referenceNorm: ReferenceNorm): SteeringVector {
  if (!(direction instanceof SteeringVector)) throw invalidArgument("direction", "a SteeringVector", direction);
  const directions = new Map<number, Float32Array>();
  for (const layer of direction.layers) {
    const target = referenceNormAt(referenceNorm, layer);
    const v = direction.get(layer);
    if (target !== 0 && v.every((x) => x === 0)) {
      throw new SteerError(ErrorCodes.INVALID_ARGUMENT, `Cannot rescale the direction of layer ${layer} to norm ${target}: it is all zeros`, { layer });
    }
    directions.set(layer, scaledTo(v, target));
  }
  return SteeringVector.create(directions, direction.meta);
}

/** The reference norm at one layer, validated. */
export function referenceNormAt(reference: ReferenceNorm, layer: number): number {
  let value: number | undefined;
  if (typeof reference === "number") value = reference;
  else if (reference instanceof SteeringVector) value = reference.has(layer) ? reference.norm(layer) : undefined;
  else if (reference instanceof Map) value = reference.get(layer);
  else throw invalidArgument("referenceNorm", "a number, a Map from layer to norm, or a SteeringVector", reference);
  if (value === undefined) throw invalidArgument("referenceNorm", `a norm for layer ${layer}`, reference);
  assertFiniteNumber(`referenceNorm at layer ${layer}`, value, 0);
  return value;
}

/** v scaled to L2 norm `target` (all zeros stays all zeros), as float32. */
export function scaledTo(v: ArrayLike<number>, target: number): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const n = Math.sqrt(s);
  const factor = n === 0 ? 0 : target / n;
  return Float32Array.from(v, (x) => x * factor);
}

function fromMeanDifference(a: LayerRows, b: LayerRows, width: number, method: string, options: BuildOptions): SteeringVector {
  const directions = new Map<number, Float32Array>();
  for (const [layer, rows] of a) {
    const meanA = meanOfRows(rows, width);
    const meanB = meanOfRows(b.get(layer) as readonly ArrayLike<number>[], width);
    directions.set(layer, Float32Array.from(meanA, (x, i) => x - meanB[i]));
  }
  return SteeringVector.create(directions, { ...checkBuildOptions(options), nEmbd: width, method });
}

function checkBuildOptions(options: BuildOptions): BuildOptions {
  if (options === null || typeof options !== "object") throw invalidArgument("options", "an options object", options);
  return { modelFingerprint: options.modelFingerprint, source: options.source };
}

function checkWidths(nameA: string, a: number, nameB: string, b: number): void {
  if (a !== b) throw new SteerError(ErrorCodes.VECTOR_SIZE, `${nameA} has rows of length ${a} but ${nameB} has rows of length ${b}`, { expected: a, received: b });
}
