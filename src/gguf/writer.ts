/**
 * GGUF v3 writer: typed metadata and F32/F16 tensors, laid out the way llama.cpp's loader expects
 * (tensor data packed in insertion order, each tensor padded to the alignment).
 *
 * The whole file is assembled in memory, which suits what the project writes (small synthetic
 * models, control vectors); it is not meant for multi-gigabyte models.
 */
import { writeFile } from "node:fs/promises";
import { ErrorCodes, SteerError, invalidArgument } from "../errors.js";
import {
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_MAX_DIMS,
  GGUF_MAX_TENSOR_NAME_BYTES,
  GGUF_VERSION,
  GgmlType,
  GgufValueType,
  alignUp,
  ggufScalarBytes,
  ggufValueTypeName,
  numberToFloat16Bits,
} from "./format.js";

export type GgufScalarInput = number | bigint | boolean | string;

export interface GgufTensorInput {
  /** How the values are stored; F16 values are rounded to nearest even. */
  readonly type: typeof GgmlType.F32 | typeof GgmlType.F16;
  /** ggml order ("ne"): shape[0] is the contiguous dimension, i.e. the reverse of a numpy shape. 1 to 4 dimensions. */
  readonly shape: readonly number[];
  /** shape.reduce(*) values in ggml order (shape[0] varies fastest). */
  readonly data: Float32Array;
}

export interface GgufWriterOptions {
  /** Alignment of the tensor data section and of every tensor, a power of two; written as `general.alignment` when not 32. Default: 32. */
  alignment?: number;
}

interface MetadataEntry {
  readonly key: string;
  readonly type: GgufValueType;
  readonly elementType?: GgufValueType;
  readonly value: GgufScalarInput | readonly GgufScalarInput[];
}

const INTEGER_RANGES: Partial<Record<GgufValueType, readonly [bigint, bigint]>> = {
  [GgufValueType.UINT8]: [0n, 0xffn],
  [GgufValueType.INT8]: [-0x80n, 0x7fn],
  [GgufValueType.UINT16]: [0n, 0xffffn],
  [GgufValueType.INT16]: [-0x8000n, 0x7fffn],
  [GgufValueType.UINT32]: [0n, 0xffffffffn],
  [GgufValueType.INT32]: [-0x80000000n, 0x7fffffffn],
  [GgufValueType.UINT64]: [0n, 0xffffffffffffffffn],
  [GgufValueType.INT64]: [-0x8000000000000000n, 0x7fffffffffffffffn],
};

/**
 * Collects metadata and tensors, then serializes them with `toBuffer()` or `writeFile()`.
 * Keys and tensor names must be unique; values are checked against their declared type when added.
 */
export class GgufWriter {
  private readonly alignment: number;
  private readonly metadata: MetadataEntry[] = [];
  private readonly tensors = new Map<string, GgufTensorInput>();

  constructor(options: GgufWriterOptions = {}) {
    const alignment = options.alignment ?? GGUF_DEFAULT_ALIGNMENT;
    if (!Number.isInteger(alignment) || alignment < 1 || alignment > 0x80000000 || (alignment & (alignment - 1)) !== 0) {
      throw invalidArgument("options.alignment", "a power of two", alignment);
    }
    this.alignment = alignment;
    if (alignment !== GGUF_DEFAULT_ALIGNMENT) this.addUint32("general.alignment", alignment);
  }

  addUint8(key: string, value: number): this { return this.add(key, GgufValueType.UINT8, value); }
  addInt8(key: string, value: number): this { return this.add(key, GgufValueType.INT8, value); }
  addUint16(key: string, value: number): this { return this.add(key, GgufValueType.UINT16, value); }
  addInt16(key: string, value: number): this { return this.add(key, GgufValueType.INT16, value); }
  addUint32(key: string, value: number): this { return this.add(key, GgufValueType.UINT32, value); }
  addInt32(key: string, value: number): this { return this.add(key, GgufValueType.INT32, value); }
  addUint64(key: string, value: number | bigint): this { return this.add(key, GgufValueType.UINT64, value); }
  addInt64(key: string, value: number | bigint): this { return this.add(key, GgufValueType.INT64, value); }
  addFloat32(key: string, value: number): this { return this.add(key, GgufValueType.FLOAT32, value); }
  addFloat64(key: string, value: number): this { return this.add(key, GgufValueType.FLOAT64, value); }
  addBool(key: string, value: boolean): this { return this.add(key, GgufValueType.BOOL, value); }
  addString(key: string, value: string): this { return this.add(key, GgufValueType.STRING, value); }

