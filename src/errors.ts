/**
 * Typed errors with stable codes. Every error llama-steer throws on purpose is a `SteerError`;
 * scripts should branch on `code`, never on `message` (messages may be reworded, codes may not).
 */
export const ErrorCodes = {
  /** An argument has the wrong type or value. */
  INVALID_ARGUMENT: "ERR_INVALID_ARGUMENT",
  /** The model path does not exist or is not a readable file. */
  MODEL_NOT_FOUND: "ERR_MODEL_NOT_FOUND",
  /** The file is not a GGUF (bad magic) or is a GGUF of an unsupported kind. */
  NOT_GGUF: "ERR_NOT_GGUF",
  /** The GGUF ends before its header, metadata or tensor data does. */
  GGUF_TRUNCATED: "ERR_GGUF_TRUNCATED",
  /** llama.cpp refused to load a file that looked like a valid GGUF. */
  MODEL_LOAD_FAILED: "ERR_MODEL_LOAD_FAILED",
  /** llama.cpp could not create a context (usually out of memory or bad parameters). */
  CONTEXT_CREATE_FAILED: "ERR_CONTEXT_CREATE_FAILED",
  /** A steering or probe vector does not have the model's embedding size. */
  VECTOR_SIZE: "ERR_VECTOR_SIZE",
  /** A vector or a strength contains NaN or an infinite value. */
  NOT_FINITE: "ERR_NOT_FINITE",
  /** A layer index is outside [0, nLayer). */
  LAYER_OUT_OF_RANGE: "ERR_LAYER_OUT_OF_RANGE",
  /** A token position is outside the prompt. */
  POSITION_OUT_OF_RANGE: "ERR_POSITION_OUT_OF_RANGE",
  /** A prompt tokenized to zero tokens. */
  EMPTY_PROMPT: "ERR_EMPTY_PROMPT",
  /** A prompt (plus the tokens to generate) does not fit in the context. */
  PROMPT_TOO_LONG: "ERR_PROMPT_TOO_LONG",
  /** The object was disposed. */
  DISPOSED: "ERR_DISPOSED",
  /** The object is busy with another call that must finish first. */
  BUSY: "ERR_BUSY",
  /** The operation was cancelled through its AbortSignal or by dispose(). */
  ABORTED: "ERR_ABORTED",
  /** llama_decode returned an error. */
  DECODE_FAILED: "ERR_DECODE_FAILED",
  /** A decode was split in a way the capture callback cannot map back to rows. */
  ROW_MAPPING: "ERR_ROW_MAPPING",
  /** The native addon could not be built or loaded. */
  ADDON_LOAD_FAILED: "ERR_ADDON_LOAD_FAILED",
  /** A GBNF grammar failed to parse. */
  GRAMMAR_INVALID: "ERR_GRAMMAR_INVALID",
  /** A model could not be fetched from any of its sources. */
  FETCH_FAILED: "ERR_FETCH_FAILED",
  /** A model name is not in the manifest. */
  UNKNOWN_MODEL: "ERR_UNKNOWN_MODEL",
  /** A file checksum does not match the manifest. */
  CHECKSUM_MISMATCH: "ERR_CHECKSUM_MISMATCH",
  /** A dataset file is malformed. */
  DATASET_INVALID: "ERR_DATASET_INVALID",
  /** A steering asset or control-vector file is malformed or does not fit the model. */
  ASSET_INVALID: "ERR_ASSET_INVALID",
  /** A chat template could not be rendered. */
  TEMPLATE_FAILED: "ERR_TEMPLATE_FAILED",
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class SteerError extends Error {
  readonly code: ErrorCode;
  /** Extra machine-readable facts (file path, line number, expected size ...). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SteerError";
    this.code = code;
    this.details = details;
  }
}

export function isSteerError(e: unknown, code?: ErrorCode): e is SteerError {
  return e instanceof SteerError && (code === undefined || e.code === code);
}

/** Short human description of a received value, for error messages ("1.01 of type number"). */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "string") return `${JSON.stringify(value.length > 60 ? value.slice(0, 57) + "..." : value)} of type string`;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return `${String(value)} of type ${typeof value}`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as unknown as { length: number }).length}`;
  if (typeof value === "function") return "a function";
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
}

/** The one factory for bad arguments: names the parameter, what was expected, and what was received. */
export function invalidArgument(name: string, expected: string, received: unknown, code: ErrorCode = ErrorCodes.INVALID_ARGUMENT): SteerError {
  return new SteerError(code, `Expected ${expected} for ${name} but received ${describeValue(received)}`, { name, expected });
}

export function abortedError(reason?: unknown): SteerError {
  const why = reason instanceof Error ? reason.message : reason !== undefined ? String(reason) : "the operation was aborted";
  return new SteerError(ErrorCodes.ABORTED, `Aborted: ${why}`, {}, { cause: reason });
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError(signal.reason);
}
