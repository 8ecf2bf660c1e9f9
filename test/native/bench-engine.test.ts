// The engine's benchmark cases run end to end on a synthetic model: every key comes back once, as a
// finite positive ratio from paired timings, and the keys that need llama.cpp's tools are skipped with
// the lookup's reason. (The figures themselves are measured on a real model by `npm run bench`.)
import { describe, expect, test } from "vitest";

import { runBench } from "../../src/bench/run.js";
import { syntheticModelPath } from "../../src/synthetic/index.js";

const ENGINE_KEYS = ["capture_vs_prefill", "steered_decode_vs_plain", "per_sequence_steering_vs_plain", "capture_batched_vs_sequential"];

describe("bench engine cases", () => {
  test("each selected key is measured once from paired runs; tool-dependent keys are skipped with the reason", async () => {
    const lines: string[] = [];
    const report = await runBench({
      modelPath: await syntheticModelPath("llama"),
      reps: 2,
      threads: 1,
      only: [...ENGINE_KEYS, "build_vs_cvector_generator"],
      llamaTools: { found: false, reason: "tools not built in this test" },
      log: (line) => lines.push(line),
    });
    expect(report.figures.map((f) => f.key)).toEqual(ENGINE_KEYS);
    for (const figure of report.figures) {
      expect(Number.isFinite(figure.value) && figure.value > 0).toBe(true);
      expect(figure.timing?.reps).toBe(2);
      expect(figure.value).toBeGreaterThanOrEqual(figure.timing!.ratioMin);
      expect(figure.value).toBeLessThanOrEqual(figure.timing!.ratioMax);
    }
    expect(report.skipped.map((s) => s.key)).toEqual(["build_vs_cvector_generator", "build_vs_cvector_generator_cosine_min", "build_vs_cvector_generator_cosine_median"]);
    expect(report.skipped.every((s) => s.reason === "tools not built in this test")).toBe(true);
    expect(lines.some((l) => l.startsWith("bench: per_sequence_steering_vs_plain = "))).toBe(true);
  }, 120_000);
});