  /** A metadata value of any scalar type. */
  add(key: string, type: GgufValueType, value: GgufScalarInput): this {
    this.checkKey(key);
    if (type === GgufValueType.ARRAY) throw invalidArgument(`the type of "${key}"`, "a scalar type (use addArray for arrays)", type);
    checkScalar(key, type, value);
    this.metadata.push({ key, type, value });
    return this;
  }

  /** An array of one scalar type (GGUF has no nested arrays that llama.cpp reads). */
  addArray(key: string, elementType: GgufValueType, values: ArrayLike<GgufScalarInput>): this {
    this.checkKey(key);
    if (elementType === GgufValueType.ARRAY) throw invalidArgument(`the element type of "${key}"`, "a scalar type", elementType);
    const copy = Array.from(values);
    copy.forEach((v, i) => checkScalar(`${key}[${i}]`, elementType, v));
    this.metadata.push({ key, type: GgufValueType.ARRAY, elementType, value: copy });
    return this;
  }

  /** Adds a tensor; its data is copied when the file is serialized, not now (do not mutate it in between). */
  addTensor(name: string, tensor: GgufTensorInput): this {
    if (typeof name !== "string" || name.length === 0 || Buffer.byteLength(name) > GGUF_MAX_TENSOR_NAME_BYTES) {
      throw invalidArgument("tensor name", `a non-empty string of at most ${GGUF_MAX_TENSOR_NAME_BYTES} UTF-8 bytes`, name);
    }
    if (this.tensors.has(name)) throw invalidArgument("tensor name", "a name not added before", name);
    if (tensor.type !== GgmlType.F32 && tensor.type !== GgmlType.F16) throw invalidArgument(`the type of tensor "${name}"`, "GgmlType.F32 or GgmlType.F16", tensor.type);
    const { shape, data } = tensor;
    if (!Array.isArray(shape) || shape.length < 1 || shape.length > GGUF_MAX_DIMS || !shape.every((d) => Number.isSafeInteger(d) && d >= 1)) {
      throw invalidArgument(`the shape of tensor "${name}"`, `1 to ${GGUF_MAX_DIMS} positive integers`, shape);
    }
    const elements = shape.reduce((a, b) => a * b, 1);
    if (!(data instanceof Float32Array) || data.length !== elements) {
      throw invalidArgument(`the data of tensor "${name}"`, `a Float32Array of ${elements} values (shape [${shape.join(", ")}])`, data);
    }
    this.tensors.set(name, { type: tensor.type, shape: [...shape], data });
    return this;
  }

  /** Serializes header, metadata, tensor infos and padded tensor data. */
  toBuffer(): Buffer {
    const out = new ByteSink();
    out.u32(GGUF_MAGIC);
    out.u32(GGUF_VERSION);
    out.u64(this.tensors.size);
    out.u64(this.metadata.length);
    for (const entry of this.metadata) {
      out.string(entry.key);
      out.u32(entry.type);
      if (entry.elementType === undefined) {
        out.scalar(entry.type, entry.value as GgufScalarInput);
        continue;
      }
      const values = entry.value as readonly GgufScalarInput[];
      out.u32(entry.elementType);
      out.u64(values.length);
      for (const v of values) out.scalar(entry.elementType, v);
    }
    let relativeOffset = 0;
    for (const [name, tensor] of this.tensors) {
      out.string(name);
      out.u32(tensor.shape.length);
      for (const d of tensor.shape) out.u64(d);
      out.u32(tensor.type);
      out.u64(relativeOffset);
      relativeOffset = alignUp(relativeOffset + tensorBytes(tensor), this.alignment);
    }
    out.padTo(this.alignment);
    for (const tensor of this.tensors.values()) {
      out.tensorData(tensor);
      out.padTo(this.alignment);
    }
    return out.toBuffer();
  }

  async writeFile(path: string): Promise<void> {
    await writeFile(path, this.toBuffer());
  }

  private checkKey(key: string): void {
    if (typeof key !== "string" || key.length === 0) throw invalidArgument("metadata key", "a non-empty string", key);
    if (this.metadata.some((e) => e.key === key)) {
      throw new SteerError(ErrorCodes.INVALID_ARGUMENT, `Metadata key "${key}" was already added; GGUF keys must be unique`, { key });
    }
  }
}

