/**
 * Token-level version of test/native/chat-template.test.ts: the prompt our Jinja rendering produces must become the
 * same tokens as the prompt llama.cpp formats itself, on the real vocabularies (SmolLM2 for ChatML, Gemma 3 for the
 * Gemma-style template). Equal strings make equal tokens; what this adds is that the documented differences stay
 * differences of whole special tokens (a default system turn, a BOS) and that every chat marker is parsed as the
 * single special token the model was trained on, not spelled out as text.
 */
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { loadAddon, type NativeAddon } from "../../src/engine/binding.js";
import { loadModel, type SteerModel } from "../../src/engine/model.js";
import { renderChatTemplate } from "../../src/formats/index.js";
import { fetchModel } from "../../src/models/index.js";
import { GEMMA_STYLE_TEMPLATE, SMOLLM_DEFAULT_SYSTEM, WITH_SYSTEM, WITHOUT_SYSTEM, ALL_CONVERSATIONS, type Turn } from "./chatTemplates.js";
import { skipModelTests } from "./setup.js";

const modelPath = inject("testModelPath");
const GEMMA_MODEL = "gemma3-270m-q4km";

let addon: NativeAddon;

function llamaFormat(template: string, messages: Turn[]): string {
  const text = addon.applyChatTemplate(template, messages, true);
  expect(text).not.toBeNull();
  return text!;
}

function ids(tokens: Int32Array): number[] {
  return Array.from(tokens);
}

/** The id of a marker that must be one special token in this vocabulary. */
function specialToken(model: SteerModel, marker: string): number {
  const tokens = model.tokenize(marker, { addSpecial: false });
  expect(tokens.length, `${marker} is one token`).toBe(1);
  return tokens[0];
}

function count(tokens: Int32Array, token: number): number {
  return tokens.filter((t) => t === token).length;
}

describe.skipIf(skipModelTests || modelPath === null)("chat templates, token for token", () => {
  beforeAll(async () => {
    addon = await loadAddon();
  });

  describe("SmolLM2 (ChatML, the default model's own template)", () => {
    let model: SteerModel;
    let template: string;
    beforeAll(async () => {
      model = await loadModel(modelPath!);
      template = model.info.chatTemplate!;
    });
    afterAll(async () => {
      await model?.dispose();
    });

    test.each(Object.entries(WITH_SYSTEM))("with a system turn, the same tokens: %s", async (_name, messages) => {
      const ours = model.tokenize(await renderChatTemplate(template, { messages }));
      const theirs = model.tokenize(llamaFormat(template, messages));
      expect(ids(ours)).toEqual(ids(theirs));
      // One <|im_start|> per turn plus the generation prompt, one <|im_end|> per turn: all parsed as special tokens.
      expect(count(ours, specialToken(model, "<|im_start|>"))).toBe(messages.length + 1);
      expect(count(ours, specialToken(model, "<|im_end|>"))).toBe(messages.length);
    });

    test.each(Object.entries(WITHOUT_SYSTEM))("without a system turn, the difference is exactly the default system turn's tokens: %s", async (_name, messages) => {
      const ours = model.tokenize(await renderChatTemplate(template, { messages }));
      const theirs = model.tokenize(llamaFormat(template, messages));
      const defaultTurn = model.tokenize(`<|im_start|>system\n${SMOLLM_DEFAULT_SYSTEM}<|im_end|>\n`);
      expect(ids(ours)).toEqual([...ids(defaultTurn), ...ids(theirs)]);
    });
  });

  describe("Gemma 3 vocabulary (Gemma-style template)", () => {
    let model: SteerModel;
    beforeAll(async () => {
      // fetch.test.ts keeps every manifest model in the cache; this is a cache hit except on a first run.
      model = await loadModel((await fetchModel(GEMMA_MODEL)).path);
    });
    afterAll(async () => {
      await model?.dispose();
    });

    test.each(Object.entries(ALL_CONVERSATIONS))("the same tokens, BOS included either way: %s", async (_name, messages) => {
      const theirs = model.tokenize(llamaFormat(GEMMA_STYLE_TEMPLATE, messages));
      // llama.cpp leaves BOS to the tokenizer, which adds it for Gemma ...
      expect(theirs[0]).toBe(model.info.bos);
      // ... and the template writes it as text when given bos_token: then the tokenizer must not add a second one.
      const withBosText = model.tokenize(await renderChatTemplate(GEMMA_STYLE_TEMPLATE, { messages, bosToken: "<bos>" }), { addSpecial: false });
      const withoutBosText = model.tokenize(await renderChatTemplate(GEMMA_STYLE_TEMPLATE, { messages }));
      expect(ids(withBosText)).toEqual(ids(theirs));
      expect(ids(withoutBosText)).toEqual(ids(theirs));
      const turns = messages.filter((m) => m.role !== "system").length;
      expect(count(theirs, specialToken(model, "<start_of_turn>"))).toBe(turns + 1);
      expect(count(theirs, specialToken(model, "<end_of_turn>"))).toBe(turns);
    });

    test("a BOS written as text and a BOS added by the tokenizer together make two BOS tokens", async () => {
      // The mistake the previous test guards against, shown concretely: it is not silently deduplicated.
      const messages = WITH_SYSTEM["system and user"];
      const doubled = model.tokenize(await renderChatTemplate(GEMMA_STYLE_TEMPLATE, { messages, bosToken: "<bos>" }));
      expect(ids(doubled.subarray(0, 2))).toEqual([model.info.bos, model.info.bos]);
    });
  });
});
