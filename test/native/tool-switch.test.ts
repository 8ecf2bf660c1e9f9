// Tool switching on a synthetic model: the experiment's plumbing (opened call, per-tool means, three
// directions, judging) is checked through invariants that hold for any weights.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, test } from "vitest";

import type { DatasetSample } from "../../src/data/index.js";
import type { SteerContext } from "../../src/engine/context.js";
import type { SteerModel } from "../../src/engine/model.js";
import { ErrorCodes } from "../../src/errors.js";
import { asaFormat, chatTemplateFormat } from "../../src/formats/index.js";
import { readGgufTensor } from "../../src/gguf/reader.js";
import { argumentsGrammar } from "../../src/science/callGrammar.js";
import { AFTER_NAME, judged } from "../../src/science/nameSpan.js";
import { callOpening, runToolSwitch, SWITCH_METHODS } from "../../src/science/toolSwitch.js";
import { renderSamples } from "../../src/eval/prompts.js";
import { GenerationJournal } from "../../src/eval/journal.js";
import { loadSynthetic } from "../helpers/models.js";

const tool = (name: string) => ({ type: "function" as const, function: { name, description: `Does ${name}.`, parameters: { type: "object", properties: { q: { type: "string" } }, required: ["q"] } } });
const TOOLS = [tool("open_map"), tool("play_song"), tool("send_mail")];

function sample(id: string, split: "cal" | "train" | "test", expected: string, text: string): DatasetSample {
  return { id, domain: "d", split, messages: [{ role: "user", content: text }], tools: TOOLS, needs_tool: true, expected: { name: expected, arguments: { q: text } } } as DatasetSample;
}

const SAMPLES: DatasetSample[] = [
  sample("c1", "cal", "open_map", "where is the park"),
  sample("c2", "cal", "open_map", "route to the station"),
  sample("c3", "cal", "play_song", "put on some jazz"),
  sample("c4", "cal", "play_song", "play the new album"),
  sample("c5", "cal", "send_mail", "write to Ana"),
  sample("c6", "cal", "send_mail", "email my boss"),
  sample("t1", "test", "open_map", "how do I get home"),
  sample("t2", "test", "play_song", "some music please"),
  sample("t3", "test", "send_mail", "tell Bo I am late"),
  sample("r1", "train", "play_song", "I want to hear a song"),
];

