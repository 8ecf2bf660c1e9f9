/**
 * SteeringVector: an immutable value holding one direction per layer, with the arithmetic that
 * steering experiments need (sum, difference, scaling, normalisation, cosine) and a conversion to
 * the engine's `SteeringSpec`s.
 *
 * Layer convention ("l_out"): layer `il` is llama.cpp's `l_out-il`, the residual stream AFTER block
 * `il` (0-based) — the same convention as `SteeringSpec.layer` and capture. A method described as
 * acting on "the input of block L" (the ASA paper's pre-norm residual of layer L) is layer L-1 here.
 * Control-vector files use another numbering; see src/assets/controlVector.ts.
 */
import { ErrorCodes, SteerError, invalidArgument } from "../errors.js";
import type { SteeringPositions, SteeringSpec, VectorLike } from "../engine/steering.js";
import { assertFiniteNumber, assertKnownKeys, toFiniteVector } from "../util/validate.js";
import { l2Norm } from "../util/arrays.js";

export type LayerConvention = "l_out";

export interface SteeringVectorMeta {
  /** `ModelInfo.fingerprint` of the model the vector was measured on; undefined when unknown (imported files). */
  readonly modelFingerprint?: string;
  /** Length of every direction (the model's embedding size). */
  readonly nEmbd: number;
  /** Always "l_out": layer il is the residual after block il (see the module comment). */
  readonly layerConvention: LayerConvention;
  /** How it was made: "mean-diff", "pca", "class-mean", "switch", "unembed", "random", "model-diff", "import:cvector", "combination", ... */
  readonly method: string;
  /** Free text: where the data came from (dataset, file path, classes). */
  readonly source?: string;
  readonly notes?: string;
}

/** What `create` accepts; nEmbd defaults to the first direction's length and layerConvention to "l_out". */
export interface SteeringVectorMetaInput {
  modelFingerprint?: string;
  nEmbd?: number;
  layerConvention?: LayerConvention;
  method: string;
  source?: string;
  notes?: string;
}
const META_KEYS = ["modelFingerprint", "nEmbd", "layerConvention", "method", "source", "notes"] as const;

export interface CombineOptions {
  /** Combine vectors measured on models with different fingerprints (their nEmbd must still match). Default false. */
  allowCrossModel?: boolean;
}

export interface ToSpecsOptions {
  /** Multiplies every direction (kept in the spec's `strength`, folded in by the engine). Default 1. */
  strength?: number;
  /** Which token positions the specs touch. Default "all". */
  positions?: SteeringPositions;
  /** The layers to emit, each one the vector has. Default: all of its layers. */
  layers?: readonly number[];
}
const TO_SPECS_KEYS = ["strength", "positions", "layers"] as const;

export type DirectionsInput = ReadonlyMap<number, VectorLike> | ReadonlyArray<readonly [number, VectorLike]>;

export class SteeringVector {
  private readonly directions: ReadonlyMap<number, Float32Array>;
  readonly meta: SteeringVectorMeta;

  private constructor(directions: Map<number, Float32Array>, meta: SteeringVectorMeta) {
    this.directions = new Map([...directions].sort((a, b) => a[0] - b[0]));
    this.meta = Object.freeze({ ...meta });
  }

  /**
   * Validates and copies the directions (later changes to the inputs do not reach the vector).
   * @throws SteerError INVALID_ARGUMENT (no layers, bad layer index, bad metadata), VECTOR_SIZE (lengths differ), NOT_FINITE.
   */
  static create(directions: DirectionsInput, meta: SteeringVectorMetaInput): SteeringVector {
    if (meta === null || typeof meta !== "object") throw invalidArgument("meta", "a metadata object", meta);
    assertKnownKeys("steering vector metadata", meta, META_KEYS);
    if (typeof meta.method !== "string" || meta.method.length === 0) throw invalidArgument("meta.method", "a non-empty string", meta.method);
    for (const key of ["modelFingerprint", "source", "notes"] as const) {
      if (meta[key] !== undefined && typeof meta[key] !== "string") throw invalidArgument(`meta.${key}`, "a string", meta[key]);
    }
    if (meta.layerConvention !== undefined && meta.layerConvention !== "l_out") throw invalidArgument("meta.layerConvention", '"l_out"', meta.layerConvention);
    const entries = directions instanceof Map ? [...directions.entries()] : Array.isArray(directions) ? directions : undefined;
    if (entries === undefined) throw invalidArgument("directions", "a Map from layer to vector or an array of [layer, vector] pairs", directions);
    if (entries.length === 0) throw invalidArgument("directions", "at least one layer", directions);
    const first = entries[0]?.[1] as { length?: unknown } | undefined;
    const nEmbd = meta.nEmbd ?? (typeof first?.length === "number" ? first.length : NaN);
    if (!Number.isInteger(nEmbd) || nEmbd < 1) throw invalidArgument("meta.nEmbd", "a positive integer", meta.nEmbd ?? first);
    const copied = new Map<number, Float32Array>();
    for (const entry of entries) {
      if (!Array.isArray(entry) || entry.length !== 2) throw invalidArgument("directions entry", "a [layer, vector] pair", entry);
      const [layer, vector] = entry;
      assertLayerIndex("directions layer", layer);
      if (copied.has(layer)) throw invalidArgument("directions", `each layer once (layer ${layer} repeats)`, layer);
      copied.set(layer, toFiniteVector(`direction of layer ${layer}`, vector, nEmbd));
    }
    return new SteeringVector(copied, {
      modelFingerprint: meta.modelFingerprint,
      nEmbd,
      layerConvention: "l_out",
      method: meta.method,
      source: meta.source,
      notes: meta.notes,
    });
  }

