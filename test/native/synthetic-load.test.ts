// llama.cpp itself (through node-llama-cpp's prebuilt binaries, independent of our addon) loads the
// synthetic models, tokenizes with their vocabulary, byte fallback included, and generates from them.
import { LlamaLogLevel, getLlama, type Llama, type LlamaModel, type Token } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readGgufHeader } from "../../src/gguf/reader.js";
import {
  SYNTHETIC_ARCHITECTURES,
  SYNTHETIC_VOCABULARY_SIZE,
  buildSyntheticVocabulary,
  syntheticModelPath,
  type SyntheticModelOptions,
} from "../../src/synthetic/index.js";

const vocabulary = buildSyntheticVocabulary().tokens;
const TEXT = "Hello, what is the weather in Paris today? Héllo wörld, 日本語 🙂\nnext line";

let llama: Llama;
const llamaErrors: string[] = [];
beforeAll(async () => {
  llama = await getLlama({
    gpu: false,
    build: "never",
    skipDownload: true,
    // The models are tiny: one thread is fastest, and spinning worker threads only slow a busy machine down.
    maxThreads: 1,
    logLevel: LlamaLogLevel.warn,
    logger: (level, message) => {
      if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) llamaErrors.push(message);
    },
  });
});
afterAll(async () => {
  await llama?.dispose();
});

async function withModel<T>(options: Omit<SyntheticModelOptions, "arch"> & { arch: SyntheticModelOptions["arch"] }, use: (model: LlamaModel) => Promise<T>): Promise<T> {
  const { arch, ...rest } = options;
  const modelPath = await syntheticModelPath(arch, rest);
  await readGgufHeader(modelPath); // The pre-flight check the engine runs accepts it too.
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
  try {
    return await use(model);
  } finally {
    await model.dispose();
  }
}

/** Greedy continuation of `prompt` in a fresh context. */
async function generate(model: LlamaModel, prompt: Token[], count: number): Promise<Token[]> {
  const context = await model.createContext({ contextSize: 256, threads: 1 });
  try {
    const generated: Token[] = [];
    for await (const token of context.getSequence().evaluate(prompt, { temperature: 0 })) {
      generated.push(token);
      if (generated.length >= count) break;
    }
    return generated;
  } finally {
    await context.dispose();
  }
}

/** The next-token distribution after `prompt`. */
async function nextTokenProbabilities(model: LlamaModel, prompt: Token[]): Promise<Map<Token, number>> {
  const context = await model.createContext({ contextSize: 256, threads: 1 });
  try {
    const input = prompt.map((token, i) => (i === prompt.length - 1 ? ([token, { generateNext: { probabilities: true } }] as const) : token));
    const output = await context.getSequence().controlledEvaluate(input as never);
    const probabilities = output[prompt.length - 1]?.next.probabilities;
    if (probabilities === undefined) throw new Error("no probabilities returned");
    return probabilities;
  } finally {
    await context.dispose();
  }
}

describe.each(SYNTHETIC_ARCHITECTURES)("llama.cpp on the synthetic %s model", (arch) => {
  it("loads it with the vocabulary and special tokens the file declares", async () => {
    await withModel({ arch }, async (model) => {
      expect(model.fileInfo.metadata.general.architecture).toBe(arch);
      expect(model.tokens.bos).toBe(1);
      expect(model.tokens.eos).toBe(2);
      expect(model.tokens.nl).toBe(3 + 0x0a);
      // SPM adds the leading space itself; whole words are single pieces.
      expect(model.tokenize("the weather")).toEqual([vocabulary.indexOf("▁the"), vocabulary.indexOf("▁weather")]);
    });
  });

  it("tokenizes any text, falling back to byte tokens, and detokenizes it back exactly", async () => {
    await withModel({ arch }, async (model) => {
      const tokens = model.tokenize(TEXT);
      expect(model.detokenize(tokens)).toBe(TEXT);
      const byteTokens = tokens.filter((t) => t >= 3 && t <= 258);
      // é, ö, 日本語, 🙂 and the newline have no piece of their own: 2 + 2 + 9 + 4 + 1 bytes.
      expect(byteTokens).toHaveLength(18);
      expect(tokens.every((t) => t >= 0 && t < SYNTHETIC_VOCABULARY_SIZE)).toBe(true);
      expect(model.tokenize("<functioncall>")).toEqual([261]);
      expect(model.tokenize("<|im_start|>user", true)[0]).toBe(259);
    });
  });

  it("generates deterministically with greedy sampling", async () => {
    await withModel({ arch }, async (model) => {
      const prompt = [model.tokens.bos!, ...model.tokenize(TEXT)];
      const first = await generate(model, prompt, 8);
      expect(first).toHaveLength(8);
      expect(first.every((t) => t >= 0 && t < SYNTHETIC_VOCABULARY_SIZE)).toBe(true);
      expect(await generate(model, prompt, 8)).toEqual(first);
    });
  });
});

describe("llama.cpp on synthetic variants", () => {
  it.each<[string, SyntheticModelOptions & { arch: "llama" | "qwen2" | "gemma3" }]>([
    ["F16 matrices", { arch: "llama", f16: true }],
    ["grouped-query attention", { arch: "qwen2", kvHeads: 2 }],
    ["gemma3 with sliding-window attention", { arch: "gemma3", slidingWindow: 8 }],
    ["tied embeddings", { arch: "gemma3", tieEmbeddings: true }],
    ["a cut vocabulary", { arch: "llama", vocabSize: 400, layers: 2 }],
  ])("%s", async (_name, options) => {
    await withModel(options, async (model) => {
      const tokens = model.tokenize(TEXT);
      expect(model.detokenize(tokens)).toBe(TEXT);
      expect(await generate(model, [model.tokens.bos!, ...tokens], 4)).toHaveLength(4);
    });
  });

  it("a fine-tuned twin predicts close to, but not exactly like, its base", async () => {
    const prompt = (model: LlamaModel) => [model.tokens.bos!, ...model.tokenize("What is the weather")];
    const base = await withModel({ arch: "qwen2" }, (model) => nextTokenProbabilities(model, prompt(model)));
    const twin = await withModel({ arch: "qwen2", twin: { seed: 1, scale: 0.05 } }, (model) => nextTokenProbabilities(model, prompt(model)));
    let totalVariation = 0;
    for (const [token, p] of base) totalVariation += Math.abs(p - (twin.get(token) ?? 0)) / 2;
    expect(totalVariation).toBeGreaterThan(1e-4);
    expect(totalVariation).toBeLessThan(0.5);
  });

  it("logged no llama.cpp errors", () => {
    expect(llamaErrors).toEqual([]);
  });
});
