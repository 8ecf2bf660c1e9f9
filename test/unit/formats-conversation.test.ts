/** Conversations with earlier tool calls and results (OpenAI shape) in every built-in format. */
import { describe, expect, it } from "vitest";
import { asaFormat, bareJsonFormat, chatTemplateFormat, hermesFormat, renderChatTemplate, type ChatMessage, type ToolDefinition } from "../../src/formats/index.js";
import { messagesForTemplate, messagesInSyntax, spacedJson, taggedSyntax } from "../../src/formats/conversation.js";

const areaTool: ToolDefinition = {
  type: "function",
  function: { name: "geometry.circle_area", description: "Area of a circle", parameters: { type: "object", properties: { radius: { type: "number" } }, required: ["radius"] } },
};

/** user → assistant tool_calls (null content) → tool → user: a help-desk prefix that ends before the next call. */
const CONVERSATION: ChatMessage[] = [
  { role: "user", content: "How big is a circle of radius 2?" },
  { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "geometry.circle_area", arguments: '{"radius": 2}' } }] },
  { role: "tool", tool_call_id: "call_1", content: "12.566" },
  { role: "user", content: "And radius 3?" },
];

/**
 * A template written here in the shape of Qwen2.5's: assistant calls as `<tool_call>` JSON with `arguments | tojson`,
 * consecutive tool turns gathered in one user turn between `<tool_response>` tags.
 */
const QWEN_SHAPED_TEMPLATE = [
  "{%- if tools %}{{- '<|im_start|>system\\nTools:' }}{%- for tool in tools %}{{- '\\n' + (tool | tojson) }}{%- endfor %}{{- '<|im_end|>\\n' }}{%- endif %}",
  "{%- for message in messages %}",
  "{%- if message.role == 'user' or (message.role == 'assistant' and not message.tool_calls) %}",
  "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}",
  "{%- elif message.role == 'assistant' %}",
  "{{- '<|im_start|>assistant' }}{%- if message.content %}{{- '\\n' + message.content }}{%- endif %}",
  "{%- for tool_call in message.tool_calls %}{%- if tool_call.function is defined %}{%- set tool_call = tool_call.function %}{%- endif %}",
  "{{- '\\n<tool_call>\\n{\"name\": \"' + tool_call.name + '\", \"arguments\": ' }}{{- tool_call.arguments | tojson }}{{- '}\\n</tool_call>' }}",
  "{%- endfor %}{{- '<|im_end|>\\n' }}",
  "{%- elif message.role == 'tool' %}",
  "{%- if loop.index0 == 0 or messages[loop.index0 - 1].role != 'tool' %}{{- '<|im_start|>user' }}{%- endif %}",
  "{{- '\\n<tool_response>\\n' + message.content + '\\n</tool_response>' }}",
  "{%- if loop.last or messages[loop.index0 + 1].role != 'tool' %}{{- '<|im_end|>\\n' }}{%- endif %}",
  "{%- endif %}",
  "{%- endfor %}",
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}",
].join("");