  get nEmbd(): number {
    return this.meta.nEmbd;
  }

  /** The layers this vector has a direction for, ascending. */
  get layers(): number[] {
    return [...this.directions.keys()];
  }

  has(layer: number): boolean {
    return this.directions.has(layer);
  }

  /**
   * A copy of one layer's direction. A copy, not a view: typed arrays with elements cannot be frozen,
   * and handing out the stored array would let a caller mutate a value that others share.
   * @throws SteerError INVALID_ARGUMENT when the vector has no such layer.
   */
  get(layer: number): Float32Array {
    return Float32Array.from(this.direction(layer));
  }

  /** Every layer's direction, copied. */
  entries(): [number, Float32Array][] {
    return this.layers.map((layer) => [layer, this.get(layer)]);
  }

  /** Same directions, some metadata replaced (nEmbd and layerConvention cannot change). */
  withMeta(patch: Partial<Pick<SteeringVectorMeta, "modelFingerprint" | "method" | "source" | "notes">>): SteeringVector {
    if (patch === null || typeof patch !== "object") throw invalidArgument("patch", "a metadata object", patch);
    assertKnownKeys("steering vector metadata patch", patch, ["modelFingerprint", "method", "source", "notes"]);
    return SteeringVector.create(this.directions, { ...this.meta, ...patch });
  }

  /** this + other, layer by layer. Both must have the same layers and nEmbd (and model, unless allowCrossModel). */
  add(other: SteeringVector, options: CombineOptions = {}): SteeringVector {
    return this.combine(other, 1, "add", options);
  }

  /** this − other, layer by layer (same requirements as `add`). */
  sub(other: SteeringVector, options: CombineOptions = {}): SteeringVector {
    return this.combine(other, -1, "sub", options);
  }

  /** factor × this. */
  scale(factor: number): SteeringVector {
    assertFiniteNumber("factor", factor);
    return this.map((_, v) => v.map((x) => x * factor), `scale(${factor})`);
  }

  negate(): SteeringVector {
    return this.map((_, v) => v.map((x) => -x));
  }

  /**
   * Every layer rescaled to unit L2 norm.
   * @throws SteerError INVALID_ARGUMENT when a layer's direction is all zeros (it has no direction to keep).
   */
  normalize(): SteeringVector {
    return this.map((layer, v) => {
      const n = l2Norm(v);
      if (n === 0) throw new SteerError(ErrorCodes.INVALID_ARGUMENT, `Cannot normalize the direction of layer ${layer}: it is all zeros`, { layer });
      return v.map((x) => x / n);
    });
  }

  /** L2 norm of one layer's direction (computed in float64). */
  norm(layer: number): number {
    return l2Norm(this.direction(layer));
  }

  /** L2 norm of every layer. */
  norms(): Map<number, number> {
    return new Map(this.layers.map((layer) => [layer, this.norm(layer)]));
  }

  /**
   * Cosine similarity of the two directions at `layer`, in [-1, 1]; 0 when either is all zeros
   * (no direction, so no alignment). Requires equal nEmbd, not equal layer sets.
   */
  cosine(other: SteeringVector, layer: number): number {
    this.assertSameWidth(other);
    const a = this.direction(layer);
    const b = other.direction(layer);
    let dot = 0;
    for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
    const denominator = l2Norm(a) * l2Norm(b);
    return denominator === 0 ? 0 : Math.max(-1, Math.min(1, dot / denominator));
  }

  /** Cosine at every layer both vectors have. */
  cosines(other: SteeringVector): Map<number, number> {
    return new Map(this.layers.filter((l) => other.has(l)).map((l) => [l, this.cosine(other, l)]));
  }

  /** Only the given layers (each must be present), e.g. to align two vectors before `add`. */
  withLayers(layers: readonly number[]): SteeringVector {
    if (!Array.isArray(layers) || layers.length === 0) throw invalidArgument("layers", "a non-empty array of layers", layers);
    const picked = new Map<number, Float32Array>();
    for (const layer of layers) picked.set(layer, this.direction(layer));
    return new SteeringVector(picked, this.meta);
  }

