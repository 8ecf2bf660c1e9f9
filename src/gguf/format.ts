/**
 * The GGUF format's vocabulary, shared by the reader and the writer: constants, metadata value
 * types, ggml tensor type layouts and half-precision conversions. Numbers follow the GGUF
 * specification and ggml's `enum ggml_type`.
 */

/** "GGUF" read as a little-endian uint32. */
export const GGUF_MAGIC = 0x46554747;
/** The version the writer produces; the reader also accepts 2 (same layout). */
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** llama.cpp keeps tensor names in a 64-byte field that includes the terminating NUL. */
export const GGUF_MAX_TENSOR_NAME_BYTES = 63;
export const GGUF_MAX_DIMS = 4;

/** Metadata value types, numbered as in the GGUF specification. */
export const GgufValueType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;
export type GgufValueType = (typeof GgufValueType)[keyof typeof GgufValueType];

const SCALAR_BYTES: Readonly<Record<number, number>> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

/** Bytes of one value of a fixed-size type; undefined for STRING and ARRAY. */
export function ggufScalarBytes(type: GgufValueType): number | undefined {
  return SCALAR_BYTES[type];
}

export function ggufValueTypeName(type: number): string {
  return Object.entries(GgufValueType).find(([, id]) => id === type)?.[0] ?? `unknown type ${type}`;
}

/** ggml tensor types this project refers to by name; `ggmlTypeLayout` covers every type a GGUF may hold. */
export const GgmlType = { F32: 0, F16: 1, Q4_0: 2, Q4_1: 3, Q8_0: 8, Q4_K: 12, Q6_K: 14, BF16: 30 } as const;

export interface GgmlTypeLayout {
  readonly name: string;
  /** Elements per quantization block (1 for plain types). */
  readonly blockElements: number;
  readonly blockBytes: number;
}

/** [name, elements per block, bytes per block] for every ggml type id llama.cpp accepts in a GGUF. */
const GGML_TYPE_LAYOUTS: Readonly<Record<number, readonly [string, number, number]>> = {
  0: ["F32", 1, 4], 1: ["F16", 1, 2], 2: ["Q4_0", 32, 18], 3: ["Q4_1", 32, 20], 6: ["Q5_0", 32, 22],
  7: ["Q5_1", 32, 24], 8: ["Q8_0", 32, 34], 9: ["Q8_1", 32, 36], 10: ["Q2_K", 256, 84], 11: ["Q3_K", 256, 110],
  12: ["Q4_K", 256, 144], 13: ["Q5_K", 256, 176], 14: ["Q6_K", 256, 210], 15: ["Q8_K", 256, 292],
  16: ["IQ2_XXS", 256, 66], 17: ["IQ2_XS", 256, 74], 18: ["IQ3_XXS", 256, 98], 19: ["IQ1_S", 256, 50],
  20: ["IQ4_NL", 32, 18], 21: ["IQ3_S", 256, 110], 22: ["IQ2_S", 256, 82], 23: ["IQ4_XS", 256, 136],
  24: ["I8", 1, 1], 25: ["I16", 1, 2], 26: ["I32", 1, 4], 27: ["I64", 1, 8], 28: ["F64", 1, 8],
  29: ["IQ1_M", 256, 56], 30: ["BF16", 1, 2], 34: ["TQ1_0", 256, 54], 35: ["TQ2_0", 256, 66],
  39: ["MXFP4", 32, 17], 40: ["NVFP4", 64, 36], 41: ["Q1_0", 128, 18], 42: ["Q2_0", 64, 18],
};

/** The block layout of a ggml tensor type, or undefined for an id no GGUF may hold (including removed types). */
export function ggmlTypeLayout(type: number): GgmlTypeLayout | undefined {
  const layout = GGML_TYPE_LAYOUTS[type];
  return layout === undefined ? undefined : { name: layout[0], blockElements: layout[1], blockBytes: layout[2] };
}

export function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

const scratch = new DataView(new ArrayBuffer(4));

/** IEEE 754 half-precision bits to a number (exact: every half is representable as float32). */
export function float16BitsToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** bfloat16 bits to a number: the top half of a float32. */
export function bfloat16BitsToNumber(bits: number): number {
  scratch.setUint32(0, (bits & 0xffff) << 16);
  return scratch.getFloat32(0);
}

/**
 * A number to IEEE 754 half-precision bits, rounding to nearest even like ggml's converter:
 * values beyond the half range become infinity, tiny ones become subnormals or zero.
 */
export function numberToFloat16Bits(value: number): number {
  scratch.setFloat32(0, value);
  const f = scratch.getUint32(0);
  const sign = (f >>> 16) & 0x8000;
  const exponent = (f >>> 23) & 0xff;
  const mantissa = f & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    // Subnormal half (or zero): shift the mantissa, with its implicit leading 1, into place.
    if (halfExponent < -10) return sign;
    const full = mantissa | 0x800000;
    const shift = 14 - halfExponent;
    return sign | roundShift(full, shift);
  }
  // Rounding may carry into the exponent, which is exactly the right result (up to infinity).
  return sign | ((halfExponent << 10) + roundShift(mantissa, 13));
}

/** value >> shift, rounded to nearest, ties to even. */
function roundShift(value: number, shift: number): number {
  const kept = Math.floor(value / 2 ** shift);
  const rest = value - kept * 2 ** shift;
  const half = 2 ** (shift - 1);
  return rest > half || (rest === half && (kept & 1) === 1) ? kept + 1 : kept;
}
