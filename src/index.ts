/** llama-steer: read and steer the residual stream of GGUF models through llama.cpp. */
export { ErrorCodes, SteerError, isSteerError, type ErrorCode } from "./errors.js";
export { backendReport } from "./engine/binding.js";
export type { BackendReport, BinariesPackage, GpuAttempt, GpuOption, GpuType } from "./engine/backends.js";
export { loadModel, SteerModel, type LoadModelOptions, type ModelInfo, type TokenizeOptions } from "./engine/model.js";
export {
  SteerContext,
  type CaptureOptions,
  type CaptureResult,
  type CapturedPrompt,
  type ContextOptions,
  type EvaluateOptions,
  type EvaluateResult,
  type GenerateOptions,
  type GenerateItem,
  type GenerateBatchOptions,
  type SamplingOptions,
  type PromptInput,
  type TokenLogProb,
} from "./engine/context.js";
export type { GenerateResult, StopReason } from "./engine/generate.js";
export type { CapturePositions } from "./engine/positions.js";
export type { SteeringPositions, SteeringSpec, VectorLike } from "./engine/steering.js";
export { runDoctor, type DoctorOptions, type DoctorReport } from "./doctor/doctor.js";
export type { CheckResult } from "./doctor/checks.js";
export { syntheticModelPath, writeSyntheticModel, type SyntheticArchitecture } from "./synthetic/index.js";
export * from "./formats/index.js";
export * as data from "./data/index.js";
export { readGgufHeader, readGgufTensor } from "./gguf/reader.js";
export * as vectors from "./vectors/index.js";
export * as probes from "./probes/index.js";
export * as assets from "./assets/index.js";
export { fetchModel, listModels, defaultModelName, resolveModelPath } from "./models/index.js";
export { startServer, defaultServeFormat, type ServeOptions, type SteerServer } from "./server/index.js";
