// AbortSignal at chosen points of a long prompt's prefill and of token generation. The points are made
// deterministic by watching the context's decodes: the signal fires when a given decode completes (the abort is
// seen between decodes) or just as a given decode is issued (llama.cpp stops it between graph nodes). Either way
// the call rejects with ERR_ABORTED and the context then gives exactly what a fresh context gives.
// (Aborting from onText and disposing during a generation are in api.test.ts.)
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import type { NativeContext, NativeDecodeRequest } from "../../src/engine/binding.js";
import type { SteerContext } from "../../src/engine/context.js";
import type { SteerModel } from "../../src/engine/model.js";
import { loadSynthetic } from "../helpers/models.js";

const CONTEXT = { contextSize: 512, batchSize: 16, sequences: 1, threads: 1 } as const;
const LONG_PROMPT = "The quick brown fox jumps over the lazy dog while the farmer counts his sheep. ".repeat(4);
const NEXT_PROMPT = "Once upon a time in a small village";

interface DecodeCall {
  tokens: number;
  outcome: "pending" | "ok" | string;
}

/**
 * Watches a context's decodes: `issued(n)` runs just before decode n (1-based) is handed to the addon,
 * `completed(n)` as soon as it resolved, before the caller sees the result.
 */
function watchDecodes(ctx: SteerContext, hooks: { issued?: (n: number) => void; completed?: (n: number) => void }) {
  const native = (ctx as unknown as { native: NativeContext }).native;
  const original = native.decode.bind(native);
  const calls: DecodeCall[] = [];
  // The addon's methods are read-only on its prototype; an own property of the instance shadows it.
  const watched = (request: NativeDecodeRequest) => {
    const call: DecodeCall = { tokens: request.tokens.length, outcome: "pending" };
    calls.push(call);
    const n = calls.length;
    hooks.issued?.(n);
    return original(request).then(
      (result) => {
        call.outcome = "ok";
        hooks.completed?.(n);
        return result;
      },
      (error: { code?: string }) => {
        call.outcome = error?.code ?? "error";
        throw error;
      },
    );
  };
  Object.defineProperty(native, "decode", { value: watched, configurable: true, writable: true });
  return { calls, restore: () => delete (native as { decode?: unknown }).decode };
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

let model: SteerModel;
let vector: Float32Array;
beforeAll(async () => {
  model = await loadSynthetic("llama");
  vector = new Float32Array(model.info.nEmbd).map((_, i) => (i % 3 ? 3 : -3));
});
afterAll(async () => {
  await model.dispose();
});

/** What a fresh context generates and captures; an aborted context must give exactly the same afterwards. */
async function freshResults() {
  await using fresh = await model.createContext(CONTEXT);
  return await afterAbortResults(fresh);
}

async function afterAbortResults(ctx: SteerContext) {
  const gen = await ctx.generate(NEXT_PROMPT, { maxTokens: 12, ignoreEndOfGeneration: true, steer: [{ layer: 1, vector, positions: "generated" }] });
  const cap = await ctx.capture([LONG_PROMPT, NEXT_PROMPT], { layers: [1, model.info.nLayer - 1], positions: "last" });
  return {
    tokens: Array.from(gen.tokens),
    text: gen.text,
    rows: cap.prompts.map((p) => [...p.layers.values()].map((row) => Array.from(row))),
  };
}

describe("an abort in the middle of a long prompt's prefill", () => {
  test("the prompt needs several chunked decodes", () => {
    expect(model.tokenize(LONG_PROMPT).length).toBeGreaterThan(3 * CONTEXT.batchSize);
  });

  for (const call of ["generate", "capture"] as const) {
    const run = (ctx: SteerContext, signal: AbortSignal) =>
      call === "generate"
        ? ctx.generate(LONG_PROMPT, { maxTokens: 8, signal, steer: [{ layer: 1, vector, positions: "last-prompt" }] })
        : ctx.capture([LONG_PROMPT], { layers: [1], positions: "all", signal, steer: [{ layer: 1, vector }] });

    test(`${call}: aborted as the first chunk completes, no further chunk is decoded`, async () => {
      const reference = await freshResults();
      await using ctx = await model.createContext(CONTEXT);
      const controller = new AbortController();
      const watch = watchDecodes(ctx, { completed: (n) => n === 1 && controller.abort() });
      try {
        expect(await codeOf(run(ctx, controller.signal))).toBe("ERR_ABORTED");
        expect(watch.calls).toEqual([{ tokens: CONTEXT.batchSize, outcome: "ok" }]);
      } finally {
        watch.restore();
      }
      expect(await afterAbortResults(ctx)).toEqual(reference);
    });

    test(`${call}: aborted while the second chunk is decoding, llama.cpp stops that decode`, async () => {
      const reference = await freshResults();
      await using ctx = await model.createContext(CONTEXT);
      const controller = new AbortController();
      const watch = watchDecodes(ctx, { issued: (n) => n === 2 && controller.abort(new Error("stop the prefill")) });
      try {
        expect(await codeOf(run(ctx, controller.signal))).toBe("ERR_ABORTED");
        // The second decode itself was cut short inside the addon (llama_decode returned "aborted").
        expect(watch.calls).toEqual([
          { tokens: CONTEXT.batchSize, outcome: "ok" },
          { tokens: CONTEXT.batchSize, outcome: "ERR_ABORTED" },
        ]);
      } finally {
        watch.restore();
      }
      expect(await afterAbortResults(ctx)).toEqual(reference);
    });
  }
});

describe("an abort in the middle of token generation", () => {
  test("aborted while the fourth token's decode runs: ERR_ABORTED with the reason, then the context equals a fresh one", async () => {
    const reference = await freshResults();
    await using ctx = await model.createContext(CONTEXT);
    const controller = new AbortController();
    const prefillDecodes = Math.ceil(model.tokenize(NEXT_PROMPT).length / CONTEXT.batchSize);
    // Decodes after the prefill carry one sampled token each; abort as the fourth of them is issued.
    const watch = watchDecodes(ctx, { issued: (n) => n === prefillDecodes + 3 && controller.abort(new Error("enough tokens")) });
    const streamed: string[] = [];
    let error: unknown;
    try {
      await ctx.generate(NEXT_PROMPT, { maxTokens: 64, signal: controller.signal, onText: (t) => streamed.push(t), ignoreEndOfGeneration: true });
    } catch (e) {
      error = e;
    } finally {
      watch.restore();
    }
    expect((error as { code?: string }).code).toBe("ERR_ABORTED");
    expect((error as Error).message).toMatch(/enough tokens/);
    expect(watch.calls.length).toBe(prefillDecodes + 3);
    expect(watch.calls.at(-1)).toEqual({ tokens: 1, outcome: "ERR_ABORTED" });
    expect(watch.calls.slice(prefillDecodes).every((c) => c.tokens === 1)).toBe(true);
    expect(await afterAbortResults(ctx)).toEqual(reference);
  });

  test("a batch of generations aborted mid-way rejects as a whole and leaves no sequence behind", async () => {
    const items = ["Once upon a time", "The weather today", "In 1999 the", "Hello there"].map((prompt) => ({ prompt, steer: [{ layer: 2, vector, positions: "generated" as const }] }));
    const options = { maxTokens: 16, ignoreEndOfGeneration: true };
    let reference;
    {
      await using fresh = await model.createContext({ ...CONTEXT, sequences: 4 });
      reference = (await fresh.generateBatch(items, options)).map((r) => Array.from(r.tokens));
    }
    await using ctx = await model.createContext({ ...CONTEXT, sequences: 4 });
    const controller = new AbortController();
    const watch = watchDecodes(ctx, { issued: (n) => n === 5 && controller.abort() });
    try {
      expect(await codeOf(ctx.generateBatch(items, { ...options, signal: controller.signal }))).toBe("ERR_ABORTED");
      expect(watch.calls.at(-1)?.outcome).toBe("ERR_ABORTED");
    } finally {
      watch.restore();
    }
    expect((await ctx.generateBatch(items, options)).map((r) => Array.from(r.tokens))).toEqual(reference);
  });
});
