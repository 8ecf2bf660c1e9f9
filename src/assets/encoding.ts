/**
 * JSON field readers for asset files: each check names the field path ("vectors.domains.math.layers.3")
 * and what was wrong, and every failure is one ASSET_INVALID (NOT_FINITE for NaN/Infinity) SteerError.
 * Numeric arrays travel as base64 of little-endian float32 or float64, tagged with dtype and length.
 */
import { ErrorCodes, SteerError } from "../errors.js";

export type Dtype = "f32" | "f64";

/** How a numeric array is stored in JSON. */
export interface EncodedArray {
  dtype: Dtype;
  length: number;
  base64: string;
}

export function encodeArray(values: Float32Array | Float64Array): EncodedArray {
  const dtype: Dtype = values instanceof Float32Array ? "f32" : "f64";
  const bytes = Buffer.alloc(values.length * values.BYTES_PER_ELEMENT);
  values.forEach((v, i) => (dtype === "f32" ? bytes.writeFloatLE(v, i * 4) : bytes.writeDoubleLE(v, i * 8)));
  return { dtype, length: values.length, base64: bytes.toString("base64") };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Reads fields of untrusted JSON with the file name and field path in every error. */
export class FieldReader {
  constructor(private readonly file: string) {}

  fail(field: string, problem: string, code: typeof ErrorCodes.ASSET_INVALID | typeof ErrorCodes.NOT_FINITE = ErrorCodes.ASSET_INVALID): SteerError {
    return new SteerError(code, `${this.file} is not a valid steering asset: ${field} ${problem}`, { path: this.file, field });
  }

  object(field: string, value: unknown): Record<string, unknown> {
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw this.fail(field, `must be an object but is ${kind(value)}`);
    return value as Record<string, unknown>;
  }

  /** Rejects keys outside `known` (a typo in a hand-edited file must not be silently ignored). */
  onlyKeys(field: string, value: Record<string, unknown>, known: readonly string[]): void {
    const extra = Object.keys(value).filter((k) => !known.includes(k));
    if (extra.length > 0) throw this.fail(field, `has unknown keys ${extra.map((k) => JSON.stringify(k)).join(", ")} (known: ${known.join(", ")})`);
  }

  string(field: string, value: unknown, { nonEmpty = true } = {}): string {
    if (typeof value !== "string" || (nonEmpty && value.length === 0)) throw this.fail(field, `must be a ${nonEmpty ? "non-empty " : ""}string but is ${kind(value)}`);
    return value;
  }

  optionalString(field: string, value: unknown): string | undefined {
    return value === undefined ? undefined : this.string(field, value, { nonEmpty: false });
  }

  integer(field: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      throw this.fail(field, `must be an integer between ${min} and ${max} but is ${kind(value)}`);
    }
    return value;
  }

  finite(field: string, value: unknown, min = -Infinity, max = Infinity): number {
    if (typeof value !== "number") throw this.fail(field, `must be a number but is ${kind(value)}`);
    if (!Number.isFinite(value)) throw this.fail(field, `must be finite but is ${value}`, ErrorCodes.NOT_FINITE);
    if (value < min || value > max) throw this.fail(field, `must be between ${min} and ${max} but is ${value}`);
    return value;
  }

  /** Distinct non-empty strings. */
  names(field: string, value: unknown): string[] {
    if (!Array.isArray(value)) throw this.fail(field, `must be an array of names but is ${kind(value)}`);
    value.forEach((v, i) => this.string(`${field}[${i}]`, v));
    const seen = new Set<string>();
    for (const v of value as string[]) {
      if (seen.has(v)) throw this.fail(field, `lists ${JSON.stringify(v)} twice`);
      seen.add(v);
    }
    return value as string[];
  }

  /** A stored numeric array of the expected dtype and length, decoded and checked finite. */
  array(field: string, value: unknown, dtype: "f32", length: number): Float32Array;
  array(field: string, value: unknown, dtype: "f64", length: number): Float64Array;
  array(field: string, value: unknown, dtype: Dtype, length: number): Float32Array | Float64Array {
    const o = this.object(field, value);
    this.onlyKeys(field, o, ["dtype", "length", "base64"]);
    if (o.dtype !== dtype) throw this.fail(`${field}.dtype`, `must be "${dtype}" but is ${kind(o.dtype)}`);
    if (o.length !== length) throw this.fail(`${field}.length`, `must be ${length} but is ${kind(o.length)}`);
    const text = this.string(`${field}.base64`, o.base64, { nonEmpty: false });
    if (!BASE64.test(text)) throw this.fail(`${field}.base64`, "is not canonical base64");
    const bytes = Buffer.from(text, "base64");
    const width = dtype === "f32" ? 4 : 8;
    if (bytes.length !== length * width) throw this.fail(`${field}.base64`, `decodes to ${bytes.length} bytes but ${length} ${dtype} values need ${length * width}`);
    const out = dtype === "f32" ? new Float32Array(length) : new Float64Array(length);
    for (let i = 0; i < length; i++) {
      const v = dtype === "f32" ? bytes.readFloatLE(i * 4) : bytes.readDoubleLE(i * 8);
      if (!Number.isFinite(v)) throw this.fail(field, `holds ${v} at element ${i}`, ErrorCodes.NOT_FINITE);
      out[i] = v;
    }
    return out;
  }
}

/** A short description of a JSON value for messages. */
export function kind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return value === undefined ? "missing" : `of type ${typeof value}`;
}
