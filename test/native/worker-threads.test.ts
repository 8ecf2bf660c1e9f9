// The addon in several Node environments at once: worker threads load it next to the main thread, run, end,
// and others start after them. Each environment must keep its own class constructors (an environment that used
// another's aborted the whole process with "Cannot create a handle without a HandleScope").
import { Worker } from "node:worker_threads";

import { afterAll, beforeAll, expect, test } from "vitest";

import { nativeAddonPath } from "../../src/engine/binding.js";
import type { SteerModel } from "../../src/engine/model.js";
import { syntheticModelPath } from "../../src/synthetic/index.js";
import { loadSynthetic } from "../helpers/models.js";

const PROMPT = "Once upon a time";
const MAX_TOKENS = 8;

// Greedy generation straight on the raw addon (the TypeScript sources cannot be imported by a plain worker).
// The backends are already registered process-wide by the main thread.
const WORKER_SOURCE = `
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const addon = require(workerData.addonPath);
(async () => {
  const model = await addon.ModelHandle.load(workerData.modelPath, { gpuLayers: 0, useMmap: true, repack: true });
  const ctx = new addon.ContextHandle(model, { nCtx: 128, nBatch: 64, nSeqMax: 1, nThreads: 1, kvUnified: true, threadpool: true, flashAttention: false });
  const sampler = new addon.SamplerHandle(model, { temperature: 0, topK: 0, topP: 1, minP: 0, seed: 0 });
  const generated = [];
  let batch = Array.from(model.tokenize(workerData.prompt, true, true));
  let position = 0;
  for (let step = 0; step < workerData.maxTokens; step++) {
    const n = batch.length;
    await ctx.decode({
      tokens: Int32Array.from(batch),
      positions: Int32Array.from(batch, (_, i) => position + i),
      sequences: new Int32Array(n),
      outputs: Uint8Array.from(batch, (_, i) => (i === n - 1 ? 1 : 0)),
    });
    position += n;
    const token = sampler.sample(ctx, n - 1);
    generated.push(token);
    batch = [token];
  }
  sampler.dispose();
  ctx.dispose();
  model.dispose();
  parentPort.postMessage(generated);
})();
`;

function runWorker(modelPath: string): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { addonPath: nativeAddonPath(), modelPath, prompt: PROMPT, maxTokens: MAX_TOKENS } });
    let result: number[] | undefined;
    worker.on("message", (tokens: number[]) => (result = tokens));
    worker.on("error", reject);
    worker.on("exit", (code) => (code === 0 && result ? resolve(result) : reject(new Error(`worker exited with code ${code} and ${result ? "a" : "no"} result`))));
  });
}

let model: SteerModel;
let modelPath: string;
beforeAll(async () => {
  modelPath = await syntheticModelPath("llama");
  model = await loadSynthetic("llama");
});
afterAll(async () => {
  await model.dispose();
});

async function mainThreadTokens(): Promise<number[]> {
  await using ctx = await model.createContext({ contextSize: 128, batchSize: 64, sequences: 1, threads: 1 });
  const out = await ctx.generate(PROMPT, { maxTokens: MAX_TOKENS, ignoreEndOfGeneration: true });
  return Array.from(out.tokens);
}

test("worker threads and the main thread use the addon at the same time, and again after the workers ended", async () => {
  const reference = await mainThreadTokens();
  expect(reference.length).toBe(MAX_TOKENS);

  // Two workers load the addon while the main thread keeps generating.
  const [a, b, main] = await Promise.all([runWorker(modelPath), runWorker(modelPath), mainThreadTokens()]);
  expect(a).toEqual(reference);
  expect(b).toEqual(reference);
  expect(main).toEqual(reference);

  // Both environments are gone; a new worker and the main thread still work.
  expect(await runWorker(modelPath)).toEqual(reference);
  expect(await mainThreadTokens()).toEqual(reference);
});
