/** The strict parsers, pinned case by case: trigger rule, payload dialects, envelope errors, tool and argument checks. */
import { describe, expect, it } from "vitest";
import { isSteerError } from "../../src/errors.js";
import {
  asaFormat,
  bareJsonFormat,
  chatTemplateFormat,
  hermesFormat,
  MAX_PARSE_INPUT_CHARS,
  type ToolCallParseResult,
  type ToolDefinition,
} from "../../src/formats/index.js";

const weatherTool: ToolDefinition = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: {
      type: "object",
      properties: { city: { type: "string" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } },
      required: ["city"],
    },
  },
};

const searchTool: ToolDefinition = {
  type: "function",
  function: {
    name: "search_web",
    description: "Search the web",
    parameters: {
      type: "object",
      properties: {
        query: { type: "string" },
        filters: { type: "object", properties: { site: { type: "string" }, since: { type: "integer" } } },
      },
      required: ["query"],
    },
  },
};

const flightTool: ToolDefinition = {
  type: "function",
  function: {
    name: "book_flight",
    description: "Book a flight",
    parameters: {
      type: "object",
      properties: { from: { type: "string" }, to: { type: "string" }, direct: { type: "boolean" }, seat: { type: ["string", "null"] } },
      required: ["from", "to"],
    },
  },
};

const clockTool: ToolDefinition = {
  type: "function",
  function: { name: "get_time", description: "Current time", parameters: { type: "object", properties: {} } },
};

const TOOLS: ToolDefinition[] = [weatherTool, searchTool, flightTool, clockTool];

const parseAsa = (output: string, tools: ToolDefinition[] = TOOLS): ToolCallParseResult => asaFormat.parse(output, tools);
const call = (payload: string): string => `<functioncall>${payload}</functioncall>`;

function success(calls: ToolCallParseResult["calls"]): ToolCallParseResult {
  return { triggered: true, calls, format_ok: true, tool_ok: true, args_ok: true, errors: [] };
}

