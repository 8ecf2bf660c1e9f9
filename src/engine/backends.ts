/**
 * Which llama.cpp backend binaries the addon loads, chosen the way node-llama-cpp chooses them.
 *
 * The addon links against the libllama of node-llama-cpp's CPU package for this platform and loads that
 * package's CPU plugins. A GPU backend is one more plugin (`libggml-cuda.so`, `libggml-vulkan.so`, ...) taken
 * from node-llama-cpp's GPU package (`@node-llama-cpp/linux-x64-cuda`, ...) at node-llama-cpp's exact version:
 * the plugins of one llama.cpp build share libggml-base, so any of them loads into the process. Only the GPU
 * plugin file is loaded from a GPU package, never its CPU plugins (two CPU devices would appear).
 *
 * The choice: `gpu` "auto" (default) tries the GPU types node-llama-cpp itself would try on this machine
 * (its own driver and runtime detection, `getLlamaGpuTypes("supported")`); the same override as node-llama-cpp:
 * the `NODE_LLAMA_CPP_GPU` environment variable ("auto", "cuda", "vulkan", "metal", or "false"/"off"/"none").
 * When a GPU package is installed but its backend does not load (no driver, wrong CUDA runtime), the CPU is used
 * and `fallbackReason` says why in one line.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

import { ErrorCodes, SteerError } from "../errors.js";
import { packageRoot } from "../util/packageRoot.js";

export type GpuType = "cuda" | "vulkan" | "metal";
/** "auto": what node-llama-cpp would pick here; false: CPU only. */
export type GpuOption = "auto" | GpuType | false;

/** One node-llama-cpp binaries package as found on disk. */
export interface BinariesPackage {
  name: string;
  version: string;
  /** The folder holding its libraries and backend plugins. */
  dir: string;
}

/** One try to load a GPU backend plugin. */
export interface GpuAttempt {
  gpu: GpuType;
  package: string;
  /** The plugin file tried (absent when the package is missing or of another version). */
  file?: string;
  ok: boolean;
  /** Why it did not load (one line). */
  error?: string;
}

/** What was loaded, and why. Reported by `llama-steer info --json` as `backends`. */
export interface BackendReport {
  /** The GPU choice in effect. */
  gpu: GpuOption;
  /** Where it came from: the `gpu` option, `NODE_LLAMA_CPP_GPU`, or the default ("auto"). */
  gpuSource: "option" | "env" | "default";
  /** GPU types tried, in order (for "auto": node-llama-cpp's detection on this machine). */
  candidates: GpuType[];
  /**
   * The CPU package whose CPU plugins were loaded; null when the loaded libllama has its backends linked in
   * (a llama.cpp built from source, `linked`), or no package was found (ggml's default search).
   */
  cpu: BinariesPackage | null;
  /** The backends came linked into the libllama the addon loaded: no plugin was loaded. */
  linked: boolean;
  /** The GPU backend plugin that loaded, if any. */
  loadedGpu: { gpu: GpuType; package: string; file: string } | null;
  attempts: GpuAttempt[];
  /** One line when a GPU package is installed here but no GPU backend loaded; null otherwise. */
  fallbackReason: string | null;
}

/** The subset of the addon this module drives. */
export interface BackendLoader {
  loadBackends(binsDir?: string): boolean;
  loadBackendFile(file: string): boolean;
  takeRecentLogs(): string[];
  backendInfo(): { devices: { name: string; type: string }[] };
}

const GPU_OFF = ["false", "off", "none", "disable", "disabled"];
const GPU_NAMES: Record<GpuType, string> = { cuda: "CUDA", vulkan: "Vulkan", metal: "Metal" };

/** Parses a GPU option as node-llama-cpp parses `NODE_LLAMA_CPP_GPU`; throws on anything else. */
export function parseGpuOption(value: unknown, source: string): GpuOption {
  if (value === false) return false;
  if (typeof value === "string") {
    const v = value.trim().toLowerCase();
    if (GPU_OFF.includes(v)) return false;
    if (v === "auto" || v === "cuda" || v === "vulkan" || v === "metal") return v;
  }
  throw new SteerError(
    ErrorCodes.INVALID_ARGUMENT,
    `Expected "auto", "cuda", "vulkan", "metal" or false for ${source} but received ${JSON.stringify(value)}`,
    { name: source },
  );
}

/** The GPU choice: an explicit option wins over `NODE_LLAMA_CPP_GPU`, which wins over "auto". */
export function resolveGpuOption(option: GpuOption | undefined, env: NodeJS.ProcessEnv = process.env): { gpu: GpuOption; source: BackendReport["gpuSource"] } {
  if (option !== undefined) return { gpu: parseGpuOption(option, "gpu"), source: "option" };
  const fromEnv = env.NODE_LLAMA_CPP_GPU;
  if (fromEnv !== undefined && fromEnv !== "") return { gpu: parseGpuOption(fromEnv, "NODE_LLAMA_CPP_GPU"), source: "env" };
  return { gpu: "auto", source: "default" };
}

