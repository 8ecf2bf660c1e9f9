/**
 * The parts of the peer benchmarks that need no model and no timing: prompt files as cvector-generator
 * reads them, its padding and row selection reproduced on a fake capture, the cosine summary, the
 * control-vector file it writes read through our importer, the lookup of llama.cpp's tools and the
 * skip when they are not built, and the Markdown of quantities and skipped keys.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { importControlVector } from "../../src/assets/index.js";
import { cosineSummary, cvectorMeanDirections, cvectorPairs, padPair, type PaddedPair } from "../../src/bench/cvectorCompare.js";
import type { BenchFigure } from "../../src/bench/engineCases.js";
import { controlVectorLoadErrors, findLlamaTools, LLAMA_TOOL_NAMES, LLAMA_TOOLS_ENV, promptFileText } from "../../src/bench/llamaTools.js";
import { benchMarkdown, keptSectionOf } from "../../src/bench/markdown.js";
import { BENCH_KEYS, formatValue, planBench, type BenchReport } from "../../src/bench/run.js";
import type { CaptureResult } from "../../src/engine/context.js";
import { GgmlType } from "../../src/gguf/format.js";
import { GgufWriter } from "../../src/gguf/writer.js";
import { seededVector } from "../../src/util/arrays.js";
import { SteeringVector } from "../../src/vectors/index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "llama-steer-bench-peers-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What llama.cpp's string_process_escapes does to a line, for the escapes promptFileText writes. */
function unescapeLine(line: string): string {
  return line.replace(/\\([nrt\\])/g, (_, c: string) => ({ n: "\n", r: "\r", t: "\t", "\\": "\\" })[c]!);
}

describe("prompt files", () => {
  it("write one prompt per line, escaped so that llama.cpp's unescaping gives the prompt back", () => {
    const prompts = ["plain", "two\nlines", "tab\there", "back\\slash\\n not a newline", "cr\r"];
    const lines = promptFileText(prompts).split("\n");
    expect(lines).toHaveLength(prompts.length + 1);
    expect(lines.at(-1)).toBe("");
    expect(lines.slice(0, -1).map(unescapeLine)).toEqual(prompts);
  });

  it("refuse an empty prompt, which cvector-generator would skip and so shift every later pair", () => {
    expect(() => promptFileText(["a", ""])).toThrow(/prompt 1 is empty/);
  });

  it("bench pairs differ on each side and share the question", () => {
    const pairs = cvectorPairs(32);
    expect(pairs).toHaveLength(32);
    for (const p of pairs) {
      expect(p.positive).not.toBe(p.negative);
      expect(p.positive.split(". ").at(-1)).toBe(p.negative.split(". ").at(-1));
    }
  });
});

describe("cvector-generator's mean method, reproduced", () => {
  it("pads the shorter side with the pad token and finds where the pair diverges", () => {
    const p = padPair(Int32Array.from([1, 5, 6, 7]), Int32Array.from([1, 5, 9]), 0);
    expect(Array.from(p.positive)).toEqual([1, 5, 6, 7]);
    expect(Array.from(p.negative)).toEqual([1, 5, 9, 0]);
    expect(p).toMatchObject({ divergence: 2, lastPositive: 3, lastNegative: 2 });
    // A side that is a prefix of the other diverges where the padding starts.
    expect(padPair(Int32Array.from([1, 2]), Int32Array.from([1, 2, 3]), 9).divergence).toBe(2);
  });

  const nEmbd = 4;
  /** Two pairs; rows are seeded, so the expected directions can be computed by hand. */
  function fakeCapture(pairs: PaddedPair[], layers: number[]): CaptureResult {
    let seed = 1;
    const prompts = pairs.flatMap((pair) =>
      [pair.positive, pair.negative].map((tokens) => ({
        tokenCount: tokens.length,
        indices: Array.from(tokens, (_, i) => i),
        layers: new Map(layers.map((l) => [l, seededVector(tokens.length * nEmbd, seed++)])),
      })),
    );
    return { nEmbd, layers, prompts };
  }

  it("averages the per-position differences after the divergence, pooled over pairs, at unit length", () => {
    const pairs = [padPair(Int32Array.from([1, 2, 3]), Int32Array.from([1, 4]), 0), padPair(Int32Array.from([7, 8]), Int32Array.from([6, 8]), 0)];
    const capture = fakeCapture(pairs, [0, 1]);
    const result = cvectorMeanDirections(capture, pairs, "fp");
    // Pair 0 keeps positions 1 and 2, pair 1 keeps positions 0 and 1: 4 rows per layer.
    expect(result.rows).toBe(4);
    for (const layer of [0, 1]) {
      const sum = new Float64Array(nEmbd);
      const kept: [number, number][] = [[0, 1], [0, 2], [1, 0], [1, 1]];
      for (const [pair, t] of kept) {
        const pos = capture.prompts[2 * pair].layers.get(layer)!;
        const neg = capture.prompts[2 * pair + 1].layers.get(layer)!;
        for (let k = 0; k < nEmbd; k++) sum[k] += pos[t * nEmbd + k] - neg[t * nEmbd + k];
      }
      const norm = Math.hypot(...sum);
      const got = result.directions.get(layer);
      for (let k = 0; k < nEmbd; k++) expect(got[k]).toBeCloseTo(sum[k] / norm, 6);
      expect(result.directions.norm(layer)).toBeCloseTo(1, 6);
    }
    expect(result.directions.meta.modelFingerprint).toBe("fp");
  });

  it("takes the last real token of each side for the last-token reference vector", () => {
    const pairs = [padPair(Int32Array.from([1, 2, 3]), Int32Array.from([1, 4]), 0)];
    const capture = fakeCapture(pairs, [3]);
    const { lastToken } = cvectorMeanDirections(capture, pairs);
    const pos = capture.prompts[0].layers.get(3)!.subarray(2 * nEmbd, 3 * nEmbd);
    const neg = capture.prompts[1].layers.get(3)!.subarray(1 * nEmbd, 2 * nEmbd);
    expect(Array.from(lastToken.get(3))).toEqual(Array.from(pos, (x, k) => Math.fround(x - neg[k])));
  });

  it("refuses a capture that does not line up with the pairs", () => {
    const pairs = [padPair(Int32Array.from([1, 2]), Int32Array.from([1, 3]), 0)];
    const capture = fakeCapture(pairs, [0]);
    expect(() => cvectorMeanDirections({ ...capture, prompts: capture.prompts.slice(0, 1) }, pairs)).toThrow(/Expected 2 captured prompts/);
    const short = { ...capture, prompts: [{ ...capture.prompts[0], tokenCount: 1 }, capture.prompts[1]] };
    expect(() => cvectorMeanDirections(short, pairs)).toThrow(/token counts/);
  });
});

