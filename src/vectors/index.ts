/** Steering vectors: the immutable value, builders from captured rows, and the applicability check. */
export {
  SteeringVector,
  assertSameModel,
  type CombineOptions,
  type DirectionsInput,
  type LayerConvention,
  type SteeringVectorMeta,
  type SteeringVectorMetaInput,
  type ToSpecsOptions,
} from "./steeringVector.js";
export { checkLayerRows, rowsFromCapture, type LayerRows } from "./rows.js";
export { classMeans, meanDifference, modelDiff, normMatched, randomLike, switchVector, type BuildOptions, type ReferenceNorm } from "./builders.js";
export { firstPrincipalComponent, pairedDifferences, pcaDirection, type PrincipalComponent, type PrincipalComponentOptions } from "./pca.js";
export { outputRowByteRange, readOutputRow, unembeddingDirection, type Dequantize, type UnembeddingOptions } from "./unembedding.js";
export { assertApplicable, type ModelShape } from "./applicable.js";
