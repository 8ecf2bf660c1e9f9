/**
 * Unembedding directions: the output-layer row of a token (the direction the final residual must
 * point along for that token to win), used as a steering vector at matched magnitude.
 */
import { ErrorCodes, SteerError, invalidArgument } from "../errors.js";
import { referenceNormAt, scaledTo, type BuildOptions, type ReferenceNorm } from "./builders.js";
import { SteeringVector } from "./steeringVector.js";

// Reading the row from the model file is the GGUF reader's business; re-exported for the vectors API.
export { outputRowByteRange, readOutputRow, type Dequantize } from "../gguf/outputRow.js";

export interface UnembeddingOptions extends BuildOptions {
  /** The layers to steer; required when targetNorm is a number or a Map. Default: the layers of targetNorm when it is a SteeringVector. */
  layers?: readonly number[];
  /** Free text kept as the vector's source, e.g. 'first token of "get_weather"'. */
  source?: string;
}

/**
 * The unit vector along `row` (one row of the output matrix) scaled, per layer, to the target norm:
 * a number, a Map layer → norm, or a SteeringVector whose per-layer norms (and layers) are matched,
 * e.g. the switch vector it is compared with.
 */
export function unembeddingDirection(row: Float32Array, targetNorm: ReferenceNorm, options: UnembeddingOptions = {}): SteeringVector {
  if (!(row instanceof Float32Array) || row.length === 0) throw invalidArgument("row", "a non-empty Float32Array (a row of the output matrix)", row);
  for (let i = 0; i < row.length; i++) {
    if (!Number.isFinite(row[i])) throw new SteerError(ErrorCodes.NOT_FINITE, `Expected finite values in row but element ${i} is ${row[i]}`, { index: i });
  }
  if (row.every((x) => x === 0)) throw new SteerError(ErrorCodes.INVALID_ARGUMENT, "The output row is all zeros: it has no direction");
  if (options === null || typeof options !== "object") throw invalidArgument("options", "an options object", options);
  const layers = options.layers ?? (targetNorm instanceof SteeringVector ? targetNorm.layers : undefined);
  if (!Array.isArray(layers) || layers.length === 0) throw invalidArgument("options.layers", "a non-empty array of layers (required unless targetNorm is a SteeringVector)", layers);
  if (targetNorm instanceof SteeringVector && targetNorm.nEmbd !== row.length) {
    throw new SteerError(ErrorCodes.VECTOR_SIZE, `The output row has ${row.length} values but the reference vector has nEmbd ${targetNorm.nEmbd}`, {
      expected: targetNorm.nEmbd,
      received: row.length,
    });
  }
  const fingerprint = options.modelFingerprint ?? (targetNorm instanceof SteeringVector ? targetNorm.meta.modelFingerprint : undefined);
  const directions = new Map(layers.map((layer) => [layer, scaledTo(row, referenceNormAt(targetNorm, layer))] as const));
  return SteeringVector.create(directions, { modelFingerprint: fingerprint, nEmbd: row.length, method: "unembed", source: options.source });
}

