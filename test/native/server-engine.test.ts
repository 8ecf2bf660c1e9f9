// The engine pieces the server stands on: per-item budgets, stops and sampling in one batch, items pulled into a
// running batch, and an item's own abort freeing its sequence while the others go on, each checked against the
// same item generated alone.
import { afterAll, beforeAll, expect, test } from "vitest";

import type { SteerContext } from "../../src/engine/context.js";
import type { SteerModel } from "../../src/engine/model.js";
import { seededVector } from "../../src/util/arrays.js";
import { loadSynthetic } from "../helpers/models.js";

let model: SteerModel;
let ctx: SteerContext;
const PROMPTS = ["the weather in the city today", "send a message to my contact", "what is the price of a flight", "open the file in my folder"];

beforeAll(async () => {
  model = await loadSynthetic("qwen2");
  ctx = await model.createContext({ contextSize: 1024, batchSize: 128, sequences: 3, threads: 2 });
});
afterAll(async () => {
  await model?.dispose();
});

test("per-item maxTokens, stop and sampling give what each item gives alone", async () => {
  const alone = [
    await ctx.generate(PROMPTS[0], { maxTokens: 5 }),
    await ctx.generate(PROMPTS[1], { maxTokens: 12, temperature: 0.9, seed: 7 }),
    await ctx.generate(PROMPTS[2], { maxTokens: 9 }),
  ];
  const stop = alone[2].text.slice(3, 6);
  const stopped = await ctx.generate(PROMPTS[2], { maxTokens: 9, stop: [stop] });
  const batch = await ctx.generateBatch(
    [
      { prompt: PROMPTS[0], maxTokens: 5 },
      { prompt: PROMPTS[1], maxTokens: 12, sampling: { temperature: 0.9, seed: 7 } },
      { prompt: PROMPTS[2], maxTokens: 9, stop: [stop] },
    ],
    { maxTokens: 30 },
  );
  expect(batch[0].tokens.length).toBe(alone[0].tokens.length);
  expect(batch.map((r) => r.text)).toEqual([alone[0].text, alone[1].text, stopped.text]);
  expect(batch[2].stopReason).toBe("stop");
});

test("items pulled while a batch runs join it, keep their numbers and match their solo results", async () => {
  const vector = seededVector(model.info.nEmbd, 5, 3);
  const steer = [{ layer: 1, vector, strength: 2 }];
  const solo = await Promise.all(PROMPTS.map((p, i) => ctx.generate(p, { maxTokens: 8 + i, steer: i === 3 ? steer : undefined })));
  const queue = PROMPTS.slice(1).map((prompt, k) => ({ prompt, maxTokens: 9 + k, ...(k === 2 ? { steer } : {}) }));
  const rooms: number[] = [];
  const done: number[] = [];
  let decodes = 0;
  const results = await ctx.generateBatch([{ prompt: PROMPTS[0], maxTokens: 8, onText: () => decodes++ }], {
    // One new item per call, and only after the first item has produced text: they arrive while it runs.
    pull: (room) => {
      rooms.push(room);
      return decodes > 0 && queue.length > 0 ? [queue.shift()!] : [];
    },
    onDone: (i) => done.push(i),
  });
  expect(results.map((r) => r.text)).toEqual(solo.map((r) => r.text));
  expect(done.sort()).toEqual([0, 1, 2, 3]);
  expect(Math.max(...rooms)).toBeLessThanOrEqual(3);
});

test("an item's own signal ends it alone with stopReason aborted; a waiting one never starts", async () => {
  const solo = await ctx.generate(PROMPTS[1], { maxTokens: 20 });
  const stopFirst = new AbortController();
  const neverStarted = new AbortController();
  neverStarted.abort(new Error("gone before it started"));
  let seen = 0;
  const results = await ctx.generateBatch(
    [
      { prompt: PROMPTS[0], signal: stopFirst.signal, onText: () => ++seen === 2 && stopFirst.abort(new Error("client left")) },
      { prompt: PROMPTS[1] },
      { prompt: PROMPTS[2], signal: neverStarted.signal },
    ],
    { maxTokens: 20 },
  );
  expect(results[0].stopReason).toBe("aborted");
  expect(results[0].tokens.length).toBeLessThan(20);
  expect(results[1].text).toBe(solo.text);
  expect(results[2]).toMatchObject({ stopReason: "aborted", text: "" });
  expect(results[2].tokens.length).toBe(0);
  // The context is free for the next call.
  expect((await ctx.generate(PROMPTS[1], { maxTokens: 20 })).text).toBe(solo.text);
});

