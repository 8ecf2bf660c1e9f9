/**
 * The engine on the real default model (SmolLM2-135M-Instruct, Q4_1), fetched once by setup.ts: the steering
 * invariants `llama-steer doctor` checks, the tokenizer, greedy generation, and a chat prompt in the ASA format
 * rendered with the model's own template. Kept to a few short generations: the suite must run on 2 CPU cores.
 */
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { runChecks } from "../../src/doctor/checks.js";
import type { SteerContext } from "../../src/engine/context.js";
import { loadModel, type SteerModel } from "../../src/engine/model.js";
import { asaFormat, type ToolDefinition } from "../../src/formats/index.js";
import { listModels } from "../../src/models/index.js";
import { TEST_MODEL, skipModelTests } from "./setup.js";

const modelPath = inject("testModelPath");

const WEATHER_TOOL: ToolDefinition = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

describe.skipIf(skipModelTests || modelPath === null)("the default model", () => {
  let model: SteerModel;
  let ctx: SteerContext;

  beforeAll(async () => {
    // Batch-invariant kernels, as `llama-steer doctor` uses: the checks compare batched with unbatched runs.
    model = await loadModel(modelPath!, { repack: false });
    ctx = await model.createContext({ contextSize: 1024 });
  });
  afterAll(async () => {
    await model?.dispose();
  });

  test("is the model the manifest describes", () => {
    const entry = listModels().find((m) => m.name === TEST_MODEL)!;
    expect({ architecture: model.info.architecture, nLayer: model.info.nLayer, nEmbd: model.info.nEmbd, nVocab: model.info.nVocab }).toEqual({
      architecture: entry.architecture,
      nLayer: entry.nLayer,
      nEmbd: entry.nEmbd,
      nVocab: entry.nVocab,
    });
    expect(model.info.fileBytes).toBe(entry.size);
    expect(model.info.chatTemplate).toContain("<|im_start|>");
  });

  test("every steering invariant of `llama-steer doctor` holds", async () => {
    const checks = await runChecks(model);
    expect(checks.map((c) => c.name)).toEqual([
      "capture_deterministic",
      "inject_exact",
      "inject_rows_only",
      "cvec_equals_hook",
      "zero_strength_identity",
      "batched_equals_unbatched",
      "vector_change_takes_effect",
    ]);
    // Listing the failures (with their measured differences) makes a red run say which invariant broke.
    expect(checks.filter((c) => !c.ok)).toEqual([]);
  });

  test("text survives tokenize then detokenize unchanged", () => {
    const texts = [
      "The quick brown fox jumps over the lazy dog.",
      "  leading and trailing spaces  ",
      "line one\nline two\n\n\ttabbed",
      "Unicode: héllo wörld — 日本語 🦙",
      'JSON: {"name": "get_weather", "arguments": {"city": "Paris"}}',
      "def f(x):\n    return x ** 2  # square",
    ];
    for (const text of texts) {
      const tokens = model.tokenize(text, { addSpecial: false, parseSpecial: false });
      expect(tokens.length).toBeGreaterThan(0);
      expect(model.detokenize(tokens)).toBe(text);
    }
  });

  test("chat markers are single special tokens, kept or dropped on detokenize as asked", () => {
    const text = "<|im_start|>user\nHi<|im_end|>\n";
    const tokens = model.tokenize(text, { addSpecial: false });
    const imStart = model.tokenize("<|im_start|>", { addSpecial: false });
    const imEnd = model.tokenize("<|im_end|>", { addSpecial: false });
    expect(imStart.length).toBe(1);
    expect(imEnd.length).toBe(1);
    expect(tokens[0]).toBe(imStart[0]);
    expect(tokens).toContain(imEnd[0]);
    expect(model.detokenize(tokens, { special: true })).toBe(text);
    expect(model.detokenize(tokens)).toBe("user\nHi\n");
    // Without special parsing the marker is ordinary text and splits into several tokens.
    expect(model.tokenize("<|im_start|>", { addSpecial: false, parseSpecial: false }).length).toBeGreaterThan(1);
  });

  test("greedy generation is deterministic, in the same context and in a fresh one", async () => {
    const prompt = "<|im_start|>user\nList three colours.<|im_end|>\n<|im_start|>assistant\n";
    const first = await ctx.generate(prompt, { maxTokens: 16 });
    const second = await ctx.generate(prompt, { maxTokens: 16 });
    const fresh = await model.createContext({ contextSize: 256 });
    let third;
    try {
      third = await fresh.generate(prompt, { maxTokens: 16 });
    } finally {
      await fresh.dispose();
    }
    expect(first.tokens.length).toBeGreaterThan(0);
    expect(Array.from(second.tokens)).toEqual(Array.from(first.tokens));
    expect(Array.from(third.tokens)).toEqual(Array.from(first.tokens));
    expect(second.text).toBe(first.text);
    expect(third.text).toBe(first.text);
  });

  test("an ASA-format chat prompt rendered with the model's template gets a real answer", async () => {
    const messages = [{ role: "user", content: "What is the capital of France?" }];
    const prompt = await asaFormat.render(messages, [WEATHER_TOOL], { chatTemplate: model.info.chatTemplate! });
    // The tool instructions travel as the system turn, so the template adds no default system prompt of its own.
    expect(prompt.startsWith("<|im_start|>system\nThe tools below can be called.")).toBe(true);
    expect(prompt).toContain('"name":"get_weather"');
    expect(prompt.endsWith("<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n")).toBe(true);

    const out = await ctx.generate(prompt, { maxTokens: 48, stop: ["<|im_end|>"] });
    expect(out.text.trim().length).toBeGreaterThan(0);
    // The model closes its turn by itself: the prompt really reads as a chat to it.
    expect(["eog", "stop"]).toContain(out.stopReason);
    // Greedy SmolLM2 answers this correctly; garbage here would mean the prompt was mangled on the way in.
    expect(out.text).toMatch(/Paris/);
    const verdict = asaFormat.parse(out.text, [WEATHER_TOOL]);
    expect(verdict.triggered).toBe(out.text.includes("<functioncall>"));
  });
});