describe("cosine summary", () => {
  const a = SteeringVector.create(new Map([0, 1, 2].map((l) => [l, seededVector(8, l + 1)])), { method: "x" });

  it("is 1 for the same vector, −1 for its negation, and ignores length", () => {
    expect(cosineSummary(a, a.scale(3)).min).toBeCloseTo(1, 6);
    const neg = cosineSummary(a, a.negate());
    expect(neg.median).toBeCloseTo(-1, 6);
    expect(neg.perLayer.map((p) => p.layer)).toEqual([0, 1, 2]);
  });

  it("reports min and median over the shared layers and the layers only one side has", () => {
    const b = SteeringVector.create(
      new Map<number, Float32Array>([
        [1, a.get(1)],
        [2, a.get(2).map((x) => -x)],
        [3, seededVector(8, 9)],
      ]),
      { method: "y" },
    );
    const s = cosineSummary(a, b);
    expect(s.perLayer.map((p) => p.layer)).toEqual([1, 2]);
    expect(s.min).toBeCloseTo(-1, 6);
    expect(s.median).toBeCloseTo(0, 6);
    expect(s.onlyA).toEqual([0]);
    expect(s.onlyB).toEqual([3]);
    expect(() => cosineSummary(a.withLayers([0]), b.withLayers([3]))).toThrow(/share no layer/);
  });

  it("compares a file laid out as cvector-generator writes it (direction.(i+1) from l_out-i) with our layer i", async () => {
    const nLayer = 5;
    const ours = SteeringVector.create(new Map(Array.from({ length: nLayer - 1 }, (_, i) => [i, seededVector(16, 100 + i)])), { method: "mean-diff" }).normalize();
    // As its export_gguf does: the stock keys, layer_count as int32, one unit F32 direction per l_out it read.
    const w = new GgufWriter().addString("general.architecture", "controlvector").addString("controlvector.model_hint", "llama").addInt32("controlvector.layer_count", nLayer - 1);
    for (const layer of ours.layers) w.addTensor(`direction.${layer + 1}`, { type: GgmlType.F32, shape: [16], data: ours.get(layer) });
    const path = join(dir, "cvector-generator-layout.gguf");
    await writeFile(path, w.toBuffer());
    const imported = await importControlVector(path, { convention: "l_out", expectNEmbd: 16 });
    expect(imported.vector.layers).toEqual([0, 1, 2, 3]);
    expect(imported.layerCount).toBe(nLayer - 1);
    const s = cosineSummary(imported.vector, ours);
    expect(s.perLayer).toHaveLength(nLayer - 1);
    expect(s.min).toBeCloseTo(1, 6);
  });
});

