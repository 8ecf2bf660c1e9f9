import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ASSET_VERSION, loadAsset, saveAsset, serializeAsset, type SteeringAsset } from "../../src/assets/index.js";
import { ErrorCodes } from "../../src/errors.js";
import { predictProba, route } from "../../src/probes/index.js";
import { seededVector } from "../../src/util/arrays.js";
import { SteeringVector } from "../../src/vectors/index.js";
import { FIXTURE_FINGERPRINT, FIXTURE_N_EMBD, fixtureAsset } from "./assets-fixtures.js";
import { steerErrorOf } from "../helpers/errors.js";
import { useTempDir } from "../helpers/tempDir.js";

const temp = useTempDir("asset");

const pathFor = () => temp.path("json");


/** Saves the fixture, lets `edit` change the JSON, and returns the file. */
async function editedAsset(edit: (json: Record<string, any>) => void): Promise<string> {
  const json = JSON.parse(serializeAsset(fixtureAsset()));
  edit(json);
  const path = pathFor();
  await writeFile(path, JSON.stringify(json));
  return path;
}

describe("steering asset round trip", () => {
  it("loads exactly what was saved", async () => {
    const input = fixtureAsset();
    const path = pathFor();
    await saveAsset(path, input);
    const loaded: SteeringAsset = await loadAsset(path, { expectFingerprint: FIXTURE_FINGERPRINT });
    expect(loaded.version).toBe(ASSET_VERSION);
    expect(loaded).toMatchObject({
      createdAt: input.createdAt,
      modelFingerprint: FIXTURE_FINGERPRINT,
      nEmbd: FIXTURE_N_EMBD,
      layer: 3,
      method: "asa-mov",
      datasetHash: "sha256:feedface",
      tools: ["add", "get_weather", "send_email"],
      params: { alpha: 4, beta: 0.5, tau: 0.6 },
      notes: "fixture",
    });
    expect(loaded.vectors.global.maxAbsDiff(input.vectors.global)).toBe(0);
    expect(loaded.vectors.global.layers).toEqual([2, 3]);
    expect(loaded.vectors.global.meta).toMatchObject({ method: "mean-diff", source: "seed 1", modelFingerprint: FIXTURE_FINGERPRINT });
    expect([...loaded.vectors.domains.keys()]).toEqual(["math", "weather", "email"]);
    for (const [name, v] of input.vectors.domains) expect(loaded.vectors.domains.get(name)!.maxAbsDiff(v)).toBe(0);
    expect([...loaded.toolMeans!.keys()]).toEqual(["get_weather", "send_email"]);
    // float64 storage: the probe and router predict bit-identically after the round trip.
    const row = seededVector(FIXTURE_N_EMBD, 77);
    expect(predictProba(loaded.probe!, row)).toBe(predictProba(input.probe!, row));
    expect(Array.from(route(loaded.router!, row).probabilities)).toEqual(Array.from(route(input.router!, row).probabilities));
    expect(Array.from(loaded.probe!.standardizer!.scale)).toEqual(Array.from(input.probe!.standardizer!.scale));
  });

  it("keeps per-domain probes, and refuses one for a domain without a vector", async () => {
    const input = fixtureAsset();
    const mathProbe = { standardizer: null, weights: Float64Array.from(seededVector(FIXTURE_N_EMBD, 9)), bias: 0.25 };
    const path = pathFor();
    await saveAsset(path, { ...input, domainProbes: new Map([["math", mathProbe]]) });
    const loaded = await loadAsset(path);
    const row = seededVector(FIXTURE_N_EMBD, 78);
    expect([...loaded.domainProbes!.keys()]).toEqual(["math"]);
    expect(predictProba(loaded.domainProbes!.get("math")!, row)).toBe(predictProba(mathProbe, row));
    const bad = pathFor();
    await saveAsset(bad, { ...input, domainProbes: new Map([["math", mathProbe]]) });
    const { readFile, writeFile } = await import("node:fs/promises");
    await writeFile(bad, (await readFile(bad, "utf8")).replace('"domainProbes": {\n  "math"', '"domainProbes": {\n  "poetry"'));
    await expect(loadAsset(bad)).rejects.toMatchObject({ code: "ERR_ASSET_INVALID", message: expect.stringMatching(/domainProbes.*"poetry".*no vector/) });
  });

  it("keeps the gate mode, and leaves it out of files that had none", async () => {
    const input = fixtureAsset();
    const path = pathFor();
    await saveAsset(path, { ...input, params: { ...input.params, gate: "negative" } });
    expect((await loadAsset(path)).params).toEqual({ alpha: 4, beta: 0.5, tau: 0.6, gate: "negative" });
    await saveAsset(path, input);
    expect((await loadAsset(path)).params).toEqual({ alpha: 4, beta: 0.5, tau: 0.6 });
  });

  it("keeps the injection positions and the direction", async () => {
    const input = fixtureAsset();
    const path = pathFor();
    await saveAsset(path, { ...input, params: { ...input.params, positions: "prompt", vectors: "global" } });
    expect((await loadAsset(path)).params).toEqual({ alpha: 4, beta: 0.5, tau: 0.6, positions: "prompt", vectors: "global" });
  });

  it("keeps the unit of α and the residual norm", async () => {
    const input = fixtureAsset();
    const path = pathFor();
    await saveAsset(path, { ...input, params: { ...input.params, alphaUnit: "residual", residualNorm: 31.5 } });
    expect((await loadAsset(path)).params).toEqual({ alpha: 4, beta: 0.5, tau: 0.6, alphaUnit: "residual", residualNorm: 31.5 });
  });

  it("writes atomically and fills createdAt when omitted", async () => {
    const path = pathFor();
    const { createdAt: _, ...rest } = fixtureAsset();
    await saveAsset(path, rest);
    const loaded = await loadAsset(path);
    expect(Date.now() - Date.parse(loaded.createdAt)).toBeLessThan(60_000);
    expect((await readdir(temp.dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(JSON.parse(await readFile(path, "utf8")).format).toBe("llama-steer-asset");
  });

  it("allows absent router, probe and tool means", async () => {
    const path = pathFor();
    const { toolMeans: _, ...rest } = fixtureAsset();
    await saveAsset(path, { ...rest, router: null, probe: null });
    const loaded = await loadAsset(path);
    expect(loaded.router).toBeNull();
    expect(loaded.probe).toBeNull();
    expect(loaded.toolMeans).toBeUndefined();
  });
});

describe("steering asset validation", () => {
  it("names both fingerprints on a mismatch", async () => {
    const path = pathFor();
    await saveAsset(path, fixtureAsset());
    const e = await steerErrorOf(loadAsset(path, { expectFingerprint: "ffffffffffffffff" }));
    expect(e.code).toBe(ErrorCodes.ASSET_INVALID);
    expect(e.message).toBe(`${path} was made for the model with fingerprint ${FIXTURE_FINGERPRINT}, not for this model (fingerprint ffffffffffffffff)`);
  });

  it("says which field is wrong and how", async () => {
    const cases: [(j: Record<string, any>) => void, string, string?][] = [
      [(j) => (j.format = "other"), 'format must be "llama-steer-asset" but is "other"'],
      [(j) => (j.nEmbd = 17), "vectors.global.layers.2.length must be 17 but is 16"],
      [(j) => (j.layer = 9), "vectors.global.layers has no direction for the asset's layer 9"],
      [(j) => (j.params.tau = 0.3), "params.tau must be between 0.5 and 1 but is 0.3"],
      [(j) => delete j.params.alpha, "params.alpha must be a number but is missing"],
      [(j) => (j.params.gate = "both"), 'params.gate must be one of "ternary", "negative", "positive" but is "both"'],
      [(j) => (j.params.gate = 1), 'params.gate must be one of "ternary", "negative", "positive" but is 1'],
      [(j) => (j.params.alphaUnit = "percent"), 'params.alphaUnit must be one of "raw", "residual" but is "percent"'],
      [(j) => (j.params.alphaUnit = "residual"), 'params.residualNorm is required when params.alphaUnit is "residual"'],
      [(j) => (j.params.residualNorm = -2), "params.residualNorm must be positive but is -2"],
      [(j) => (j.params.positions = "all"), 'params.positions must be one of "last-prompt", "prompt" but is "all"'],
      [(j) => (j.params.vectors = ["mov"]), 'params.vectors must be one of "mov", "global", "domain" but is an array'],
      [(j) => (j.tools = ["a", "a"]), 'tools lists "a" twice'],
      [(j) => (j.router.classes = ["math", "weather", "travel"]), 'router.classes names classes without a vector in vectors.domains: "travel"'],
      [(j) => (j.router.classes = ["math", "weather"]), "router.weights.length must be 32 but is 48"],
      [(j) => (j.probe.weights.base64 = j.probe.weights.base64.slice(4)), "probe.weights.base64 decodes to 125 bytes but 16 f64 values need 128"],
      [(j) => (j.probe.weights.base64 = "*" + j.probe.weights.base64.slice(1)), "probe.weights.base64 is not canonical base64"],
      [(j) => (j.probe.weights.dtype = "f32"), 'probe.weights.dtype must be "f64" but is "f32"'],
      [(j) => (j.alpah = 1), 'the top level has unknown keys "alpah" (known: format, version, createdAt, modelFingerprint, nEmbd, layer, layerConvention, method, datasetHash, tools, params, vectors, toolMeans, router, probe, domainProbes, notes)'],
      [(j) => (j.toolMeans.unknown_tool = j.toolMeans.get_weather), 'toolMeans has means for tools that are not in tools: "unknown_tool"'],
      [(j) => (j.layerConvention = "llama.cpp"), 'layerConvention must be "l_out" but is "llama.cpp"'],
      [(j) => (j.createdAt = "yesterday"), 'createdAt must be an ISO 8601 date but is "yesterday"'],
      [(j) => (j.vectors.global.layers["03"] = j.vectors.global.layers["3"]), 'vectors.global.layers has the key "03", which is not a layer number'],
    ];
    for (const [edit, problem] of cases) {
      const path = await editedAsset(edit);
      const e = await steerErrorOf(loadAsset(path));
      expect(e.code, problem).toBe(ErrorCodes.ASSET_INVALID);
      expect(e.message).toBe(`${path} is not a valid steering asset: ${problem}`);
    }
  });

  it("refuses newer versions, non-JSON and missing files", async () => {
    const newer = await editedAsset((j) => (j.version = ASSET_VERSION + 1));
    expect((await steerErrorOf(loadAsset(newer))).message).toBe(`${newer} was written by a newer llama-steer (asset version ${ASSET_VERSION + 1}); this one reads versions 1 to ${ASSET_VERSION}`);
    const text = pathFor();
    await writeFile(text, "not json");
    expect((await steerErrorOf(loadAsset(text))).message).toMatch(/is not a valid steering asset: it is not JSON/);
    const missing = await steerErrorOf(loadAsset(join(temp.dir, "missing.json")));
    expect(missing.code).toBe(ErrorCodes.ASSET_INVALID);
    expect(missing.message).toBe(`Cannot read steering asset ${join(temp.dir, "missing.json")} (ENOENT)`);
  });

  it("reports NaN as NOT_FINITE, in the file and in memory", async () => {
    const nanProbe = await editedAsset((j) => {
      const bytes = Buffer.from(j.probe.weights.base64, "base64");
      bytes.writeDoubleLE(NaN, 8);
      j.probe.weights.base64 = bytes.toString("base64");
    });
    const e = await steerErrorOf(loadAsset(nanProbe));
    expect(e.code).toBe(ErrorCodes.NOT_FINITE);
    expect(e.message).toBe(`${nanProbe} is not a valid steering asset: probe.weights holds NaN at element 1`);
    const input = fixtureAsset();
    await expect(saveAsset(pathFor(), { ...input, params: { ...input.params, alpha: NaN } })).rejects.toMatchObject({ code: ErrorCodes.NOT_FINITE });
  });

  it("refuses to save an inconsistent asset, leaving no file", async () => {
    const input = fixtureAsset();
    const foreign = SteeringVector.create([[3, seededVector(FIXTURE_N_EMBD, 1)]], { method: "x", modelFingerprint: "other-model" });
    const path = pathFor();
    const e = await steerErrorOf(saveAsset(path, { ...input, vectors: { ...input.vectors, global: foreign } }));
    expect(e.message).toBe(`The vector vectors.global was measured on the model with fingerprint other-model, not on the asset's model (fingerprint ${FIXTURE_FINGERPRINT})`);
    const noLayer = await steerErrorOf(saveAsset(path, { ...input, layer: 7 }));
    expect(noLayer.code).toBe(ErrorCodes.ASSET_INVALID);
    expect(await readdir(temp.dir)).not.toContain(path.split("/").pop());
  });
});
