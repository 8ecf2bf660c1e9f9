/**
 * Fetching a manifest model into the cache: answer from a verified cached file when possible, otherwise try the
 * sources in manifest order under a per-model lock, publish the first candidate whose size and sha256 match, and
 * fail with one message that lists every source tried and why it failed.
 */
import { mkdir, mkdtemp, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { ErrorCodes, SteerError, abortedError, isSteerError, throwIfAborted } from "../errors.js";
import { defaultFetchBackends, type FetchBackends } from "./backends.js";
import { checkCachedFile, defaultModelCacheDir, hasValidMarker, writeVerifiedMarker } from "./cache.js";
import { withFileLock } from "./lock.js";
import { describeSource, type ModelManifestEntry } from "./manifest.js";
import { runSource, type FetchProgress } from "./sources.js";

export interface FetchModelOptions {
  /** Folder that holds the model files. Default: `$LLAMA_STEER_CACHE`, else `~/.cache/llama-steer/models`. */
  cacheDir?: string;
  /** Cancels the fetch; temp files are removed and nothing is published. Default: none. */
  signal?: AbortSignal;
  /** Called as work advances (cache check, waiting for another fetch, download, assembly, verification). Default: none. */
  onProgress?: (progress: FetchProgress) => void;
}

export interface FetchedModel {
  readonly name: string;
  /** Absolute path of the verified GGUF file. */
  readonly path: string;
  readonly sha256: string;
  /** "cache" when the file was already there, else the label of the source that delivered it. */
  readonly source: string;
}

export interface SourceAttempt {
  readonly source: string;
  readonly reason: string;
}

/** Prefix of the per-attempt work folders inside the cache folder; leftovers of killed runs are swept. */
const WORK_DIR_PREFIX = ".fetch-";

/** Fetches `entry` into the cache folder. `backends` is replaceable for tests and offline mirrors. */
export async function fetchManifestEntry(
  entry: ModelManifestEntry,
  options: FetchModelOptions = {},
  backends: FetchBackends = defaultFetchBackends,
): Promise<FetchedModel> {
  const { signal } = options;
  const report = options.onProgress ?? ((): void => undefined);
  throwIfAborted(signal);
  const cacheDir = options.cacheDir ?? defaultModelCacheDir();
  await mkdir(cacheDir, { recursive: true });
  const modelPath = join(cacheDir, entry.file);
  const found = (source: string): FetchedModel => {
    report({ phase: "done", source, bytes: entry.size, totalBytes: entry.size });
    return { name: entry.name, path: modelPath, sha256: entry.sha256, source };
  };

  // Fast path without the lock: a published file is complete (it arrived by rename) and the marker proves its hash.
  if (await hasValidMarker(modelPath, entry)) return found("cache");

  const lockOptions = {
    signal,
    onWait: () => report({ phase: "wait-lock", source: "cache", bytes: 0 }),
  };
  return withFileLock(`${modelPath}.lock`, lockOptions, async () => {
    // Whatever another fetch left behind is ours to clean now that we hold the lock.
    await sweepWorkDirs(cacheDir, entry.file);
    const state = await checkCachedFile(modelPath, entry, {
      signal,
      onBytes: (bytes) => report({ phase: "verify-cache", source: "cache", bytes, totalBytes: entry.size }),
    });
    if (state === "valid") return found("cache");

    const attempts: SourceAttempt[] = [];
    for (const source of entry.sources) {
      throwIfAborted(signal);
      const sourceLabel = describeSource(source);
      const workDir = await mkdtemp(join(cacheDir, `${WORK_DIR_PREFIX}${entry.file}-`));
      try {
        const candidate = await runSource({ entry, source, sourceLabel, workDir, backends, signal, onProgress: report });
        report({ phase: "verify", source: sourceLabel, bytes: candidate.size, totalBytes: entry.size });
        const mismatch = describeMismatch(entry, candidate);
        if (mismatch !== undefined) throw new SteerError(ErrorCodes.CHECKSUM_MISMATCH, mismatch);
        await rename(candidate.path, modelPath);
        await writeVerifiedMarker(modelPath, candidate.sha256);
        return found(sourceLabel);
      } catch (error) {
        if (signal?.aborted) throw abortedError(signal.reason);
        if (isSteerError(error, ErrorCodes.ABORTED)) throw error;
        attempts.push({ source: sourceLabel, reason: oneLine(error) });
      } finally {
        await rm(workDir, { recursive: true, force: true });
      }
    }
    throw fetchFailedError(entry, attempts);
  });
}

function describeMismatch(entry: ModelManifestEntry, candidate: { size: number; sha256: string }): string | undefined {
  if (candidate.size !== entry.size) {
    return `got ${candidate.size} bytes, expected ${entry.size} (truncated or wrong file); sha256 ${candidate.sha256}`;
  }
  if (candidate.sha256 !== entry.sha256) return `sha256 mismatch: got ${candidate.sha256}, expected ${entry.sha256}`;
  return undefined;
}

export function fetchFailedError(entry: ModelManifestEntry, attempts: readonly SourceAttempt[]): SteerError {
  const tried = attempts.map((attempt, i) => `(${i + 1}) ${attempt.source}: ${attempt.reason}`).join("; ");
  return new SteerError(
    ErrorCodes.FETCH_FAILED,
    `Could not fetch model "${entry.name}" (${entry.file}); tried ${attempts.length} source(s): ${tried}`,
    { name: entry.name, file: entry.file, attempts },
  );
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const flat = message.replace(/\s+/g, " ").trim();
  return flat.length > 600 ? flat.slice(0, 597) + "..." : flat;
}

async function sweepWorkDirs(cacheDir: string, file: string): Promise<void> {
  const prefix = `${WORK_DIR_PREFIX}${file}-`;
  for (const name of await readdir(cacheDir)) {
    if (name.startsWith(prefix)) await rm(join(cacheDir, name), { recursive: true, force: true });
  }
}
