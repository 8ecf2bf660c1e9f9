// The generation journal: results equal a direct batch, a rerun from the file decodes nothing (rows come from the
// rows file beside it), identical items are decoded once, a torn last line is survived, and a journal of another
// model (or no journal) is refused.
import { appendFileSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, test } from "vitest";

import type { SteerContext } from "../../src/engine/context.js";
import type { SteerModel } from "../../src/engine/model.js";
import { GenerationJournal, journaledGenerate, journaledRows, type JournaledItem } from "../../src/eval/journal.js";
import { seededVector } from "../../src/util/arrays.js";
import { useTempDir } from "../helpers/tempDir.js";
import { loadSynthetic } from "../helpers/models.js";

describe("generation journal", () => {
  const temp = useTempDir("journal");
  let model: SteerModel;
  let ctx: SteerContext;
  let items: JournaledItem[];
  const options = { maxTokens: 12, stop: ["."] };
  /** The context, counting the items it is asked to generate for, and those it only prefills (rows). */
  const counting = () => {
    const seen = { items: 0, prefilled: 0 };
    const proxy = {
      generateBatch: (batch: unknown[], o: { maxTokens: number }) => {
        if (o.maxTokens > 0) seen.items += batch.length;
        else seen.prefilled += batch.length;
        return ctx.generateBatch(batch as never, o as never);
      },
    };
    return { ctx: proxy as unknown as SteerContext, seen };
  };

  beforeAll(async () => {
    model = await loadSynthetic("qwen2");
    ctx = await model.createContext({ contextSize: 1024, batchSize: 256 });
    const vector = seededVector(model.info.nEmbd, 9);
    items = [
      { prompt: "one two three", capture: [1] },
      { prompt: "four five six", capture: [1] },
      { prompt: "one two three", steer: [{ layer: 1, vector, strength: 4, positions: "last-prompt" }], capture: [1] },
    ];
  });
  afterAll(async () => {
    await model.dispose();
  });

  test("gives what a direct batch gives, rows included", async () => {
    const journal = GenerationJournal.inMemory(model.info.fingerprint);
    const runs = await journaledGenerate(ctx, journal, items, options);
    const direct = await ctx.generateBatch(items.map((i) => ({ prompt: i.prompt, steer: i.steer, capture: [1] })), { ...options, stop: [...options.stop] });
    runs.forEach((run, i) => {
      expect(run.result.text).toBe(direct[i].text);
      expect(run.result.stopReason).toBe(direct[i].stopReason);
    });
    // Rows are the unsteered ones, also for the steered item (the row a gated controller decides from).
    expect(Array.from(runs[0].rows!.get(1)!)).toEqual(Array.from(direct[0].captured!.get(1)!));
    expect(Array.from(runs[1].rows!.get(1)!)).toEqual(Array.from(direct[1].captured!.get(1)!));
    expect(Array.from(runs[2].rows!.get(1)!)).toEqual(Array.from(direct[0].captured!.get(1)!));
    // The steered item really differs, so the key tells steered from unsteered.
    expect(runs[2].result.text).not.toBe(runs[0].result.text);
  });

  test("a rerun from the file decodes nothing and returns the same", async () => {
    const file = path.join(temp.dir, "j.jsonl");
    const first = counting();
    const runs = await journaledGenerate(first.ctx, await GenerationJournal.open(file, model.info.fingerprint), items, options);
    expect(first.seen.items).toBe(3);
    const again = counting();
    const reopened = await GenerationJournal.open(file, model.info.fingerprint);
    expect(reopened.recovered).toBe(3); // three generations (their rows are in j.jsonl.rows)
    const reruns = await journaledGenerate(again.ctx, reopened, items, options);
    // Nothing is decoded again, not even a prefill for the rows.
    expect(again.seen.items).toBe(0);
    expect(again.seen.prefilled).toBe(0);
    reruns.forEach((r, i) => {
      expect(r.result.text).toBe(runs[i].result.text);
      expect(r.result.tokens.length).toBe(runs[i].result.tokens.length);
      expect(Array.from(r.rows!.get(1)!)).toEqual(Array.from(runs[i].rows!.get(1)!));
    });
    // Another budget is another generation.
    const longer = counting();
    await journaledGenerate(longer.ctx, reopened, items.slice(0, 1), { ...options, maxTokens: 13 });
    expect(longer.seen.items).toBe(1);
  });

  test("identical items are decoded once; rows missing from the journal are read again", async () => {
    const journal = GenerationJournal.inMemory(model.info.fingerprint);
    const once = counting();
    const runs = await journaledGenerate(once.ctx, journal, [items[0], items[0], { prompt: items[0].prompt }], options);
    expect(once.seen.items).toBe(1);
    expect(runs[1].result.text).toBe(runs[0].result.text);
    const other = GenerationJournal.inMemory(model.info.fingerprint);
    await journaledGenerate(ctx, other, [{ prompt: items[1].prompt }], options);
    const [withRows] = await journaledGenerate(ctx, other, [items[1]], options);
    expect(withRows.rows!.get(1)!.length).toBe(model.info.nEmbd);
  });

  test("rows live in FILE.rows: without it a rerun reads them again, with it journaledRows reads nothing", async () => {
    const file = path.join(temp.dir, "rows.jsonl");
    const prompts = ["one two three", "four five six", "one two three"];
    const first = counting();
    const rows = await journaledRows(first.ctx, await GenerationJournal.open(file, model.info.fingerprint), prompts, [1, 2]);
    expect(first.seen.prefilled).toBe(2); // the repeated prompt once
    const direct = await ctx.generateBatch(prompts.map((prompt) => ({ prompt, capture: [1, 2] })), { maxTokens: 0 });
    for (const layer of [1, 2]) rows.get(layer)!.forEach((row, i) => expect(Array.from(row)).toEqual(Array.from(direct[i].captured!.get(layer)!)));
    const again = counting();
    const reread = await journaledRows(again.ctx, await GenerationJournal.open(file, model.info.fingerprint), prompts, [1, 2]);
    expect(again.seen.prefilled).toBe(0);
    expect(Array.from(reread.get(2)![1])).toEqual(Array.from(rows.get(2)![1]));
    // A torn row line is skipped and read again; rows of another model are refused.
    appendFileSync(`${file}.rows`, '{"r":"r:abc","f":"AAAA');
    const torn = counting();
    await journaledRows(torn.ctx, await GenerationJournal.open(file, model.info.fingerprint), ["seven eight"], [1]);
    expect(torn.seen.prefilled).toBe(1);
    rmSync(`${file}.rows`);
    const gone = counting();
    await journaledRows(gone.ctx, await GenerationJournal.open(file, model.info.fingerprint), prompts, [1]);
    expect(gone.seen.prefilled).toBe(2);
    writeFileSync(`${file}.rows`, `${JSON.stringify({ format: "llama-steer-journal-rows", version: 1, modelFingerprint: "another-model" })}\n`);
    await expect(GenerationJournal.open(file, model.info.fingerprint)).rejects.toThrow("does not hold rows of this model");
  });

  test("rows are journaled chunk by chunk: a run stopped midway keeps the chunks it finished", async () => {
    const file = path.join(temp.dir, "chunks.jsonl");
    const prompts = Array.from({ length: 20 }, (_, i) => `prompt number ${i} about the weather`);
    // A context that fails on its second batch, as a run killed during the second chunk would stop.
    let calls = 0;
    const failing = {
      generateBatch: (batch: unknown[], o: unknown) => {
        if (++calls === 2) throw new Error("stopped");
        return ctx.generateBatch(batch as never, o as never);
      },
    } as unknown as SteerContext;
    await expect(journaledRows(failing, await GenerationJournal.open(file, model.info.fingerprint), prompts, [1])).rejects.toThrow("stopped");
    const again = counting();
    await journaledRows(again.ctx, await GenerationJournal.open(file, model.info.fingerprint), prompts, [1]);
    expect(again.seen.prefilled).toBe(4); // the first 16 were kept
  });

  test("survives a torn last line and refuses foreign files", async () => {
    const file = path.join(temp.dir, "torn.jsonl");
    await journaledGenerate(ctx, await GenerationJournal.open(file, model.info.fingerprint), items.slice(0, 2), options);
    appendFileSync(file, '{"k":"g:abc","g":{"text":"cut sh');
    const reopened = await GenerationJournal.open(file, model.info.fingerprint);
    expect(reopened.recovered).toBe(2);
    await journaledGenerate(ctx, reopened, items.slice(2), options);
    expect((await GenerationJournal.open(file, model.info.fingerprint)).recovered).toBe(3);
    expect(readFileSync(file, "utf8").split("\n").filter((l) => l.startsWith('{"k":"g:abc"'))).toHaveLength(1);

    await expect(GenerationJournal.open(file, "another-model")).rejects.toMatchObject({ code: "ERR_INVALID_ARGUMENT", message: expect.stringContaining("is the journal of another model") });
    const notJournal = path.join(temp.dir, "data.jsonl");
    writeFileSync(notJournal, '{"id":"x","messages":[]}\n');
    await expect(GenerationJournal.open(notJournal, model.info.fingerprint)).rejects.toThrow("is not a llama-steer journal");
  });
});