describe("tool switching (synthetic llama)", () => {
  let model: SteerModel;
  let ctx: SteerContext;

  beforeAll(async () => {
    model = await loadSynthetic("llama");
    ctx = await model.createContext({ contextSize: 2048, sequences: 16 });
  });
  afterAll(async () => {
    await model.dispose();
  });

  test("at strength 0 every direction reproduces the unsteered reply, and the rates count exactly those replies", async () => {
    const r = await runToolSwitch(ctx, SAMPLES, { format: asaFormat, layer: 2, alpha: 0, maxTokens: 6 });
    expect(r.n).toBe(3);
    for (const o of r.outcomes) {
      expect(o.menu).toEqual(["open_map", "play_song", "send_mail"]);
      expect(o.target).not.toBe(o.source);
      for (const method of SWITCH_METHODS) expect(o.attempts[method].output).toBe(o.baseline_output);
    }
    expect(r.success_rate).toBe(r.baseline_target_rate);
    expect(r.random_success_rate).toBe(r.baseline_target_rate);
  });

  test("the grammar keeps every reply's tool name on the menu; without it a random model writes other names", async () => {
    const kept = await runToolSwitch(ctx, SAMPLES, { format: asaFormat, layer: 2, alpha: 8, maxTokens: 12 });
    for (const o of kept.outcomes) {
      expect(o.menu).toContain(o.baseline);
      for (const method of SWITCH_METHODS) expect(o.menu).toContain(o.attempts[method].name);
    }
    const free = await runToolSwitch(ctx, SAMPLES, { format: asaFormat, layer: 2, alpha: 8, maxTokens: 12, constrainNames: false });
    expect(free.outcomes.some((o) => !o.menu.includes(o.baseline as string))).toBe(true);
  });

  test("a non-zero strength changes the replies, and the same seed gives the same experiment", async () => {
    const options = { format: asaFormat, layer: 2, alpha: 8, maxTokens: 6, seed: 3 };
    const a = await runToolSwitch(ctx, SAMPLES, options);
    const b = await runToolSwitch(ctx, SAMPLES, options);
    expect(b).toEqual(a);
    for (const method of SWITCH_METHODS) expect(a.outcomes.some((o) => o.attempts[method].output !== o.baseline_output)).toBe(true);
  });

  test("with the name span a switched reply keeps its steered name, and its arguments are the unsteered model's", async () => {
    const options = { format: asaFormat, layer: 2, alpha: 8, maxTokens: 12, seed: 3 };
    const named = await runToolSwitch(ctx, SAMPLES, options);
    const whole = await runToolSwitch(ctx, SAMPLES, { ...options, steerSpan: "reply" });
    expect([named.steer_span, whole.steer_span]).toEqual(["name", "reply"]);
    const prompts = await renderSamples(model, SAMPLES.filter((s) => s.split === "test"), asaFormat);
    let switched = 0;
    for (const [i, o] of named.outcomes.entries()) {
      for (const method of SWITCH_METHODS) {
        const a = o.attempts[method];
        const b = whole.outcomes[i].attempts[method];
        expect(a.name).toBe(b.name);
        expect(a.reply_args_ok).toBe(b.args_ok);
        if (!a.switched) {
          expect(a.output).toBe(b.output);
          expect(a.steered_reply).toBeUndefined();
          continue;
        }
        switched++;
        expect(a.steered_reply).toBe(b.output);
        // The rest of the call is what the unsteered model writes after the steered name.
        const rest = await ctx.generate(prompts[i] + callOpening(asaFormat) + o.target + AFTER_NAME, { maxTokens: 12, stop: ["</functioncall>"], grammar: argumentsGrammar("asa") });
        expect(a.output).toBe(o.target + AFTER_NAME + judged(rest));
      }
    }
    expect(switched).toBeGreaterThan(0);
    await expect(runToolSwitch(ctx, SAMPLES, { ...options, steerSpan: "all" as never })).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT });
  });

  test("the unembedding row is the output matrix's row, dequantized", async () => {
    const info = model.info;
    const { values } = await readGgufTensor(info.path, "output.weight").catch(() => readGgufTensor(info.path, "token_embd.weight"));
    const token = 7;
    const row = await model.outputRow(token);
    expect(Array.from(row)).toEqual(Array.from(values.subarray(token * info.nEmbd, (token + 1) * info.nEmbd)));
    await expect(model.outputRow(info.nVocab)).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT });
  });

  test("formats without a call opening and data without switchable prompts are typed errors", async () => {
    await expect(runToolSwitch(ctx, SAMPLES, { format: chatTemplateFormat, layer: 2 })).rejects.toMatchObject({
      code: ErrorCodes.INVALID_ARGUMENT,
      message: 'Tool switching opens the call up to the tool name, which is defined for the formats asa, hermes, json; got "chat-template"',
    });
    await expect(runToolSwitch(ctx, SAMPLES.filter((s) => s.split === "cal"), { format: asaFormat, layer: 2 })).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT });
    await expect(runToolSwitch(ctx, SAMPLES, { format: asaFormat, layer: 2, alpha: Number.NaN })).rejects.toMatchObject({ code: ErrorCodes.NOT_FINITE });
  });

  test("several splits can be switched at once; cal and unknown splits are refused", async () => {
    const both = await runToolSwitch(ctx, SAMPLES, { format: asaFormat, layer: 2, alpha: 0, maxTokens: 4, split: "test,train" });
    expect(both.outcomes.map((o) => o.id).sort()).toEqual(["r1", "t1", "t2", "t3"]);
    await expect(runToolSwitch(ctx, SAMPLES, { format: asaFormat, layer: 2, split: "test,cal" })).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT, message: expect.stringMatching(/cal split/) });
    await expect(runToolSwitch(ctx, SAMPLES, { format: asaFormat, layer: 2, split: "tests" })).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT, message: expect.stringMatching(/Unknown split "tests"/) });
  });

  test("with a journal file a second run decodes nothing and reports the same; a grammar is part of the key", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "switch-journal-"));
    try {
      const file = path.join(dir, "journal.jsonl");
      const options = { format: asaFormat, layer: 2, alpha: 8, maxTokens: 6, seed: 1, steerSpan: "reply" as const };
      const first = await runToolSwitch(ctx, SAMPLES, { ...options, journal: await GenerationJournal.open(file, model.info.fingerprint) });
      const lines = readFileSync(file, "utf8").split("\n").filter(Boolean).length;
      // The header and one line per generation: 3 prompts × (unsteered + 3 directions).
      expect(lines).toBe(1 + 3 * 4);
      const reopened = await GenerationJournal.open(file, model.info.fingerprint);
      expect(reopened.recovered).toBe(12);
      const second = await runToolSwitch(ctx, SAMPLES, { ...options, journal: reopened });
      // Replies come from the journal; the readout's rows from a prefill-only pass (another batch shape, so the
      // last float digits may differ).
      const withoutReadout = (r: typeof first) => ({ ...r, readout: undefined, outcomes: r.outcomes.map((o) => ({ ...o, readout: o.readout.predicted })) });
      expect(withoutReadout(second)).toEqual(withoutReadout(first));
      second.outcomes.forEach((o, i) => expect(o.readout.gap).toBeCloseTo(first.outcomes[i].readout.gap, 4));
      expect(readFileSync(file, "utf8").split("\n").filter(Boolean).length).toBe(lines);
      // Free names are other generations: the constrained ones in the journal must not stand in for them.
      await runToolSwitch(ctx, SAMPLES, { ...options, constrainNames: false, journal: reopened });
      expect(readFileSync(file, "utf8").split("\n").filter(Boolean).length).toBe(lines + 12);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