/** node-llama-cpp's CPU package for this platform (on macOS arm64 the Metal package is the only one). */
export function cpuPackageName(platform = process.platform, arch = process.arch): string | undefined {
  if (platform === "linux") return `@node-llama-cpp/linux-${arch === "arm" ? "armv7l" : arch}`;
  if (platform === "darwin") return arch === "arm64" ? "@node-llama-cpp/mac-arm64-metal" : "@node-llama-cpp/mac-x64";
  if (platform === "win32") return `@node-llama-cpp/win-${arch}`;
  return undefined;
}

/**
 * node-llama-cpp's GPU packages for a GPU type on this platform, in the order it reads them (a CUDA package's
 * `-ext` companion holds a fallback build of the CUDA plugin, tried when the main one does not load).
 */
export function gpuPackageNames(gpu: GpuType, platform = process.platform, arch = process.arch): string[] {
  if (arch !== "x64" && !(gpu === "metal" && platform === "darwin" && arch === "arm64")) return [];
  const os = platform === "linux" ? "linux" : platform === "win32" ? "win" : undefined;
  if (gpu === "metal") return platform === "darwin" && arch === "arm64" ? ["@node-llama-cpp/mac-arm64-metal"] : [];
  if (!os) return [];
  return gpu === "cuda" ? [`@node-llama-cpp/${os}-x64-cuda`, `@node-llama-cpp/${os}-x64-cuda-ext`] : [`@node-llama-cpp/${os}-x64-vulkan`];
}

const requireHere = () => createRequire(path.join(packageRoot(), "package.json"));

/** node-llama-cpp's own version: a binaries package of another version is not used (node-llama-cpp does the same). */
export function nodeLlamaCppVersion(): string | undefined {
  try {
    return JSON.parse(readFileSync(requireHere().resolve("node-llama-cpp/package.json"), "utf8")).version;
  } catch {
    return undefined;
  }
}

/** Finds an installed binaries package through its own `getBinsDir()`; undefined when it is not installed. */
export async function findBinariesPackage(name: string): Promise<BinariesPackage | undefined> {
  let entry: string;
  try {
    entry = requireHere().resolve(name);
  } catch {
    return undefined;
  }
  const mod = (await import(pathToFileURL(entry).href)) as { getBinsDir(): { binsDir: string; packageVersion: string } };
  const { binsDir, packageVersion } = mod.getBinsDir();
  // bins/<platform-gpu>/ holds the files; an -ext package nests one more folder (fallback/).
  const subdirs = existsSync(binsDir) ? readdirSync(binsDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => path.join(binsDir, d.name)) : [];
  return { name, version: packageVersion, dir: subdirs[0] ?? binsDir };
}

/** The backend plugin file of a GPU type in a package folder (or its `fallback/` subfolder), if present. */
export function gpuPluginFile(dir: string, gpu: GpuType, platform = process.platform): string | undefined {
  const file = platform === "win32" ? `ggml-${gpu}.dll` : `libggml-${gpu}.${platform === "darwin" ? "dylib" : "so"}`;
  for (const candidate of [path.join(dir, file), path.join(dir, "fallback", file)]) if (existsSync(candidate)) return candidate;
  return undefined;
}

/** The GPU types node-llama-cpp would try on this machine for "auto", without the CPU (`false`) entry. */
async function autoCandidates(): Promise<GpuType[]> {
  const req = requireHere();
  const nlcDir = path.dirname(req.resolve("node-llama-cpp/package.json"));
  // The module itself rather than node-llama-cpp's index (which takes ~0.5 s to import); both are the same
  // function at the pinned version, the index is the fallback if the file ever moves.
  const file = path.join(nlcDir, "dist", "bindings", "utils", "getLlamaGpuTypes.js");
  const mod = (await import(existsSync(file) ? pathToFileURL(file).href : "node-llama-cpp")) as { getLlamaGpuTypes(include: "supported"): Promise<(GpuType | false)[]> };
  return (await mod.getLlamaGpuTypes("supported")).filter((g): g is GpuType => g !== false);
}

/** ggml's last logged error, on one line, with the plugin's folder dropped ("failed to load libggml-cuda.so: ..."). */
function lastError(logs: string[], file: string): string | undefined {
  const line = logs.map((l) => l.trim()).filter(Boolean).at(-1);
  return line?.replace(/^\w+:\s*/, "").split(file).join(path.basename(file)).replace(/\s+/g, " ");
}

const hasGpuDevice = (addon: BackendLoader) => addon.backendInfo().devices.some((d) => d.type === "gpu" || d.type === "igpu");

/** The kind of the first GPU device registered ("CUDA0", "Vulkan0", "MTL0"/"Metal"), if any. */
function gpuDeviceType(addon: BackendLoader): GpuType | undefined {
  const device = addon.backendInfo().devices.find((d) => d.type === "gpu" || d.type === "igpu");
  if (!device) return undefined;
  const name = device.name.toLowerCase();
  return name.startsWith("vulkan") ? "vulkan" : name.startsWith("mtl") || name.startsWith("metal") ? "metal" : "cuda";
}

