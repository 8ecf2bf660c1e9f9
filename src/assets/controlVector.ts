/**
 * Control-vector GGUF files, the format llama.cpp loads with `--control-vector`:
 * `general.architecture = "controlvector"`, `controlvector.model_hint` (the model's architecture
 * string), `controlvector.layer_count`, and one 1-D F32 tensor `direction.N` (N >= 1) per layer.
 *
 * Which layer a file's direction.N steers — read from the llama.cpp llama-steer builds against
 * (node-llama-cpp 3.22.1's bundle):
 * - common/common.cpp, common_control_vector_load_one: parses N from the tensor name, rejects N <= 0,
 *   non-F32 and non-1-D tensors and any name not starting with "direction.", and copies direction.N
 *   (times its strength; tensors that parse to the same N are summed) to offset (N − 1)·n_embd of
 *   one flat buffer. common_init_from_params then passes that buffer to llama_set_adapter_cvec with
 *   layers 1 .. n_layer by default.
 * - src/llama-adapter.cpp, llama_adapter_cvec::apply: copies offset (il − 1)·n_embd into the tensor of
 *   layer il, for il = 1 .. n_layer − 1 (no tensor exists for layer 0; data past that is ignored).
 *   llama_adapter_cvec::apply_to adds it in build_cvec(cur, il), which every model graph calls right
 *   before naming the node "l_out" for layer il (e.g. src/models/llama.cpp).
 *   So: direction.N is added to l_out-N, which is OUR layer N. Our layer 0 cannot be expressed, and
 *   direction.N with N >= n_layer is silently ignored by llama.cpp.
 * - tools/cvector-generator/cvector-generator.cpp: its eval callback keeps every "l_out" node whose
 *   row count equals the prompt's tokens, i.e. l_out-0 .. l_out-(n_layer − 2) (the last block's node
 *   only holds the output rows and is skipped), and mean.hpp / pca.hpp name the vector computed from
 *   l_out-i "direction.(i+1)". Loaded back into llama.cpp, that vector is therefore added one layer
 *   LATER than where it was measured: at l_out-(i+1). That off-by-one is llama.cpp's own behaviour.
 *   (mean.hpp also normalises each direction to unit length; pca.hpp's sign is arbitrary.)
 * - repeng (vgel/repeng, extract.py, read but not run here): ControlVector.export_gguf writes
 *   `direction.{layer}` keyed by the 0-based index of the decoder block whose output it read
 *   (hidden_states[layer + 1]) and whose output its ControlModel steers, i.e. l_out-layer. Under the
 *   llama.cpp convention below such a file lands on the layer it was measured and meant for. Caveats:
 *   repeng documents the export as work in progress, writes layer_count as uint32 (cvector-generator
 *   writes int32), its top layer was read after the final norm in Hugging Face models, and older
 *   repeng versions may have keyed layers differently — we have not verified those.
 *
 * Conventions of this module (import and export are inverses under the same convention):
 * - "llama.cpp" (default): direction.N ↔ our layer N — where llama.cpp adds it. What a file does
 *   when loaded by llama.cpp, right for repeng files and for files this module writes.
 * - "l_out": direction.N ↔ our layer N − 1 — the l_out it was measured at under cvector-generator's
 *   naming. Use it to analyse a cvector-generator file at the layer its data came from, or to write
 *   a file named the way cvector-generator would name it.
 */
import { readFile } from "node:fs/promises";

import { ErrorCodes, SteerError, invalidArgument, isSteerError } from "../errors.js";
import { GgmlType, GgufValueType } from "../gguf/format.js";
import { readGgufHeader, type GgufFileInfo } from "../gguf/reader.js";
import { GgufWriter } from "../gguf/writer.js";
import { assertInteger, assertKnownKeys, assertString } from "../util/validate.js";
import { SteeringVector } from "../vectors/steeringVector.js";
import { writeFileAtomic } from "./atomicWrite.js";

export type ControlVectorConvention = "llama.cpp" | "l_out";

export interface ExportControlVectorOptions {
  /** `controlvector.model_hint`: the model's `general.architecture` ("llama", "qwen2", "gemma3"). Required. */
  modelHint: string;
  /** How our layers become direction.N names (see the module comment). Default "llama.cpp". */
  convention?: ControlVectorConvention;
}

