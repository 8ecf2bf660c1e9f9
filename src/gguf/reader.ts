/**
 * GGUF reader: header, metadata and tensor infos of a file on disk, without reading tensor data.
 *
 * Every length and count in a GGUF is untrusted input. The reader checks each one against the bytes
 * left in the file before it allocates or seeks, so a truncated or foreign file becomes a typed
 * `SteerError` (NOT_GGUF, GGUF_TRUNCATED) instead of a crash, a huge allocation or a llama.cpp abort.
 */
import { open, type FileHandle } from "node:fs/promises";
import { ErrorCodes, SteerError } from "../errors.js";
import {
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAX_DIMS,
  GGUF_MAX_TENSOR_NAME_BYTES,
  GgmlType,
  GgufValueType,
  alignUp,
  bfloat16BitsToNumber,
  float16BitsToNumber,
  ggmlTypeLayout,
  ggufScalarBytes,
} from "./format.js";
import { FileCursor } from "./fileCursor.js";
import { assertInteger, assertKnownKeys, assertString } from "../util/validate.js";

/** A metadata value the reader chose not to materialize (see `GgufReadOptions`). */
export class GgufOmittedValue {
  constructor(
    /** STRING, or ARRAY for an array. */
    readonly type: GgufValueType,
    /** Bytes of a string, elements of an array. */
    readonly length: number,
    readonly elementType?: GgufValueType,
  ) {}
}

export type GgufArrayValue =
  | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array
  | BigUint64Array | BigInt64Array | boolean[] | string[];
/** Scalars: 8..32-bit integers and floats are numbers, 64-bit integers are bigints. */
export type GgufValue = number | bigint | boolean | string | GgufArrayValue | GgufOmittedValue;
export interface GgufValueTypeInfo {
  readonly type: GgufValueType;
  /** Set for arrays. */
  readonly elementType?: GgufValueType;
}

export interface GgufTensorInfo {
  readonly name: string;
  /** ggml type id (`GgmlType`). */
  readonly type: number;
  readonly typeName: string;
  /** ggml order ("ne"): shape[0] is the contiguous dimension, i.e. the reverse of a numpy shape. */
  readonly shape: readonly number[];
  /** Absolute position of the tensor's first byte in the file (data section start + the stored relative offset). */
  readonly offset: number;
  readonly byteSize: number;
}

export interface GgufFileInfo {
  readonly path: string;
  readonly version: number;
  readonly metadata: ReadonlyMap<string, GgufValue>;
  readonly metadataTypes: ReadonlyMap<string, GgufValueTypeInfo>;
  readonly tensors: readonly GgufTensorInfo[];
  readonly alignment: number;
  /** Where the tensor data section starts. */
  readonly dataOffset: number;
  /** Where the last tensor's data ends (checked to be <= fileSize). */
  readonly dataEnd: number;
  readonly fileSize: number;
}

export interface GgufReadOptions {
  /** Arrays with more elements are returned as `GgufOmittedValue` (0 omits every array). Default: 1_000_000. */
  maxArrayElements?: number;
  /** Strings with more UTF-8 bytes are returned as `GgufOmittedValue`; an array holding one is omitted whole. Default: 1_048_576. */
  maxStringBytes?: number;
  /**
   * Most bytes of metadata values read into memory in total (strings and arrays; values omitted by the two limits
   * above are skipped, not counted). A file whose metadata needs more is refused with NOT_GGUF (reason
   * "metadata-too-large"): the per-value limits alone would still let thousands of 1 MB strings through.
   * Default: 268_435_456 (256 MiB; the metadata of real models, vocabulary included, is a few tens of MB at most).
   */
  maxMetadataBytes?: number;
}

/** Hard limits above which a count or length is corruption, not a big file. */
const MAX_KV_COUNT = 1_000_000;
const MAX_TENSOR_COUNT = 1_000_000;
const MAX_KEY_BYTES = 65_536;
const utf8 = new TextDecoder("utf-8");

