/** The check a vector passes before it steers a model: same width, layers inside the model, same model. */
import { ErrorCodes, SteerError, invalidArgument } from "../errors.js";
import type { ModelInfo } from "../engine/model.js";
import { assertKnownKeys } from "../util/validate.js";
import { SteeringVector, assertSameModel, type CombineOptions } from "./steeringVector.js";

/** The facts about a model the check needs (a full `ModelInfo` will do). */
export type ModelShape = Pick<ModelInfo, "fingerprint" | "nLayer" | "nEmbd">;

/**
 * Throws unless `vector` can steer the model:
 * - VECTOR_SIZE when nEmbd differs (never waived: the addition is meaningless);
 * - LAYER_OUT_OF_RANGE when a layer is >= nLayer;
 * - ASSET_INVALID when both fingerprints are known and differ, unless `allowCrossModel` (an
 *   imported vector with no fingerprint passes: there is nothing to compare).
 */
export function assertApplicable(vector: SteeringVector, modelInfo: ModelShape, options: CombineOptions = {}): void {
  if (!(vector instanceof SteeringVector)) throw invalidArgument("vector", "a SteeringVector", vector);
  if (modelInfo === null || typeof modelInfo !== "object") throw invalidArgument("modelInfo", "a ModelInfo", modelInfo);
  if (options === null || typeof options !== "object") throw invalidArgument("options", "an options object", options);
  assertKnownKeys("assertApplicable options", options, ["allowCrossModel"]);
  if (vector.nEmbd !== modelInfo.nEmbd) {
    throw new SteerError(ErrorCodes.VECTOR_SIZE, `The steering vector has nEmbd ${vector.nEmbd} but the model has nEmbd ${modelInfo.nEmbd}`, {
      expected: modelInfo.nEmbd,
      received: vector.nEmbd,
    });
  }
  const outside = vector.layers.filter((layer) => layer >= modelInfo.nLayer);
  if (outside.length > 0) {
    throw new SteerError(
      ErrorCodes.LAYER_OUT_OF_RANGE,
      `The steering vector has layers ${outside.join(", ")} but the model has ${modelInfo.nLayer} layers (0 to ${modelInfo.nLayer - 1})`,
      { layers: outside, nLayer: modelInfo.nLayer },
    );
  }
  assertSameModel(vector.meta.modelFingerprint, modelInfo.fingerprint, options.allowCrossModel ?? false, "The steering vector was measured on a different model than this one");
}
