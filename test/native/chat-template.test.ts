/**
 * Our Jinja rendering of chat templates (src/formats, @huggingface/jinja) against llama.cpp's own chat formatting
 * (`llama_chat_apply_template`, through the addon), string for string. No model is needed: llama.cpp picks its
 * built-in formatter from markers in the template text. Token-level equality on the real models is in
 * test/model/chat-template.test.ts.
 *
 * Where the two legitimately differ, the difference is asserted exactly, so that a change on either side shows up.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { loadAddon, type NativeAddon } from "../../src/engine/binding.js";
import { renderChatML, renderChatTemplate } from "../../src/formats/index.js";
import {
  ALL_CONVERSATIONS,
  GEMMA_STYLE_TEMPLATE,
  SMOLLM_DEFAULT_SYSTEM,
  WITH_SYSTEM,
  WITHOUT_SYSTEM,
  defaultChatMLTemplate,
  type Turn,
} from "../model/chatTemplates.js";

let addon: NativeAddon;
let chatml: { template: string; source: "gguf" | "stand-in" };

beforeAll(async () => {
  addon = await loadAddon();
  chatml = await defaultChatMLTemplate();
});

/** llama.cpp's formatting; a null here means llama.cpp did not recognise the template, which is a failure. */
function llamaFormat(template: string, messages: Turn[], addAssistant: boolean): string {
  const text = addon.applyChatTemplate(template, messages, addAssistant);
  expect(text, `llama.cpp did not recognise the template ${JSON.stringify(template.slice(0, 60))}...`).not.toBeNull();
  return text!;
}

function jinja(template: string, messages: Turn[], addGenerationPrompt: boolean, bosToken = ""): Promise<string> {
  return renderChatTemplate(template, { messages, addGenerationPrompt, bosToken });
}

const GENERATION_PROMPT = [true, false];

describe("ChatML: the default model's template", () => {
  test("is the SmolLM2 ChatML template (from the cached GGUF, or the stand-in written for machines without it)", () => {
    // The stand-in mirrors the real template; when the model is cached this pins that the mirror is faithful.
    expect(chatml.template).toContain("<|im_start|>");
    expect(chatml.template).toContain(SMOLLM_DEFAULT_SYSTEM);
    expect(["gguf", "stand-in"]).toContain(chatml.source);
  });

  test("llama.cpp recognises it as its built-in chatml", () => {
    for (const messages of Object.values(ALL_CONVERSATIONS)) {
      for (const add of GENERATION_PROMPT) expect(llamaFormat(chatml.template, messages, add)).toBe(llamaFormat("chatml", messages, add));
    }
  });

  test.each(Object.entries(WITH_SYSTEM))("with a system turn, Jinja equals llama.cpp exactly: %s", async (_name, messages) => {
    for (const add of GENERATION_PROMPT) {
      expect(await jinja(chatml.template, messages, add)).toBe(llamaFormat(chatml.template, messages, add));
    }
  });

  test.each(Object.entries(WITHOUT_SYSTEM))(
    "without a system turn, Jinja adds SmolLM's default system turn and llama.cpp adds nothing: %s",
    async (_name, messages) => {
      const defaultTurn = `<|im_start|>system\n${SMOLLM_DEFAULT_SYSTEM}<|im_end|>\n`;
      for (const add of GENERATION_PROMPT) {
        const ours = await jinja(chatml.template, messages, add);
        const theirs = llamaFormat(chatml.template, messages, add);
        expect(ours).toBe(defaultTurn + theirs);
        // Equivalently: giving llama.cpp the default system turn explicitly reproduces the template's output.
        expect(ours).toBe(llamaFormat(chatml.template, [{ role: "system", content: SMOLLM_DEFAULT_SYSTEM }, ...messages], add));
      }
    },
  );

  test("an empty conversation renders only the generation prompt on both sides", async () => {
    expect(await jinja(chatml.template, [], true)).toBe("<|im_start|>assistant\n");
    expect(llamaFormat(chatml.template, [], true)).toBe("<|im_start|>assistant\n");
    expect(await jinja(chatml.template, [], false)).toBe("");
    expect(llamaFormat(chatml.template, [], false)).toBe("");
  });

  test("the ChatML layout used when a model has no template (renderChatML) is llama.cpp's chatml", () => {
    for (const messages of Object.values(ALL_CONVERSATIONS)) {
      for (const add of GENERATION_PROMPT) expect(renderChatML(messages, add)).toBe(llamaFormat("chatml", messages, add));
    }
  });
});

