// Public engine API on a synthetic model: typed errors for bad input, lifecycle, generation features.
import { writeFileSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { loadAddon } from "../../src/engine/binding.js";
import type { SteerContext } from "../../src/engine/context.js";
import { loadModel, type SteerModel } from "../../src/engine/model.js";
import { syntheticModelPath } from "../../src/synthetic/index.js";
import { loadSynthetic } from "../helpers/models.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "llama-steer-api-"));

async function expectCode(promise: Promise<unknown> | (() => unknown), code: string, message?: RegExp) {
  let error: unknown;
  try {
    await (typeof promise === "function" ? promise() : promise);
  } catch (e) {
    error = e;
  }
  expect(error, `expected an error with code ${code}`).toBeDefined();
  expect((error as { code?: string }).code).toBe(code);
  if (message) expect((error as Error).message).toMatch(message);
}

describe("loading", () => {
  test("a missing model path", async () => {
    await expectCode(loadModel(path.join(tmp, "nope.gguf")), "ERR_MODEL_NOT_FOUND", /Model file not found: .*nope\.gguf/);
  });
  test("a directory instead of a file", async () => {
    await expectCode(loadModel(tmp), "ERR_MODEL_NOT_FOUND", /not a file/);
  });
  test("a file that is not a GGUF", async () => {
    const p = path.join(tmp, "text.gguf");
    writeFileSync(p, "this is plainly not a model file, just some text\n".repeat(10));
    await expectCode(loadModel(p), "ERR_NOT_GGUF");
  });
  test("a truncated GGUF, cut in the header, the metadata and the tensor data", async () => {
    const full = readFileSync(await syntheticModelPath("llama"));
    for (const cut of [10, 200, Math.floor(full.length / 2), full.length - 1]) {
      const p = path.join(tmp, `cut-${cut}.gguf`);
      writeFileSync(p, full.subarray(0, cut));
      await expectCode(loadModel(p), "ERR_GGUF_TRUNCATED");
    }
  });
  test("bad options are named", async () => {
    const p = await syntheticModelPath("llama");
    await expectCode(loadModel(p, { gpuLayer: 3 } as never), "ERR_INVALID_ARGUMENT", /Unknown option "gpuLayer".*did you mean "gpuLayers"/);
    await expectCode(loadModel(p, { gpuLayers: 1.5 }), "ERR_INVALID_ARGUMENT", /Expected an integer >= -1 for gpuLayers but received 1.5 of type number/);
    await expectCode(loadModel(42 as never), "ERR_INVALID_ARGUMENT", /modelPath/);
  });
});

describe("a loaded model", () => {
  let model: SteerModel;
  let ctx: SteerContext;
  let E: number;
  let L: number;
  beforeAll(async () => {
    model = await loadSynthetic("llama");
    ctx = await model.createContext({ contextSize: 128, batchSize: 64 });
    E = model.info.nEmbd;
    L = model.info.nLayer;
  });
  afterAll(async () => {
    await model.dispose();
  });

  test("reports its shape", () => {
    expect(model.info.architecture).toBe("llama");
    expect(model.info.nEmbd).toBe(64);
    expect(model.info.nLayer).toBeGreaterThan(1);
    expect(model.info.nVocab).toBeGreaterThan(259);
  });

  test("tokenizes and detokenizes text with byte fallback", () => {
    const text = "Grüße, naïve café – 東京 ✓";
    const tokens = model.tokenize(text);
    expect(tokens[0]).toBe(model.info.bos);
    expect(model.detokenize(tokens)).toContain(text);
  });

  test("wrong vector sizes, NaN, infinities and bad layers", async () => {
    const ok = new Float32Array(E);
    await expectCode(ctx.evaluate(["hi"], { steer: [{ layer: 1, vector: new Float32Array(E + 1) }] }), "ERR_VECTOR_SIZE", new RegExp(`length ${E}.*received length ${E + 1}`));
    const nan = new Float32Array(E);
    nan[5] = NaN;
    await expectCode(ctx.evaluate(["hi"], { steer: [{ layer: 1, vector: nan }] }), "ERR_NOT_FINITE", /element 5 is NaN/);
    const inf = new Float32Array(E);
    inf[0] = Infinity;
    await expectCode(ctx.evaluate(["hi"], { steer: [{ layer: 1, vector: inf }] }), "ERR_NOT_FINITE");
    await expectCode(ctx.evaluate(["hi"], { steer: [{ layer: 1, vector: ok, strength: NaN }] }), "ERR_NOT_FINITE", /strength/);
    await expectCode(ctx.evaluate(["hi"], { steer: [{ layer: L, vector: ok }] }), "ERR_LAYER_OUT_OF_RANGE", new RegExp(`between 0 and ${L - 1}.*received ${L}`));
    await expectCode(ctx.evaluate(["hi"], { steer: [{ layer: -1, vector: ok }] }), "ERR_LAYER_OUT_OF_RANGE");
    await expectCode(ctx.capture(["hi"], { layers: [L + 3] }), "ERR_LAYER_OUT_OF_RANGE");
    await expectCode(ctx.capture(["hi"], { layers: [0], positions: [99] }), "ERR_POSITION_OUT_OF_RANGE", /position 99 is outside prompt 0/);
    await expectCode(ctx.evaluate(["hi"], { steer: [{ layer: 1, vector: ok, strenght: 2 } as never] }), "ERR_INVALID_ARGUMENT", /did you mean "strength"/);
    await expectCode(ctx.setControlVector(new Map([[0, ok]])), "ERR_LAYER_OUT_OF_RANGE", /layer 0/);
    await expectCode(ctx.setControlVector(new Map([[1, new Float32Array(3)]])), "ERR_VECTOR_SIZE");
    // the context is still usable after every refusal
    expect((await ctx.evaluate(["hi"]))[0].logits.length).toBe(model.info.nVocab);
  });

  test("empty prompts and prompts longer than the context", async () => {
    await expectCode(ctx.evaluate([""]), "ERR_EMPTY_PROMPT");
    await expectCode(ctx.generate([]), "ERR_EMPTY_PROMPT");
    await expectCode(ctx.capture(["fine", "word ".repeat(400)], { layers: [0] }), "ERR_PROMPT_TOO_LONG", new RegExp(`Prompt 1 has \\d+ tokens but the context holds ${ctx.contextSize}`));
    await expectCode(ctx.evaluate([[1, 999999]]), "ERR_INVALID_ARGUMENT", /token ids between 0/);
  });

  test("generation is deterministic when greedy, honours maxTokens, stop strings and streaming", async () => {
    const a = await ctx.generate("Once upon a time", { maxTokens: 12 });
    const b = await ctx.generate("Once upon a time", { maxTokens: 12 });
    expect(a.text).toBe(b.text);
    expect(a.tokens.length).toBeLessThanOrEqual(12);
    if (a.stopReason === "maxTokens") expect(a.tokens.length).toBe(12);
    const chunks: string[] = [];
    const streamed = await ctx.generate("Once upon a time", { maxTokens: 12, onText: (c) => chunks.push(c) });
    expect(chunks.join("")).toBe(streamed.text);
    // Stop at a string the greedy output is known to contain.
    const needle = a.text.trim().slice(2, 5);
    if (needle.length === 3) {
      const stopped = await ctx.generate("Once upon a time", { maxTokens: 12, stop: [needle] });
      expect(stopped.stopReason).toBe("stop");
      expect(stopped.text).toBe(a.text.slice(0, a.text.indexOf(needle)));
    }
  });

  test("always-on steering shared by every item (run as a control vector) equals the per-row hook", async () => {
    const vector = new Float32Array(E).map((_, i) => (i % 2 ? 4 : -4));
    const steer = [{ layer: 1, vector }];
    const fast = await ctx.generate("Once upon a time", { maxTokens: 10, steer });
    // A second item without steering forces the hook path for the first.
    const [viaHook] = await ctx.generateBatch([{ prompt: "Once upon a time", steer }, { prompt: "Hello" }], { maxTokens: 10 });
    expect(Array.from(fast.tokens)).toEqual(Array.from(viaHook.tokens));
    // A control vector the user set is left alone (and still applies).
    await ctx.setControlVector(new Map([[1, vector]]));
    const userSet = await ctx.generate("Once upon a time", { maxTokens: 10 });
    await ctx.setControlVector(null);
    expect(Array.from(userSet.tokens)).toEqual(Array.from(fast.tokens));
    const plain = await ctx.generate("Once upon a time", { maxTokens: 10 });
    expect(Array.from(plain.tokens)).not.toEqual(Array.from(fast.tokens));
  });

  test("always-on steering at several layers, then at another one, equals the hook each time (no stale layers)", async () => {
    const last = model.info.nLayer - 1;
    expect(last).toBeGreaterThanOrEqual(3);
    const a = new Float32Array(E).map((_, i) => (i % 3 ? 3 : -3));
    const b = new Float32Array(E).map((_, i) => (i % 2 ? -3 : 3));
    for (const steer of [[{ layer: 1, vector: a }, { layer: last, vector: b }], [{ layer: 2, vector: b }], [{ layer: 1, vector: a }]]) {
      const fast = await ctx.generate("Once upon a time", { maxTokens: 10, steer });
      const [viaHook] = await ctx.generateBatch([{ prompt: "Once upon a time", steer }, { prompt: "Hello" }], { maxTokens: 10 });
      expect(Array.from(fast.tokens)).toEqual(Array.from(viaHook.tokens));
    }
    // An empty map clears a control vector the user set.
    await ctx.setControlVector(new Map([[2, a]]));
    const userSet = await ctx.generate("Once upon a time", { maxTokens: 10 });
    await ctx.setControlVector(new Map());
    const cleared = await ctx.generate("Once upon a time", { maxTokens: 10 });
    const plain = await ctx.generate("Once upon a time", { maxTokens: 10, steer: [] });
    expect(Array.from(cleared.tokens)).toEqual(Array.from(plain.tokens));
    expect(Array.from(userSet.tokens)).not.toEqual(Array.from(plain.tokens));
  });

  test("ignoreEndOfGeneration decodes exactly maxTokens", async () => {
    const r = await ctx.generate("Once upon a time", { maxTokens: 20, ignoreEndOfGeneration: true });
    expect(r.tokens.length).toBe(20);
    expect(r.stopReason).toBe("maxTokens");
  });

  test("seeded sampling repeats with the same seed", async () => {
    const a = await ctx.generate("The cat", { maxTokens: 10, temperature: 1, seed: 7 });
    const b = await ctx.generate("The cat", { maxTokens: 10, temperature: 1, seed: 7 });
    expect(Array.from(a.tokens)).toEqual(Array.from(b.tokens));
  });

  test("a GBNF grammar constrains the output, and a broken grammar is a typed error", async () => {
    const r = await ctx.generate("Answer:", { maxTokens: 8, grammar: 'root ::= ("yes" | "no") "."' });
    expect(["yes.", "no."]).toContain(r.text);
    await expectCode(ctx.generate("Answer:", { grammar: "root ::= (" }), "ERR_GRAMMAR_INVALID");
  });

  test("steering during generation changes the output and stays within its positions", async () => {
    const vector = new Float32Array(E).map((_, i) => (i % 2 ? 6 : -6));
    const plain = await ctx.generate("Once upon a time", { maxTokens: 8 });
    const steered = await ctx.generate("Once upon a time", { maxTokens: 8, steer: [{ layer: 1, vector }] });
    expect(steered.text).not.toBe(plain.text);
    // Steering only generated tokens leaves the first generated token (predicted from the prompt) alone.
    const genOnly = await ctx.generate("Once upon a time", { maxTokens: 8, steer: [{ layer: 1, vector, positions: "generated" }] });
    expect(genOnly.tokens[0]).toBe(plain.tokens[0]);
  });

  test("batched generation equals one-at-a-time generation, and each sequence gets only its own steering", async () => {
    const vector = new Float32Array(E).map((_, i) => (i % 3 ? 5 : -5));
    const prompts = ["Once upon a time", "The weather today", "Once upon a time", "In 1999 the", "Hello", "Once upon a time"];
    const steerOf = (i: number) => (i === 2 ? [{ layer: 1, vector }] : i === 5 ? [{ layer: 2, vector, strength: -1, positions: "generated" as const }] : undefined);
    const small = await model.createContext({ contextSize: 256, batchSize: 64, sequences: 3 });
    try {
      const batched = await small.generateBatch(prompts.map((prompt, i) => ({ prompt, steer: steerOf(i) })), { maxTokens: 10 });
      for (let i = 0; i < prompts.length; i++) {
        const alone = await ctx.generate(prompts[i], { maxTokens: 10, steer: steerOf(i) });
        expect(Array.from(batched[i].tokens), `item ${i}`).toEqual(Array.from(alone.tokens));
        expect(batched[i].text).toBe(alone.text);
      }
      // The same prompt unsteered (0), steered on every row (2) and on generated rows only (5) differ.
      expect(batched[2].text).not.toBe(batched[0].text);
      expect(batched[5].text).not.toBe(batched[0].text);
    } finally {
      await small.dispose();
    }
  });

  test("a shared prompt prefix is decoded once and gives the same results as decoding each prompt whole", async () => {
    const system = "You are a careful assistant. Answer briefly and check every number twice before you reply. ".repeat(2);
    const prompts = ["What is two plus two?", "Name a colour.", "Where is Oslo?", "Spell cat."].map((q) => system + q);
    const vector = new Float32Array(E).map((_, i) => (i % 2 ? 4 : -4));
    const steer = [undefined, [{ layer: 1, vector, positions: "last-prompt" as const }], [{ layer: 2, vector, positions: "all" as const }], undefined];
    const big = await model.createContext({ contextSize: 512, batchSize: 128, sequences: 4 });
    try {
      const items = prompts.map((prompt, i) => ({ prompt, steer: steer[i] }));
      const shared = await big.generateBatch(items, { maxTokens: 8 });
      const whole = await big.generateBatch(items, { maxTokens: 8, sharePrefixes: false });
      expect(model.tokenize(system).length).toBeGreaterThan(32);
      for (let i = 0; i < prompts.length; i++) expect(Array.from(shared[i].tokens), `item ${i}`).toEqual(Array.from(whole[i].tokens));
    } finally {
      await big.dispose();
    }
  });

  test("decide chooses steering from the prompt's own unsteered row and equals steering the last prompt token", async () => {
    const layer = 1;
    const vector = new Float32Array(E).map((_, i) => (i % 2 ? 5 : -5));
    const prompts = ["Once upon a time", "The weather today", "In 1999 the"];
    const seen: Float32Array[] = [];
    const decided = await ctx.generateBatch(
      prompts.map((prompt, i) => ({
        prompt,
        decide: {
          layer,
          choose: (row: Float32Array) => {
            seen[i] = row;
            return i === 1 ? [] : [{ layer, vector, strength: i === 0 ? 1 : -1, positions: "last-prompt" as const }];
          },
        },
      })),
      { maxTokens: 8 },
    );
    const rows = await ctx.capture(prompts, { layers: [layer], positions: "last" });
    for (let i = 0; i < prompts.length; i++) {
      expect(Array.from(seen[i])).toEqual(Array.from(rows.prompts[i].layers.get(layer)!));
      const steer = i === 1 ? undefined : [{ layer, vector, strength: i === 0 ? 1 : -1, positions: "last-prompt" as const }];
      const reference = await ctx.generate(prompts[i], { maxTokens: 8, steer });
      expect(Array.from(decided[i].tokens), `item ${i}`).toEqual(Array.from(reference.tokens));
      expect(decided[i].decided?.length).toBe(i === 1 ? 0 : 1);
    }
    const plain = await ctx.generate(prompts[0], { maxTokens: 8 });
    expect(Array.from(decided[0].tokens)).not.toEqual(Array.from(plain.tokens));
  });

  test("a decided steering over every prompt token decodes the prompt again: it equals that steering given up front", async () => {
    const layer = 1;
    const vector = new Float32Array(E).map((_, i) => (i % 3 ? 3 : -3));
    // A shared head long enough to be decoded once (prefix sharing), so the redo must leave the shared cells.
    const system = "You are a careful assistant. Answer briefly and check every number twice before you reply. ".repeat(2);
    const prompts = ["What is two plus two?", "Name a colour.", "Where is Oslo?"].map((q) => system + q);
    const specOf = (i: number) => (i === 1 ? [] : [{ layer, vector, strength: i === 0 ? 1 : -1, positions: "prompt" as const }]);
    const big = await model.createContext({ contextSize: 512, batchSize: 128, sequences: 3 });
    try {
      const decided = await big.generateBatch(prompts.map((prompt, i) => ({ prompt, capture: [layer], decide: { layer, choose: () => specOf(i) } })), { maxTokens: 8 });
      const upFront = await big.generateBatch(prompts.map((prompt, i) => ({ prompt, steer: specOf(i) })), { maxTokens: 8, sharePrefixes: false });
      const rows = await big.capture(prompts, { layers: [layer], positions: "last" });
      for (let i = 0; i < prompts.length; i++) {
        expect(Array.from(decided[i].tokens), `item ${i}`).toEqual(Array.from(upFront[i].tokens));
        // The rows handed back are the unsteered ones the decision was made from (a shared prefix rounds differently:
        // equal to float noise, where the steering would move them by about 3).
        const reference = rows.prompts[i].layers.get(layer)!;
        expect(Math.max(...decided[i].captured!.get(layer)!.map((x, k) => Math.abs(x - reference[k])))).toBeLessThan(1e-4);
      }
      // Only the last prompt token steered gives another reply: the whole prompt was steered, not just its end.
      const lastOnly = await big.generate(prompts[0], { maxTokens: 8, steer: [{ layer, vector, positions: "last-prompt" }] });
      expect(Array.from(decided[0].tokens)).not.toEqual(Array.from(lastOnly.tokens));
    } finally {
      await big.dispose();
    }
  });

  test("logitsOf returns the same next-token logits as evaluate, with and without last-prompt steering", async () => {
    const vector = new Float32Array(E).map((_, i) => (i % 2 ? 3 : -3));
    const prompts = ["Once upon a time", "The weather today"];
    const ids = [5, 300, 1000];
    for (const steer of [undefined, [{ layer: 1, vector, positions: "last-prompt" as const }]]) {
      const viaBatch = await ctx.generateBatch(prompts.map((prompt) => ({ prompt, steer, logitsOf: ids })), { maxTokens: 0 });
      const viaEvaluate = await ctx.evaluate(prompts, { topK: 0, steer });
      prompts.forEach((_, i) => expect(Array.from(viaBatch[i].logits!)).toEqual(ids.map((t) => viaEvaluate[i].logits[t])));
    }
  });

  test("an AbortSignal stops generation with ERR_ABORTED and the context keeps working", async () => {
    const controller = new AbortController();
    let n = 0;
    const run = ctx.generate("Once upon a time", {
      maxTokens: 100,
      signal: controller.signal,
      onText: () => {
        if (++n === 2) controller.abort();
      },
    });
    await expectCode(run, "ERR_ABORTED");
    const pre = new AbortController();
    pre.abort();
    await expectCode(ctx.evaluate(["hi"], { signal: pre.signal }), "ERR_ABORTED");
    expect((await ctx.evaluate(["hi"]))[0].top.length).toBe(10);
  });
});

describe("lifecycle", () => {
  test("use after dispose is a typed error; dispose is idempotent", async () => {
    const model = await loadSynthetic("qwen2");
    const ctx = await model.createContext({ contextSize: 64 });
    await ctx.dispose();
    await ctx.dispose();
    await expectCode(ctx.evaluate(["hi"]), "ERR_DISPOSED");
    await model.dispose();
    await model.dispose();
    await expectCode(model.createContext(), "ERR_DISPOSED");
    expect(() => model.tokenize("hi")).toThrow(/disposed/);
  });

  test("disposing a model disposes its contexts; dispose during generate cancels it cleanly", async () => {
    const model = await loadSynthetic("gemma3");
    const ctx = await model.createContext({ contextSize: 512 });
    const running = ctx.generate("Once upon a time", { maxTokens: 400 });
    const queued = ctx.evaluate(["queued behind the generation"]);
    await new Promise((r) => setTimeout(r, 20));
    await model.dispose();
    await expectCode(running, "ERR_ABORTED", /disposed/);
    await expectCode(queued, "ERR_ABORTED");
    expect(ctx.isDisposed).toBe(true);
  });

  test("await using frees both", async () => {
    let seen: SteerContext | undefined;
    {
      await using model = await loadSynthetic("llama");
      await using ctx = await model.createContext({ contextSize: 64 });
      seen = ctx;
      expect((await ctx.evaluate(["hi"]))[0].logits.length).toBe(model.info.nVocab);
    }
    expect(seen?.isDisposed).toBe(true);
  });

  test("a batch the callback cannot map to rows fails loudly (ERR_ROW_MAPPING)", async () => {
    // Without a unified KV cache llama.cpp splits multi-sequence batches into several graphs.
    const addon = await loadAddon();
    const native = await addon.ModelHandle.load(await syntheticModelPath("llama"), { gpuLayers: 0, useMmap: true, repack: true });
    const ctx = new addon.ContextHandle(native, { nCtx: 256, nBatch: 64, nSeqMax: 4, nThreads: 2, kvUnified: false, threadpool: true, flashAttention: false });
    const lengths = [3, 5, 7, 2];
    const entries = lengths.flatMap((n, s) => Array.from({ length: n }, (_, p) => ({ s, p, last: p === n - 1 })));
    const request = {
      tokens: Int32Array.from(entries, (e) => 300 + e.p + e.s),
      positions: Int32Array.from(entries, (e) => e.p),
      sequences: Int32Array.from(entries, (e) => e.s),
      outputs: Uint8Array.from(entries, (e) => (e.last ? 1 : 0)),
      capture: { layers: Int32Array.of(0), rows: Int32Array.of(0, 9) },
    };
    await expectCode(ctx.decode(request), "ERR_ROW_MAPPING");
    ctx.dispose();
    expect(() => native.dispose()).not.toThrow();
  });
});
