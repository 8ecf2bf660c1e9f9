/**
 * One row of a model's output (unembedding) matrix, read straight from the GGUF file and dequantized by the
 * caller's function (the addon's). The engine uses it for `SteerModel.outputRow`; vectors build on it.
 */
import { open } from "node:fs/promises";

import { ErrorCodes, SteerError, invalidArgument } from "../errors.js";
import { assertInteger, assertString } from "../util/validate.js";
import { ggmlTypeLayout } from "./format.js";
import { readGgufHeader, type GgufFileInfo, type GgufTensorInfo } from "./reader.js";

/** The addon's `dequantize`: `nElements` values of ggml type `ggmlType` from their raw bytes. */
export type Dequantize = (ggmlType: number, bytes: Uint8Array, nElements: number) => Float32Array;

/**
 * Reads ONE row of the output matrix from a GGUF model file without loading the model: the row of
 * `output.weight`, or of `token_embd.weight` when the model ties its embeddings (has no output.weight).
 * The matrix is stored with ne[0] = nEmbd contiguous, so token t's row is the t-th run of
 * nEmbd / blockElements quantization blocks; only those bytes are read and handed to `dequantize`.
 * Pass `header` from an earlier `readGgufHeader` of the same file to skip re-reading the metadata.
 * @throws SteerError INVALID_ARGUMENT (token out of range, no output matrix, bad dequantize result),
 *   NOT_FINITE, plus what readGgufHeader throws (NOT_GGUF, GGUF_TRUNCATED, MODEL_NOT_FOUND).
 */
export async function readOutputRow(ggufPath: string, tokenId: number, dequantize: Dequantize, header?: GgufFileInfo): Promise<Float32Array> {
  assertString("ggufPath", ggufPath, { nonEmpty: true });
  if (typeof dequantize !== "function") throw invalidArgument("dequantize", "a function (type, bytes, n) => Float32Array", dequantize);
  const info = header ?? (await readGgufHeader(ggufPath, { maxArrayElements: 0 }));
  const tensor = outputMatrix(ggufPath, info);
  const [nEmbd, nVocab] = tensor.shape;
  assertInteger("tokenId", tokenId, 0, nVocab - 1);
  const { start, length } = outputRowByteRange(tensor, tokenId);
  const bytes = new Uint8Array(length);
  const file = await open(ggufPath, "r").catch((e: NodeJS.ErrnoException) => {
    throw new SteerError(ErrorCodes.MODEL_NOT_FOUND, `Cannot open GGUF file ${ggufPath} (${e.code ?? String(e)})`, { path: ggufPath }, { cause: e });
  });
  try {
    const { bytesRead } = await file.read(bytes, 0, length, start);
    if (bytesRead < length) {
      throw new SteerError(ErrorCodes.GGUF_TRUNCATED, `${ggufPath} is truncated: row ${tokenId} of "${tensor.name}" ends at byte ${start + length} but the file ends at ${start + bytesRead}`, {
        path: ggufPath,
      });
    }
  } finally {
    await file.close();
  }
  const row = dequantize(tensor.type, bytes, nEmbd);
  if (!(row instanceof Float32Array) || row.length !== nEmbd) throw invalidArgument("the result of dequantize", `a Float32Array of ${nEmbd} values`, row);
  for (let i = 0; i < row.length; i++) {
    if (!Number.isFinite(row[i])) {
      throw new SteerError(ErrorCodes.NOT_FINITE, `Row ${tokenId} of "${tensor.name}" in ${ggufPath} holds ${row[i]} at element ${i}`, { path: ggufPath, index: i });
    }
  }
  return row;
}

/** Byte range of one row of a 2-D tensor in the file (absolute offset), from its ggml block layout. */
export function outputRowByteRange(tensor: GgufTensorInfo, row: number): { start: number; length: number } {
  const layout = ggmlTypeLayout(tensor.type);
  if (layout === undefined) throw invalidArgument(`the type of tensor "${tensor.name}"`, "a known ggml type", tensor.type);
  const length = (tensor.shape[0] / layout.blockElements) * layout.blockBytes;
  return { start: tensor.offset + row * length, length };
}

function outputMatrix(path: string, info: GgufFileInfo): GgufTensorInfo {
  const tensor = info.tensors.find((t) => t.name === "output.weight") ?? info.tensors.find((t) => t.name === "token_embd.weight");
  if (tensor === undefined) {
    throw new SteerError(ErrorCodes.INVALID_ARGUMENT, `${path} has neither output.weight nor token_embd.weight, so it has no output matrix to read`, { path });
  }
  if (tensor.shape.length !== 2) {
    throw new SteerError(ErrorCodes.INVALID_ARGUMENT, `"${tensor.name}" in ${path} has shape [${tensor.shape.join(", ")}]; an output matrix is 2-D [nEmbd, nVocab]`, { path });
  }
  return tensor;
}