/** What may still be read into memory, across all metadata values of one file (`maxMetadataBytes`). */
interface MetadataBudget {
  readonly limit: number;
  left: number;
}

/** Charges `bytes` about to be read for metadata key `key`; refuses the file once the budget is spent. */
function spend(cursor: FileCursor, budget: MetadataBudget, key: string, bytes: number): void {
  budget.left -= bytes;
  if (budget.left >= 0) return;
  throw notGguf(
    cursor.path,
    "metadata-too-large",
    `its metadata needs more than ${budget.limit} bytes of strings and arrays in memory (reached at key "${key}"; the limit is maxMetadataBytes)`,
    { key, limit: budget.limit },
  );
}

/** A string value, or a marker when it is longer than `maxBytes` (then skipped, never read). */
async function readString(cursor: FileCursor, maxBytes: number, budget: MetadataBudget, key: string): Promise<string | GgufOmittedValue> {
  const length = await cursor.stringLength();
  if (length > maxBytes) {
    cursor.skip(length);
    return new GgufOmittedValue(GgufValueType.STRING, length);
  }
  spend(cursor, budget, key, length);
  await cursor.need(length);
  return utf8.decode(cursor.take(length));
}

function notGguf(path: string, reason: string, message: string, details: Record<string, unknown> = {}): SteerError {
  return new SteerError(ErrorCodes.NOT_GGUF, `${path} is not a usable GGUF file: ${message}`, { path, reason, ...details });
}

/**
 * Reads a GGUF's header, metadata and tensor infos from `path` and checks that the file is long
 * enough to hold every tensor's data. Tensor data itself is never read.
 * @throws SteerError NOT_GGUF (bad magic, unsupported version, corrupt or unsupported structure),
 *   GGUF_TRUNCATED (the file ends before the header, metadata, tensor infos or tensor data do),
 *   MODEL_NOT_FOUND (the path cannot be opened as a file).
 */
export async function readGgufHeader(path: string, options: GgufReadOptions = {}): Promise<GgufFileInfo> {
  assertString("path", path, { nonEmpty: true });
  assertKnownKeys("GGUF read options", options, ["maxArrayElements", "maxStringBytes", "maxMetadataBytes"]);
  const maxArrayElements = options.maxArrayElements ?? 1_000_000;
  assertInteger("options.maxArrayElements", maxArrayElements, 0);
  const maxStringBytes = options.maxStringBytes ?? 1_048_576;
  assertInteger("options.maxStringBytes", maxStringBytes, 0);
  const maxMetadataBytes = options.maxMetadataBytes ?? 256 * 1024 * 1024;
  assertInteger("options.maxMetadataBytes", maxMetadataBytes, 0);
  const file = await openGguf(path);
  try {
    const { size } = await file.stat();
    const cursor = new FileCursor(file, path, size);
    return await parseGguf(cursor, maxArrayElements, maxStringBytes, { limit: maxMetadataBytes, left: maxMetadataBytes });
  } finally {
    await file.close();
  }
}

async function openGguf(path: string): Promise<FileHandle> {
  try {
    const file = await open(path, "r");
    const stat = await file.stat();
    if (!stat.isFile()) {
      await file.close();
      throw new SteerError(ErrorCodes.MODEL_NOT_FOUND, `${path} is not a regular file`, { path });
    }
    return file;
  } catch (e) {
    if (e instanceof SteerError) throw e;
    const reason = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new SteerError(ErrorCodes.MODEL_NOT_FOUND, `Cannot open GGUF file ${path} (${reason})`, { path }, { cause: e });
  }
}