  /**
   * One spec per layer: the direction (copied), with `strength` and `positions` as given. The
   * engine folds strength into the vector, so toSpecs({strength: s}) steers exactly like scale(s).toSpecs().
   */
  toSpecs(options: ToSpecsOptions = {}): SteeringSpec[] {
    if (options === null || typeof options !== "object") throw invalidArgument("options", "an options object", options);
    assertKnownKeys("toSpecs options", options, TO_SPECS_KEYS);
    const strength = options.strength ?? 1;
    assertFiniteNumber("options.strength", strength);
    const positions = options.positions ?? "all";
    const layers = options.layers ?? this.layers;
    if (!Array.isArray(layers)) throw invalidArgument("options.layers", "an array of layers", layers);
    return layers.map((layer) => ({ layer, vector: this.get(layer), strength, positions }));
  }

  /** Largest absolute element-wise difference over all layers; Infinity when layers or nEmbd differ. */
  maxAbsDiff(other: SteeringVector): number {
    if (other.nEmbd !== this.nEmbd || !sameLayers(this.layers, other.layers)) return Infinity;
    let m = 0;
    for (const [layer, a] of this.directions) {
      const b = other.direction(layer);
      for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }

  /** The stored array (never handed out). */
  private direction(layer: number): Float32Array {
    const v = this.directions.get(layer);
    if (v === undefined) {
      throw new SteerError(ErrorCodes.INVALID_ARGUMENT, `The steering vector has no direction for layer ${describeLayer(layer)} (it has layers ${this.layers.join(", ")})`, {
        layer,
        layers: this.layers,
      });
    }
    return v;
  }

  private map(f: (layer: number, v: Float32Array) => Float32Array, what = "the operation"): SteeringVector {
    const out = new Map<number, Float32Array>();
    for (const [layer, v] of this.directions) out.set(layer, assertFiniteResult(f(layer, v), layer, what));
    return new SteeringVector(out, this.meta);
  }

  private combine(other: SteeringVector, sign: 1 | -1, op: string, options: CombineOptions): SteeringVector {
    if (!(other instanceof SteeringVector)) throw invalidArgument("other", "a SteeringVector", other);
    if (options === null || typeof options !== "object") throw invalidArgument("options", "an options object", options);
    assertKnownKeys(`${op} options`, options, ["allowCrossModel"]);
    this.assertSameWidth(other);
    assertSameModel(this.meta.modelFingerprint, other.meta.modelFingerprint, options.allowCrossModel ?? false, `Cannot ${op} steering vectors measured on different models`);
    if (!sameLayers(this.layers, other.layers)) {
      throw new SteerError(
        ErrorCodes.INVALID_ARGUMENT,
        `Cannot ${op} steering vectors with different layers ([${this.layers.join(", ")}] and [${other.layers.join(", ")}]); align them with withLayers() first`,
        { layers: this.layers, otherLayers: other.layers },
      );
    }
    const out = new Map<number, Float32Array>();
    for (const [layer, a] of this.directions) {
      const b = other.direction(layer);
      out.set(layer, assertFiniteResult(a.map((x, i) => x + sign * b[i]), layer, op));
    }
    const method = this.meta.method === other.meta.method ? this.meta.method : "combination";
    // The result belongs to the receiver's model; with allowCrossModel the other fingerprint is dropped on purpose.
    return new SteeringVector(out, { ...this.meta, method, modelFingerprint: this.meta.modelFingerprint ?? other.meta.modelFingerprint });
  }

  private assertSameWidth(other: SteeringVector): void {
    if (!(other instanceof SteeringVector)) throw invalidArgument("other", "a SteeringVector", other);
    if (other.nEmbd !== this.nEmbd) {
      throw new SteerError(ErrorCodes.VECTOR_SIZE, `Cannot combine steering vectors of different widths (nEmbd ${this.nEmbd} and ${other.nEmbd})`, {
        expected: this.nEmbd,
        received: other.nEmbd,
      });
    }
  }
}

/**
 * Throws ASSET_INVALID when both fingerprints are known and differ, unless allowed. An unknown
 * fingerprint (an imported file) cannot be checked and passes.
 */
export function assertSameModel(a: string | undefined, b: string | undefined, allowCrossModel: boolean, what: string): void {
  if (allowCrossModel || a === undefined || b === undefined || a === b) return;
  throw new SteerError(
    ErrorCodes.ASSET_INVALID,
    `${what} (fingerprints ${a} and ${b}); pass {allowCrossModel: true} to allow it`,
    { fingerprint: a, otherFingerprint: b },
  );
}

function assertLayerIndex(name: string, layer: unknown): asserts layer is number {
  if (typeof layer !== "number" || !Number.isInteger(layer)) throw invalidArgument(name, "an integer layer >= 0", layer);
  if (layer < 0) throw invalidArgument(name, "an integer layer >= 0", layer, ErrorCodes.LAYER_OUT_OF_RANGE);
}

function assertFiniteResult(v: Float32Array, layer: number, what: string): Float32Array {
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) {
      throw new SteerError(ErrorCodes.NOT_FINITE, `${what} made element ${i} of layer ${layer} ${v[i]} (outside float32 range)`, { layer, index: i });
    }
  }
  return v;
}

function sameLayers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((l, i) => l === b[i]);
}

function describeLayer(layer: unknown): string {
  return typeof layer === "number" ? String(layer) : JSON.stringify(layer) ?? String(layer);
}
