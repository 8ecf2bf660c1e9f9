#!/usr/bin/env node
/**
 * What both build paths of the addon need, computed in one place:
 *  - native/addon.json: the addon's sources, defines and compiler flags (CMakeLists.txt reads it too);
 *  - the prebuilt llama.cpp of node-llama-cpp's platform package: headers from its bundled source, the three
 *    libraries to link (libllama, libggml, libggml-base) and the folder they live in (the addon's RUNPATH).
 *
 * scripts/build-addon.mjs (cmake-js) imports it; binding.gyp (node-gyp) runs it:
 *   node scripts/addon-inputs.mjs sources|defines|flags|cxx_standard|msvc_flags|include_dirs|libraries|runpath
 * prints that list, one item per line (gyp's <!@(...) splits on whitespace). Nothing is downloaded.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { extractLlamaSource } from "./llama-source.mjs";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(path.join(root, "package.json"));

/** native/addon.json */
export function addonConfig() {
  return JSON.parse(readFileSync(path.join(root, "native", "addon.json"), "utf8"));
}

/** The folder of an installed package (the one holding its package.json). */
export function packageDir(name) {
  let dir = path.dirname(require.resolve(name));
  while (!existsSync(path.join(dir, "package.json")) || JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")).name !== name) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the folder of ${name}`);
    dir = parent;
  }
  return dir;
}

/** node-llama-cpp's CPU package for this platform (on macOS arm64 the Metal package is the only one). */
export function platformPackageName() {
  const arch = process.arch;
  if (process.platform === "linux") return `@node-llama-cpp/linux-${arch === "arm" ? "armv7l" : arch}`;
  if (process.platform === "darwin") return arch === "arm64" ? "@node-llama-cpp/mac-arm64-metal" : "@node-llama-cpp/mac-x64";
  if (process.platform === "win32") return `@node-llama-cpp/win-${arch}`;
  return undefined;
}

/** llama.cpp's headers (or whole tree) from node-llama-cpp's bundle: { dir, tag }. */
export function llamaSource(whole) {
  return extractLlamaSource(packageDir("node-llama-cpp"), { root, whole });
}

/**
 * The prebuilt libraries to link and their folder. $LLAMA_STEER_LLAMA_LIB_DIR overrides the folder (a llama.cpp
 * built elsewhere with shared libraries, e.g. with CUDA by scripts/device-check.sh).
 * @returns {Promise<{ platformDir: string, libs: string[] }>}
 * @throws Error with a one-line reason
 */
export async function prebuiltLibraries() {
  let platformDir = process.env.LLAMA_STEER_LLAMA_LIB_DIR;
  if (!platformDir) {
    const name = platformPackageName();
    if (!name) throw new Error(`no prebuilt llama.cpp for ${process.platform}-${process.arch}; run with --from-source`);
    let binsDir;
    try {
      const mod = await import(pathToFileURL(path.join(packageDir(name), "dist", "index.js")).href);
      binsDir = mod.getBinsDir().binsDir;
    } catch (e) {
      throw new Error(`${name} is not installed (${e.message}); install it or run with --from-source`);
    }
    platformDir = readdirSync(binsDir).map((d) => path.join(binsDir, d)).find((d) => existsSync(d) && readdirSync(d).some((f) => /^(lib)?llama[.\w-]*\.(so|dylib|lib)$/.test(f)));
    if (!platformDir) throw new Error(`no libllama found under ${binsDir}`);
  }
  const files = readdirSync(platformDir);
  const ext = process.platform === "win32" ? "lib" : process.platform === "darwin" ? "dylib" : "so";
  const pick = (stem, what) => {
    const f = files.find((x) => new RegExp(`^(lib)?${stem}(\\.[\\w]+)?(\\.v[\\d.]+)?\\.${ext}$`).test(x));
    if (!f) throw new Error(`no ${what} in ${platformDir}`);
    return path.join(platformDir, f);
  };
  return { platformDir, libs: [pick("llama", "libllama"), pick("ggml", "libggml"), pick("ggml-base", "libggml-base")] };
}

/** Everything the prebuilt build links and includes. */
export async function prebuiltInputs() {
  const headers = llamaSource(false);
  const { platformDir, libs } = await prebuiltLibraries();
  return { tag: headers.tag, platformDir, libs, includeDirs: [path.join(headers.dir, "include"), path.join(headers.dir, "ggml", "include")] };
}

async function printForGyp(key) {
  const config = addonConfig();
  const lists = {
    sources: () => config.sources,
    defines: () => config.defines,
    flags: () => config.flags,
    cxx_standard: () => [`gnu++${config.cxxStandard}`],
    msvc_flags: () => config.msvcFlags,
    include_dirs: async () => [packageDir("node-addon-api"), ...(await prebuiltInputs()).includeDirs],
    libraries: async () => (await prebuiltLibraries()).libs,
    runpath: async () => [(await prebuiltLibraries()).platformDir],
  };
  if (!(key in lists)) throw new Error(`unknown key "${key}"; known: ${Object.keys(lists).join(", ")}`);
  const items = await lists[key]();
  for (const item of items) if (/\s/.test(item)) throw new Error(`"${item}" has whitespace, which gyp's list expansion cannot carry; use the cmake-js build (npm run build:native)`);
  process.stdout.write(items.join("\n") + "\n");
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await printForGyp(process.argv[2]);
  } catch (e) {
    console.error(`llama-steer: addon-inputs: ${e.message}`);
    process.exit(1);
  }
}