async function parseGguf(cursor: FileCursor, maxArrayElements: number, maxStringBytes: number, budget: MetadataBudget): Promise<GgufFileInfo> {
  const path = cursor.path;
  await checkMagic(cursor);
  const version = await cursor.u32();
  if (version !== 2 && version !== 3) {
    // A big-endian GGUF stores the version byte-swapped (3 reads as 0x03000000).
    const hint = version === 0x03000000 || version === 0x02000000 ? " (a big-endian GGUF, which is not supported)" : "";
    throw notGguf(path, "unsupported-version", `unsupported GGUF version ${version}${hint}; versions 2 and 3 are supported`, { version });
  }
  const tensorCount = await cursor.u64();
  const kvCount = await cursor.u64();
  if (kvCount > MAX_KV_COUNT) throw notGguf(path, "corrupt", `the header claims ${kvCount} metadata entries (corrupt header)`);
  if (tensorCount > MAX_TENSOR_COUNT) throw notGguf(path, "corrupt", `the header claims ${tensorCount} tensors (corrupt header)`);
  // Smallest possible entries: key length + type + 1 byte; name length + n_dims + ne[0] + type + offset.
  checkCountFits(cursor, kvCount, 13, "metadata entries");

  const metadata = new Map<string, GgufValue>();
  const metadataTypes = new Map<string, GgufValueTypeInfo>();
  for (let i = 0; i < kvCount; i++) {
    cursor.context = `the key of metadata entry #${i}`;
    const keyLength = await cursor.stringLength();
    if (keyLength === 0 || keyLength > MAX_KEY_BYTES) throw notGguf(path, "corrupt", `metadata entry #${i} has a key of ${keyLength} bytes (corrupt metadata)`);
    await cursor.need(keyLength);
    const key = utf8.decode(cursor.take(keyLength));
    if (metadata.has(key)) throw notGguf(path, "duplicate-key", `metadata key "${key}" appears twice`, { key });
    cursor.context = `the value of metadata key "${key}"`;
    const { value, typeInfo } = await readValue(cursor, key, maxArrayElements, maxStringBytes, budget);
    metadata.set(key, value);
    metadataTypes.set(key, typeInfo);
  }

  const alignment = readAlignment(path, metadata, metadataTypes);
  checkCountFits(cursor, tensorCount, 32, "tensor infos");
  const rawTensors = [];
  const names = new Set<string>();
  for (let i = 0; i < tensorCount; i++) {
    cursor.context = `the info of tensor #${i}`;
    const tensor = await readTensorInfo(cursor, i, alignment);
    if (names.has(tensor.name)) throw notGguf(path, "duplicate-tensor", `tensor "${tensor.name}" appears twice`, { tensor: tensor.name });
    names.add(tensor.name);
    rawTensors.push(tensor);
  }

  const dataOffset = alignUp(cursor.pos, alignment);
  let dataEnd = dataOffset;
  const tensors: GgufTensorInfo[] = rawTensors.map(({ relativeOffset, ...rest }) => {
    const tensor = { ...rest, offset: dataOffset + relativeOffset };
    dataEnd = Math.max(dataEnd, tensor.offset + tensor.byteSize);
    return tensor;
  });
  const last = tensors.find((t) => t.offset + t.byteSize === dataEnd);
  if (dataEnd > cursor.fileSize) {
    throw new SteerError(
      ErrorCodes.GGUF_TRUNCATED,
      `${path} is truncated: the file is ${cursor.fileSize} bytes but tensor "${last?.name}" ends at byte ${dataEnd}`,
      { path, fileSize: cursor.fileSize, dataEnd, tensor: last?.name },
    );
  }
  return { path, version, metadata, metadataTypes, tensors, alignment, dataOffset, dataEnd, fileSize: cursor.fileSize };
}

/** A count from the header that cannot fit in the rest of the file means the file was cut short. */
function checkCountFits(cursor: FileCursor, count: number, minBytesEach: number, what: string): void {
  const needed = count * minBytesEach;
  if (needed <= cursor.remaining()) return;
  throw new SteerError(
    ErrorCodes.GGUF_TRUNCATED,
    `${cursor.path} is truncated: it announces ${count} ${what}, which take at least ${needed} bytes, but only ${cursor.remaining()} bytes follow offset ${cursor.pos}`,
    { path: cursor.path, offset: cursor.pos, needed, fileSize: cursor.fileSize },
  );
}

