/** Prompt rendering: the built-in system prompts, chat templates in a bounded worker, user formats and the registry. */
import { afterAll, describe, expect, it } from "vitest";
import {
  ChatTemplateRenderer,
  MAX_TEMPLATE_CHARS,
  asaFormat,
  bareJsonFormat,
  chatTemplateFormat,
  defineFormat,
  getFormat,
  hermesFormat,
  listFormats,
  registerFormat,
  renderChatTemplate,
  templateSupportsTools,
  type ToolDefinition,
} from "../../src/formats/index.js";
import { steerErrorOf } from "../helpers/errors.js";

const weatherTool: ToolDefinition = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};
const clockTool: ToolDefinition = { type: "function", function: { name: "get_time", description: "Current time" } };
const TOOLS = [weatherTool, clockTool];
const MESSAGES = [{ role: "user", content: "Is it raining in Bergen?" }];

/** A Qwen-style template: a tools section in the system turn, ChatML turns, an optional generation prompt. */
const QWEN_STYLE_TEMPLATE = [
  "{%- if tools %}",
  "{{- '<|im_start|>system\\n' }}",
  "{%- if messages[0].role == 'system' %}{{- messages[0].content }}{%- else %}{{- 'You are a careful assistant.' }}{%- endif %}",
  '{{- "\\n\\n# Tools\\n<tools>" }}',
  '{%- for tool in tools %}{{- "\\n" + (tool | tojson) }}{%- endfor %}',
  '{{- "\\n</tools>\\nCall a tool inside <tool_call></tool_call>.<|im_end|>\\n" }}',
  "{%- elif messages[0].role == 'system' %}",
  "{{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}",
  "{%- endif %}",
  "{%- for message in messages %}",
  "{%- if not (message.role == 'system' and loop.first) %}",
  "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}",
  "{%- endif %}",
  "{%- endfor %}",
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}",
].join("\n");

/** A template with no tools support (Gemma-like turns). */
const PLAIN_TEMPLATE = "{{ bos_token }}{% for m in messages %}<start_of_turn>{{ m.role }}\n{{ m.content }}<end_of_turn>\n{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}";

const HANGING_TEMPLATE = "{% for a in range(100000) %}{% for b in range(100000) %}{% for c in range(100000) %}{% endfor %}{% endfor %}{% endfor %}";


