/** Checks a model path before llama.cpp sees it, so bad files fail with typed errors, not aborts. */
import { open, stat } from "node:fs/promises";

import { ErrorCodes, SteerError } from "../errors.js";

export interface ModelFileFacts {
  sizeBytes: number;
}

export async function checkModelFile(modelPath: string): Promise<ModelFileFacts> {
  let info;
  try {
    info = await stat(modelPath);
  } catch {
    throw new SteerError(ErrorCodes.MODEL_NOT_FOUND, `Model file not found: ${modelPath}`, { path: modelPath });
  }
  if (!info.isFile()) throw new SteerError(ErrorCodes.MODEL_NOT_FOUND, `Model path is not a file: ${modelPath}`, { path: modelPath });
  const handle = await open(modelPath, "r");
  try {
    const magic = Buffer.alloc(4);
    const { bytesRead } = await handle.read(magic, 0, 4, 0);
    if (bytesRead < 4 || magic.toString("latin1") !== "GGUF") {
      throw new SteerError(ErrorCodes.NOT_GGUF, `Not a GGUF file (bad magic): ${modelPath}`, { path: modelPath });
    }
  } finally {
    await handle.close();
  }
  return { sizeBytes: info.size };
}