async function checkMagic(cursor: FileCursor): Promise<void> {
  const path = cursor.path;
  if (cursor.fileSize === 0) throw notGguf(path, "empty", "the file is empty");
  const present = Math.min(4, cursor.fileSize);
  await cursor.need(present);
  const head = cursor.take(present);
  const magic = Buffer.from("GGUF", "latin1");
  if (!head.equals(magic.subarray(0, present))) {
    throw notGguf(path, "bad-magic", `it starts with 0x${head.toString("hex")} instead of the GGUF magic 0x47475546 ("GGUF")`);
  }
  // Only a prefix of the magic is present: the file is a GGUF cut short.
  if (present < 4) {
    cursor.pos = 0;
    throw cursor.truncated(4);
  }
}

async function readValue(
  cursor: FileCursor,
  key: string,
  maxArrayElements: number,
  maxStringBytes: number,
  budget: MetadataBudget,
): Promise<{ value: GgufValue; typeInfo: GgufValueTypeInfo }> {
  const type = await readValueType(cursor, key);
  if (type !== GgufValueType.ARRAY) return { value: await readScalar(cursor, type, maxStringBytes, budget, key), typeInfo: { type } };
  const elementType = await readValueType(cursor, key);
  if (elementType === GgufValueType.ARRAY) throw notGguf(cursor.path, "nested-array", `metadata key "${key}" holds nested arrays, which llama.cpp does not support`, { key });
  const count = await cursor.u64();
  const typeInfo = { type, elementType };
  const elementBytes = ggufScalarBytes(elementType);
  // A string element takes at least its 8-byte length.
  if (count * (elementBytes ?? 8) > cursor.remaining()) throw cursor.truncated(count * (elementBytes ?? 8));
  if (elementBytes !== undefined) {
    if (count > maxArrayElements) {
      cursor.skip(count * elementBytes);
      return { value: new GgufOmittedValue(type, count, elementType), typeInfo };
    }
    spend(cursor, budget, key, count * elementBytes);
    await cursor.need(count * elementBytes);
    return { value: decodeNumericArray(cursor.take(count * elementBytes), elementType), typeInfo };
  }
  // Strings must be walked one by one even when omitted: their lengths are what tell us where the array ends.
  const strings: string[] = [];
  let omit = count > maxArrayElements;
  let spent = 0;
  for (let i = 0; i < count; i++) {
    // Awaiting only when the window runs out keeps a 262k-token vocabulary fast to walk.
    if (!cursor.has(8)) await cursor.need(8);
    const length = cursor.takeU64();
    if (length > cursor.remaining()) throw cursor.truncated(length);
    if (omit || length > maxStringBytes) {
      if (!omit) budget.left += spent; // the strings read so far are dropped with the array
      omit = true;
      strings.length = 0;
      cursor.skip(length);
      continue;
    }
    // Each element also costs its length field: an array of a million empty strings is not free.
    spend(cursor, budget, key, 8 + length);
    spent += 8 + length;
    if (!cursor.has(length)) await cursor.need(length);
    strings.push(utf8.decode(cursor.take(length)));
  }
  return { value: omit ? new GgufOmittedValue(type, count, elementType) : strings, typeInfo };
}

async function readValueType(cursor: FileCursor, key: string): Promise<GgufValueType> {
  const type = await cursor.u32();
  if (type > GgufValueType.FLOAT64) throw notGguf(cursor.path, "bad-value-type", `metadata key "${key}" has unknown value type ${type}`, { key, type });
  return type as GgufValueType;
}

