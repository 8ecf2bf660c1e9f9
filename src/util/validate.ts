/** Tiny validation predicates for the public edge. Each throws through `invalidArgument`. */
import { ErrorCodes, SteerError, invalidArgument } from "../errors.js";

export function assertInteger(name: string, value: unknown, min = -Infinity, max = Infinity): asserts value is number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range = min === -Infinity && max === Infinity ? "an integer" : max === Infinity ? `an integer >= ${min}` : `an integer between ${min} and ${max}`;
    throw invalidArgument(name, range, value);
  }
}

export function assertFiniteNumber(name: string, value: unknown, min = -Infinity, max = Infinity): asserts value is number {
  if (typeof value !== "number") throw invalidArgument(name, "a finite number", value);
  if (!Number.isFinite(value)) throw invalidArgument(name, "a finite number", value, ErrorCodes.NOT_FINITE);
  if (value < min || value > max) throw invalidArgument(name, `a number between ${min} and ${max}`, value);
}

export function assertString(name: string, value: unknown, { nonEmpty = false } = {}): asserts value is string {
  if (typeof value !== "string" || (nonEmpty && value.length === 0)) throw invalidArgument(name, nonEmpty ? "a non-empty string" : "a string", value);
}

export function assertBoolean(name: string, value: unknown): asserts value is boolean {
  if (typeof value !== "boolean") throw invalidArgument(name, "a boolean", value);
}

export function assertOptionalAbortSignal(name: string, value: unknown): asserts value is AbortSignal | undefined {
  if (value !== undefined && !(value instanceof AbortSignal)) throw invalidArgument(name, "an AbortSignal", value);
}

/**
 * Accepts a Float32Array, Float64Array or number[] of `size` finite values and returns a fresh Float32Array copy
 * (callers may mutate their input afterwards without affecting us).
 */
export function toFiniteVector(name: string, value: unknown, size: number): Float32Array {
  const ok = value instanceof Float32Array || value instanceof Float64Array || (Array.isArray(value) && value.every((x) => typeof x === "number"));
  if (!ok) throw invalidArgument(name, `a Float32Array or number[] of length ${size}`, value);
  const arr = value as ArrayLike<number>;
  if (arr.length !== size) {
    throw new SteerError(ErrorCodes.VECTOR_SIZE, `Expected ${name} to have length ${size} (the model's embedding size) but received length ${arr.length}`, {
      name,
      expected: size,
      received: arr.length,
    });
  }
  const out = Float32Array.from(arr);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) {
      throw new SteerError(ErrorCodes.NOT_FINITE, `Expected finite values in ${name} but element ${i} is ${arr[i]}`, { name, index: i });
    }
  }
  return out;
}

/** Rejects option keys we do not know, suggesting the closest known one ("strenght" -> "strength"). */
export function assertKnownKeys(name: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const suggestion = closest(key, known);
    throw new SteerError(
      ErrorCodes.INVALID_ARGUMENT,
      `Unknown option "${key}" in ${name}${suggestion ? ` (did you mean "${suggestion}"?)` : ""}; known options: ${known.join(", ")}`,
      { name, key },
    );
  }
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  return bestDist <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}
