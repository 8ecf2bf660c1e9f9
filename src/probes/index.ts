/** Probes and readouts: standardisation, logistic probe, AUC and cross-validation, softmax router, cosine readout. */
export { toMatrix, toBinaryLabels, type BinaryLabelsLike, type Matrix, type RowsLike } from "./matrix.js";
export { fitStandardizer, standardizeRow, standardizeRows, type Standardizer } from "./standardize.js";
export { minimizeLbfgs, type LbfgsOptions, type LbfgsResult, type Objective } from "./lbfgs.js";
export {
  fitLogisticProbe,
  logisticFitter,
  predictProba,
  predictProbaRows,
  probeLogit,
  sigmoid,
  type BinaryFitter,
  type FitInfo,
  type LinearProbe,
  type LogisticOptions,
  type Scorer,
} from "./logistic.js";
export { rocAuc } from "./auc.js";
export { crossValidatedAuc, seededPermutation, stratifiedFolds, type CrossValidationOptions, type CrossValidationResult } from "./crossValidation.js";
export { fitSoftmaxRouter, route, routerAccuracy, routerProbabilities, type RouteResult, type RouterOptions, type SoftmaxRouter } from "./router.js";
export { cosineReadout, meanOfMeans, meansAtLayer, type CosineReadout, type CosineReadoutOptions } from "./readout.js";