test("a pulled item that begins like one in flight copies its cells for the common head, and gives its solo result", async () => {
  const head = "you are a careful assistant with a calculator, a web search, a timer and a file reader; answer briefly. ".repeat(3);
  const shared = [head + "add two and three", head + "find the latest news", head + "set a timer for ten minutes"];
  const vector = seededVector(model.info.nEmbd, 9, 3);
  const everywhere = [{ layer: 1, vector, strength: 2, positions: "all" as const }];
  const headTokens = model.tokenize(head).length;
  expect(headTokens).toBeGreaterThanOrEqual(32);
  const solo = [
    await ctx.generate(shared[0], { maxTokens: 12 }),
    await ctx.generate(shared[1], { maxTokens: 6 }),
    await ctx.generate(shared[2], { maxTokens: 6, steer: everywhere }),
  ];
  const queue = [
    { prompt: shared[1], maxTokens: 6 },
    { prompt: shared[2], maxTokens: 6, steer: everywhere },
  ];
  let decodes = 0;
  const results = await ctx.generateBatch([{ prompt: shared[0], maxTokens: 12, onText: () => decodes++ }], {
    pull: () => (decodes > 0 && queue.length > 0 ? [queue.shift()!] : []),
  });
  expect(results.map((r) => r.text)).toEqual(solo.map((r) => r.text));
  expect(results[0].reusedPromptTokens).toBeUndefined();
  // The common head of the two prompts, at least the system text (the tokenizer may join a token across the seam).
  const a = model.tokenize(shared[0]);
  const b = model.tokenize(shared[1]);
  let common = 0;
  while (a[common] === b[common]) common++;
  expect(results[1].reusedPromptTokens).toBe(common);
  expect(common).toBeGreaterThanOrEqual(headTokens - 1);
  // Steering on every position changes the head's cells: that item decodes its own.
  expect(results[2].reusedPromptTokens).toBeUndefined();
});

/** Runs one pull round whose items all arrive, one at a time, after the item before them has finished. */
async function oneAfterAnother(items: { prompt: string; maxTokens: number }[]) {
  const queue = items.slice(1);
  let finished = 0;
  let sent = 1;
  return ctx.generateBatch([items[0]], {
    onDone: () => finished++,
    pull: () => (finished === sent && queue.length > 0 ? (sent++, [queue.shift()!]) : []),
  });
}

test("a request that arrives after another has finished takes that sequence's prompt cells, within a round and in the next one", async () => {
  const head = "you are a careful assistant with a calculator, a web search, a timer and a file reader; answer briefly. ".repeat(2);
  const asks = [head + "add two and three", head + "find the latest news", head + "set a timer for ten minutes"];
  const a = model.tokenize(asks[0]);
  const b = model.tokenize(asks[1]);
  let common = 0;
  while (a[common] === b[common]) common++;
  const solo = [];
  for (const prompt of asks) solo.push(await ctx.generate(prompt, { maxTokens: 6 }));

  // One round: nothing runs when the second and third arrive, the finished sequence still holds the head.
  const round = await oneAfterAnother(asks.map((prompt) => ({ prompt, maxTokens: 6 })));
  expect(round.map((r) => r.text)).toEqual(solo.map((r) => r.text));
  expect(round[0].reusedPromptTokens).toBeUndefined();
  expect(round[1].reusedPromptTokens).toBe(common);
  expect(round[2].reusedPromptTokens).toBeGreaterThanOrEqual(common - 1);

  // The next pull round starts from the cells the last one left.
  const [again] = await ctx.generateBatch([{ prompt: asks[1], maxTokens: 6 }], { pull: () => [] });
  expect(again.text).toBe(solo[1].text);
  expect(again.reusedPromptTokens).toBeGreaterThanOrEqual(common);

  // Any other work starts from empty memory, and the pull round after it finds nothing kept.
  expect((await ctx.generate(asks[2], { maxTokens: 6 })).text).toBe(solo[2].text);
  const [fresh] = await ctx.generateBatch([{ prompt: asks[1], maxTokens: 6 }], { pull: () => [] });
  expect(fresh.text).toBe(solo[1].text);
  expect(fresh.reusedPromptTokens).toBeUndefined();
});

test("kept prompt cells give way to a request that needs the whole context", async () => {
  const asks = PROMPTS.slice(0, 3).map((p) => `${p} `.repeat(12));
  await oneAfterAnother(asks.map((prompt) => ({ prompt, maxTokens: 4 })));
  // Kept heads now hold cells of the three sequences; this one needs nearly all of the 1024.
  let long = "";
  while (model.tokenize(long).length < 700) long += "tell me everything about the weather, the news and the files in my folder ";
  const tokens = model.tokenize(long).length;
  const budget = ctx.contextSize - tokens - 2;
  const solo = await ctx.generate(long, { maxTokens: budget, ignoreEndOfGeneration: true });
  await oneAfterAnother(asks.map((prompt) => ({ prompt, maxTokens: 4 })));
  const [result] = await ctx.generateBatch([{ prompt: long, maxTokens: budget }], { pull: () => [], ignoreEndOfGeneration: true });
  expect(result.stopReason).toBe("maxTokens");
  expect(result.tokens.length).toBe(budget);
  expect(result.text).toBe(solo.text);
});
