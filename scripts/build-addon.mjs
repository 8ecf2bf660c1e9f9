#!/usr/bin/env node
// Builds the native addon (build/Release/llama_steer.node) against node-llama-cpp's prebuilt llama.cpp.
//
//   node scripts/build-addon.mjs            build unless an up-to-date addon exists
//   node scripts/build-addon.mjs --force    rebuild
//   node scripts/build-addon.mjs --from-source   build llama.cpp from node-llama-cpp's bundled source (~2 min)
//   node scripts/build-addon.mjs --sanitize      AddressSanitizer build (for the native test suite)
//   node scripts/build-addon.mjs --out=DIR       build into DIR/Release instead of build/Release (load it with
//                                                LLAMA_STEER_ADDON=DIR/Release/llama_steer.node)
//
// Headers come from the llama.cpp source bundled in node-llama-cpp (a git bundle) and are extracted
// into .llama-src/<tag>; the libraries come from @node-llama-cpp/<platform>. Nothing is downloaded.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { extractLlamaSource } from "./llama-source.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(path.join(root, "package.json"));
const args = new Set(process.argv.slice(2));
const fromSource = args.has("--from-source") || process.env.LLAMA_STEER_FROM_SOURCE === "1";
const sanitize = args.has("--sanitize") || process.env.LLAMA_STEER_SANITIZE === "1";
const force = args.has("--force") || fromSource || sanitize;
const outArg = process.argv.slice(2).find((a) => a.startsWith("--out="));
const outDir = outArg ? path.resolve(outArg.slice("--out=".length)) : path.join(root, "build");
const addonPath = path.join(outDir, "Release", "llama_steer.node");
const stampPath = path.join(outDir, "addon-stamp.json");

function fail(message) {
  console.error(`llama-steer: cannot build the native addon: ${message}`);
  process.exit(1);
}

function packageDir(name) {
  let dir = path.dirname(require.resolve(name));
  while (!existsSync(path.join(dir, "package.json")) || JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")).name !== name) {
    const parent = path.dirname(dir);
    if (parent === dir) fail(`cannot find the folder of ${name}`);
    dir = parent;
  }
  return dir;
}

function platformPackageName() {
  const arch = process.arch;
  if (process.platform === "linux") return `@node-llama-cpp/linux-${arch === "arm" ? "armv7l" : arch}`;
  if (process.platform === "darwin") return arch === "arm64" ? "@node-llama-cpp/mac-arm64-metal" : "@node-llama-cpp/mac-x64";
  if (process.platform === "win32") return `@node-llama-cpp/win-${arch}`;
  return undefined;
}

/** The bundled llama.cpp source (headers, or the whole tree), extracted once per tag. */
function llamaSource(nlcDir, whole) {
  try {
    return extractLlamaSource(nlcDir, { root, whole });
  } catch (e) {
    fail(e.message);
  }
}

async function prebuiltLibraries() {
  const name = platformPackageName();
  if (!name) fail(`no prebuilt llama.cpp for ${process.platform}-${process.arch}; run with --from-source`);
  let binsDir;
  try {
    const mod = await import(pathToFileURL(path.join(packageDir(name), "dist", "index.js")).href);
    binsDir = mod.getBinsDir().binsDir;
  } catch (e) {
    fail(`${name} is not installed (${e.message}); install it or run with --from-source`);
  }
  const platformDir = readdirSync(binsDir).map((d) => path.join(binsDir, d)).find((d) => existsSync(d) && readdirSync(d).some((f) => /^(lib)?llama[.\w-]*\.(so|dylib|lib)$/.test(f)));
  if (!platformDir) fail(`no libllama found under ${binsDir}`);
  const files = readdirSync(platformDir);
  const pick = (re, what) => {
    const f = files.find((x) => re.test(x));
    if (!f) fail(`no ${what} in ${platformDir}`);
    return path.join(platformDir, f);
  };
  const ext = process.platform === "win32" ? "lib" : process.platform === "darwin" ? "dylib" : "so";
  const libs = [
    pick(new RegExp(`^(lib)?llama(\\.v[\\d.]+)?\\.${ext}$`), "libllama"),
    pick(new RegExp(`^(lib)?ggml(\\.v[\\d.]+)?\\.${ext}$`), "libggml"),
    pick(new RegExp(`^(lib)?ggml-base(\\.v[\\d.]+)?\\.${ext}$`), "libggml-base"),
  ];
  return { platformDir, libs };
}

async function main() {
  const nlcDir = packageDir("node-llama-cpp");
  const napiDir = packageDir("node-addon-api");
  const cmakeJs = path.join(packageDir("cmake-js"), "bin", "cmake-js");
  const defines = [`--CDNODE_ADDON_API_DIR=${napiDir}`];
  let inputs;
  if (fromSource) {
    const src = llamaSource(nlcDir, true);
    defines.push(`--CDLLAMA_SOURCE_DIR=${src.dir}`);
    inputs = { mode: "source", tag: src.tag };
  } else {
    const headers = llamaSource(nlcDir, false);
    const { platformDir, libs } = await prebuiltLibraries();
    defines.push(`--CDLLAMA_INCLUDE_DIRS=${path.join(headers.dir, "include")};${path.join(headers.dir, "ggml", "include")}`);
    defines.push(`--CDLLAMA_LIBRARIES=${libs.join(";")}`);
    defines.push(`--CDLLAMA_RUNPATH=${platformDir}`);
    inputs = { mode: "prebuilt", tag: headers.tag, platformDir };
  }
  if (sanitize) defines.push("--CDLLAMA_STEER_SANITIZE=ON");
  const sources = ["CMakeLists.txt", ...readdirSync(path.join(root, "native")).map((f) => path.join("native", f))].sort();
  const hash = createHash("sha256");
  for (const f of sources) hash.update(f).update(readFileSync(path.join(root, f)));
  const stamp = JSON.stringify({ ...inputs, sanitize, sources: hash.digest("hex") });
  if (!force && existsSync(addonPath) && existsSync(stampPath) && readFileSync(stampPath, "utf8") === stamp) {
    console.error("llama-steer: native addon is up to date");
    return;
  }
  console.error(`llama-steer: building the native addon (${inputs.mode}${sanitize ? ", AddressSanitizer" : ""})...`);
  // The compiler's output goes to a log file (a from-source build prints megabytes of warnings; a pipe
  // with a buffer limit would kill it), shown only when the build fails.
  mkdirSync(outDir, { recursive: true });
  const logPath = path.join(outDir, "build.log");
  const log = process.env.LLAMA_STEER_BUILD_VERBOSE ? "inherit" : openSync(logPath, "w");
  const r = spawnSync(process.execPath, [cmakeJs, "compile", "--out", outDir, ...defines], { cwd: root, stdio: ["ignore", log, log] });
  if (typeof log === "number") closeSync(log);
  if (r.status !== 0) {
    if (typeof log === "number") process.stderr.write(readFileSync(logPath, "utf8").split("\n").slice(-60).join("\n"));
    fail(`cmake-js exited with ${r.status ?? r.signal}; full log: ${logPath}`);
  }
  writeFileSync(stampPath, stamp);
  console.error(`llama-steer: built ${path.relative(root, addonPath)}`);
}

await main();
