/**
 * Steering specs: which vector is added to which rows of the residual stream, and the pure logic
 * that turns a spec into rows of one decode. No native code here, so all of it is testable alone.
 *
 * Layer convention: layer `il` is llama.cpp's `l_out-il`, the residual stream *after* block `il`
 * (0-based). A method that speaks of "the input of block L" (the pre-norm residual of layer L, as
 * the ASA paper does) means layer L-1 here.
 */
import { ErrorCodes, SteerError, invalidArgument } from "../errors.js";
import { assertFiniteNumber, assertInteger, assertKnownKeys, toFiniteVector } from "../util/validate.js";

/**
 * Which token positions a spec touches:
 * - "all": every prompt and generated token (default)
 * - "prompt": prompt tokens only
 * - "generated": generated tokens only (each new token as it is fed back)
 * - "last-prompt": only the last prompt token, during prefill
 * - `{ ranges: [[start, end], ...] }`: positions p with start <= p < end (0-based, prompt and generated alike)
 */
export type SteeringPositions = "all" | "prompt" | "generated" | "last-prompt" | { ranges: ReadonlyArray<readonly [number, number]> };

export type VectorLike = Float32Array | Float64Array | readonly number[];

export interface SteeringSpec {
  /** Layer whose output (`l_out-<layer>`) the vector is added to. */
  layer: number;
  /** nEmbd values. */
  vector: VectorLike;
  /** Multiplies the vector. Default 1. */
  strength?: number;
  /** Default "all". */
  positions?: SteeringPositions;
}

/** A validated spec with the strength folded into the vector. */
export interface ResolvedSpec {
  layer: number;
  vector: Float32Array;
  positions: SteeringPositions;
  /** True when strength is 0 or the vector is all zeros: the spec changes nothing and is skipped. */
  isNoop: boolean;
}

/** One batch entry as the steering logic sees it. */
export interface RowInfo {
  position: number;
  /** Number of prompt tokens of this entry's sequence. */
  promptLength: number;
}

const SPEC_KEYS = ["layer", "vector", "strength", "positions"] as const;

export function resolveSpecs(specs: readonly SteeringSpec[] | undefined, nLayer: number, nEmbd: number, name = "steer"): ResolvedSpec[] {
  if (specs === undefined) return [];
  if (!Array.isArray(specs)) throw invalidArgument(name, "an array of steering specs", specs);
  return specs.map((spec, i) => resolveSpec(spec, nLayer, nEmbd, `${name}[${i}]`));
}

export function resolveSpec(spec: SteeringSpec, nLayer: number, nEmbd: number, name: string): ResolvedSpec {
  if (spec === null || typeof spec !== "object") throw invalidArgument(name, "a steering spec object", spec);
  assertKnownKeys(name, spec, SPEC_KEYS);
  assertLayer(`${name}.layer`, spec.layer, nLayer);
  const strength = spec.strength ?? 1;
  assertFiniteNumber(`${name}.strength`, strength);
  const vector = toFiniteVector(`${name}.vector`, spec.vector, nEmbd);
  let zero = true;
  for (let i = 0; i < vector.length; i++) {
    vector[i] *= strength;
    if (vector[i] !== 0) zero = false;
  }
  const positions = spec.positions ?? "all";
  validatePositions(`${name}.positions`, positions);
  return { layer: spec.layer, vector, positions, isNoop: zero };
}

export function assertLayer(name: string, layer: unknown, nLayer: number): asserts layer is number {
  if (typeof layer !== "number" || !Number.isInteger(layer)) throw invalidArgument(name, `an integer layer between 0 and ${nLayer - 1}`, layer);
  if (layer < 0 || layer >= nLayer) {
    throw new SteerError(ErrorCodes.LAYER_OUT_OF_RANGE, `Expected ${name} between 0 and ${nLayer - 1} (the model has ${nLayer} layers) but received ${layer}`, {
      name,
      layer,
      nLayer,
    });
  }
}

function validatePositions(name: string, positions: unknown): void {
  if (positions === "all" || positions === "prompt" || positions === "generated" || positions === "last-prompt") return;
  const ranges = (positions as { ranges?: unknown })?.ranges;
  if (!positions || typeof positions !== "object" || !Array.isArray(ranges)) {
    throw invalidArgument(name, '"all", "prompt", "generated", "last-prompt" or {ranges: [[start, end], ...]}', positions);
  }
  ranges.forEach((r, i) => {
    if (!Array.isArray(r) || r.length !== 2) throw invalidArgument(`${name}.ranges[${i}]`, "a [start, end] pair", r);
    assertInteger(`${name}.ranges[${i}][0]`, r[0], 0);
    assertInteger(`${name}.ranges[${i}][1]`, r[1], r[0]);
  });
}

export function touches(positions: SteeringPositions, row: RowInfo): boolean {
  const isPrompt = row.position < row.promptLength;
  switch (positions) {
    case "all":
      return true;
    case "prompt":
      return isPrompt;
    case "generated":
      return !isPrompt;
    case "last-prompt":
      return row.position === row.promptLength - 1;
    default:
      return positions.ranges.some(([start, end]) => row.position >= start && row.position < end);
  }
}

/**
 * The first prompt position any spec touches (promptLength when none touches the prompt). A steering decided after
 * the prompt was read must decode the prompt again from there.
 */
export function firstPromptRowTouched(specs: readonly ResolvedSpec[], promptLength: number): number {
  let first = promptLength;
  for (const spec of specs) {
    if (spec.isNoop) continue;
    const p = spec.positions;
    if (p === "all" || p === "prompt") return 0;
    if (p === "last-prompt") first = Math.min(first, promptLength - 1);
    else if (p !== "generated") for (const [start, end] of p.ranges) if (end > start && start < promptLength) first = Math.min(first, start);
  }
  return first;
}

/** The rows of one decode each spec touches; specs that touch nothing are dropped, "every row" is sent as no row list. */
export function addsForDecode(specs: readonly ResolvedSpec[], rows: readonly RowInfo[]): { layer: number; vector: Float32Array; rows?: Int32Array }[] {
  const out: { layer: number; vector: Float32Array; rows?: Int32Array }[] = [];
  for (const spec of specs) {
    if (spec.isNoop) continue;
    const hit: number[] = [];
    rows.forEach((row, i) => {
      if (touches(spec.positions, row)) hit.push(i);
    });
    if (hit.length === 0) continue;
    out.push(hit.length === rows.length ? { layer: spec.layer, vector: spec.vector } : { layer: spec.layer, vector: spec.vector, rows: Int32Array.from(hit) });
  }
  return out;
}
