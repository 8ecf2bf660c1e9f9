/**
 * Rows of captured activations grouped by layer: the input of every vector builder. A row is one
 * token's residual vector (nEmbd values); `rowsFromCapture` turns an engine `CaptureResult` into this
 * shape without copying.
 */
import type { CaptureResult } from "../engine/context.js";
import { ErrorCodes, SteerError, invalidArgument } from "../errors.js";

/** Per layer (l_out convention), the rows captured there. Every row of every layer has the same length. */
export type LayerRows = ReadonlyMap<number, readonly ArrayLike<number>[]>;

/**
 * Splits each selected prompt's packed `rows × nEmbd` matrices into row views, per layer.
 * @param promptIndices which prompts to take, in order. Default: all of them.
 */
export function rowsFromCapture(capture: CaptureResult, promptIndices?: readonly number[]): Map<number, Float32Array[]> {
  const { nEmbd } = capture;
  const indices = promptIndices ?? capture.prompts.map((_, i) => i);
  const out = new Map<number, Float32Array[]>(capture.layers.map((layer) => [layer, []]));
  for (const p of indices) {
    const prompt = capture.prompts[p];
    if (prompt === undefined) throw invalidArgument("promptIndices", `indices below ${capture.prompts.length}`, p);
    for (const [layer, matrix] of prompt.layers) {
      const rows = out.get(layer) ?? [];
      out.set(layer, rows);
      for (let r = 0; r * nEmbd < matrix.length; r++) rows.push(matrix.subarray(r * nEmbd, (r + 1) * nEmbd));
    }
  }
  return out;
}

/**
 * Checks a LayerRows argument (a Map of non-empty row lists of one width, finite values) and
 * returns its width. `name` appears in messages.
 */
export function checkLayerRows(name: string, rows: LayerRows): number {
  if (!(rows instanceof Map) || rows.size === 0) throw invalidArgument(name, "a non-empty Map from layer to rows", rows);
  let width: number | undefined;
  for (const [layer, list] of rows) {
    if (typeof layer !== "number" || !Number.isInteger(layer) || layer < 0) throw invalidArgument(`${name} layer`, "an integer layer >= 0", layer);
    if (!Array.isArray(list) || list.length === 0) throw invalidArgument(`${name} at layer ${layer}`, "a non-empty array of rows", list);
    for (let r = 0; r < list.length; r++) {
      const row = list[r] as ArrayLike<number>;
      if (row === null || typeof row !== "object" || typeof row.length !== "number") throw invalidArgument(`${name} at layer ${layer}, row ${r}`, "an array of numbers", row);
      width ??= row.length;
      if (row.length !== width || width === 0) {
        throw new SteerError(ErrorCodes.VECTOR_SIZE, `Expected every row of ${name} to have length ${width} but row ${r} of layer ${layer} has length ${row.length}`, {
          name,
          layer,
          row: r,
        });
      }
      for (let i = 0; i < row.length; i++) {
        if (typeof row[i] !== "number") throw invalidArgument(`${name} at layer ${layer}, row ${r}`, "numbers only", row[i]);
        if (!Number.isFinite(row[i])) {
          throw new SteerError(ErrorCodes.NOT_FINITE, `Expected finite values in ${name} but row ${r} of layer ${layer} has ${row[i]} at element ${i}`, { name, layer, row: r, index: i });
        }
      }
    }
  }
  return width as number;
}

/** Throws unless both arguments have exactly the same layers. */
export function checkSameLayers(nameA: string, a: LayerRows, nameB: string, b: LayerRows): void {
  const la = [...a.keys()].sort((x, y) => x - y);
  const lb = [...b.keys()].sort((x, y) => x - y);
  if (la.length !== lb.length || la.some((l, i) => l !== lb[i])) {
    throw new SteerError(ErrorCodes.INVALID_ARGUMENT, `${nameA} has layers [${la.join(", ")}] but ${nameB} has layers [${lb.join(", ")}]; they must match`, {
      layers: la,
      otherLayers: lb,
    });
  }
}

/** Mean of rows, accumulated in float64. */
export function meanOfRows(rows: readonly ArrayLike<number>[], width: number): Float64Array {
  const sum = new Float64Array(width);
  for (const row of rows) for (let i = 0; i < width; i++) sum[i] += row[i];
  for (let i = 0; i < width; i++) sum[i] /= rows.length;
  return sum;
}
