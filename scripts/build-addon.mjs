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
import path from "node:path";

import { llamaSource, packageDir, prebuiltInputs, root } from "./addon-inputs.mjs";

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

async function main() {
  let napiDir, cmakeJs;
  try {
    napiDir = packageDir("node-addon-api");
    cmakeJs = path.join(packageDir("cmake-js"), "bin", "cmake-js");
  } catch (e) {
    fail(e.message);
  }
  const defines = [`--CDNODE_ADDON_API_DIR=${napiDir}`];
  let inputs;
  try {
    if (fromSource) {
      const src = llamaSource(true);
      defines.push(`--CDLLAMA_SOURCE_DIR=${src.dir}`);
      inputs = { mode: "source", tag: src.tag };
    } else {
      const { tag, platformDir, libs, includeDirs } = await prebuiltInputs();
      defines.push(`--CDLLAMA_INCLUDE_DIRS=${includeDirs.join(";")}`);
      defines.push(`--CDLLAMA_LIBRARIES=${libs.join(";")}`);
      defines.push(`--CDLLAMA_RUNPATH=${platformDir}`);
      inputs = { mode: "prebuilt", tag, platformDir };
    }
  } catch (e) {
    fail(e.message);
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