async function readScalar(cursor: FileCursor, type: GgufValueType, maxStringBytes: number, budget: MetadataBudget, key: string): Promise<GgufValue> {
  if (type === GgufValueType.STRING) return readString(cursor, maxStringBytes, budget, key);
  const bytes = ggufScalarBytes(type) as number;
  await cursor.need(bytes);
  const buf = cursor.take(bytes);
  switch (type) {
    case GgufValueType.UINT8: return buf.readUInt8(0);
    case GgufValueType.INT8: return buf.readInt8(0);
    case GgufValueType.UINT16: return buf.readUInt16LE(0);
    case GgufValueType.INT16: return buf.readInt16LE(0);
    case GgufValueType.UINT32: return buf.readUInt32LE(0);
    case GgufValueType.INT32: return buf.readInt32LE(0);
    case GgufValueType.FLOAT32: return buf.readFloatLE(0);
    case GgufValueType.FLOAT64: return buf.readDoubleLE(0);
    case GgufValueType.BOOL: return buf.readUInt8(0) !== 0;
    case GgufValueType.UINT64: return buf.readBigUInt64LE(0);
    default: return buf.readBigInt64LE(0);
  }
}

const TYPED_ARRAYS = {
  [GgufValueType.UINT8]: Uint8Array,
  [GgufValueType.INT8]: Int8Array,
  [GgufValueType.UINT16]: Uint16Array,
  [GgufValueType.INT16]: Int16Array,
  [GgufValueType.UINT32]: Uint32Array,
  [GgufValueType.INT32]: Int32Array,
  [GgufValueType.FLOAT32]: Float32Array,
  [GgufValueType.FLOAT64]: Float64Array,
  [GgufValueType.UINT64]: BigUint64Array,
  [GgufValueType.INT64]: BigInt64Array,
} as const;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Copies little-endian elements into a fresh typed array (file bytes are neither aligned nor ours to keep). */
function decodeNumericArray(bytes: Buffer, elementType: GgufValueType): GgufArrayValue {
  const copy = new Uint8Array(bytes);
  if (elementType === GgufValueType.BOOL) return Array.from(copy, (b) => b !== 0);
  const ArrayType = TYPED_ARRAYS[elementType as keyof typeof TYPED_ARRAYS];
  const width = ArrayType.BYTES_PER_ELEMENT;
  if (!LITTLE_ENDIAN_HOST && width > 1) {
    for (let at = 0; at < copy.length; at += width) copy.subarray(at, at + width).reverse();
  }
  return new ArrayType(copy.buffer);
}

function readAlignment(path: string, metadata: Map<string, GgufValue>, types: Map<string, GgufValueTypeInfo>): number {
  if (!metadata.has("general.alignment")) return GGUF_DEFAULT_ALIGNMENT;
  const value = metadata.get("general.alignment");
  if (types.get("general.alignment")?.type !== GgufValueType.UINT32 || typeof value !== "number" || value === 0 || (value & (value - 1)) !== 0) {
    throw notGguf(path, "bad-alignment", `general.alignment must be a uint32 power of two but is ${String(value)}`);
  }
  return value;
}