describe("asa format: trigger and envelope", () => {
  it("accepts a well-formed call", () => {
    expect(parseAsa(call('{"name": "get_weather", "arguments": {"city": "Paris"}}'))).toEqual(
      success([{ name: "get_weather", arguments: { city: "Paris" } }]),
    );
  });

  it("does not trigger without the marker", () => {
    expect(parseAsa("It is sunny in Paris today.")).toEqual({
      triggered: false,
      calls: [],
      format_ok: false,
      tool_ok: false,
      args_ok: false,
      errors: [],
    });
  });

  it("does not trigger on the closing tag or a near miss alone", () => {
    expect(parseAsa('</functioncall> <function_call>{"name": "get_time", "arguments": {}}').triggered).toBe(false);
    expect(parseAsa("<FUNCTIONCALL>").triggered).toBe(false);
  });

  it("reads a call surrounded by prose", () => {
    const output = `Sure, let me check. ${call('{"name": "get_weather", "arguments": {"city": "Oslo"}}')} One moment.`;
    expect(parseAsa(output)).toEqual(success([{ name: "get_weather", arguments: { city: "Oslo" } }]));
  });

  it("triggers on a marker mentioned in prose, but as a format failure", () => {
    expect(parseAsa("I could answer with a <functioncall> tag, but no tool is needed.")).toEqual({
      triggered: true,
      calls: [],
      format_ok: false,
      tool_ok: false,
      args_ok: false,
      errors: ["call 1: payload is neither JSON nor a Python literal (unexpected word 'tag' at offset 1)"],
    });
  });

  it("flags a missing closing tag but still reports the call", () => {
    const result = parseAsa('<functioncall>{"name": "get_weather", "arguments": {"city": "Paris"}}');
    expect(result).toEqual({
      triggered: true,
      calls: [{ name: "get_weather", arguments: { city: "Paris" } }],
      format_ok: false,
      tool_ok: false,
      args_ok: false,
      errors: ["call 1: missing closing </functioncall>"],
    });
  });

  it("flags text between the payload and the closing tag", () => {
    const result = parseAsa(call('{"name": "get_weather", "arguments": {"city": "Paris"}} thanks'));
    expect(result.format_ok).toBe(false);
    expect(result.errors).toEqual(["call 1: unexpected text after the payload, expected </functioncall>"]);
  });

  it("flags a code fence inside the tags", () => {
    const result = parseAsa(call('```json\n{"name": "get_time", "arguments": {}}\n```'));
    expect(result).toMatchObject({ triggered: true, calls: [], format_ok: false });
    expect(result.errors).toEqual(["call 1: payload is neither JSON nor a Python literal (unexpected character \"`\" at offset 0)"]);
  });

  it("reads two calls", () => {
    const output = `${call('{"name": "get_weather", "arguments": {"city": "Rome"}}')}\n${call('{"name": "get_time", "arguments": {}}')}`;
    expect(parseAsa(output)).toEqual(
      success([
        { name: "get_weather", arguments: { city: "Rome" } },
        { name: "get_time", arguments: {} },
      ]),
    );
  });

  it("numbers errors by call and keeps reading after a broken one", () => {
    const output = `${call('{"name": "get_weather", "arguments": {"city": ')}${call('{"name": "launch_rocket", "arguments": {"target": "moon"}}')}`;
    const result = parseAsa(output);
    expect(result.calls).toEqual([{ name: "launch_rocket", arguments: { target: "moon" } }]);
    expect(result.errors).toEqual([
      "call 1: payload is neither JSON nor a Python literal (unexpected character \"<\" at offset 46)",
      'call 2: unknown tool "launch_rocket"',
    ]);
    expect(result.format_ok).toBe(false);
  });

  it("reports a missing closing tag before the next call", () => {
    const output = `<functioncall>{"name": "get_time", "arguments": {}}${call('{"name": "get_time", "arguments": {}}')}`;
    const result = parseAsa(output);
    expect(result.calls).toHaveLength(2);
    expect(result.errors).toEqual(["call 1: missing closing </functioncall> before the next <functioncall>"]);
  });

  it("reads a closing tag inside a string argument as text", () => {
    const result = parseAsa(call('{"name": "search_web", "arguments": {"query": "what does </functioncall> mean"}}'));
    expect(result).toEqual(success([{ name: "search_web", arguments: { query: "what does </functioncall> mean" } }]));
  });
});

