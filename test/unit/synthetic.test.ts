import { mkdtemp, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Template } from "@huggingface/jinja";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCodes, SteerError } from "../../src/errors.js";
import { GgmlType } from "../../src/gguf/format.js";
import { readGgufHeader, readGgufTensor, type GgufFileInfo } from "../../src/gguf/reader.js";
import {
  SYNTHETIC_ARCHITECTURES,
  SYNTHETIC_VOCABULARY_SIZE,
  SeededRandom,
  SYNTHETIC_CHAT_TEMPLATE,
  buildSyntheticModel,
  buildSyntheticVocabulary,
  defaultCacheRoot,
  syntheticModelPath,
  writeSyntheticModel,
} from "../../src/synthetic/index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "llama-steer-synthetic-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function headerOf(bytes: Buffer, name: string): Promise<GgufFileInfo> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return readGgufHeader(path);
}

describe("SeededRandom", () => {
  it("repeats a stream for the same seed and name, and separates different ones", () => {
    const draw = (seed: number, stream: string) => Array.from({ length: 8 }, ((r) => () => r.nextUint32())(new SeededRandom(seed, stream)));
    expect(draw(7, "a")).toEqual(draw(7, "a"));
    expect(draw(7, "a")).not.toEqual(draw(8, "a"));
    expect(draw(7, "a")).not.toEqual(draw(7, "b"));
  });

  it("draws standard normal samples", () => {
    const samples = new SeededRandom(0, "gauss").gaussianArray(200_000, 1);
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    const variance = samples.reduce((a, b) => a + (b - mean) ** 2, 0) / samples.length;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
  });
});

describe("synthetic vocabulary", () => {
  const vocabulary = buildSyntheticVocabulary();
  const idOf = new Map(vocabulary.tokens.map((t, i) => [t, i]));

  it("starts with <unk>, <s>, </s> and the 256 byte tokens", () => {
    expect(vocabulary.tokens.slice(0, 3)).toEqual(["<unk>", "<s>", "</s>"]);
    expect([...vocabulary.tokenTypes.slice(0, 3)]).toEqual([2, 3, 3]);
    for (let byte = 0; byte < 256; byte++) {
      expect(vocabulary.tokens[3 + byte]).toBe(`<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`);
      expect(vocabulary.tokenTypes[3 + byte]).toBe(6);
    }
    expect(vocabulary.tokens.slice(259, 262)).toEqual(["<|im_start|>", "<|im_end|>", "<functioncall>"]);
    expect(new Set(vocabulary.tokens).size).toBe(vocabulary.tokens.length);
  });

  it("holds every piece's prefixes at lower ids and higher scores, so SPM merges can build it", () => {
    for (const [id, piece] of vocabulary.tokens.entries()) {
      if (vocabulary.tokenTypes[id] !== 1) continue;
      const chars = [...piece];
      for (let n = 2; n < chars.length; n++) {
        const prefixId = idOf.get(chars.slice(0, n).join(""));
        expect(prefixId, `prefix of ${piece}`).toBeDefined();
        expect(prefixId!).toBeLessThan(id);
        expect(vocabulary.scores[prefixId!]).toBeGreaterThan(vocabulary.scores[id]);
      }
    }
    expect(idOf.has("▁the")).toBe(true);
    expect(idOf.has("▁weather")).toBe(true);
  });

  it("cuts to a smaller size or pads with unused tokens", () => {
    expect(buildSyntheticVocabulary(300).tokens).toEqual(vocabulary.tokens.slice(0, 300));
    const padded = buildSyntheticVocabulary(SYNTHETIC_VOCABULARY_SIZE + 2);
    expect(padded.tokens.slice(-2)).toEqual(["<unused_0>", "<unused_1>"]);
    expect([...padded.tokenTypes.slice(-2)]).toEqual([5, 5]);
  });
});

