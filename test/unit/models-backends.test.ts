/**
 * The two real download backends, exercised without network: `pip download` through a stand-in interpreter
 * (a shell script) and the Hugging Face URL that the reachability check asks for.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ErrorCodes } from "../../src/errors.js";
import { PYTHON_ENV, huggingFaceFileUrl, pipDownloadWheel, summarizePipError } from "../../src/models/backends.js";
import { steerErrorOf } from "../helpers/errors.js";


describe("pip backend (with a stand-in interpreter)", () => {
  let dir: string;
  const savedPython = process.env[PYTHON_ENV];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "steer-pip-"));
  });
  afterEach(async () => {
    if (savedPython === undefined) delete process.env[PYTHON_ENV];
    else process.env[PYTHON_ENV] = savedPython;
    await rm(dir, { recursive: true, force: true });
  });
  /** Installs a shell script as the "Python" that pipDownloadWheel runs. */
  const useInterpreter = async (script: string): Promise<string> => {
    const path = join(dir, "fake-python");
    await writeFile(path, `#!/bin/sh\n${script}\n`);
    await chmod(path, 0o755);
    process.env[PYTHON_ENV] = path;
    return path;
  };

  it("passes pinned, dependency-free, wheel-only arguments and returns the wheel", async () => {
    await useInterpreter(`echo "$@" > "${dir}/args"; for a; do last="$a"; done; touch "$last/demo-1.0.0-py3-none-any.whl"`);
    await mkdir(join(dir, "out"));
    const wheel = await pipDownloadWheel({ name: "demo", version: "1.0.0" }, join(dir, "out"));
    expect(wheel).toBe(join(dir, "out", "demo-1.0.0-py3-none-any.whl"));
    expect((await readFile(join(dir, "args"), "utf8")).trim()).toBe(
      `-m pip download --no-deps --only-binary=:all: --no-input --disable-pip-version-check --progress-bar off demo==1.0.0 -d ${join(dir, "out")}`,
    );
  });

  it("reports pip's ERROR lines, not its warnings", async () => {
    const python = await useInterpreter(
      `echo "WARNING: Location 'file:///opt/x' is ignored" >&2; echo "ERROR: Could not find a version that satisfies the requirement demo==9 (from versions: none)" >&2; echo "ERROR: No matching distribution found for demo==9" >&2; exit 1`,
    );
    await expect(pipDownloadWheel({ name: "demo", version: "9" }, dir)).rejects.toThrow(
      `${python} -m pip download demo==9 exited with code 1: ERROR: Could not find a version that satisfies the requirement demo==9 (from versions: none) ERROR: No matching distribution found for demo==9`,
    );
  });

  it("kills the child process on abort", async () => {
    await useInterpreter("exec sleep 30");
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error("give up")), 100);
    const error = await steerErrorOf(pipDownloadWheel({ name: "demo", version: "1" }, dir, controller.signal));
    expect(error.code).toBe(ErrorCodes.ABORTED);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("says which interpreter is missing", async () => {
    process.env[PYTHON_ENV] = join(dir, "no-such-python");
    await expect(pipDownloadWheel({ name: "demo", version: "1" }, dir)).rejects.toThrow(
      `${join(dir, "no-such-python")} was not found (set ${PYTHON_ENV} to a Python 3 interpreter with pip)`,
    );
  });
});

describe("pip error summary", () => {
  it("falls back to the last line when pip printed no ERROR line", () => {
    expect(summarizePipError("Collecting demo==1\n  Downloading demo.whl\nKilled\n")).toBe("Killed");
    expect(summarizePipError("")).toBe("no output");
  });
});

describe("Hugging Face file URL", () => {
  const saved = { MODEL_ENDPOINT: process.env.MODEL_ENDPOINT, HF_ENDPOINT: process.env.HF_ENDPOINT };
  afterEach(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it("maps hf: URIs to resolve URLs, pinning the revision when one is given", () => {
    delete process.env.MODEL_ENDPOINT;
    delete process.env.HF_ENDPOINT;
    expect(huggingFaceFileUrl("hf:user/repo-GGUF/model.Q4_1.gguf")).toBe("https://huggingface.co/user/repo-GGUF/resolve/main/model.Q4_1.gguf");
    expect(huggingFaceFileUrl("hf:user/repo/sub dir/m.gguf#abc123")).toBe("https://huggingface.co/user/repo/resolve/abc123/sub%20dir/m.gguf");
  });

  it("uses the endpoint node-llama-cpp would use", () => {
    delete process.env.MODEL_ENDPOINT;
    process.env.HF_ENDPOINT = "https://mirror.example/hf";
    expect(huggingFaceFileUrl("hf:u/r/m.gguf")).toBe("https://mirror.example/hf/u/r/resolve/main/m.gguf");
  });

  it("rejects URIs without a file", () => {
    expect(() => huggingFaceFileUrl("hf:user/repo")).toThrow("hf:user/repo is not an hf:<user>/<repo>/<file> URI");
  });
});