function tensorBytes(tensor: GgufTensorInput): number {
  return tensor.data.length * (tensor.type === GgmlType.F32 ? 4 : 2);
}

function checkScalar(name: string, type: GgufValueType, value: unknown): void {
  const typeName = ggufValueTypeName(type);
  if (type === GgufValueType.STRING) {
    if (typeof value !== "string") throw invalidArgument(name, "a string", value);
  } else if (type === GgufValueType.BOOL) {
    if (typeof value !== "boolean") throw invalidArgument(name, "a boolean", value);
  } else if (type === GgufValueType.FLOAT32 || type === GgufValueType.FLOAT64) {
    if (typeof value !== "number") throw invalidArgument(name, `a number (${typeName})`, value);
  } else {
    const range = INTEGER_RANGES[type];
    if (range === undefined) throw invalidArgument(`the type of ${name}`, "a GGUF value type", type);
    const is64 = type === GgufValueType.UINT64 || type === GgufValueType.INT64;
    const integral = (typeof value === "number" && Number.isSafeInteger(value)) || (is64 && typeof value === "bigint");
    if (!integral || BigInt(value as number | bigint) < range[0] || BigInt(value as number | bigint) > range[1]) {
      throw invalidArgument(name, `an integer between ${range[0]} and ${range[1]} (${typeName})`, value);
    }
  }
}

/** A growable little-endian byte buffer. */
class ByteSink {
  private buf = Buffer.alloc(1 << 16);
  private length = 0;

  private reserve(n: number): number {
    if (this.length + n > this.buf.length) {
      const grown = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
      this.buf.copy(grown, 0, 0, this.length);
      this.buf = grown;
    }
    const at = this.length;
    this.length += n;
    return at;
  }

  // reserve() may replace this.buf: it must run before this.buf is read (an argument is evaluated after the
  // receiver, so `this.buf.write(v, this.reserve(n))` would write into the old, outgrown buffer).
  u32(v: number): void {
    const at = this.reserve(4);
    this.buf.writeUInt32LE(v, at);
  }
  u64(v: number | bigint): void {
    const at = this.reserve(8);
    this.buf.writeBigUInt64LE(BigInt(v), at);
  }

  string(s: string): void {
    const bytes = Buffer.from(s, "utf8");
    this.u64(bytes.length);
    const at = this.reserve(bytes.length);
    bytes.copy(this.buf, at);
  }

  scalar(type: GgufValueType, v: GgufScalarInput): void {
    if (type === GgufValueType.STRING) return this.string(v as string);
    const at = this.reserve(ggufScalarBytes(type) as number);
    const b = this.buf;
    switch (type) {
      case GgufValueType.UINT8: b.writeUInt8(v as number, at); break;
      case GgufValueType.INT8: b.writeInt8(v as number, at); break;
      case GgufValueType.UINT16: b.writeUInt16LE(v as number, at); break;
      case GgufValueType.INT16: b.writeInt16LE(v as number, at); break;
      case GgufValueType.UINT32: b.writeUInt32LE(v as number, at); break;
      case GgufValueType.INT32: b.writeInt32LE(v as number, at); break;
      case GgufValueType.FLOAT32: b.writeFloatLE(v as number, at); break;
      case GgufValueType.FLOAT64: b.writeDoubleLE(v as number, at); break;
      case GgufValueType.BOOL: b.writeUInt8(v ? 1 : 0, at); break;
      case GgufValueType.UINT64: b.writeBigUInt64LE(BigInt(v as number | bigint), at); break;
      case GgufValueType.INT64: b.writeBigInt64LE(BigInt(v as number | bigint), at); break;
    }
  }

  tensorData(tensor: GgufTensorInput): void {
    const { data } = tensor;
    if (tensor.type === GgmlType.F32) {
      const at = this.reserve(data.length * 4);
      for (let i = 0; i < data.length; i++) this.buf.writeFloatLE(data[i], at + i * 4);
    } else {
      const at = this.reserve(data.length * 2);
      for (let i = 0; i < data.length; i++) this.buf.writeUInt16LE(numberToFloat16Bits(data[i]), at + i * 2);
    }
  }

  padTo(alignment: number): void {
    this.reserve(alignUp(this.length, alignment) - this.length);
  }

  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.length));
  }
}