describe("asa format: payload dialects", () => {
  it("falls back to Python literals: single quotes", () => {
    expect(parseAsa(call("{'name': 'get_weather', 'arguments': {'city': 'Paris', 'unit': 'celsius'}}"))).toEqual(
      success([{ name: "get_weather", arguments: { city: "Paris", unit: "celsius" } }]),
    );
  });

  it("falls back to Python literals: trailing commas", () => {
    expect(parseAsa(call('{"name": "get_weather", "arguments": {"city": "Paris",},}'))).toEqual(
      success([{ name: "get_weather", arguments: { city: "Paris" } }]),
    );
  });

  it("falls back to Python literals: True, False and None", () => {
    const output = call("{'name': 'book_flight', 'arguments': {'from': 'OSL', 'to': 'NRT', 'direct': True, 'seat': None}}");
    expect(parseAsa(output)).toEqual(success([{ name: "book_flight", arguments: { from: "OSL", to: "NRT", direct: true, seat: null } }]));
  });

  it("refuses a payload mixing JSON and Python keywords", () => {
    const result = parseAsa(call('{"name": "book_flight", "arguments": {"from": "A", "to": "B", "direct": True, "seat": null}}'));
    expect(result.format_ok).toBe(false);
    expect(result.errors[0]).toMatch(/^call 1: payload is neither JSON nor a Python literal \(unexpected word '(True|null)' at offset \d+\)$/);
  });

  it("keeps nested objects", () => {
    const output = call('{"name": "search_web", "arguments": {"query": "llama", "filters": {"site": "example.org", "since": 2020}}}');
    expect(parseAsa(output)).toEqual(success([{ name: "search_web", arguments: { query: "llama", filters: { site: "example.org", since: 2020 } } }]));
  });

  it("keeps unicode, raw and escaped", () => {
    const output = call('{"name": "get_weather", "arguments": {"city": "Z\\u00fcrich 東京 🌧"}}');
    expect(parseAsa(output).calls).toEqual([{ name: "get_weather", arguments: { city: "Zürich 東京 🌧" } }]);
    expect(parseAsa(call("{'name': 'get_weather', 'arguments': {'city': 'K\\xf8benhavn \\U0001F327'}}")).calls).toEqual([
      { name: "get_weather", arguments: { city: "København 🌧" } },
    ]);
  });

  it("refuses nesting deeper than 64 levels with an error, not a stack overflow", () => {
    const result = parseAsa(call(`{"name": "get_time", "arguments": {"x": ${"[".repeat(100_000)}`));
    expect(result.format_ok).toBe(false);
    expect(result.errors[0]).toContain("nesting deeper than 64 levels");
  });

  it("keeps a __proto__ key as plain data", () => {
    const result = parseAsa(call('{"name": "get_weather", "arguments": {"city": "Paris", "__proto__": {"polluted": true}}}'));
    const args = result.calls[0].arguments;
    expect(Object.getPrototypeOf(args)).toBe(Object.prototype);
    expect(Object.keys(args)).toEqual(["city", "__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("asa format: payload shape, tools and arguments", () => {
  const single = (payload: string): ToolCallParseResult => parseAsa(call(payload));

  it.each([
    ['["get_time", {}]', 'call 1: payload must be an object {"name", "arguments"}, received an array'],
    ['{"arguments": {}}', 'call 1: payload has no "name"'],
    ['{"name": 7, "arguments": {}}', 'call 1: "name" must be a non-empty string'],
    ['{"name": "get_time"}', 'call 1: payload has no "arguments"'],
    ['{"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}', 'call 1: "arguments" must be an object, received a string'],
    ['{"name": "get_weather", "arguments": null}', 'call 1: "arguments" must be an object, received null'],
  ])("rejects the payload %s", (payload, error) => {
    const result = single(payload);
    expect(result).toMatchObject({ triggered: true, calls: [], format_ok: false, tool_ok: false, args_ok: false });
    expect(result.errors).toEqual([error]);
  });

  it("flags an unknown tool", () => {
    expect(single('{"name": "get_wether", "arguments": {"city": "Paris"}}')).toEqual({
      triggered: true,
      calls: [{ name: "get_wether", arguments: { city: "Paris" } }],
      format_ok: true,
      tool_ok: false,
      args_ok: false,
      errors: ['call 1: unknown tool "get_wether"'],
    });
  });

  it("judges tool names against the offered tools only", () => {
    const result = parseAsa(call('{"name": "get_weather", "arguments": {"city": "Paris"}}'), [clockTool]);
    expect(result.tool_ok).toBe(false);
    expect(parseAsa(call('{"name": "get_time", "arguments": {}}'), []).errors).toEqual(['call 1: unknown tool "get_time"']);
  });

  it.each([
    ['{"unit": "celsius"}', "call 1: arguments must have required property 'city'"],
    ['{"city": 42}', "call 1: arguments at /city must be string"],
    ['{"city": "Paris", "unit": "kelvin"}', 'call 1: arguments at /unit must be one of "celsius", "fahrenheit"'],
    ["{}", 'call 1: arguments are empty but "get_weather" takes parameters'],
  ])("flags invalid arguments %s", (args, error) => {
    const result = single(`{"name": "get_weather", "arguments": ${args}}`);
    expect(result).toMatchObject({ triggered: true, format_ok: true, tool_ok: true, args_ok: false, errors: [error] });
  });

  it("checks nested argument types", () => {
    const result = single('{"name": "search_web", "arguments": {"query": "q", "filters": {"since": "2020"}}}');
    expect(result.errors).toEqual(["call 1: arguments at /filters/since must be integer"]);
  });

  it("accepts empty arguments for a tool without parameters", () => {
    expect(single('{"name": "get_time", "arguments": {}}')).toEqual(success([{ name: "get_time", arguments: {} }]));
  });

  it("reports at most three schema violations per call", () => {
    const strict: ToolDefinition = {
      type: "function",
      function: { name: "f", parameters: { type: "object", properties: { a: { type: "string" }, b: { type: "string" } }, required: ["a", "b", "c", "d"] } },
    };
    expect(parseAsa(call('{"name": "f", "arguments": {"a": 1, "b": 2}}'), [strict]).errors).toHaveLength(3);
  });

  it("reports a tool whose schema cannot be compiled instead of throwing", () => {
    const broken: ToolDefinition = { type: "function", function: { name: "g", parameters: { type: "object", properties: { x: { type: "strnig" } } } } };
    const result = parseAsa(call('{"name": "g", "arguments": {"x": "1"}}'), [broken]);
    expect(result).toMatchObject({ tool_ok: true, args_ok: false });
    expect(result.errors[0]).toMatch(/^call 1: the parameters schema of "g" cannot be used: /);
  });

  it("reports a cyclic schema instead of throwing", () => {
    const cyclic: Record<string, unknown> = { type: "object" };
    cyclic.properties = { self: cyclic };
    const tool: ToolDefinition = { type: "function", function: { name: "loop", parameters: cyclic } };
    expect(parseAsa(call('{"name": "loop", "arguments": {"self": {}}}'), [tool]).errors).toEqual([
      'call 1: the parameters schema of "loop" cannot be used: the schema is not plain JSON data',
    ]);
  });

  it("validates a schema that names a newer JSON Schema dialect", () => {
    const modern: ToolDefinition = {
      type: "function",
      function: { name: "h", parameters: { $schema: "https://json-schema.org/draft/2020-12/schema", type: "object", properties: { n: { type: "integer" } }, required: ["n"] } },
    };
    expect(parseAsa(call('{"name": "h", "arguments": {"n": 3}}'), [modern]).args_ok).toBe(true);
    expect(parseAsa(call('{"name": "h", "arguments": {"n": 3.5}}'), [modern]).errors).toEqual(["call 1: arguments at /n must be integer"]);
  });
});

describe("parser limits and argument checks", () => {
  it("reads only the first MAX_PARSE_INPUT_CHARS characters and says so", () => {
    const output = call('{"name": "get_time", "arguments": {}}') + " ".repeat(MAX_PARSE_INPUT_CHARS);
    const result = parseAsa(output);
    expect(result).toMatchObject({ triggered: true, format_ok: false, calls: [{ name: "get_time", arguments: {} }] });
    expect(result.errors).toEqual([`output is ${output.length} characters long; only the first ${MAX_PARSE_INPUT_CHARS} were read`]);
  });

  it("stops after 64 calls", () => {
    const result = parseAsa(call('{"name": "get_time", "arguments": {}}').repeat(70));
    expect(result.calls).toHaveLength(64);
    expect(result.errors).toEqual(["more than 64 calls; the rest were not read"]);
  });

  it("throws only for wrongly typed arguments, with pinned messages", () => {
    const parse = asaFormat.parse as (output: unknown, tools: unknown) => ToolCallParseResult;
    expect(() => parse(42, TOOLS)).toThrow("Expected a string for output but received 42 of type number");
    expect(() => parse("x", "tools")).toThrow('Expected an array of tools for tools but received "tools" of type string');
    expect(() => parse("x", [{ type: "function", function: { name: "" } }])).toThrow(
      'Expected a non-empty string for tools[0].function.name but received "" of type string',
    );
    expect(() => parse("x", [clockTool, clockTool])).toThrow('Expected a name no other tool uses for tools[1].function.name but received "get_time" of type string');
    try {
      parse("x", null);
    } catch (e) {
      expect(isSteerError(e, "ERR_INVALID_ARGUMENT")).toBe(true);
    }
  });
});

describe("hermes format", () => {
  it("reads <tool_call> blocks with newlines", () => {
    const output = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Lima"}}\n</tool_call>';
    expect(hermesFormat.parse(output, TOOLS)).toEqual(success([{ name: "get_weather", arguments: { city: "Lima" } }]));
  });

  it("ignores the asa marker, and asa ignores its marker", () => {
    expect(hermesFormat.parse(call('{"name": "get_time", "arguments": {}}'), TOOLS).triggered).toBe(false);
    expect(parseAsa('<tool_call>{"name": "get_time", "arguments": {}}</tool_call>').triggered).toBe(false);
  });

  it("flags a missing </tool_call>", () => {
    expect(hermesFormat.parse('<tool_call>{"name": "get_time", "arguments": {}}', TOOLS).errors).toEqual(["call 1: missing closing </tool_call>"]);
  });
});

describe("json format", () => {
  const parseJson = (output: string): ToolCallParseResult => bareJsonFormat.parse(output, TOOLS);

  it("reads a bare call object", () => {
    expect(parseJson(' {"name": "get_weather", "arguments": {"city": "Cairo"}}\n')).toEqual(success([{ name: "get_weather", arguments: { city: "Cairo" } }]));
  });

  it('accepts the "tool"/"parameters" spelling and a Python literal', () => {
    expect(parseJson("{'tool': 'get_weather', 'parameters': {'city': 'Cairo'}}").calls).toEqual([{ name: "get_weather", arguments: { city: "Cairo" } }]);
  });

  it("reads a fenced list of calls", () => {
    const output = '```json\n[{"name": "get_time", "arguments": {}}, {"name": "get_weather", "arguments": {"city": "Lagos"}}]\n```';
    expect(parseJson(output)).toEqual(
      success([
        { name: "get_time", arguments: {} },
        { name: "get_weather", arguments: { city: "Lagos" } },
      ]),
    );
  });

  it("does not trigger when the reply starts with prose", () => {
    expect(parseJson('Here you go: {"name": "get_time", "arguments": {}}').triggered).toBe(false);
    expect(parseJson("[1] a footnote").triggered).toBe(false);
  });

  it("flags text after the call and an unclosed fence", () => {
    expect(parseJson('{"name": "get_time", "arguments": {}} Done!').errors).toEqual(["unexpected text after the JSON call"]);
    expect(parseJson('```\n{"name": "get_time", "arguments": {}}').errors).toEqual(["missing closing ``` after the JSON call"]);
  });

  it("flags an unreadable object", () => {
    expect(parseJson('{"name": "get_time", "arguments": {').errors).toEqual([
      "call 1: payload is neither JSON nor a Python literal (unexpected end of input at offset 35)",
    ]);
  });
});

describe("chat-template format parsing", () => {
  it("reads <tool_call> tags first, then a bare JSON call", () => {
    const tagged = chatTemplateFormat.parse('<tool_call>\n{"name": "get_time", "arguments": {}}\n</tool_call>', TOOLS);
    const bare = chatTemplateFormat.parse('{"name": "get_time", "parameters": {}}', TOOLS);
    expect(tagged).toEqual(success([{ name: "get_time", arguments: {} }]));
    expect(bare).toEqual(success([{ name: "get_time", arguments: {} }]));
    expect(chatTemplateFormat.parse("Noon.", TOOLS).triggered).toBe(false);
  });
});
