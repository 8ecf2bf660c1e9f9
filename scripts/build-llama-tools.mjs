#!/usr/bin/env node
// Builds two of llama.cpp's own command-line tools from the llama.cpp source node-llama-cpp ships,
// to compare llama-steer against them (bench) and to check that llama.cpp loads the control vectors
// llama-steer writes (tests). CPU only, Release. Not part of `npm install`.
//
//   node scripts/build-llama-tools.mjs            build unless already built
//   node scripts/build-llama-tools.mjs --force    rebuild
//   node scripts/build-llama-tools.mjs --print    print the bin folder (and build nothing)
//
// Targets: llama-cvector-generator (control vectors from prompt pairs), llama-completion (plain
// generation; accepts --control-vector / --control-vector-scaled) and llama-server (the OpenAI-style
// server the load benchmarks compare `llama-steer serve` and `eval` against). Output:
//   .cache/llama-tools/<tag>/bin/   the executables (statically linked against llama.cpp)
//   .cache/llama-tools/<tag>/build.log   the configure and compiler output
// The source tree is checked out from node-llama-cpp's llama/gitRelease.bundle into
// .llama-src/<tag>-full (the same place `build-addon.mjs --from-source` uses). Nothing is downloaded.
// A few minutes on two cores.
import { spawnSync } from "node:child_process";
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { extractLlamaSource } from "./llama-source.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(path.join(root, "package.json"));
const args = new Set(process.argv.slice(2));
const TARGETS = ["llama-cvector-generator", "llama-completion", "llama-server"];
const exe = process.platform === "win32" ? ".exe" : "";

function fail(message) {
  console.error(`build-llama-tools: ${message}`);
  process.exit(1);
}

function nodeLlamaCppDir() {
  let dir;
  try {
    dir = path.dirname(require.resolve("node-llama-cpp"));
  } catch {
    fail("node-llama-cpp is not installed; run npm install first");
  }
  while (!existsSync(path.join(dir, "llama", "llama.cpp.info.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) fail("cannot find node-llama-cpp's llama/ folder");
    dir = parent;
  }
  return dir;
}

function requireTool(command, versionArgs, why) {
  const r = spawnSync(command, versionArgs, { stdio: "ignore" });
  if (r.error || r.status !== 0) fail(`${command} is needed ${why} but was not found on PATH`);
}

function findCompiler() {
  const candidates = process.env.CXX ? [process.env.CXX] : process.platform === "win32" ? ["cl"] : ["c++", "g++", "clang++"];
  for (const c of candidates) {
    const r = spawnSync(c, process.platform === "win32" ? [] : ["--version"], { stdio: "ignore" });
    if (!r.error) return c;
  }
  fail(`no C++17 compiler found (tried ${candidates.join(", ")}; set CXX to choose one)`);
}

/** Checks out the whole bundled source once per tag (the folder `build-addon.mjs --from-source` uses too). */
function checkoutSource(nlcDir) {
  try {
    const onExtract = (bundle, tag) => console.error(`build-llama-tools: checking out llama.cpp ${tag} from ${path.relative(root, bundle)} ...`);
    return extractLlamaSource(nlcDir, { root, whole: true, onExtract }).dir;
  } catch (e) {
    fail(e.message);
  }
}

function main() {
  const nlcDir = nodeLlamaCppDir();
  const { tag } = JSON.parse(readFileSync(path.join(nlcDir, "llama", "llama.cpp.info.json"), "utf8"));
  const outDir = path.join(root, ".cache", "llama-tools", tag);
  const binDir = path.join(outDir, "bin");
  if (args.has("--print")) {
    console.log(binDir);
    return;
  }
  const stampPath = path.join(outDir, "stamp.json");
  const stamp = JSON.stringify({ tag, targets: TARGETS, platform: `${process.platform}-${process.arch}` });
  const built = TARGETS.every((t) => existsSync(path.join(binDir, t + exe)));
  if (!args.has("--force") && built && existsSync(stampPath) && readFileSync(stampPath, "utf8") === stamp) {
    console.error(`build-llama-tools: already built in ${path.relative(root, binDir)}`);
    return;
  }

  requireTool("git", ["--version"], "to check out llama.cpp's source from node-llama-cpp's bundle");
  requireTool("cmake", ["--version"], "to build llama.cpp (CMake >= 3.14)");
  const cxx = findCompiler();
  const ninja = spawnSync("ninja", ["--version"], { stdio: "ignore" }).status === 0;
  const src = checkoutSource(nlcDir);

  const buildDir = path.join(outDir, "build");
  mkdirSync(buildDir, { recursive: true });
  const logPath = path.join(outDir, "build.log");
  // The compiler's output goes to a file: it is long, and a pipe with a buffer limit would stall it.
  const log = openSync(logPath, "w");
  const run = (what, command, commandArgs) => {
    writeFileSync(log, `\n$ ${command} ${commandArgs.join(" ")}\n`);
    const r = spawnSync(command, commandArgs, { cwd: buildDir, stdio: ["ignore", log, log] });
    if (r.status !== 0) {
      closeSync(log);
      process.stderr.write(readFileSync(logPath, "utf8").split("\n").slice(-40).join("\n") + "\n");
      fail(`${what} failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`}); full log: ${logPath}`);
    }
  };
  const jobs = String(Math.max(1, os.availableParallelism?.() ?? os.cpus().length));
  console.error(`build-llama-tools: configuring llama.cpp ${tag} (CPU only, Release); log: ${path.relative(root, logPath)}`);
  run("cmake configure", "cmake", [
    "-S", src,
    "-B", buildDir,
    ...(ninja ? ["-G", "Ninja"] : []),
    "-DCMAKE_BUILD_TYPE=Release",
    `-DCMAKE_CXX_COMPILER=${cxx}`,
    "-DBUILD_SHARED_LIBS=OFF",
    "-DGGML_BACKEND_DL=OFF",
    "-DGGML_CUDA=OFF",
    "-DGGML_VULKAN=OFF",
    "-DGGML_METAL=OFF",
    "-DLLAMA_BUILD_TESTS=OFF",
    "-DLLAMA_BUILD_EXAMPLES=OFF",
    "-DLLAMA_BUILD_SERVER=ON",
    "-DLLAMA_BUILD_APP=OFF",
    "-DLLAMA_BUILD_TOOLS=ON",
    "-DLLAMA_BUILD_COMMON=ON",
    "-DLLAMA_OPENSSL=OFF",
  ]);
  console.error(`build-llama-tools: building ${TARGETS.join(", ")} with ${jobs} jobs (a few minutes) ...`);
  run("cmake build", "cmake", ["--build", buildDir, "--config", "Release", "-j", jobs, ...TARGETS.flatMap((t) => ["--target", t])]);
  closeSync(log);

  mkdirSync(binDir, { recursive: true });
  for (const t of TARGETS) {
    const candidates = [path.join(buildDir, "bin", t + exe), path.join(buildDir, "bin", "Release", t + exe)];
    const found = candidates.find((c) => existsSync(c));
    if (!found) fail(`the build finished but ${t}${exe} is not in ${path.join(buildDir, "bin")}; see ${logPath}`);
    copyFileSync(found, path.join(binDir, t + exe));
  }
  writeFileSync(stampPath, stamp);
  console.error(`build-llama-tools: built ${TARGETS.join(", ")} in ${path.relative(root, binDir)}`);
}

main();