describe("synthetic chat template", () => {
  it("renders ChatML with the tools as JSON lines in a system block", () => {
    const template = new Template(SYNTHETIC_CHAT_TEMPLATE);
    const tools = [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }];
    expect(template.render({ messages: [{ role: "user", content: "Weather in Paris?" }], tools, add_generation_prompt: true })).toBe(
      "<|im_start|>system\nYou may call one of these tools. To call one, reply with <functioncall> followed by a JSON object with the keys " +
        '"name" and "arguments".\n{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}\n<|im_end|>\n' +
        "<|im_start|>user\nWeather in Paris?<|im_end|>\n<|im_start|>assistant\n",
    );
    expect(template.render({ messages: [{ role: "user", content: "hi" }], add_generation_prompt: false })).toBe("<|im_start|>user\nhi<|im_end|>\n");
  });
});

describe("synthetic models", () => {
  it.each(SYNTHETIC_ARCHITECTURES)("%s: the same options give identical bytes, another seed different weights", (arch) => {
    const a = buildSyntheticModel({ arch, seed: 3 });
    expect(buildSyntheticModel({ arch, seed: 3 }).equals(a)).toBe(true);
    const b = buildSyntheticModel({ arch, seed: 4 });
    expect(b.length).toBe(a.length);
    expect(b.equals(a)).toBe(false);
    expect(a.length).toBeGreaterThan(1_000_000);
    expect(a.length).toBeLessThan(3_000_000);
  });

  it.each(SYNTHETIC_ARCHITECTURES)("%s: carries the metadata and tensors llama.cpp needs", async (arch) => {
    const info = await headerOf(buildSyntheticModel({ arch, layers: 2 }), `${arch}.gguf`);
    const m = info.metadata;
    expect(m.get("general.architecture")).toBe(arch);
    expect([m.get(`${arch}.block_count`), m.get(`${arch}.embedding_length`), m.get(`${arch}.attention.head_count`), m.get(`${arch}.feed_forward_length`)]).toEqual([2, 64, 4, 128]);
    expect(m.get("tokenizer.ggml.model")).toBe("llama");
    expect((m.get("tokenizer.ggml.tokens") as string[]).length).toBe(SYNTHETIC_VOCABULARY_SIZE);
    expect(m.get("tokenizer.chat_template")).toContain("<|im_start|>");
    const names = info.tensors.map((t) => t.name);
    expect(names.slice(0, 3)).toEqual(["token_embd.weight", "output_norm.weight", "output.weight"]);
    expect(info.tensors.find((t) => t.name === "token_embd.weight")?.shape).toEqual([64, SYNTHETIC_VOCABULARY_SIZE]);
    expect(info.tensors.find((t) => t.name === "blk.1.ffn_down.weight")?.shape).toEqual([128, 64]);
    expect(names.includes("blk.0.attn_q.bias")).toBe(arch === "qwen2");
    expect(names.includes("blk.0.post_ffw_norm.weight")).toBe(arch === "gemma3");
  });

  it("stores matrices as F16 when asked, and ties embeddings when asked", async () => {
    const info = await headerOf(buildSyntheticModel({ f16: true, tieEmbeddings: true }), "f16.gguf");
    expect(info.metadata.get("general.file_type")).toBe(1);
    expect(info.tensors.find((t) => t.name === "blk.0.attn_q.weight")?.type).toBe(GgmlType.F16);
    expect(info.tensors.find((t) => t.name === "blk.0.attn_norm.weight")?.type).toBe(GgmlType.F32);
    expect(info.tensors.some((t) => t.name === "output.weight")).toBe(false);
  });

  it("keeps a tensor's values when unrelated options change", async () => {
    const base = join(dir, "base.gguf");
    const deeper = join(dir, "deeper.gguf");
    await writeSyntheticModel(base, { layers: 2 });
    await writeSyntheticModel(deeper, { layers: 3 });
    expect((await readGgufTensor(deeper, "blk.1.attn_k.weight")).values).toEqual((await readGgufTensor(base, "blk.1.attn_k.weight")).values);
  });

  it("writes a fine-tuned twin: same shapes and metadata, weights moved by a small seeded perturbation", async () => {
    const base = join(dir, "twin-base.gguf");
    const twin = join(dir, "twin.gguf");
    const unperturbed = join(dir, "twin-zero.gguf");
    await writeSyntheticModel(base, { arch: "qwen2", seed: 5 });
    await writeSyntheticModel(twin, { arch: "qwen2", seed: 5, twin: { seed: 9, scale: 0.05 } });
    await writeSyntheticModel(unperturbed, { arch: "qwen2", seed: 5, twin: { scale: 0 } });
    const [b, t] = [await readGgufHeader(base), await readGgufHeader(twin)];
    expect(t.tensors.map((x) => [x.name, x.shape])).toEqual(b.tensors.map((x) => [x.name, x.shape]));
    expect(t.metadata.get("general.name")).not.toBe(b.metadata.get("general.name"));
    expect(t.metadata.get("tokenizer.ggml.tokens")).toEqual(b.metadata.get("tokenizer.ggml.tokens"));

    const name = "blk.2.ffn_up.weight";
    const [bv, tv, zv] = [(await readGgufTensor(base, name)).values, (await readGgufTensor(twin, name)).values, (await readGgufTensor(unperturbed, name)).values];
    expect(zv).toEqual(bv);
    const norm = (v: Float32Array) => Math.sqrt(v.reduce((a, x) => a + x * x, 0));
    const relative = norm(tv.map((x, i) => x - bv[i])) / norm(bv);
    expect(relative).toBeGreaterThan(0.04);
    expect(relative).toBeLessThan(0.06);
  });

  it("rejects bad options by name", () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof SteerError ? `${e.code}: ${e.message}` : String(e);
      }
      return "no error";
    };
    expect(code(() => buildSyntheticModel({ embd: 63 }))).toBe(`${ErrorCodes.INVALID_ARGUMENT}: Expected a multiple of 2 × heads (8) for options.embd but received 63 of type number`);
    expect(code(() => buildSyntheticModel({ arch: "mistral" as "llama" }))).toBe(`${ErrorCodes.INVALID_ARGUMENT}: Expected one of "llama", "qwen2", "gemma3" for options.arch but received "mistral" of type string`);
    expect(code(() => buildSyntheticModel({ layer: 2 } as never))).toMatch(/Unknown option "layer" in synthetic model options \(did you mean "layers"\?\)/);
    expect(code(() => buildSyntheticModel({ vocabSize: 100 }))).toMatch(/Expected an integer between 262 and \d+ for options.vocabSize/);
    expect(code(() => buildSyntheticModel({ arch: "llama", slidingWindow: 16 }))).toMatch(/only gemma3 has sliding-window attention/);
    expect(code(() => buildSyntheticModel({ heads: 4, kvHeads: 3 }))).toMatch(/a divisor of heads \(4\) for options.kvHeads/);
  });
});