export interface ImportControlVectorOptions {
  /** How direction.N names become our layers (see the module comment). Default "llama.cpp". */
  convention?: ControlVectorConvention;
  /** Refuse directions of another length (the target model's nEmbd) with VECTOR_SIZE. Default: not checked. */
  expectNEmbd?: number;
}

export interface ImportedControlVector {
  /** method "import:cvector"; the fingerprint is kept when the file was written by llama-steer. */
  vector: SteeringVector;
  modelHint?: string;
  /** `controlvector.layer_count` as stored (llama.cpp ignores it). */
  layerCount?: number;
  /** The N of each direction.N, ascending. */
  fileLayers: number[];
}

/** Past this N a name is corruption, not a model (llama.cpp would try to allocate N × n_embd floats). */
const MAX_DIRECTION_INDEX = 100_000;
const DIRECTION_NAME = /^direction\.(\d+)$/;
/** Extra metadata llama.cpp ignores (its loader checks tensors only), so files keep their provenance. */
const FINGERPRINT_KEY = "llama_steer.model_fingerprint";
const METHOD_KEY = "llama_steer.method";

/** The GGUF bytes of a control vector. */
export function controlVectorToBuffer(vector: SteeringVector, options: ExportControlVectorOptions): Buffer {
  if (!(vector instanceof SteeringVector)) throw invalidArgument("vector", "a SteeringVector", vector);
  if (options === null || typeof options !== "object") throw invalidArgument("options", "an options object with modelHint", options);
  assertKnownKeys("control vector export options", options, ["modelHint", "convention"]);
  assertString("options.modelHint", options.modelHint, { nonEmpty: true });
  const shift = conventionShift("options.convention", options.convention);
  if (vector.layers[0] + shift < 1) {
    throw new SteerError(
      ErrorCodes.LAYER_OUT_OF_RANGE,
      'Cannot export layer 0 under the "llama.cpp" convention: llama.cpp never adds a control vector to l_out-0 (direction.0 is rejected); drop it with withLayers() or export with convention "l_out"',
      { layer: 0 },
    );
  }
  const writer = new GgufWriter()
    .addString("general.architecture", "controlvector")
    .addString("controlvector.model_hint", options.modelHint)
    .addInt32("controlvector.layer_count", vector.layers.length)
    .addString(METHOD_KEY, vector.meta.method);
  if (vector.meta.modelFingerprint !== undefined) writer.addString(FINGERPRINT_KEY, vector.meta.modelFingerprint);
  for (const layer of vector.layers) writer.addTensor(`direction.${layer + shift}`, { type: GgmlType.F32, shape: [vector.nEmbd], data: vector.get(layer) });
  return writer.toBuffer();
}

/** Writes a control-vector GGUF atomically. */
export async function exportControlVector(path: string, vector: SteeringVector, options: ExportControlVectorOptions): Promise<void> {
  assertString("path", path, { nonEmpty: true });
  await writeFileAtomic(path, controlVectorToBuffer(vector, options));
}

/**
 * Reads a control-vector GGUF from llama-steer, llama.cpp's cvector-generator or repeng.
 * @throws SteerError ASSET_INVALID (missing or unreadable file, not a GGUF, not a control vector, a
 *   tensor that is not direction.N, N out of range, non-F32 or non-1-D tensors), VECTOR_SIZE
 *   (directions of different lengths, or not expectNEmbd), NOT_FINITE (NaN or infinite values).
 */
