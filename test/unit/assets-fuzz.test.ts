/**
 * Corrupted asset and control-vector files: truncations at many cut points, bit flips, byte
 * overwrites. Every load must either succeed with a well-formed result or fail with a SteerError of
 * an expected code — never a TypeError, RangeError, hang or crash.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controlVectorToBuffer, importControlVector, loadAsset, serializeAsset } from "../../src/assets/index.js";
import { ErrorCodes, SteerError } from "../../src/errors.js";
import { SeededRandom } from "../../src/synthetic/random.js";
import { seededVector } from "../../src/util/arrays.js";
import { SteeringVector } from "../../src/vectors/index.js";
import { FIXTURE_FINGERPRINT, fixtureAsset } from "./assets-fixtures.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "llama-steer-fuzz-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const EXPECTED_CODES: readonly string[] = [ErrorCodes.ASSET_INVALID, ErrorCodes.NOT_FINITE, ErrorCodes.VECTOR_SIZE];

type Outcome<T> = { ok: true; value: T } | { ok: false; error: SteerError };

/** Runs a load; anything thrown that is not a SteerError with an expected code fails the test. */
async function outcome<T>(what: string, load: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await load() };
  } catch (e) {
    if (!(e instanceof SteerError)) throw new Error(`${what}: threw ${String(e)} instead of a SteerError`, { cause: e });
    if (!EXPECTED_CODES.includes(e.code)) throw new Error(`${what}: unexpected code ${e.code}: ${e.message}`);
    return { ok: false, error: e };
  }
}

let counter = 0;
async function temp(bytes: Uint8Array): Promise<string> {
  const path = join(dir, `m${counter++}`);
  await writeFile(path, bytes);
  return path;
}

/** Cut points spread over the whole file, denser at the start where headers live. */
function cutPoints(length: number, count: number): number[] {
  const points = new Set<number>();
  for (let i = 0; i < Math.min(64, length); i++) points.add(i);
  for (let k = 0; points.size < count && k < count * 4; k++) points.add(Math.floor((k / (count * 4)) * length));
  return [...points].sort((a, b) => a - b);
}

function mutations(original: Buffer, seed: number, count: number): Buffer[] {
  const r = new SeededRandom(seed, "mutations");
  return Array.from({ length: count }, (_, i) => {
    const copy = Buffer.from(original);
    const flips = 1 + (i % 4);
    for (let f = 0; f < flips; f++) {
      const at = Math.floor(r.nextFloat() * copy.length);
      if (i % 5 === 4) copy[at] = Math.floor(r.nextFloat() * 256);
      else copy[at] ^= 1 << Math.floor(r.nextFloat() * 8);
    }
    return copy;
  });
}

describe("fuzzed steering assets", () => {
  const original = Buffer.from(serializeAsset(fixtureAsset()));

  it("truncated at many cut points: always a typed ASSET_INVALID", async () => {
    const cuts = cutPoints(original.length - 1, 200);
    for (const cut of cuts) {
      const result = await outcome(`asset cut at ${cut}`, async () => loadAsset(await temp(original.subarray(0, cut))));
      expect(result.ok, `cut at ${cut}`).toBe(false);
    }
    expect(cuts.length).toBeGreaterThanOrEqual(200);
  });

  it("bit flips and byte overwrites: loads cleanly or fails typed", async () => {
    let loaded = 0;
    for (const [i, bytes] of mutations(original, 1, 400).entries()) {
      const expectFingerprint = i % 7 === 0 ? "ffffffffffffffff" : undefined;
      const result = await outcome(`asset mutation ${i}`, async () => loadAsset(await temp(bytes), { expectFingerprint }));
      if (result.ok) {
        loaded++;
        expect(result.value.vectors.global.nEmbd).toBe(result.value.nEmbd);
        expect(result.value.modelFingerprint === FIXTURE_FINGERPRINT || expectFingerprint === undefined).toBe(true);
      }
    }
    // Most single flips land in base64 payloads and still decode: the loader must stay well-formed then, too.
    expect(loaded).toBeGreaterThan(0);
  });
});

describe("fuzzed control vectors", () => {
  const vector = SteeringVector.create(new Map([1, 2, 5].map((l) => [l, seededVector(24, l)])), { method: "mean-diff", modelFingerprint: "fp" });
  const original = controlVectorToBuffer(vector, { modelHint: "llama" });

  it("truncated at many cut points: typed error, or (padding cut) the original vector", async () => {
    const cuts = cutPoints(original.length, 200);
    for (const cut of cuts) {
      const result = await outcome(`cvec cut at ${cut}`, async () => importControlVector(await temp(original.subarray(0, cut))));
      if (result.ok) expect(result.value.vector.maxAbsDiff(vector), `cut at ${cut}`).toBe(0);
    }
  });

  it("bit flips and byte overwrites: loads a well-formed vector or fails typed", async () => {
    for (const [i, bytes] of mutations(original, 2, 400).entries()) {
      const result = await outcome(`cvec mutation ${i}`, async () => importControlVector(await temp(bytes), { expectNEmbd: i % 3 === 0 ? 24 : undefined }));
      if (result.ok) {
        const v = result.value.vector;
        expect(v.layers.length).toBeGreaterThan(0);
        for (const l of v.layers) expect(v.get(l).every(Number.isFinite)).toBe(true);
      }
    }
  });
});
