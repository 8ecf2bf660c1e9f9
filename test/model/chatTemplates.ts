/**
 * Chat templates and conversations shared by the two tests that compare our Jinja rendering with llama.cpp's own
 * chat formatting: test/native/chat-template.test.ts (strings, no model) and test/model/chat-template.test.ts
 * (tokens, on the real models).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ChatMessage } from "../../src/formats/index.js";
import { readGgufHeader } from "../../src/gguf/reader.js";
import { defaultModelCacheDir, listModels } from "../../src/models/index.js";
import { TEST_MODEL } from "./setup.js";

/** A chat turn as the formats take it (role and content only, here). */
export type Turn = ChatMessage;

/** The system turn SmolLM2's template writes when a conversation brings none (llama.cpp's chatml writes nothing). */
export const SMOLLM_DEFAULT_SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face";

/**
 * A ChatML template that behaves like SmolLM2's (default system turn when none is given, content verbatim), written
 * here for machines where the real model is not cached.
 */
export const CHATML_WITH_DEFAULT_SYSTEM = [
  "{%- for message in messages -%}",
  "{%- if loop.first and message['role'] != 'system' -%}",
  `{{- '<|im_start|>system\\n${SMOLLM_DEFAULT_SYSTEM}<|im_end|>\\n' -}}`,
  "{%- endif -%}",
  "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' -}}",
  "{%- endfor -%}",
  "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}",
].join("");

/**
 * A Gemma-style template: no system role (a leading system message becomes a paragraph at the top of the first
 * turn), "assistant" is written "model", contents are trimmed, and the text starts with `bos_token`, as Gemma's own
 * templates do. llama.cpp recognises the family by "<start_of_turn>".
 */
export const GEMMA_STYLE_TEMPLATE = [
  "{%- if messages and messages[0]['role'] == 'system' -%}",
  "{%- set preamble = (messages[0]['content'] | trim) + '\\n\\n' -%}",
  "{%- set turns = messages[1:] -%}",
  "{%- else -%}",
  "{%- set preamble = '' -%}",
  "{%- set turns = messages -%}",
  "{%- endif -%}",
  "{{- bos_token -}}",
  "{%- for message in turns -%}",
  "{%- set role = 'model' if message['role'] == 'assistant' else message['role'] -%}",
  "{{- '<start_of_turn>' + role + '\\n' + (preamble if loop.first else '') + (message['content'] | trim) + '<end_of_turn>\\n' -}}",
  "{%- endfor -%}",
  "{%- if add_generation_prompt -%}{{- '<start_of_turn>model\\n' -}}{%- endif -%}",
].join("");

/** Conversations that open with a system turn, so SmolLM's template adds nothing of its own. */
export const WITH_SYSTEM: Record<string, Turn[]> = {
  "system and user": [
    { role: "system", content: "You are a terse assistant." },
    { role: "user", content: "What is 2 + 2?" },
  ],
  "several turns": [
    { role: "system", content: "Answer in one sentence." },
    { role: "user", content: "Name a prime number." },
    { role: "assistant", content: "Seven is a prime number." },
    { role: "user", content: "And an even one?" },
  ],
  "whitespace, newlines and non-ASCII text": [
    { role: "system", content: "  Réponds en français.\n" },
    { role: "user", content: "\n  Quelle heure est-il ? 🕒  \n" },
    { role: "assistant", content: " Il est midi. " },
    { role: "user", content: "Merci !\n\nEt demain ?" },
  ],
};

/** Conversations without a system turn: here SmolLM's template and llama.cpp's chatml legitimately differ. */
export const WITHOUT_SYSTEM: Record<string, Turn[]> = {
  "a single user turn": [{ role: "user", content: "Hello there" }],
  "user, assistant, user": [
    { role: "user", content: "Give me a colour." },
    { role: "assistant", content: "Blue." },
    { role: "user", content: "Another one?" },
  ],
};

export const ALL_CONVERSATIONS: Record<string, Turn[]> = { ...WITH_SYSTEM, ...WITHOUT_SYSTEM };

export function defaultModelFile(): string {
  const entry = listModels().find((model) => model.name === TEST_MODEL)!;
  return join(defaultModelCacheDir(), entry.file);
}

/** The default model's own template when its file is in the cache, else the stand-in written above. */
export async function defaultChatMLTemplate(): Promise<{ template: string; source: "gguf" | "stand-in" }> {
  const file = defaultModelFile();
  if (!existsSync(file)) return { template: CHATML_WITH_DEFAULT_SYSTEM, source: "stand-in" };
  // Only the metadata is needed; the vocabulary arrays are skipped.
  const header = await readGgufHeader(file, { maxArrayElements: 0 });
  const template = header.metadata.get("tokenizer.chat_template");
  if (typeof template !== "string") throw new Error(`${file} has no tokenizer.chat_template string`);
  return { template, source: "gguf" };
}
