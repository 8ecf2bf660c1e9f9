/** Datasets: the JSONL format, loading with validation, deterministic splits, fingerprints, statistics, built-ins. */
export type { ChatMessage, ChatRole, MessageToolCall, DatasetIssue, DatasetSample, ExpectedCall, FunctionTool, JsonSchema, Split, SplitFractions } from "./types.js";
export { DEFAULT_SPLIT_FRACTIONS, SPLITS } from "./types.js";
export { loadDataset, parseDataset, resolveDatasetPath, type LoadDatasetOptions, type ParseDatasetOptions } from "./load.js";
export { assignSplits, splitOf, stratumOf } from "./splits.js";
export { canonicalJson, datasetHash } from "./fingerprint.js";
export { datasetStats, findNearDuplicatePairs, userText, type DatasetStats, type NearDuplicateOptions } from "./stats.js";
export { BUILT_IN_DATASETS, builtInDatasetNames, builtInDatasetPath, isBuiltInDatasetName, type BuiltInDatasetName } from "./builtin.js";
export { packageRoot } from "../util/packageRoot.js";
export { importBenchmark, importBenchmarkFile, samplesToJsonl, IMPORT_KINDS, type ImportKind, type ImportOptions, type ImportFileOptions } from "./import/index.js";