describe("built-in system prompts", () => {
  it("asa lists the tools and the <functioncall> protocol", () => {
    expect(asaFormat.renderSystemPrompt(TOOLS)).toMatchInlineSnapshot(`
      "The tools below can be called. Each line describes one tool as JSON: its name, what it does, and the JSON Schema of its arguments.

      {"name":"get_weather","description":"Current weather for a city","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}
      {"name":"get_time","description":"Current time","parameters":{"type":"object","properties":{}}}

      If answering the user's last message needs a tool, reply with the call alone: <functioncall>, a JSON object with the tool's name and its arguments, then </functioncall>.
      For example, if a tool named get_time were listed, asking for the time in Paris would be answered with:
      <functioncall>{"name": "get_time", "arguments": {"timezone": "Europe/Paris"}}</functioncall>
      Use only the tools listed above, give the arguments as a JSON object that fits the tool's schema, and write one <functioncall> block per call.
      If no tool is needed, answer the user directly and do not write <functioncall>."
    `);
  });

  it("hermes lists the tools inside <tools> and the <tool_call> protocol", () => {
    expect(hermesFormat.renderSystemPrompt(TOOLS)).toMatchInlineSnapshot(`
      "Tools are available to help with the user's request. Their signatures, one JSON object per line, are inside <tools></tools>:
      <tools>
      {"type":"function","function":{"name":"get_weather","description":"Current weather for a city","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}
      {"type":"function","function":{"name":"get_time","description":"Current time","parameters":{"type":"object","properties":{}}}}
      </tools>

      To use a tool, write a JSON object with its name and arguments between <tool_call> and </tool_call>.
      For example, if a tool named get_time were listed, asking for the time in Paris would be answered with:
      <tool_call>
      {"name": "get_time", "arguments": {"timezone": "Europe/Paris"}}
      </tool_call>
      Use only the tools inside <tools></tools> and write one such block per call. If no tool is needed, reply to the user normally."
    `);
  });

  it("json asks for a bare call object; an empty tool list says so", () => {
    expect(bareJsonFormat.renderSystemPrompt([])).toMatchInlineSnapshot(`
      "These tools can be used (one JSON object per line: name, description, JSON Schema of the arguments):

      (no tools are available)

      If a tool is needed, reply with only a JSON object naming the tool and its arguments, with no text before or after it.
      For example, if a tool named get_time were listed, asking for the time in Paris would be answered with:
      {"name": "get_time", "arguments": {"timezone": "Europe/Paris"}}
      Use only the tools listed above. If no tool is needed, answer the user in plain text."
    `);
  });

  it("renders ChatML when no chat template is given, merging into an existing system turn", async () => {
    const prompt = await asaFormat.render([{ role: "system", content: "Be brief." }, ...MESSAGES], [clockTool]);
    expect(prompt).toMatchInlineSnapshot(`
      "<|im_start|>system
      Be brief.

      The tools below can be called. Each line describes one tool as JSON: its name, what it does, and the JSON Schema of its arguments.

      {"name":"get_time","description":"Current time","parameters":{"type":"object","properties":{}}}

      If answering the user's last message needs a tool, reply with the call alone: <functioncall>, a JSON object with the tool's name and its arguments, then </functioncall>.
      For example, if a tool named get_time were listed, asking for the time in Paris would be answered with:
      <functioncall>{"name": "get_time", "arguments": {"timezone": "Europe/Paris"}}</functioncall>
      Use only the tools listed above, give the arguments as a JSON object that fits the tool's schema, and write one <functioncall> block per call.
      If no tool is needed, answer the user directly and do not write <functioncall>.<|im_end|>
      <|im_start|>user
      Is it raining in Bergen?<|im_end|>
      <|im_start|>assistant
      "
    `);
  });

  it("renders through the model's template without passing tools to it", async () => {
    const prompt = await hermesFormat.render(MESSAGES, [clockTool], { chatTemplate: PLAIN_TEMPLATE, bosToken: "<bos>" });
    expect(prompt.startsWith("<bos><start_of_turn>system\nTools are available")).toBe(true);
    expect(prompt.endsWith("<start_of_turn>user\nIs it raining in Bergen?<end_of_turn>\n<start_of_turn>model\n")).toBe(true);
  });

  it("rejects malformed messages and unknown options with pinned messages", async () => {
    await expect(asaFormat.render([{ role: "user" }] as never, TOOLS)).rejects.toThrow("Expected a string for messages[0].content but received undefined");
    await expect(asaFormat.render(MESSAGES, TOOLS, { chatTemplate: PLAIN_TEMPLATE, timeoutMs: 0 })).rejects.toThrow(
      "Expected an integer between 1 and 600000 for options.timeoutMs but received 0 of type number",
    );
    await expect(asaFormat.render(MESSAGES, TOOLS, { chatTemplte: "x" } as never)).rejects.toThrow(
      'Unknown option "chatTemplte" in RenderOptions (did you mean "chatTemplate"?)',
    );
  });
});

