/**
 * Public model API: list the known models, fetch one into the cache, or turn "a name or a path" into a path.
 *
 * Cache folder: `$LLAMA_STEER_CACHE` when set, else `~/.cache/llama-steer/models`. Files there are named as in the
 * manifest; `<file>.verified` records a completed checksum and `<file>.lock` is held while a fetch runs.
 */
import { stat } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { ErrorCodes, SteerError, invalidArgument } from "../errors.js";
import { assertKnownKeys, assertOptionalAbortSignal, assertString } from "../util/validate.js";
import { fetchManifestEntry, type FetchedModel, type FetchModelOptions } from "./fetch.js";
import { defaultManifestEntry, findManifestEntry, loadBundledManifest, type ModelManifestEntry } from "./manifest.js";

export { CACHE_DIR_ENV, defaultModelCacheDir } from "./cache.js";
export { PYTHON_ENV } from "./backends.js";
export type { FetchBackends, WheelRequest } from "./backends.js";
export type { FetchedModel, FetchModelOptions, SourceAttempt } from "./fetch.js";
export type { FetchPhase, FetchProgress } from "./sources.js";
export type {
  ChatTemplateInfo,
  HuggingFaceSource,
  ModelManifestEntry,
  ModelSource,
  PypiChunksSource,
  PypiSource,
  PypiWheelPart,
} from "./manifest.js";

const FETCH_OPTION_KEYS = ["cacheDir", "signal", "onProgress"] as const;

/** Every model in the bundled manifest, the default one marked `default: true`. */
export function listModels(): readonly ModelManifestEntry[] {
  return loadBundledManifest().models;
}

/** The name `fetchModel()` uses when called without one. */
export function defaultModelName(): string {
  return defaultManifestEntry(loadBundledManifest()).name;
}

/**
 * Makes sure the model `name` (default: the manifest's default model) is in the cache with the right sha256 and
 * returns its path. Throws `UNKNOWN_MODEL` for a name not in the manifest, `FETCH_FAILED` (listing every source
 * tried) when no source delivers the file, and `ABORTED` when `signal` fires.
 */
export async function fetchModel(name?: string, options: FetchModelOptions = {}): Promise<FetchedModel> {
  if (name !== undefined) assertString("name", name, { nonEmpty: true });
  validateFetchOptions(options);
  return fetchManifestEntry(lookUpModel(name ?? defaultModelName()), options);
}

/**
 * Accepts either a path to an existing file (returned as an absolute path, untouched) or a manifest model name
 * (fetched if needed). A path-like argument that does not exist fails with `MODEL_NOT_FOUND`; a bare word that is
 * not a model name fails with `UNKNOWN_MODEL`, listing the known names.
 */
export async function resolveModelPath(nameOrPath: string, options: FetchModelOptions = {}): Promise<string> {
  assertString("nameOrPath", nameOrPath, { nonEmpty: true });
  validateFetchOptions(options);
  const fileState = await statKind(nameOrPath);
  if (fileState === "file") return resolve(nameOrPath);
  if (fileState === "directory") {
    throw new SteerError(ErrorCodes.MODEL_NOT_FOUND, `Expected a GGUF file but "${nameOrPath}" is a directory`, { path: nameOrPath });
  }
  if (findManifestEntry(loadBundledManifest(), nameOrPath) !== undefined) return (await fetchModel(nameOrPath, options)).path;
  if (looksLikePath(nameOrPath)) {
    throw new SteerError(ErrorCodes.MODEL_NOT_FOUND, `No model file at "${resolve(nameOrPath)}"`, { path: nameOrPath });
  }
  throw unknownModelError(nameOrPath);
}

function lookUpModel(name: string): ModelManifestEntry {
  const entry = findManifestEntry(loadBundledManifest(), name);
  if (entry === undefined) throw unknownModelError(name);
  return entry;
}

function unknownModelError(name: string): SteerError {
  const known = listModels().map((model) => model.name);
  return new SteerError(ErrorCodes.UNKNOWN_MODEL, `Unknown model "${name}"; known models: ${known.join(", ")}`, { name, known });
}

function validateFetchOptions(options: unknown): asserts options is FetchModelOptions {
  if (typeof options !== "object" || options === null) throw invalidArgument("options", "an options object", options);
  assertKnownKeys("fetch options", options, FETCH_OPTION_KEYS);
  const { cacheDir, signal, onProgress } = options as Record<string, unknown>;
  if (cacheDir !== undefined) assertString("options.cacheDir", cacheDir, { nonEmpty: true });
  assertOptionalAbortSignal("options.signal", signal);
  if (onProgress !== undefined && typeof onProgress !== "function") throw invalidArgument("options.onProgress", "a function", onProgress);
}

async function statKind(path: string): Promise<"file" | "directory" | "missing"> {
  try {
    const info = await stat(path);
    return info.isDirectory() ? "directory" : "file";
  } catch {
    return "missing";
  }
}

function looksLikePath(text: string): boolean {
  return isAbsolute(text) || /[\\/]/.test(text) || text.toLowerCase().endsWith(".gguf");
}
