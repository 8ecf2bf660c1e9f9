/**
 * The dense row-major float64 matrix every probe works on, and the checks that turn user input
 * (arrays of rows, labels) into it once, at the public edge.
 */
import { ErrorCodes, SteerError, invalidArgument } from "../errors.js";

/** rows × cols, row-major, float64 (the probes accumulate in double precision). */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** Feature rows: an array of equal-length rows (Float32Array captures, number[]) or a Matrix. */
export type RowsLike = readonly ArrayLike<number>[] | Matrix;

/** Binary labels: booleans or 0/1 numbers, one per row. */
export type BinaryLabelsLike = ArrayLike<number> | readonly boolean[];

export function isMatrix(x: unknown): x is Matrix {
  return typeof x === "object" && x !== null && (x as Matrix).data instanceof Float64Array && typeof (x as Matrix).rows === "number";
}

/**
 * Validates rows (at least one, equal lengths, finite numbers) and returns them as a Matrix.
 * Arrays are copied into a new Matrix; a valid Matrix is returned as it is.
 */
export function toMatrix(name: string, x: RowsLike): Matrix {
  if (isMatrix(x)) {
    if (!Number.isInteger(x.rows) || !Number.isInteger(x.cols) || x.rows < 1 || x.cols < 1 || x.data.length !== x.rows * x.cols) {
      throw invalidArgument(name, "a Matrix whose data holds rows × cols values", x);
    }
    assertFinite(name, x.data, x.cols);
    return x;
  }
  if (!Array.isArray(x) || x.length === 0) throw invalidArgument(name, "a non-empty array of rows", x);
  const first = x[0] as ArrayLike<number> | null;
  const cols = typeof first === "object" && first !== null ? first.length : NaN;
  if (!Number.isInteger(cols) || cols < 1) throw invalidArgument(`${name}[0]`, "a non-empty array of numbers", first);
  const data = new Float64Array(x.length * cols);
  for (let r = 0; r < x.length; r++) {
    const row = x[r] as ArrayLike<number> | null;
    if (typeof row !== "object" || row === null || typeof row.length !== "number") throw invalidArgument(`${name}[${r}]`, "an array of numbers", row);
    if (row.length !== cols) {
      throw new SteerError(ErrorCodes.VECTOR_SIZE, `Expected every row of ${name} to have length ${cols} but row ${r} has length ${row.length}`, { name, row: r });
    }
    for (let i = 0; i < cols; i++) {
      if (typeof row[i] !== "number") throw invalidArgument(`${name}[${r}][${i}]`, "a number", row[i]);
      data[r * cols + i] = row[i];
    }
  }
  assertFinite(name, data, cols);
  return { rows: x.length, cols, data };
}

/** Labels as 0/1 bytes, one per row. */
export function toBinaryLabels(name: string, y: BinaryLabelsLike, rows: number): Uint8Array {
  if (y === null || typeof y !== "object" || typeof (y as ArrayLike<unknown>).length !== "number") throw invalidArgument(name, "an array of 0/1 or boolean labels", y);
  const values = y as ArrayLike<unknown>;
  if (values.length !== rows) throw invalidArgument(name, `${rows} labels (one per row)`, y);
  const out = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    const v = values[i];
    if (v === true || v === 1) out[i] = 1;
    else if (v !== false && v !== 0) throw invalidArgument(`${name}[${i}]`, "0, 1, true or false", v);
  }
  return out;
}

/** Throws unless both classes are present; returns [negatives, positives]. */
export function classCounts(name: string, labels: Uint8Array): [number, number] {
  let positives = 0;
  for (const v of labels) positives += v;
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) {
    throw new SteerError(ErrorCodes.INVALID_ARGUMENT, `${name} needs both classes but has ${positives} positive and ${negatives} negative labels`, { positives, negatives });
  }
  return [negatives, positives];
}

/** The selected rows, copied into a new Matrix. */
export function selectRows(m: Matrix, indices: ArrayLike<number>): Matrix {
  const data = new Float64Array(indices.length * m.cols);
  for (let k = 0; k < indices.length; k++) data.set(m.data.subarray(indices[k] * m.cols, (indices[k] + 1) * m.cols), k * m.cols);
  return { rows: indices.length, cols: m.cols, data };
}

/** A view of one row. */
export function matrixRow(m: Matrix, r: number): Float64Array {
  return m.data.subarray(r * m.cols, (r + 1) * m.cols);
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>, n = a.length): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

/** Validates a single row for prediction: `cols` finite numbers. */
export function checkRow(name: string, row: ArrayLike<number>, cols: number): void {
  if (row === null || typeof row !== "object" || typeof row.length !== "number") throw invalidArgument(name, `an array of ${cols} numbers`, row);
  if (row.length !== cols) throw new SteerError(ErrorCodes.VECTOR_SIZE, `Expected ${name} to have length ${cols} but received length ${row.length}`, { name, expected: cols, received: row.length });
  for (let i = 0; i < cols; i++) {
    if (typeof row[i] !== "number" || !Number.isFinite(row[i])) {
      throw new SteerError(ErrorCodes.NOT_FINITE, `Expected finite numbers in ${name} but element ${i} is ${String(row[i])}`, { name, index: i });
    }
  }
}

function assertFinite(name: string, data: Float64Array, cols: number): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new SteerError(ErrorCodes.NOT_FINITE, `Expected finite values in ${name} but row ${Math.floor(i / cols)} has ${data[i]} at element ${i % cols}`, { name, index: i });
    }
  }
}
