/**
 * The `steering` extension field of a chat request, validated. It picks the ASA asset (or turns ASA off), may
 * override α and τ, and may add vectors: ones loaded at start by name, or inline `{layer, vector}` specs.
 *
 *   "steering": false                                   no steering at all for this request
 *   "steering": {"asset": "asa", "alpha": 4, "tau": 0.7}
 *   "steering": {"asset": false, "vectors": [{"name": "formal", "strength": 2}, {"layer": 3, "vector": [...]}]}
 */
import { HttpError, badParam } from "./errors.js";

export const STEERING_POSITIONS = ["all", "prompt", "generated", "last-prompt"] as const;
export type SteeringPosition = (typeof STEERING_POSITIONS)[number];
/** Most extra vectors one request may add. */
export const MAX_REQUEST_VECTORS = 8;

export type VectorRequest =
  | { name: string; strength: number; positions: SteeringPosition }
  | { layer: number; vector: number[]; strength: number; positions: SteeringPosition };

export interface SteeringRequest {
  /** false: no ASA for this request; a name: that asset; undefined: the server's default asset. */
  asset: string | false | undefined;
  alpha: number | undefined;
  tau: number | undefined;
  vectors: VectorRequest[];
}

const KEYS = new Set(["asset", "alpha", "tau", "vectors"]);
const VECTOR_KEYS = new Set(["name", "layer", "vector", "strength", "positions"]);

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

export function readSteeringRequest(value: unknown): SteeringRequest | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === false) return { asset: false, alpha: undefined, tau: undefined, vectors: [] };
  if (!isObject(value)) throw badParam("steering", "false or an object {asset?, alpha?, tau?, vectors?}", value);
  for (const key of Object.keys(value)) if (!KEYS.has(key)) throw new HttpError(400, `Unrecognized field steering.${key} (known: ${[...KEYS].join(", ")})`, "invalid_request_error", `steering.${key}`, "unknown_parameter");
  const asset = value.asset;
  if (asset !== undefined && asset !== false && (typeof asset !== "string" || asset.length === 0)) throw badParam("steering.asset", "the name of a loaded asset, or false", asset);
  const alpha = value.alpha;
  if (alpha !== undefined && (typeof alpha !== "number" || !Number.isFinite(alpha) || Math.abs(alpha) > 1000)) throw badParam("steering.alpha", "a finite number from -1000 to 1000", alpha);
  const tau = value.tau;
  if (tau !== undefined && (typeof tau !== "number" || !(tau >= 0.5 && tau <= 1))) throw badParam("steering.tau", "a number from 0.5 to 1", tau);
  if ((alpha !== undefined || tau !== undefined) && asset === false) throw new HttpError(400, "steering.alpha and steering.tau tune the ASA asset, which steering.asset: false turns off", "invalid_request_error", "steering.asset");
  return { asset: asset as string | false | undefined, alpha: alpha as number | undefined, tau: tau as number | undefined, vectors: readVectors(value.vectors) };
}

function readVectors(value: unknown): VectorRequest[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > MAX_REQUEST_VECTORS) throw badParam("steering.vectors", `an array of at most ${MAX_REQUEST_VECTORS} vectors`, value);
  return value.map((v: unknown, i) => {
    const where = `steering.vectors[${i}]`;
    if (!isObject(v)) throw badParam(where, "an object {name} or {layer, vector}, with strength? and positions?", v);
    for (const key of Object.keys(v)) if (!VECTOR_KEYS.has(key)) throw new HttpError(400, `Unrecognized field ${where}.${key}`, "invalid_request_error", `${where}.${key}`, "unknown_parameter");
    const strength = v.strength ?? 1;
    if (typeof strength !== "number" || !Number.isFinite(strength) || Math.abs(strength) > 1000) throw badParam(`${where}.strength`, "a finite number from -1000 to 1000", v.strength);
    const positions = v.positions ?? "all";
    if (typeof positions !== "string" || !(STEERING_POSITIONS as readonly string[]).includes(positions)) throw badParam(`${where}.positions`, STEERING_POSITIONS.map((p) => `"${p}"`).join(", "), v.positions);
    const pos = positions as SteeringPosition;
    if (v.name !== undefined) {
      if (typeof v.name !== "string" || v.name.length === 0) throw badParam(`${where}.name`, "the name of a vector loaded at start", v.name);
      if (v.layer !== undefined || v.vector !== undefined) throw new HttpError(400, `${where} gives a name and an inline vector; give one`, "invalid_request_error", where);
      return { name: v.name, strength, positions: pos };
    }
    if (typeof v.layer !== "number" || !Number.isInteger(v.layer)) throw badParam(`${where}.layer`, "an integer layer", v.layer);
    if (!Array.isArray(v.vector) || !v.vector.every((x) => typeof x === "number" && Number.isFinite(x))) throw badParam(`${where}.vector`, "an array of finite numbers (one per embedding dimension)", v.vector);
    return { layer: v.layer, vector: v.vector as number[], strength, positions: pos };
  });
}