/**
 * Loads the CPU backend and, if chosen and installed, one GPU backend. Throws ADDON_LOAD_FAILED only when no
 * CPU backend loads; a GPU backend that does not load falls back to the CPU with `fallbackReason`.
 */
export async function loadBackendBinaries(addon: BackendLoader, option?: GpuOption): Promise<BackendReport> {
  const { gpu, source } = resolveGpuOption(option);
  // A source build of llama.cpp (backends linked in) registers its CPU backend before any plugin is loaded.
  const linked = addon.backendInfo().devices.some((d) => d.type === "cpu");
  const cpuName = cpuPackageName();
  const cpu = linked || !cpuName ? undefined : await findBinariesPackage(cpuName).catch(() => undefined);
  if (!addon.loadBackends(cpu?.dir)) {
    throw new SteerError(ErrorCodes.ADDON_LOAD_FAILED, `No llama.cpp CPU backend could be loaded${cpu ? ` from ${cpu.dir}` : ""}.`, { binsDir: cpu?.dir });
  }
  const version = nodeLlamaCppVersion();
  const allTypes: GpuType[] = ["cuda", "vulkan", "metal"];
  const installed = new Map<string, BinariesPackage>();
  for (const t of allTypes) {
    for (const name of gpuPackageNames(t)) {
      const pkg = await findBinariesPackage(name).catch(() => undefined);
      if (pkg) installed.set(name, pkg);
    }
  }
  // Plugins of node-llama-cpp's packages are never mixed into a source build's libggml.
  const candidates = gpu === false || linked ? [] : gpu === "auto" ? (installed.size > 0 ? await autoCandidates().catch(() => []) : []) : [gpu];
  const attempts: GpuAttempt[] = [];
  let loadedGpu: BackendReport["loadedGpu"] = null;
  // A GPU backend that came with the CPU's: Metal in macOS arm64's only package, or a llama.cpp built with its
  // GPU backend linked in ($LLAMA_STEER_LLAMA_LIB_DIR builds, e.g. scripts/device-check.sh).
  const builtIn = gpu === false ? undefined : gpuDeviceType(addon);
  if (builtIn) loadedGpu = { gpu: builtIn, package: cpu?.name ?? "(linked into libllama)", file: cpu?.dir ?? "" };
  for (const type of loadedGpu ? [] : candidates) {
    if (loadedGpu) break;
    const names = gpuPackageNames(type);
    if (names.length === 0) attempts.push({ gpu: type, package: "", ok: false, error: `node-llama-cpp ships no ${GPU_NAMES[type]} binaries for ${process.platform}-${process.arch}` });
    for (const name of names) {
      const pkg = installed.get(name);
      if (!pkg) {
        if (name === names[0]) attempts.push({ gpu: type, package: name, ok: false, error: `${name} is not installed` });
        continue;
      }
      if (version !== undefined && pkg.version !== version) {
        attempts.push({ gpu: type, package: name, ok: false, error: `${name} is version ${pkg.version}, node-llama-cpp is ${version}` });
        continue;
      }
      const file = gpuPluginFile(pkg.dir, type);
      if (!file) {
        attempts.push({ gpu: type, package: name, ok: false, error: `${name} has no ${GPU_NAMES[type]} plugin in ${pkg.dir}` });
        continue;
      }
      addon.takeRecentLogs();
      const registered = addon.loadBackendFile(file);
      const logs = addon.takeRecentLogs();
      if (registered && hasGpuDevice(addon)) {
        attempts.push({ gpu: type, package: name, file, ok: true });
        loadedGpu = { gpu: type, package: name, file };
        break;
      }
      const logged = lastError(logs, file);
      const why = registered ? `the ${GPU_NAMES[type]} backend loaded but found no device${logged ? ` (${logged})` : ""}` : (logged ?? `${path.basename(file)} reports no support on this system`);
      attempts.push({ gpu: type, package: name, file, ok: false, error: why });
    }
  }
  const reason = loadedGpu ? null : linked ? (gpu === false ? null : "using the CPU: the loaded libllama was built without a GPU backend") : fallbackReason(gpu, installed, attempts);
  return { gpu, gpuSource: source, candidates, cpu: cpu ?? null, linked, loadedGpu, attempts, fallbackReason: reason };
}

function fallbackReason(gpu: GpuOption, installed: Map<string, BinariesPackage>, attempts: GpuAttempt[]): string | null {
  const tried = attempts.filter((a) => a.file !== undefined || installed.has(a.package));
  if (tried.length > 0) return `using the CPU: ${tried.map((a) => `${a.package}: ${a.error}`).join("; ")}`;
  if (gpu !== "auto" && gpu !== false) return `using the CPU: ${attempts.map((a) => a.error).join("; ") || `no ${GPU_NAMES[gpu]} backend`}`;
  if (gpu === "auto" && installed.size > 0) {
    const names = [...installed.keys()].filter((n) => !n.endsWith("-ext"));
    return `using the CPU: ${names.join(", ")} installed, but node-llama-cpp's detection finds no GPU driver and runtime for ${names.length > 1 ? "them" : "it"} here (NODE_LLAMA_CPP_GPU=cuda|vulkan tries anyway)`;
  }
  return null;
}