describe("chat templates", () => {
  it("renders a Qwen-style template with tools", async () => {
    const text = await renderChatTemplate(QWEN_STYLE_TEMPLATE, { messages: MESSAGES, tools: [clockTool] });
    expect(text).toMatchInlineSnapshot(`
      "<|im_start|>system
      You are a careful assistant.

      # Tools
      <tools>
      {"type": "function", "function": {"name": "get_time", "description": "Current time"}}
      </tools>
      Call a tool inside <tool_call></tool_call>.<|im_end|>
      <|im_start|>user
      Is it raining in Bergen?<|im_end|>
      <|im_start|>assistant
      "
    `);
  });

  it("passes bos/eos tokens and add_generation_prompt", async () => {
    const template = "{{ bos_token }}{{ messages | length }}{% if add_generation_prompt %}+{% endif %}{{ eos_token }}";
    expect(await renderChatTemplate(template, { messages: MESSAGES, bosToken: "<s>", eosToken: "</s>" })).toBe("<s>1+</s>");
    expect(await renderChatTemplate(template, { messages: MESSAGES, addGenerationPrompt: false })).toBe("1");
  });

  it("tells templates that read tools from those that do not", () => {
    expect(templateSupportsTools(QWEN_STYLE_TEMPLATE)).toBe(true);
    expect(templateSupportsTools(PLAIN_TEMPLATE)).toBe(false);
    expect(templateSupportsTools("tools are mentioned only in text {{ messages }}")).toBe(false);
    expect(templateSupportsTools("{% if")).toBe(false);
    expect(templateSupportsTools("{{ 'tools' }}{# tools #}{{ message.tools }}")).toBe(false);
    expect(templateSupportsTools("{%- for t in tools -%}{%- endfor %}")).toBe(true);
    expect(templateSupportsTools("{{ x | tojson }}{% if 'a}}' in tools %}{% endif %}")).toBe(true);
  });

  it("checks a template that would take the Jinja lexer minutes in linear time", () => {
    const slowToLex = "{{ " + " \n".repeat(120_000);
    const started = Date.now();
    expect(templateSupportsTools(slowToLex)).toBe(false);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it("chat-template format offers tools through the template, and refuses a template that cannot", async () => {
    const prompt = await chatTemplateFormat.render(MESSAGES, [weatherTool], { chatTemplate: QWEN_STYLE_TEMPLATE });
    expect(prompt).toContain('{"type": "function", "function": {"name": "get_weather"');
    const error = await steerErrorOf(chatTemplateFormat.render(MESSAGES, [weatherTool], { chatTemplate: PLAIN_TEMPLATE }));
    expect(error.code).toBe("ERR_TEMPLATE_FAILED");
    expect(error.message).toBe('This chat template does not read a "tools" variable, so it cannot offer tools; use the "asa" or "hermes" format instead');
    await expect(chatTemplateFormat.render(MESSAGES, [weatherTool])).rejects.toThrow(
      "Expected the model's chat template (GGUF tokenizer.chat_template) for the chat-template format for options.chatTemplate but received undefined",
    );
  });

  it("turns template errors into ERR_TEMPLATE_FAILED", async () => {
    const syntax = await steerErrorOf(renderChatTemplate("{% for x in %}", { messages: MESSAGES }));
    expect(syntax.code).toBe("ERR_TEMPLATE_FAILED");
    expect(syntax.message).toMatch(/^Chat template could not be rendered: /);
    const raised = await steerErrorOf(renderChatTemplate("{{ raise_exception('System role not supported') }}", { messages: MESSAGES }));
    expect(raised.message).toBe("Chat template could not be rendered: System role not supported");
  });

  it("refuses oversized templates and outputs", async () => {
    const big = await steerErrorOf(renderChatTemplate("x".repeat(MAX_TEMPLATE_CHARS + 1), { messages: MESSAGES }));
    expect(big.message).toBe(`Chat template is ${MAX_TEMPLATE_CHARS + 1} characters long; the limit is ${MAX_TEMPLATE_CHARS}`);
    const long = await steerErrorOf(renderChatTemplate("{% for i in range(100) %}0123456789{% endfor %}", { messages: MESSAGES, maxOutputChars: 100 }));
    expect(long.message).toBe("Chat template produced 1000 characters; the limit is 100");
  });

  describe("hostile templates", () => {
    const renderer = new ChatTemplateRenderer({ maxMemoryMb: 64 });
    afterAll(() => renderer.dispose());

    it("stops a template that loops for hours within its deadline, then renders again", async () => {
      const started = Date.now();
      const error = await steerErrorOf(renderer.render(HANGING_TEMPLATE, { messages: MESSAGES, timeoutMs: 300 }));
      expect(error.code).toBe("ERR_TEMPLATE_FAILED");
      expect(error.message).toBe("Chat template render did not finish within 300 ms");
      expect(Date.now() - started).toBeLessThan(3000);
      expect(await renderer.render("{{ messages[0].content }}", { messages: MESSAGES })).toBe("Is it raining in Bergen?");
    });

    it("stops a template whose output explodes", async () => {
      const doubling = "{% set ns = namespace(s='xy') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s }}";
      const started = Date.now();
      const error = await steerErrorOf(renderer.render(doubling, { messages: MESSAGES, timeoutMs: 2000 }));
      expect(error.code).toBe("ERR_TEMPLATE_FAILED");
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it("stops a template that exhausts the worker's memory", async () => {
      const hoarding = "{% set ns = namespace(items=[]) %}{% for i in range(100000000) %}{% set ns.items = ns.items + [i] %}{% endfor %}";
      const error = await steerErrorOf(renderer.render(hoarding, { messages: MESSAGES, timeoutMs: 4000 }));
      expect(error.code).toBe("ERR_TEMPLATE_FAILED");
      expect(error.message).toMatch(/^(Chat template render ran out of memory \(limit 64 MB\)|Chat template render did not finish within 4000 ms|Chat template could not be rendered: .+)$/);
    });

    it("bounds a template that is slow to parse, not only slow to render", async () => {
      const slowToLex = "{{ " + " \n".repeat(120_000);
      const error = await steerErrorOf(renderer.render(slowToLex, { messages: MESSAGES, timeoutMs: 300 }));
      expect(error.message).toBe("Chat template render did not finish within 300 ms");
    });

    it("aborts a hanging render through its AbortSignal", async () => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error("user cancelled")), 100);
      const error = await steerErrorOf(renderer.render(HANGING_TEMPLATE, { messages: MESSAGES, signal: controller.signal }));
      expect(error.code).toBe("ERR_ABORTED");
      expect(error.message).toBe("Aborted: user cancelled");
    });

    it("refuses renders after dispose", async () => {
      const short = new ChatTemplateRenderer();
      short.dispose();
      short.dispose();
      expect((await steerErrorOf(short.render("x", { messages: MESSAGES }))).code).toBe("ERR_DISPOSED");
    });
  });
});

describe("defineFormat and the registry", () => {
  const bracketFormat = defineFormat({
    name: "brackets",
    description: "calls as [[call]]{...}[[/call]]",
    render: "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}tools: {{ tools | length }}\n",
    parse: { open: "[[call]]", close: "[[/call]]" },
  });

  it("renders a user template and parses with the strict tag parser", async () => {
    expect(await bracketFormat.render(MESSAGES, TOOLS)).toBe("user: Is it raining in Bergen?\ntools: 2");
    expect(bracketFormat.callMarker).toBe("[[call]]");
    expect(bracketFormat.parse('[[call]]{"name": "get_weather", "arguments": {"city": "Bergen"}}[[/call]]', TOOLS)).toEqual({
      triggered: true,
      calls: [{ name: "get_weather", arguments: { city: "Bergen" } }],
      format_ok: true,
      tool_ok: true,
      args_ok: true,
      errors: [],
    });
  });

  it("judges what a parse function extracts under the same protocol", () => {
    const lineFormat = defineFormat({
      name: "call-lines",
      render: (messages) => messages.map((m) => m.content).join("\n"),
      callMarker: "CALL ",
      parse: (output) => {
        const lines = output.split("\n").filter((l) => l.startsWith("CALL "));
        return { triggered: lines.length > 0, calls: lines.map((l) => JSON.parse(l.slice(5)) as unknown) };
      },
    });
    expect(lineFormat.parse('CALL {"name": "get_weather", "arguments": {}}', TOOLS)).toMatchObject({
      triggered: true,
      format_ok: true,
      tool_ok: true,
      args_ok: false,
      errors: ['call 1: arguments are empty but "get_weather" takes parameters'],
    });
    expect(lineFormat.parse("CALL {oops", TOOLS)).toMatchObject({ triggered: true, calls: [], format_ok: false });
    expect(lineFormat.parse("CALL {oops", TOOLS).errors[0]).toMatch(/^format "call-lines" parser threw: /);
    expect(lineFormat.parse("no call", TOOLS).triggered).toBe(false);
  });

  it("validates definitions with pinned messages", () => {
    const render = "{{ messages }}";
    expect(() => defineFormat({ name: "bad name", render, parse: { open: "<a>", close: "</a>" } })).toThrow(
      'Expected a name of letters, digits, ".", "_" or "-" (at most 64) for definition.name but received "bad name" of type string',
    );
    expect(() => defineFormat({ name: "x", render, parse: { open: "<a>", close: "<a>" } })).toThrow(
      'Expected a closing tag that does not contain the opening tag "<a>" for definition.parse.close but received "<a>" of type string',
    );
    expect(() => defineFormat({ name: "x", render, parse: () => ({ triggered: false, calls: [] }) })).toThrow(
      "Expected a non-empty string (required with a parse function) for definition.callMarker but received undefined",
    );
    expect(() => defineFormat({ name: "x", render: 42 as never, parse: { open: "<a>", close: "</a>" } })).toThrow(
      "Expected a Jinja template string or a render function for definition.render but received 42 of type number",
    );
    expect(() => defineFormat({ name: "x", render, parse: { open: "<a>", close: "</a>" }, stopString: [] } as never)).toThrow(
      'Unknown option "stopString" in FormatDefinition (did you mean "stopStrings"?)',
    );
  });

  it("names every format in the registry", () => {
    expect(getFormat("asa")).toBe(asaFormat);
    expect(listFormats().map((f) => f.name).slice(0, 4)).toEqual(["asa", "hermes", "json", "chat-template"]);
    expect(() => getFormat("xml")).toThrow(/^Expected one of "asa", "hermes", "json", "chat-template".* for format but received "xml" of type string$/);
    registerFormat(bracketFormat);
    expect(getFormat("brackets")).toBe(bracketFormat);
    expect(() => registerFormat(bracketFormat)).toThrow('Expected a name no registered format uses for format.name but received "brackets" of type string');
  });
});