describe("llama.cpp's tools", () => {
  it("are reported missing, with the command that builds them, when the folder lacks them", async () => {
    const empty = join(dir, "no-tools");
    await mkdir(empty, { recursive: true });
    const lookup = findLlamaTools({ [LLAMA_TOOLS_ENV]: empty });
    expect(lookup.found).toBe(false);
    if (!lookup.found) {
      expect(lookup.reason).toContain("llama-cvector-generator, llama-completion, llama-server missing");
      expect(lookup.reason).toContain("node scripts/build-llama-tools.mjs");
    }
  });

  it("are found in the folder an environment variable names", async () => {
    const bin = join(dir, "tools");
    await mkdir(bin, { recursive: true });
    const exe = process.platform === "win32" ? ".exe" : "";
    for (const name of LLAMA_TOOL_NAMES) await writeFile(join(bin, name + exe), "");
    const lookup = findLlamaTools({ [LLAMA_TOOLS_ENV]: bin });
    expect(lookup.found).toBe(true);
    if (lookup.found) expect(lookup.tools.paths["llama-completion"]).toBe(join(bin, "llama-completion" + exe));
  });

  it("make the bench skip the keys that run them, and nothing else, when they are missing", () => {
    const missing = { found: false as const, reason: "not built" };
    const plan = planBench(undefined, missing);
    const needTools = ["build_vs_cvector_generator", "build_vs_cvector_generator_cosine_min", "build_vs_cvector_generator_cosine_median", "serve_vs_llama_server", "eval_vs_llama_server"];
    expect(plan.skipped.map((s) => s.key)).toEqual(needTools);
    expect(plan.skipped.every((s) => s.reason === "not built")).toBe(true);
    expect(plan.run.flatMap((c) => c.keys)).toEqual(BENCH_KEYS.filter((k) => !needTools.includes(k)));
    expect(planBench(["eval_asa_vs_eval_plain"], missing)).toMatchObject({ skipped: [], run: [{ keys: ["eval_asa_vs_eval_plain"] }] });
    // Naming any key of a case runs that whole case.
    expect(planBench(["asset_kb"], missing).run.flatMap((c) => c.keys)).toEqual(["asa_request_vs_plain", "asset_kb"]);
    expect(planBench(["capture_vs_prefill"], missing).skipped).toEqual([]);
  });

  it("the contract keys exist", () => {
    for (const key of ["build_vs_cvector_generator", "generate_vs_node_llama_cpp", "asa_request_vs_plain", "asa_whole_prompt_vs_last_prompt", "asset_kb", "rss_over_model_mb", "serve_vs_llama_server", "eval_vs_llama_server", "eval_asa_vs_eval_plain"]) {
      expect(BENCH_KEYS).toContain(key);
    }
  });

  it("control-vector load errors are recognised in llama.cpp's output (the tool carries on without the vector)", () => {
    const output = [
      "common_control_vector_load_one: failed to load control vector file from /x.gguf",
      "common_control_vector_load_one: invalid (zero) direction tensor layer index in /x.gguf",
      "common_control_vector_load_one: skipping /x.gguf due to invalid direction tensors",
      "llama_model_loader: loaded meta data with 30 key-value pairs",
      "main: llama threadpool init, n_threads = 2",
    ].join("\n");
    expect(controlVectorLoadErrors(output)).toHaveLength(3);
    expect(controlVectorLoadErrors("llama_context: n_ctx = 4096\nsampler seed: 1\n")).toEqual([]);
  });
});

describe("bench Markdown", () => {
  it("shows quantities with their unit, ratios with their spread, and the skipped keys with the reason", () => {
    const ratio: BenchFigure = { key: "generate_vs_node_llama_cpp", value: 1.0423, detail: "d1", timing: { aMs: 10, bMs: 11, ratio: 1.0423, ratioMin: 0.9, ratioMax: 1.2, reps: 3 } };
    const size: BenchFigure = { key: "asset_kb", value: 52.26, unit: "KiB", detail: "d2" };
    const cos: BenchFigure = { key: "build_vs_cvector_generator_cosine_min", value: 0.99991, unit: "cosine", goal: 0.99, detail: "d3" };
    expect([ratio, size, cos].map(formatValue)).toEqual(["1.042", "52.3 KiB", "0.999910"]);
    const report: BenchReport = { machine: "m", model: "/models/x.gguf", date: "2026-01-01", threads: 2, figures: [ratio, size, cos], skipped: [{ key: "build_vs_cvector_generator", reason: "not built" }] };
    const md = benchMarkdown(report, "llama-steer bench --reps 1");
    expect(md).toContain("| `generate_vs_node_llama_cpp` | 1.042 | 0.900–1.200 |");
    expect(md).toContain("| `asset_kb` | 52.3 KiB |");
    expect(md).toContain("≥ 0.99 met");
    expect(md).toContain("- `build_vs_cvector_generator` not measured: not built.");
    expect(md).toContain("- Command: `llama-steer bench --reps 1`");
    expect(md).toContain("- Threads: 2");
  });

  it("keeps the hand-written reliability section of the file it rewrites, after the generated figures", () => {
    const report: BenchReport = { machine: "m", model: "x.gguf", date: "d", threads: 1, figures: [], skipped: [] };
    const old = benchMarkdown(report, "old command") + "## Reliability\n\nLong run: identical.\n";
    const kept = keptSectionOf(old);
    expect(kept).toBe("## Reliability\n\nLong run: identical.\n");
    const md = benchMarkdown(report, "new command", kept);
    expect(md).toContain("- Command: `new command`");
    expect(md).not.toContain("old command");
    expect(md.trimEnd().endsWith("Long run: identical.")).toBe(true);
    // Nothing to keep: no file, or a file without the heading (a heading of another level does not count).
    expect(keptSectionOf(undefined)).toBeUndefined();
    expect(keptSectionOf("# Benchmarks\n### Reliability\n")).toBeUndefined();
  });
});