describe("conversations with tool calls", () => {
  it("a tool-aware template gets the arguments as an object, as llama.cpp's server passes them", async () => {
    const text = await chatTemplateFormat.render(CONVERSATION, [areaTool], { chatTemplate: QWEN_SHAPED_TEMPLATE });
    // Hand-checked: the call is written once, its arguments as JSON (not a quoted string), the result as a user turn.
    expect(text).toBe(
      "<|im_start|>system\nTools:\n" +
        '{"type": "function", "function": {"name": "geometry.circle_area", "description": "Area of a circle", "parameters": {"type": "object", "properties": {"radius": {"type": "number"}}, "required": ["radius"]}}}<|im_end|>\n' +
        "<|im_start|>user\nHow big is a circle of radius 2?<|im_end|>\n" +
        '<|im_start|>assistant\n<tool_call>\n{"name": "geometry.circle_area", "arguments": {"radius": 2}}\n</tool_call><|im_end|>\n' +
        "<|im_start|>user\n<tool_response>\n12.566\n</tool_response><|im_end|>\n" +
        "<|im_start|>user\nAnd radius 3?<|im_end|>\n" +
        "<|im_start|>assistant\n",
    );
  });

  it("a string argument left as the API sends it would be quoted twice by tojson (why arguments are parsed)", async () => {
    const raw = await renderChatTemplate(QWEN_SHAPED_TEMPLATE, { messages: CONVERSATION });
    expect(raw).toContain('"arguments": "{\\"radius\\": 2}"');
    expect(messagesForTemplate(CONVERSATION)[1].tool_calls?.[0].function.arguments).toEqual({ radius: 2 });
    // The caller's messages are not modified.
    expect(CONVERSATION[1].tool_calls?.[0].function.arguments).toBe('{"radius": 2}');
  });

  it("a template that ignores tool_calls gets the calls as <tool_call> text instead of losing them", async () => {
    const plain = "{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}";
    const text = await chatTemplateFormat.render(CONVERSATION, [], { chatTemplate: plain });
    expect(text).toBe(
      "[user] How big is a circle of radius 2?\n" +
        '[assistant] <tool_call>\n{"name": "geometry.circle_area", "arguments": {"radius": 2}}\n</tool_call>\n' +
        "[user] <tool_response>\n12.566\n</tool_response>\n" +
        "[user] And radius 3?\n",
    );
  });

  it("asa, hermes and json show earlier calls and results in their own syntax", async () => {
    const turnsOf = async (format: typeof asaFormat) => (await format.render(CONVERSATION, [areaTool])).split("<|im_start|>").slice(2);
    expect(await turnsOf(asaFormat)).toEqual([
      "user\nHow big is a circle of radius 2?<|im_end|>\n",
      'assistant\n<functioncall>{"name": "geometry.circle_area", "arguments": {"radius": 2}}</functioncall><|im_end|>\n',
      "user\n<functionresponse>12.566</functionresponse><|im_end|>\n",
      "user\nAnd radius 3?<|im_end|>\n",
      "assistant\n",
    ]);
    expect((await turnsOf(hermesFormat)).slice(1, 3)).toEqual([
      'assistant\n<tool_call>\n{"name": "geometry.circle_area", "arguments": {"radius": 2}}\n</tool_call><|im_end|>\n',
      "user\n<tool_response>\n12.566\n</tool_response><|im_end|>\n",
    ]);
    expect((await turnsOf(bareJsonFormat)).slice(1, 3)).toEqual([
      'assistant\n{"name": "geometry.circle_area", "arguments": {"radius": 2}}<|im_end|>\n',
      'user\n{"name": "geometry.circle_area", "content": "12.566"}<|im_end|>\n',
    ]);
  });

  it("keeps text written beside calls, gathers parallel calls and their results", () => {
    const syntax = taggedSyntax("<c>", "</c>", "<r>", "</r>", false);
    const out = messagesInSyntax(
      [
        { role: "user", content: "Both?" },
        {
          role: "assistant",
          content: "Checking.",
          tool_calls: [
            { id: "a", type: "function", function: { name: "f", arguments: "{}" } },
            { id: "b", type: "function", function: { name: "g", arguments: { x: [1, "y"] } } },
          ],
        },
        { role: "tool", tool_call_id: "a", content: "1" },
        { role: "tool", tool_call_id: "b", content: "2" },
      ],
      syntax,
    );
    expect(out).toEqual([
      { role: "user", content: "Both?" },
      { role: "assistant", content: 'Checking.\n<c>{"name": "f", "arguments": {}}</c>\n<c>{"name": "g", "arguments": {"x": [1, "y"]}}</c>' },
      { role: "user", content: "<r>1</r>\n<r>2</r>" },
    ]);
  });

  it("writes JSON with Python's spacing", () => {
    expect(spacedJson({ a: [1, { b: null }], "c d": "e\"f" })).toBe('{"a": [1, {"b": null}], "c d": "e\\"f"}');
  });

  it("refuses null content without calls, and arguments that are not a JSON object, with pinned messages", async () => {
    await expect(hermesFormat.render([{ role: "user", content: null }], [])).rejects.toThrow("Expected a string for messages[0].content but received null");
    const bad: ChatMessage[] = [
      { role: "user", content: "x" },
      { role: "assistant", content: null, tool_calls: [{ type: "function", function: { name: "f", arguments: "[1]" } }] },
      { role: "user", content: "y" },
    ];
    await expect(hermesFormat.render(bad, [])).rejects.toThrow('Expected a JSON object, or a string holding one for messages[1].tool_calls[0].function.arguments but received "[1]" of type string');
  });
});
