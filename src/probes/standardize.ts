/**
 * Per-feature standardisation: (x − mean) / scale, fitted on training rows only. Residual-stream
 * features differ in scale by orders of magnitude (a few "massive activation" dimensions), and an
 * L2 penalty only means the same thing for every feature after this step.
 */
import { checkRow, toMatrix, type Matrix, type RowsLike } from "./matrix.js";

export interface Standardizer {
  readonly mean: Float64Array;
  /** Population standard deviation per feature; 1 where a feature is constant (see fitStandardizer). */
  readonly scale: Float64Array;
}

/**
 * Fits mean and population standard deviation per feature. A feature whose deviation is 0, or below
 * 1e-12 × (1 + |mean|) (float noise on a constant), gets scale 1: it standardises to 0 instead of
 * dividing by zero, so it carries no weight and no NaN.
 */
export function fitStandardizer(x: RowsLike): Standardizer {
  const m = toMatrix("rows", x);
  const mean = new Float64Array(m.cols);
  for (let r = 0; r < m.rows; r++) for (let i = 0; i < m.cols; i++) mean[i] += m.data[r * m.cols + i];
  for (let i = 0; i < m.cols; i++) mean[i] /= m.rows;
  const variance = new Float64Array(m.cols);
  for (let r = 0; r < m.rows; r++) {
    for (let i = 0; i < m.cols; i++) {
      const d = m.data[r * m.cols + i] - mean[i];
      variance[i] += d * d;
    }
  }
  const scale = variance.map((v, i) => {
    const std = Math.sqrt(v / m.rows);
    return std <= 1e-12 * (1 + Math.abs(mean[i])) ? 1 : std;
  });
  return { mean, scale };
}

/** Standardised copy of the rows. */
export function standardizeRows(s: Standardizer, x: RowsLike): Matrix {
  const m = toMatrix("rows", x);
  checkRow("a row", m.data.subarray(0, m.cols), s.mean.length);
  const data = new Float64Array(m.data.length);
  for (let r = 0; r < m.rows; r++) {
    for (let i = 0; i < m.cols; i++) data[r * m.cols + i] = (m.data[r * m.cols + i] - s.mean[i]) / s.scale[i];
  }
  return { rows: m.rows, cols: m.cols, data };
}

/** One standardised row. */
export function standardizeRow(s: Standardizer, row: ArrayLike<number>): Float64Array {
  checkRow("row", row, s.mean.length);
  const out = new Float64Array(row.length);
  for (let i = 0; i < row.length; i++) out[i] = (row[i] - s.mean[i]) / s.scale[i];
  return out;
}
