/**
 * The model cache folder and the checks that decide whether a cached file may be used.
 *
 * Hashing a 250 MB model takes about a second, so a file is hashed once and a small `<file>.verified` marker
 * records the sha256 together with the size and mtime seen at that moment. Later checks trust the marker only
 * while size and mtime are unchanged; any rewrite of the file invalidates it and forces a fresh hash.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, rm, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { abortedError } from "../errors.js";

/** Environment variable that overrides the model cache folder. */
export const CACHE_DIR_ENV = "LLAMA_STEER_CACHE";

/** `$LLAMA_STEER_CACHE` if set and non-empty, else `~/.cache/llama-steer/models`. */
export function defaultModelCacheDir(): string {
  const fromEnv = process.env[CACHE_DIR_ENV];
  return fromEnv !== undefined && fromEnv !== "" ? fromEnv : join(homedir(), ".cache", "llama-steer", "models");
}

export function verifiedMarkerPath(modelPath: string): string {
  return `${modelPath}.verified`;
}

interface VerifiedMarker {
  sha256: string;
  size: number;
  mtimeMs: number;
}

/** Streams the file through sha256; `onBytes` receives the running byte count. */
export async function sha256File(path: string, options: { signal?: AbortSignal; onBytes?: (bytes: number) => void } = {}): Promise<string> {
  const hash = createHash("sha256");
  let bytes = 0;
  try {
    for await (const chunk of createReadStream(path, { signal: options.signal, highWaterMark: 1 << 20 })) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
      options.onBytes?.(bytes);
    }
  } catch (error) {
    if (options.signal?.aborted) throw abortedError(options.signal.reason);
    throw error;
  }
  return hash.digest("hex");
}

/** Records that `modelPath`, as it is on disk now, has `sha256`. */
export async function writeVerifiedMarker(modelPath: string, sha256: string): Promise<void> {
  const { size, mtimeMs } = await stat(modelPath);
  const marker: VerifiedMarker = { sha256, size, mtimeMs };
  await writeFile(verifiedMarkerPath(modelPath), JSON.stringify(marker) + "\n");
}

/** True when a marker exists and matches both the expected checksum and the file's current size and mtime. */
export async function hasValidMarker(modelPath: string, expected: { sha256: string; size: number }): Promise<boolean> {
  let marker: Partial<VerifiedMarker>;
  let current: { size: number; mtimeMs: number };
  try {
    marker = JSON.parse(await readFile(verifiedMarkerPath(modelPath), "utf8")) as Partial<VerifiedMarker>;
    current = await stat(modelPath);
  } catch {
    return false; // no marker, unreadable marker, or no file: all mean "not verified"
  }
  return (
    marker.sha256 === expected.sha256 &&
    marker.size === expected.size &&
    current.size === expected.size &&
    marker.mtimeMs === current.mtimeMs
  );
}

export type CachedFileState = "valid" | "missing" | "discarded";

/**
 * Decides whether the file at `modelPath` is the expected model. A file of the wrong size or checksum is deleted
 * (with its marker) so that it can never be returned, and "discarded" is reported.
 */
export async function checkCachedFile(
  modelPath: string,
  expected: { sha256: string; size: number },
  options: { signal?: AbortSignal; onBytes?: (bytes: number) => void } = {},
): Promise<CachedFileState> {
  let size: number;
  try {
    ({ size } = await stat(modelPath));
  } catch {
    await rm(verifiedMarkerPath(modelPath), { force: true });
    return "missing";
  }
  if (size === expected.size) {
    if (await hasValidMarker(modelPath, expected)) return "valid";
    const actual = await sha256File(modelPath, options);
    if (actual === expected.sha256) {
      await writeVerifiedMarker(modelPath, actual);
      return "valid";
    }
  }
  await discardCachedFile(modelPath);
  return "discarded";
}

export async function discardCachedFile(modelPath: string): Promise<void> {
  await rm(verifiedMarkerPath(modelPath), { force: true });
  await rm(modelPath, { force: true });
}
