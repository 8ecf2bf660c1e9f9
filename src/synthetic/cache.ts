/**
 * A cache of synthetic model files, so tests share one file per option set instead of writing a
 * model each time. The file name carries a hash of the resolved options and of the generator
 * version, so a changed generator never serves a stale file.
 */
import { createHash } from "node:crypto";
import { homedir } from "node:os";
import { join, resolve, sep } from "node:path";
import { isSteerError } from "../errors.js";
import { readGgufHeader } from "../gguf/reader.js";
import { packageRoot } from "../util/packageRoot.js";
import { assertString } from "../util/validate.js";
import type { SyntheticArchitecture } from "./architectures.js";
import { resolveSyntheticModelOptions, writeSyntheticModel, type SyntheticModelOptions } from "./model.js";

/** Bump whenever the bytes a given option set produces change (vocabulary, init, layout). */
export const SYNTHETIC_GENERATOR_VERSION = 1;

const CACHE_FOLDER_NAME = "llama-steer";

export interface SyntheticCacheOptions {
  /** Folder holding the cached models. Default: `syntheticCacheDir()`. */
  cacheDir?: string;
}

/**
 * The root of llama-steer's caches:
 * 1. `$LLAMA_STEER_CACHE` when set;
 * 2. `<package root>/.cache` when running from a checkout (the package is not under node_modules);
 * 3. the OS cache folder otherwise: `%LOCALAPPDATA%\llama-steer\Cache` on Windows,
 *    `~/Library/Caches/llama-steer` on macOS, `$XDG_CACHE_HOME/llama-steer` (or `~/.cache/llama-steer`) elsewhere.
 */
export function defaultCacheRoot(): string {
  const fromEnv = process.env.LLAMA_STEER_CACHE;
  if (fromEnv !== undefined && fromEnv.length > 0) return resolve(fromEnv);
  const checkout = findPackageRoot();
  if (checkout !== undefined && !checkout.split(sep).includes("node_modules")) return join(checkout, ".cache");
  if (process.platform === "win32") return join(process.env.LOCALAPPDATA ?? join(homedir(), "AppData", "Local"), CACHE_FOLDER_NAME, "Cache");
  if (process.platform === "darwin") return join(homedir(), "Library", "Caches", CACHE_FOLDER_NAME);
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg !== undefined && xdg.length > 0 ? xdg : join(homedir(), ".cache"), CACHE_FOLDER_NAME);
}

/** Where synthetic models are cached: `<defaultCacheRoot()>/synthetic`. */
export function syntheticCacheDir(): string {
  return join(defaultCacheRoot(), "synthetic");
}

/** llama-steer's package folder, or undefined if it cannot be found (a bundled copy). */
function findPackageRoot(): string | undefined {
  try {
    return packageRoot();
  } catch {
    return undefined;
  }
}

/** The cache file name for a set of options: readable prefix, then a hash of everything that shapes the bytes. */
export function syntheticModelFileName(options: SyntheticModelOptions = {}): string {
  const resolved = resolveSyntheticModelOptions(options);
  const hash = createHash("sha256").update(JSON.stringify({ v: SYNTHETIC_GENERATOR_VERSION, ...resolved })).digest("hex").slice(0, 12);
  const twin = resolved.twin ? "-twin" : "";
  const f16 = resolved.f16 ? "-f16" : "";
  return `${resolved.arch}-l${resolved.layers}-e${resolved.embd}-s${resolved.seed}${f16}${twin}-${hash}.gguf`;
}

/**
 * The path of a cached synthetic model of architecture `arch`, writing it first if it is missing or
 * unreadable. Safe to call from several processes at once (each writes a temporary file and renames it).
 */
export async function syntheticModelPath(
  arch: SyntheticArchitecture = "llama",
  options: Omit<SyntheticModelOptions, "arch"> & SyntheticCacheOptions = {},
): Promise<string> {
  const { cacheDir, ...modelOptions } = options;
  if (cacheDir !== undefined) assertString("options.cacheDir", cacheDir, { nonEmpty: true });
  const fullOptions: SyntheticModelOptions = { ...modelOptions, arch };
  const path = join(cacheDir ?? syntheticCacheDir(), syntheticModelFileName(fullOptions));
  if (await isIntactGguf(path)) return path;
  await writeSyntheticModel(path, fullOptions);
  return path;
}

async function isIntactGguf(path: string): Promise<boolean> {
  try {
    await readGgufHeader(path, { maxArrayElements: 0 });
    return true;
  } catch (e) {
    // Missing or damaged: regenerate. Anything else (a bug) should surface.
    if (isSteerError(e)) return false;
    throw e;
  }
}
