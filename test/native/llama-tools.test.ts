/**
 * llama-steer's control vectors in llama.cpp's own tools, on the synthetic llama / qwen2 / gemma3 models:
 * llama-completion loads an exported file (exit 0, no load error) and its greedy output changes at a large
 * strength, as it does when llama-steer applies the same vector; llama-cvector-generator's mean method and
 * llama-steer's reproduction of it agree layer by layer. Skipped, with the reason in the suite's name, unless
 * `node scripts/build-llama-tools.mjs` has built the tools.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { afterAll, describe, expect, test } from "vitest";

import { exportControlVector, importControlVector } from "../../src/assets/index.js";
import { cosineSummary, cvectorMeanLikeGenerator, cvectorPairs } from "../../src/bench/cvectorCompare.js";
import { CVECTOR_GENERATOR_DECODE_START, controlVectorLoadErrors, findLlamaTools, promptFileText, runLlamaCompletion, runTool, tail } from "../../src/bench/llamaTools.js";
import { loadModel } from "../../src/engine/model.js";
import { GgmlType } from "../../src/gguf/format.js";
import { GgufWriter } from "../../src/gguf/writer.js";
import { syntheticModelPath } from "../../src/synthetic/index.js";
import { seededVector } from "../../src/util/arrays.js";
import { SteeringVector } from "../../src/vectors/index.js";
import { ARCHITECTURES } from "../helpers/models.js";

const lookup = findLlamaTools();
const tmp = mkdtempSync(path.join(os.tmpdir(), "llama-steer-llama-tools-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const PROMPT = "The quick brown fox";
const N_PREDICT = 12;

/** Greedy, non-interactive, past end-of-generation, so that two runs differ only by the control vector. */
function completionArgs(modelPath: string, extra: string[] = []): string[] {
  return ["-m", modelPath, "-p", PROMPT, "-n", String(N_PREDICT), "--temp", "0", "-s", "1", "-no-cnv", "--ignore-eos", "--no-warmup", "-t", "2", ...extra];
}

describe.skipIf(!lookup.found)(lookup.found ? "llama.cpp's own tools" : `llama.cpp's own tools (skipped: ${lookup.reason})`, () => {
  const tools = lookup.found ? lookup.tools : undefined!;

  for (const arch of ARCHITECTURES) {
    test(`llama-completion loads a control vector exported by llama-steer; it changes the greedy output exactly as llama-steer steers (${arch})`, async () => {
      const modelPath = await syntheticModelPath(arch);
      const model = await loadModel(modelPath);
      const { nLayer, nEmbd, architecture } = model.info;
      // Every layer llama.cpp can steer (1 .. nLayer − 1), large enough to move a random model's choice.
      const layers = Array.from({ length: nLayer - 1 }, (_, i) => i + 1);
      const vector = SteeringVector.create(new Map(layers.map((l) => [l, seededVector(nEmbd, 40 + l, 8)])), { method: "test" });
      const file = path.join(tmp, `${arch}.gguf`);
      await exportControlVector(file, vector, { modelHint: architecture });
      let ours: string;
      try {
        const ctx = await model.createContext({ contextSize: 2048 });
        ours = (await ctx.generate(PROMPT, { maxTokens: N_PREDICT, ignoreEndOfGeneration: true, steer: vector.toSpecs() })).text;
      } finally {
        await model.dispose();
      }

      const plain = await runLlamaCompletion(tools, completionArgs(modelPath));
      const steered = await runLlamaCompletion(tools, completionArgs(modelPath, ["--control-vector", file]));
      expect(plain.code, tail(plain.stderr)).toBe(0);
      expect(steered.code, tail(steered.stderr)).toBe(0);
      expect(controlVectorLoadErrors(steered.stderr + steered.stdout)).toEqual([]);
      expect(steered.stdout.startsWith(PROMPT) || steered.stdout.includes(PROMPT)).toBe(true);
      expect(steered.stdout).not.toBe(plain.stdout);
      // llama.cpp continues the prompt exactly as llama-steer does with the same vector on every row
      // (its printf drops NUL characters a random model may produce).
      expect(steered.stdout).toContain(PROMPT + ours.replace(/\0/g, ""));

      // The same greedy run again gives the same text: the difference above is the vector's, not noise.
      const again = await runLlamaCompletion(tools, completionArgs(modelPath, ["--control-vector", file]));
      expect(again.stdout).toBe(steered.stdout);
    });
  }

  test("a file llama.cpp rejects is recognised as not applied (the tool itself carries on and exits 0)", async () => {
    const modelPath = await syntheticModelPath("llama");
    const file = path.join(tmp, "direction0.gguf");
    const w = new GgufWriter().addString("general.architecture", "controlvector").addString("controlvector.model_hint", "llama").addInt32("controlvector.layer_count", 1);
    w.addTensor("direction.0", { type: GgmlType.F32, shape: [64], data: new Float32Array(64).fill(1) });
    writeFileSync(file, w.toBuffer());
    const run = await runLlamaCompletion(tools, completionArgs(modelPath, ["--control-vector", file]));
    expect(run.code).toBe(0);
    expect(controlVectorLoadErrors(run.stderr + run.stdout).length).toBeGreaterThan(0);
  });

  for (const arch of ARCHITECTURES) {
    test(`llama-cvector-generator's mean method and llama-steer's reproduction agree at every layer (${arch})`, async () => {
      const modelPath = await syntheticModelPath(arch);
      const pairs = cvectorPairs(6);
      const positive = path.join(tmp, `${arch}-pos.txt`);
      const negative = path.join(tmp, `${arch}-neg.txt`);
      const out = path.join(tmp, `${arch}-cvector.gguf`);
      writeFileSync(positive, promptFileText(pairs.map((p) => p.positive)));
      writeFileSync(negative, promptFileText(pairs.map((p) => p.negative)));
      const run = await runTool(tools.paths["llama-cvector-generator"], ["-m", modelPath, "--positive-file", positive, "--negative-file", negative, "--method", "mean", "-o", out, "-t", "2", "-fa", "off"], { cwd: tmp, mark: CVECTOR_GENERATOR_DECODE_START });
      expect(run.code, tail(run.stderr + run.stdout)).toBe(0);
      // The bench times its capture and build from this line on.
      expect(run.markMs).toBeGreaterThan(0);
      expect(run.markMs).toBeLessThan(run.ms);

      const model = await loadModel(modelPath);
      try {
        const ctx = await model.createContext({ contextSize: 2048, batchSize: 1024, sequences: 16 });
        const ours = await cvectorMeanLikeGenerator(ctx, pairs);
        // Its file, read through our importer: direction.(i+1) holds what it measured at l_out-i.
        const theirs = await importControlVector(out, { convention: "l_out", expectNEmbd: model.info.nEmbd });
        expect(theirs.modelHint).toBe(model.info.architecture);
        expect(theirs.vector.layers).toEqual(Array.from({ length: model.info.nLayer - 1 }, (_, i) => i));
        for (const layer of theirs.vector.layers) expect(theirs.vector.norm(layer)).toBeCloseTo(1, 4);
        const cosines = cosineSummary(theirs.vector, ours.directions);
        expect(cosines.onlyA).toEqual([]);
        expect(cosines.onlyB).toEqual([]);
        expect(cosines.min, JSON.stringify(cosines.perLayer)).toBeGreaterThanOrEqual(0.99);
      } finally {
        await model.dispose();
      }
    });
  }
});
