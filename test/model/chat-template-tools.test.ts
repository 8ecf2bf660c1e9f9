/**
 * A multi-turn conversation with an earlier call and its result (user → assistant tool_calls → tool → user) in
 * Qwen2.5-Coder's own template, read from the cached GGUF. The expected text is what llama.cpp's server renders
 * for this template: the arguments handed to Jinja as an object (the template writes `arguments | tojson`), null
 * content left out, the tool result gathered into a user turn between <tool_response> tags. Skipped when the model
 * is not cached; only the GGUF header is read.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { chatTemplateFormat, type ChatMessage, type ToolDefinition } from "../../src/formats/index.js";
import { readGgufHeader } from "../../src/gguf/reader.js";
import { defaultModelCacheDir } from "../../src/models/cache.js";

const FILE = join(defaultModelCacheDir(), "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf");

const tool: ToolDefinition = { type: "function", function: { name: "orders.status", description: "Status of an order.", parameters: { type: "object", properties: { order_id: { type: "integer" } }, required: ["order_id"] } } };
const messages: ChatMessage[] = [
  { role: "user", content: "Is order 77 shipped?" },
  { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "orders.status", arguments: '{"order_id": 77}' } }] },
  { role: "tool", tool_call_id: "c1", content: '{"status": "shipped"}' },
  { role: "user", content: "And order 78?" },
];

describe.skipIf(!existsSync(FILE))("Qwen2.5's own template with earlier tool turns", () => {
  it("renders them as llama.cpp's server does", async () => {
    const header = await readGgufHeader(FILE);
    const metadata = (header as unknown as { metadata: Record<string, unknown> | Map<string, unknown> }).metadata;
    const template = (metadata instanceof Map ? metadata.get("tokenizer.chat_template") : metadata["tokenizer.chat_template"]) as string;
    const text = await chatTemplateFormat.render(messages, [tool], { chatTemplate: template });
    const tail =
      "<|im_start|>user\nIs order 77 shipped?<|im_end|>\n" +
      '<|im_start|>assistant\n<tool_call>\n{"name": "orders.status", "arguments": {"order_id": 77}}\n</tool_call><|im_end|>\n' +
      '<|im_start|>user\n<tool_response>\n{"status": "shipped"}\n</tool_response><|im_end|>\n' +
      "<|im_start|>user\nAnd order 78?<|im_end|>\n" +
      "<|im_start|>assistant\n";
    expect(text.endsWith(tail)).toBe(true);
    expect(text.startsWith("<|im_start|>system\nYou are Qwen")).toBe(true);
    expect(text).toContain('\n{"type": "function", "function": {"name": "orders.status", "description": "Status of an order.", "parameters": {"type": "object", "properties": {"order_id": {"type": "integer"}}, "required": ["order_id"]}}}\n</tools>');
  });
});