describe("synthetic model cache", () => {
  it("writes a model once, reuses it, and rewrites a damaged one", async () => {
    const cacheDir = join(dir, "cache");
    const path = await syntheticModelPath("gemma3", { cacheDir, layers: 2 });
    expect(path.startsWith(cacheDir)).toBe(true);
    expect(path).toMatch(/gemma3-l2-e64-s0-[0-9a-f]{12}\.gguf$/);
    const first = await stat(path);
    expect(await syntheticModelPath("gemma3", { cacheDir, layers: 2 })).toBe(path);
    expect((await stat(path)).mtimeMs).toBe(first.mtimeMs);
    expect(await syntheticModelPath("gemma3", { cacheDir, layers: 3 })).not.toBe(path);

    await truncate(path, 1000);
    expect(await syntheticModelPath("gemma3", { cacheDir, layers: 2 })).toBe(path);
    expect((await stat(path)).size).toBe(first.size);
    expect((await readGgufHeader(path)).metadata.get("gemma3.block_count")).toBe(2);
  });

  it("takes its default root from LLAMA_STEER_CACHE, else the checkout's .cache", () => {
    const saved = process.env.LLAMA_STEER_CACHE;
    try {
      process.env.LLAMA_STEER_CACHE = join(dir, "env-cache");
      expect(defaultCacheRoot()).toBe(join(dir, "env-cache"));
      delete process.env.LLAMA_STEER_CACHE;
      expect(defaultCacheRoot()).toBe(join(process.cwd(), ".cache"));
    } finally {
      if (saved === undefined) delete process.env.LLAMA_STEER_CACHE;
      else process.env.LLAMA_STEER_CACHE = saved;
    }
  });
});