export async function importControlVector(path: string, options: ImportControlVectorOptions = {}): Promise<ImportedControlVector> {
  assertString("path", path, { nonEmpty: true });
  if (options === null || typeof options !== "object") throw invalidArgument("options", "an options object", options);
  assertKnownKeys("control vector import options", options, ["convention", "expectNEmbd"]);
  const shift = conventionShift("options.convention", options.convention);
  if (options.expectNEmbd !== undefined) assertInteger("options.expectNEmbd", options.expectNEmbd, 1);
  const header = await readHeader(path);
  const fail = (problem: string, details: Record<string, unknown> = {}): SteerError =>
    new SteerError(ErrorCodes.ASSET_INVALID, `${path} is not a valid control vector: ${problem}`, { path, ...details });

  const architecture = header.metadata.get("general.architecture");
  if (architecture !== "controlvector") throw fail(`general.architecture is ${JSON.stringify(architecture) ?? "missing"}, not "controlvector"`);
  if (header.tensors.length === 0) throw fail("it has no direction tensors");
  const bytes = await readFile(path);
  if (bytes.length !== header.fileSize) throw fail("the file changed while it was read");

  let nEmbd: number | undefined;
  const directions = new Map<number, Float32Array>();
  for (const tensor of header.tensors) {
    const match = DIRECTION_NAME.exec(tensor.name);
    const n = match ? Number(match[1]) : NaN;
    if (!match || n < 1 || n > MAX_DIRECTION_INDEX) {
      throw fail(`tensor "${tensor.name}" is not named direction.N with 1 <= N <= ${MAX_DIRECTION_INDEX} (llama.cpp rejects files with other tensors)`, { tensor: tensor.name });
    }
    if (tensor.type !== GgmlType.F32) throw fail(`tensor "${tensor.name}" has type ${tensor.typeName}; control vectors hold F32 tensors`, { tensor: tensor.name });
    // ggml counts trailing dimensions of size 1 as absent, so [n] and [n, 1] are both 1-D to llama.cpp.
    if (tensor.shape.length === 0 || tensor.shape.slice(1).some((d) => d !== 1)) {
      throw fail(`tensor "${tensor.name}" has shape [${tensor.shape.join(", ")}]; a direction is 1-D`, { tensor: tensor.name });
    }
    const length = tensor.shape[0];
    nEmbd ??= length;
    if (length !== nEmbd || length === 0) {
      throw new SteerError(ErrorCodes.VECTOR_SIZE, `${path} has directions of different lengths: "${tensor.name}" has ${length} values, earlier ones ${nEmbd}`, { path, tensor: tensor.name });
    }
    const values = new Float32Array(length);
    for (let i = 0; i < length; i++) {
      values[i] = bytes.readFloatLE(tensor.offset + i * 4);
      if (!Number.isFinite(values[i])) {
        throw new SteerError(ErrorCodes.NOT_FINITE, `${path}: tensor "${tensor.name}" holds ${values[i]} at element ${i}`, { path, tensor: tensor.name, index: i });
      }
    }
    const layer = n - shift;
    // llama.cpp sums tensors whose names parse to the same N ("direction.5" and "direction.05"); so do we.
    const previous = directions.get(layer);
    directions.set(layer, previous ? previous.map((x, i) => x + values[i]) : values);
  }
  if (options.expectNEmbd !== undefined && nEmbd !== options.expectNEmbd) {
    throw new SteerError(ErrorCodes.VECTOR_SIZE, `${path} holds directions of ${nEmbd} values but the model has nEmbd ${options.expectNEmbd}`, {
      path,
      expected: options.expectNEmbd,
      received: nEmbd,
    });
  }
  const fingerprint = stringMetadata(header, FINGERPRINT_KEY);
  const sourceMethod = stringMetadata(header, METHOD_KEY);
  const vector = SteeringVector.create(directions, {
    modelFingerprint: fingerprint,
    nEmbd,
    method: "import:cvector",
    source: path,
    notes: sourceMethod === undefined ? undefined : `exported by llama-steer from a "${sourceMethod}" vector`,
  });
  const layerCount = header.metadata.get("controlvector.layer_count");
  return {
    vector,
    modelHint: stringMetadata(header, "controlvector.model_hint"),
    layerCount: typeof layerCount === "number" ? layerCount : undefined,
    fileLayers: [...directions.keys()].map((l) => l + shift).sort((a, b) => a - b),
  };
}

/** Our layer + shift = the file's N. */
function conventionShift(name: string, convention: unknown): number {
  if (convention === undefined || convention === "llama.cpp") return 0;
  if (convention === "l_out") return 1;
  throw invalidArgument(name, '"llama.cpp" or "l_out"', convention);
}

async function readHeader(path: string): Promise<GgufFileInfo> {
  try {
    return await readGgufHeader(path, { maxArrayElements: 0 });
  } catch (e) {
    if (!isSteerError(e)) throw e;
    // NOT_GGUF, GGUF_TRUNCATED, MODEL_NOT_FOUND: to the caller these all mean "this control vector cannot be used".
    throw new SteerError(ErrorCodes.ASSET_INVALID, `${path} is not a valid control vector: ${e.message}`, { path, reason: e.code }, { cause: e });
  }
}

function stringMetadata(header: GgufFileInfo, key: string): string | undefined {
  const value = header.metadata.get(key);
  return header.metadataTypes.get(key)?.type === GgufValueType.STRING && typeof value === "string" ? value : undefined;
}