describe("Gemma-style template", () => {
  test("llama.cpp recognises it as its built-in gemma", () => {
    for (const messages of Object.values(ALL_CONVERSATIONS)) {
      for (const add of GENERATION_PROMPT) expect(llamaFormat(GEMMA_STYLE_TEMPLATE, messages, add)).toBe(llamaFormat("gemma", messages, add));
    }
  });

  test("the system turn becomes the first user turn's opening paragraph and 'assistant' is written 'model'", async () => {
    const messages = WITH_SYSTEM["several turns"];
    const expected =
      "<start_of_turn>user\nAnswer in one sentence.\n\nName a prime number.<end_of_turn>\n" +
      "<start_of_turn>model\nSeven is a prime number.<end_of_turn>\n" +
      "<start_of_turn>user\nAnd an even one?<end_of_turn>\n" +
      "<start_of_turn>model\n";
    expect(await jinja(GEMMA_STYLE_TEMPLATE, messages, true)).toBe(expected);
    expect(llamaFormat(GEMMA_STYLE_TEMPLATE, messages, true)).toBe(expected);
  });

  test.each(Object.entries(ALL_CONVERSATIONS))("Jinja equals llama.cpp exactly: %s", async (_name, messages) => {
    for (const add of GENERATION_PROMPT) {
      expect(await jinja(GEMMA_STYLE_TEMPLATE, messages, add)).toBe(llamaFormat(GEMMA_STYLE_TEMPLATE, messages, add));
    }
  });

  test("with a BOS token, Jinja writes it as text and llama.cpp leaves it to the tokenizer", async () => {
    for (const messages of Object.values(ALL_CONVERSATIONS)) {
      expect(await jinja(GEMMA_STYLE_TEMPLATE, messages, true, "<bos>")).toBe(`<bos>${llamaFormat(GEMMA_STYLE_TEMPLATE, messages, true)}`);
    }
  });

  test("an empty system message: the template still writes the blank-line separator, llama.cpp writes none", async () => {
    const messages = [
      { role: "system", content: "  " },
      { role: "user", content: "Hi" },
    ];
    expect(await jinja(GEMMA_STYLE_TEMPLATE, messages, true)).toBe("<start_of_turn>user\n\n\nHi<end_of_turn>\n<start_of_turn>model\n");
    expect(llamaFormat(GEMMA_STYLE_TEMPLATE, messages, true)).toBe("<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n");
  });

  test("non-ASCII whitespace: Jinja's trim removes it, llama.cpp trims ASCII whitespace only", async () => {
    // U+00A0 (no-break space) and U+3000 (ideographic space) are whitespace to JavaScript and Python, not to isspace().
    const messages = [{ role: "user", content: "\u00a0 Hi \u3000" }];
    expect(await jinja(GEMMA_STYLE_TEMPLATE, messages, false)).toBe("<start_of_turn>user\nHi<end_of_turn>\n");
    expect(llamaFormat(GEMMA_STYLE_TEMPLATE, messages, false)).toBe("<start_of_turn>user\n\u00a0 Hi \u3000<end_of_turn>\n");
  });
});

describe("applyChatTemplate arguments", () => {
  test("a template llama.cpp does not recognise gives null", () => {
    expect(addon.applyChatTemplate("{% for m in messages %}{{ m.content }}{% endfor %}", [{ role: "user", content: "x" }], true)).toBeNull();
    expect(addon.applyChatTemplate("", [{ role: "user", content: "x" }], true)).toBeNull();
  });

  test("long conversations are formatted whole (the first buffer guess is exceeded)", () => {
    const long = "x".repeat(200_000);
    const text = addon.applyChatTemplate("chatml", [{ role: "user", content: long }], true);
    expect(text).toBe(`<|im_start|>user\n${long}<|im_end|>\n<|im_start|>assistant\n`);
  });

  test.each([
    ["a non-string template", [42, [], true], "applyChatTemplate: expected a string for template"],
    ["messages that are not an array", ["chatml", { role: "user", content: "x" }, true], "applyChatTemplate: expected an array of {role, content} for messages"],
    ["a message that is not an object", ["chatml", [null], true], "applyChatTemplate: expected an object {role, content} for messages[0]"],
    ["a missing role", ["chatml", [{ content: "x" }], true], "applyChatTemplate: expected a string for messages[0].role"],
    ["a numeric content", ["chatml", [{ role: "user", content: "a" }, { role: "user", content: 7 }], true], "applyChatTemplate: expected a string for messages[1].content"],
    ["a NUL inside content", ["chatml", [{ role: "user", content: "a\0b" }], true], "applyChatTemplate: messages[0].content contains a NUL character, which llama.cpp's C API cannot represent"],
    ["a NUL inside the template", ["chat\0ml", [], true], "applyChatTemplate: template contains a NUL character, which llama.cpp's C API cannot represent"],
    ["a non-boolean addAssistant", ["chatml", [], "yes"], "applyChatTemplate: expected a boolean for addAssistant"],
    ["too few arguments", ["chatml", []], "applyChatTemplate: expected 3 arguments"],
  ])("%s throws ERR_INVALID_ARGUMENT", (_name, args, message) => {
    let error: unknown;
    try {
      (addon.applyChatTemplate as (...a: unknown[]) => unknown)(...(args as unknown[]));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(message);
    expect((error as { code?: string }).code).toBe("ERR_INVALID_ARGUMENT");
  });
});
