/**
 * node-llama-cpp's CUDA package on a machine that cannot run it: `info --json` names the binaries that loaded,
 * the CPU takes over with a one-line reason, and `doctor --gpu-layers all` still passes (on the CPU) with that
 * reason on stderr. The package comes from node_modules when npm installed it there (node-llama-cpp lists it as
 * an optional dependency), else it is installed into a temporary folder at node-llama-cpp's pinned version.
 * Skipped, with the reason, off linux-x64, when the registry is unreachable, or when the download exceeds
 * $LLAMA_STEER_TEST_DOWNLOAD_MB (default 300). On a machine where CUDA does load, the test checks that instead.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

import { beforeAll, describe, expect, test } from "vitest";

import { packageRoot } from "../../src/util/packageRoot.js";
import { useTempDir } from "../helpers/tempDir.js";

const ROOT = packageRoot();
// The compiled CLI (`npm test` builds dist/ first); LLAMA_STEER_TEST_CLI points at another build of it.
const CLI = process.env.LLAMA_STEER_TEST_CLI ?? path.join(ROOT, "dist", "cli", "main.js");
const PACKAGE = "@node-llama-cpp/linux-x64-cuda";
const pinned: string = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).dependencies["node-llama-cpp"];
const tmp = useTempDir("cuda-package");

/** Where the CUDA package can be found: "" for node_modules, a NODE_PATH folder after a temporary install, or why not. */
async function provideCudaPackage(): Promise<{ nodePath: string } | { skip: string }> {
  if (process.platform !== "linux" || process.arch !== "x64") return { skip: `${PACKAGE} is for linux-x64, this is ${process.platform}-${process.arch}` };
  try {
    const pkg = createRequire(path.join(ROOT, "package.json")).resolve(`${PACKAGE}/package.json`);
    if (JSON.parse(readFileSync(pkg, "utf8")).version === pinned) return { nodePath: "" };
  } catch {
    // not installed here: install it below
  }
  const budgetMb = Number(process.env.LLAMA_STEER_TEST_DOWNLOAD_MB ?? 300);
  const tarball = `https://registry.npmjs.org/${PACKAGE}/-/linux-x64-cuda-${pinned}.tgz`;
  let bytes: number;
  try {
    const head = await fetch(tarball, { method: "HEAD", signal: AbortSignal.timeout(20_000) });
    if (!head.ok) return { skip: `${tarball} answered ${head.status}` };
    bytes = Number(head.headers.get("content-length") ?? NaN);
  } catch (e) {
    return { skip: `the npm registry is unreachable (${(e as Error).message})` };
  }
  if (!(bytes <= budgetMb * 1e6)) return { skip: `${PACKAGE}@${pinned} is ${(bytes / 1e6).toFixed(0)} MB to download, over LLAMA_STEER_TEST_DOWNLOAD_MB=${budgetMb}` };
  const npm = spawnSync("npm", ["install", "--prefix", tmp.dir, "--no-save", "--no-package-lock", "--ignore-scripts", "--no-audit", "--no-fund", `${PACKAGE}@${pinned}`], { encoding: "utf8", timeout: 600_000 });
  if (npm.status !== 0) return { skip: `npm install ${PACKAGE}@${pinned} failed: ${(npm.stderr || npm.error?.message || "").trim().split("\n").at(-1)}` };
  return { nodePath: path.join(tmp.dir, "node_modules") };
}

function cli(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 120_000, env: { ...process.env, ...env } });
}

describe("the CUDA package without a usable GPU", () => {
  let provided: { nodePath: string } | { skip: string };
  beforeAll(async () => {
    provided = await provideCudaPackage();
  }, 900_000);

  const envFor = (gpu: string): Record<string, string> => {
    if ("skip" in provided) return {};
    return { NODE_LLAMA_CPP_GPU: gpu, ...(provided.nodePath ? { NODE_PATH: provided.nodePath } : {}) };
  };

  test("info --json names the binaries; forced CUDA falls back to the CPU with a one-line reason", (ctx) => {
    if ("skip" in provided) return ctx.skip(provided.skip);
    expect(existsSync(CLI), `${CLI} is missing: build the TypeScript first`).toBe(true);
    const r = cli(["info", "--json"], envFor("cuda"));
    expect(r.status, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.backends.gpu).toBe("cuda");
    expect(info.backends.gpuSource).toBe("env");
    expect(info.backends.linked).toBe(false);
    expect(info.backends.cpu.name).toBe("@node-llama-cpp/linux-x64");
    expect(info.backends.cpu.version).toBe(pinned);
    const cudaAttempt = info.backends.attempts.find((a: { package: string }) => a.package === PACKAGE);
    expect(cudaAttempt.file).toMatch(/linux-x64-cuda[/\\]bins[/\\]linux-x64-cuda[/\\]libggml-cuda\.so$/);
    if (info.backends.loadedGpu) {
      // A machine that runs CUDA: the plugin loaded and a GPU device is listed.
      expect(info.backends.loadedGpu.gpu).toBe("cuda");
      expect(info.devices.some((d: { type: string }) => d.type === "gpu")).toBe(true);
      return;
    }
    expect(info.devices.map((d: { type: string }) => d.type)).toEqual(["cpu"]);
    expect(cudaAttempt.ok).toBe(false);
    // dlopen's own words: the CUDA runtime (or driver) library the plugin needs is missing.
    expect(cudaAttempt.error).toMatch(/^failed to load libggml-cuda\.so: lib(cudart|cublas|cublasLt|cuda)\.so[.\d]*: cannot open shared object file/);
    expect(info.backends.fallbackReason).toMatch(new RegExp(`^using the CPU: ${PACKAGE}: failed to load libggml-cuda\\.so: `));
    expect(info.backends.fallbackReason).not.toContain("\n");
  });

  test("doctor --gpu-layers all passes on the CPU and says once why nothing was offloaded", (ctx) => {
    if ("skip" in provided) return ctx.skip(provided.skip);
    const r = cli(["doctor", "--gpu-layers", "all", "--json"], envFor("cuda"));
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(true);
    expect(report.gpuLayers).toBe(-1);
    expect(report.checks).toHaveLength(7);
    if (report.gpu !== null) return;
    const lines = r.stderr.split("\n").filter((l) => l.includes("--gpu-layers"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^llama-steer: --gpu-layers all has no effect: using the CPU: @node-llama-cpp\/linux-x64-cuda: failed to load libggml-cuda\.so: /);
  });

  test("auto follows node-llama-cpp's detection: no NVIDIA driver here, so CUDA is not even tried", (ctx) => {
    if ("skip" in provided) return ctx.skip(provided.skip);
    const env = envFor("auto");
    const r = cli(["info", "--json"], env);
    expect(r.status, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.backends.gpu).toBe("auto");
    if (info.backends.candidates.includes("cuda")) return ctx.skip("node-llama-cpp detects a CUDA driver and runtime on this machine");
    expect(info.backends.attempts.filter((a: { gpu: string }) => a.gpu === "cuda")).toEqual([]);
    if (!info.backends.loadedGpu) expect(info.backends.fallbackReason).toMatch(/^using the CPU: .*linux-x64-cuda.* installed, but node-llama-cpp's detection finds no GPU driver and runtime/);
  });
});
