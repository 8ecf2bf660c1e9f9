/**
 * Checks a model path before llama.cpp sees it, so missing, foreign and truncated files fail with typed
 * errors instead of a llama.cpp abort. Reads only the header, metadata and tensor table.
 */
import { stat } from "node:fs/promises";

import { ErrorCodes, SteerError } from "../errors.js";
import { readGgufHeader } from "../gguf/reader.js";

export interface ModelFileFacts {
  sizeBytes: number;
  architecture: string;
}

export async function checkModelFile(modelPath: string): Promise<ModelFileFacts> {
  let info;
  try {
    info = await stat(modelPath);
  } catch {
    throw new SteerError(ErrorCodes.MODEL_NOT_FOUND, `Model file not found: ${modelPath}`, { path: modelPath });
  }
  if (!info.isFile()) throw new SteerError(ErrorCodes.MODEL_NOT_FOUND, `Model path is not a file: ${modelPath}`, { path: modelPath });
  // Arrays (the vocabulary) and huge strings are skipped: only their presence and bounds matter here.
  const header = await readGgufHeader(modelPath, { maxArrayElements: 0, maxStringBytes: 1 << 20 });
  const architecture = header.metadata.get("general.architecture");
  if (typeof architecture !== "string") {
    throw new SteerError(ErrorCodes.NOT_GGUF, `${modelPath} is a GGUF without general.architecture, not a model`, { path: modelPath });
  }
  if (architecture === "controlvector") {
    throw new SteerError(ErrorCodes.NOT_GGUF, `${modelPath} is a control-vector GGUF, not a model; load it as a vector instead`, { path: modelPath });
  }
  if (header.tensors.length === 0) {
    throw new SteerError(ErrorCodes.NOT_GGUF, `${modelPath} holds no tensors (a vocabulary-only GGUF?), not a model`, { path: modelPath });
  }
  return { sizeBytes: info.size, architecture };
}