async function readTensorInfo(cursor: FileCursor, index: number, alignment: number): Promise<Omit<GgufTensorInfo, "offset"> & { relativeOffset: number }> {
  const path = cursor.path;
  const nameLength = await cursor.stringLength();
  if (nameLength > GGUF_MAX_TENSOR_NAME_BYTES) {
    throw notGguf(path, "tensor-name-too-long", `tensor #${index} has a ${nameLength}-byte name; llama.cpp allows at most ${GGUF_MAX_TENSOR_NAME_BYTES}`);
  }
  await cursor.need(nameLength);
  const name = utf8.decode(cursor.take(nameLength));
  cursor.context = `the info of tensor "${name}"`;
  const dims = await cursor.u32();
  if (dims > GGUF_MAX_DIMS) throw notGguf(path, "bad-tensor-dims", `tensor "${name}" has ${dims} dimensions; at most ${GGUF_MAX_DIMS} are allowed`);
  const shape: number[] = [];
  for (let d = 0; d < dims; d++) shape.push(await cursor.u64());
  const type = await cursor.u32();
  const relativeOffset = await cursor.u64();
  const layout = ggmlTypeLayout(type);
  if (layout === undefined) throw notGguf(path, "bad-tensor-type", `tensor "${name}" has unknown ggml type ${type}`, { tensor: name, type });
  const { name: typeName, blockElements, blockBytes } = layout;
  const elements = shape.reduce((a, b) => a * b, 1);
  // Past 2^53 the arithmetic is no longer exact, and no real file gets near it.
  if (!Number.isSafeInteger(elements) || !Number.isSafeInteger(relativeOffset)) {
    throw notGguf(path, "corrupt", `tensor "${name}" has an impossible shape [${shape.join(", ")}] or offset ${relativeOffset}`, { tensor: name });
  }
  if ((shape[0] ?? 1) % blockElements !== 0) {
    throw notGguf(path, "bad-tensor-shape", `tensor "${name}" of type ${typeName} has ${shape[0]} elements per row, not a multiple of ${blockElements}`, { tensor: name });
  }
  if (relativeOffset % alignment !== 0) {
    throw notGguf(path, "misaligned-tensor", `tensor "${name}" starts at data offset ${relativeOffset}, not a multiple of the alignment ${alignment}`, { tensor: name });
  }
  const byteSize = (elements / blockElements) * blockBytes;
  return { name, type, typeName, shape, relativeOffset, byteSize };
}

/**
 * Reads one F32, F16 or BF16 tensor's values by name, as float32 in ggml order (shape[0] fastest).
 * Pass `header` from an earlier `readGgufHeader` of the same file to skip re-reading the metadata.
 * @throws SteerError INVALID_ARGUMENT (no such tensor, or a quantized type) plus everything `readGgufHeader` throws.
 */
export async function readGgufTensor(path: string, name: string, header?: GgufFileInfo): Promise<{ tensor: GgufTensorInfo; values: Float32Array }> {
  assertString("name", name, { nonEmpty: true });
  const info = header ?? (await readGgufHeader(path, { maxArrayElements: 0 }));
  const tensor = info.tensors.find((t) => t.name === name);
  if (tensor === undefined) {
    const known = info.tensors.slice(0, 8).map((t) => t.name).join(", ");
    throw new SteerError(ErrorCodes.INVALID_ARGUMENT, `${path} has no tensor named "${name}" (it has ${info.tensors.length} tensors: ${known}${info.tensors.length > 8 ? ", ..." : ""})`, { path, tensor: name });
  }
  if (tensor.type !== GgmlType.F32 && tensor.type !== GgmlType.F16 && tensor.type !== GgmlType.BF16) {
    throw new SteerError(ErrorCodes.INVALID_ARGUMENT, `Tensor "${name}" in ${path} has type ${tensor.typeName}; only F32, F16 and BF16 tensors can be read as floats`, { path, tensor: name, type: tensor.typeName });
  }
  const bytes = Buffer.alloc(tensor.byteSize);
  const file = await openGguf(path);
  try {
    const { bytesRead } = await file.read(bytes, 0, tensor.byteSize, tensor.offset);
    if (bytesRead < tensor.byteSize) {
      throw new SteerError(ErrorCodes.GGUF_TRUNCATED, `${path} is truncated: tensor "${name}" ends at byte ${tensor.offset + tensor.byteSize} but the file ends at ${tensor.offset + bytesRead}`, { path, tensor: name });
    }
  } finally {
    await file.close();
  }
  return { tensor, values: decodeFloatTensor(bytes, tensor.type) };
}

function decodeFloatTensor(bytes: Buffer, type: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (type === GgmlType.F32) {
    const out = new Float32Array(bytes.byteLength / 4);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
    return out;
  }
  const out = new Float32Array(bytes.byteLength / 2);
  for (let i = 0; i < out.length; i++) {
    const bits = view.getUint16(i * 2, true);
    out[i] = type === GgmlType.F16 ? float16BitsToNumber(bits) : bfloat16BitsToNumber(bits);
  }
  return out;
}
