/**
 * Fuzzing the strict parsers: random strings, mutations of valid outputs, deep nesting and multi-megabyte inputs.
 * Whatever the input, a parser must return the exact result shape with consistent flags, never throw, never hang.
 * The PRNG is seeded, so a failure reproduces; the failing input is printed (shortened) with the broken invariant.
 */
import { describe, expect, it } from "vitest";
import {
  MAX_CALLS_PER_OUTPUT,
  MAX_PARSE_INPUT_CHARS,
  asaFormat,
  bareJsonFormat,
  chatTemplateFormat,
  defineFormat,
  hermesFormat,
  type ToolCallParseResult,
  type ToolDefinition,
  type ToolFormat,
} from "../../src/formats/index.js";

const TOOLS: ToolDefinition[] = [
  {
    type: "function",
    function: {
      name: "get_weather",
      parameters: { type: "object", properties: { city: { type: "string" }, unit: { enum: ["celsius", "fahrenheit"] } }, required: ["city"] },
    },
  },
  { type: "function", function: { name: "get_time", parameters: { type: "object", properties: {} } } },
  { type: "function", function: { name: "anything" } },
];
const TOOL_NAMES = new Set(TOOLS.map((t) => t.function.name));

const userTagFormat = defineFormat({ name: "fuzz-tags", render: "{{ messages }}", parse: { open: "<<", close: ">>" } });
/** A user parse function that trusts too much: it splits on a marker and JSON.parses what follows, throwing often. */
const userFunctionFormat = defineFormat({
  name: "fuzz-lines",
  render: () => "",
  callMarker: "CALL:",
  parse: (output) => {
    const pieces = output.split("CALL:").slice(1);
    return { triggered: pieces.length > 0, calls: pieces.map((p) => JSON.parse(p) as unknown), errors: pieces.length > 3 ? ["x".repeat(5000)] : [] };
  },
});
const FORMATS: ToolFormat[] = [asaFormat, hermesFormat, bareJsonFormat, chatTemplateFormat, userTagFormat, userFunctionFormat];

/** mulberry32: tiny, fast, good enough to drive a fuzzer reproducibly. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RESULT_KEYS = ["args_ok", "calls", "errors", "format_ok", "tool_ok", "triggered"].join();

/** Every invariant of the strict result; returns the first one broken, or undefined. */
function brokenInvariant(format: ToolFormat, output: string, r: ToolCallParseResult): string | undefined {
  if (Object.keys(r).sort().join() !== RESULT_KEYS) return `keys ${Object.keys(r).sort().join()}`;
  for (const flag of ["triggered", "format_ok", "tool_ok", "args_ok"] as const) if (typeof r[flag] !== "boolean") return `${flag} not boolean`;
  if (!Array.isArray(r.errors) || !r.errors.every((e) => typeof e === "string" && e.length > 0 && e.length < 1000)) return "errors not short strings";
  if (!Array.isArray(r.calls) || r.calls.length > MAX_CALLS_PER_OUTPUT) return "calls not an array of bounded length";
  for (const c of r.calls) {
    if (Object.keys(c).sort().join() !== "arguments,name") return "call keys";
    if (typeof c.name !== "string" || c.name.length === 0) return "call name";
    if (typeof c.arguments !== "object" || c.arguments === null || Array.isArray(c.arguments)) return "call arguments not an object";
  }
  if (r.args_ok && !r.tool_ok) return "args_ok without tool_ok";
  if (r.tool_ok && !r.format_ok) return "tool_ok without format_ok";
  if (r.format_ok && !r.triggered) return "format_ok without triggered";
  if (!r.triggered && r.calls.length > 0) return "calls without trigger";
  if (r.format_ok && r.calls.length === 0) return "format_ok without calls";
  if (r.tool_ok && !r.calls.every((c) => TOOL_NAMES.has(c.name))) return "tool_ok with an unknown tool";
  if (r.args_ok !== (r.triggered && r.errors.length === 0)) return "args_ok disagrees with the error list";
  const read = output.slice(0, MAX_PARSE_INPUT_CHARS);
  if (format !== bareJsonFormat && format !== chatTemplateFormat && r.triggered !== read.includes(format.callMarker)) return "trigger rule";
  if (format === bareJsonFormat && r.triggered && !/^[ \t\r\n]*(```|\{|\[)/.test(read.slice(0, 200))) return "bare JSON triggered without a leading call";
  JSON.stringify(r);
  return undefined;
}

interface Failure {
  format: string;
  problem: string;
  input: string;
}

function check(output: string, failures: Failure[]): void {
  for (const format of FORMATS) {
    let problem: string | undefined;
    try {
      problem = brokenInvariant(format, output, format.parse(output, TOOLS));
    } catch (e) {
      problem = `threw ${e instanceof Error ? e.message : String(e)}`;
    }
    if (problem !== undefined && failures.length < 5) failures.push({ format: format.name, problem, input: output.slice(0, 300) });
  }
}

const SEEDS = [
  '<functioncall>{"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}</functioncall>',
  "Let me look. <functioncall>{'name': 'get_weather', 'arguments': {'city': 'Zürich',}}</functioncall> ok",
  '<functioncall>{"name": "get_time", "arguments": {}}</functioncall><functioncall>{"name": "anything", "arguments": {"a": [1, 2.5e3, null, true, {"b": "\\u00e9"}]}}</functioncall>',
  '<tool_call>\n{"name": "get_weather", "arguments": {"city": "東京"}}\n</tool_call>',
  "<tool_call>{'name': 'anything', 'arguments': {'t': (1, 2,), 'n': None, 'f': False, 's': r'\\d', 'm': '''x\ny'''}}</tool_call>",
  '{"name": "get_weather", "arguments": {"city": "Lima"}}',
  '```json\n[{"tool": "get_time", "parameters": {}}, {"name": "anything", "arguments": {"x": -0.5}}]\n```',
  '<<{"name": "get_time", "arguments": {}}>> and <<{"name": "nope", "arguments": {"q": 1}}>>',
  "The answer is 42; no tool needed.",
  'CALL:{"name": "get_time", "arguments": {}}',
];

/** Fragments that matter to the parsers, so random strings reach deep states instead of failing at once. */
const TOKENS = ["CALL:", "<functioncall>", "</functioncall>", "<tool_call>", "</tool_call>", "<<", ">>", "```", '"name"', '"arguments"', "'name'", "True", "None",
  "null", "get_weather", '"city"', "{", "}", "[", "]", "(", ")", ",", ":", '"', "'", "\\", "\\u", "\\x", "\\U0001F600", " ", "\n", "1e5", "-", ".", "_", "é", "🌧", "\u0000", "\ud800"];

function randomString(rand: () => number, maxLength: number): string {
  const parts: string[] = [];
  const length = Math.floor(rand() * maxLength);
  for (let i = 0; i < length; i++) {
    parts.push(rand() < 0.6 ? TOKENS[Math.floor(rand() * TOKENS.length)] : String.fromCharCode(Math.floor(rand() * 128)));
  }
  return parts.join("");
}

function mutate(rand: () => number, input: string): string {
  let s = input;
  const edits = 1 + Math.floor(rand() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rand() * (s.length + 1));
    const op = Math.floor(rand() * 6);
    if (op === 0) s = s.slice(0, at) + TOKENS[Math.floor(rand() * TOKENS.length)] + s.slice(at);
    else if (op === 1) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rand() * 8));
    else if (op === 2) s = s.slice(0, at) + String.fromCharCode(Math.floor(rand() * 0x3000)) + s.slice(at + 1);
    else if (op === 3) s = s.slice(0, at) + s.slice(at, at + Math.floor(rand() * 30)) + s.slice(at);
    else if (op === 4) s = s.slice(0, at);
    else s = s.slice(at) + s.slice(0, at);
  }
  return s;
}

describe("parser fuzzing", () => {
  it("keeps the result shape and invariants on 100,000 random and mutated outputs", () => {
    const rand = seededRandom(0x5eed);
    const failures: Failure[] = [];
    const started = performance.now();
    for (let i = 0; i < 100_000; i++) {
      const output = i % 3 === 0 ? randomString(rand, 60) : mutate(rand, SEEDS[i % SEEDS.length]);
      check(output, failures);
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`fuzz: 100000 outputs x ${FORMATS.length} parsers in ${seconds.toFixed(1)} s`);
    expect(failures).toEqual([]);
  });

  it("survives deep nesting and multi-megabyte outputs quickly", () => {
    const rand = seededRandom(42);
    const hostile = [
      `<functioncall>${"[".repeat(100_000)}`,
      `<tool_call>{"name": "anything", "arguments": ${'{"a": '.repeat(100_000)}`,
      `[{${"(".repeat(100_000)}`,
      `<functioncall>{"name": "anything", "arguments": {"s": "${"x".repeat(5_000_000)}"}}</functioncall>`,
      `<functioncall>{"name": "anything", "arguments": {"s": "${"\\n".repeat(2_500_000)}`,
      "<functioncall>".repeat(400_000),
      '<functioncall>"'.repeat(350_000),
      "<functioncall>'".repeat(350_000),
      `<functioncall>{"a":[${"1,".repeat(2_500_000)}`,
      "<<".repeat(2_500_000),
      randomString(rand, 1_000_000),
      mutate(rand, SEEDS[0].repeat(60_000)),
    ];
    const failures: Failure[] = [];
    let slowest = 0;
    for (const output of hostile) {
      const started = performance.now();
      check(output, failures);
      slowest = Math.max(slowest, performance.now() - started);
    }
    console.log(`fuzz: slowest hostile input took ${slowest.toFixed(0)} ms for ${FORMATS.length} parsers`);
    expect(failures).toEqual([]);
    // A hang guard, not a speed target: linear-time parsing takes well under a second here.
    expect(slowest).toBeLessThan(30_000);
  });

  it("reads back exactly what was written, in JSON and as Python literals", () => {
    const rand = seededRandom(7);
    const mismatches: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const args = randomObject(rand, 0);
      const asJson = `<functioncall>{"name": "anything", "arguments": ${JSON.stringify(args)}}</functioncall>`;
      const asPython = `<tool_call>{'name': 'anything', 'arguments': ${pythonRepr(args)},}</tool_call>`;
      for (const [format, output] of [[asaFormat, asJson], [hermesFormat, asPython]] as const) {
        const result = format.parse(output, TOOLS);
        if (!result.args_ok || JSON.stringify(result.calls) !== JSON.stringify([{ name: "anything", arguments: args }])) {
          if (mismatches.length < 3) mismatches.push(`${format.name}: ${output.slice(0, 300)} -> ${JSON.stringify(result).slice(0, 300)}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
  });
});

function randomValue(rand: () => number, depth: number): unknown {
  const kind = Math.floor(rand() * (depth > 4 ? 5 : 7));
  if (kind === 0) return null;
  if (kind === 1) return rand() < 0.5;
  if (kind === 2) return Math.floor((rand() - 0.5) * 1e6) / (rand() < 0.5 ? 1 : 1000);
  if (kind <= 4) return randomText(rand);
  if (kind === 5) return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
  return randomObject(rand, depth + 1);
}

function randomObject(rand: () => number, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const size = Math.floor(rand() * 4);
  for (let i = 0; i < size; i++) out[randomText(rand)] = randomValue(rand, depth);
  return out;
}

function randomText(rand: () => number): string {
  const alphabet = ["a", "Z", " ", "'", '"', "\\", "\n", "\t", "é", "東", "🌧", "</functioncall>", "</tool_call>", "{", "]", "\u0001", "__proto__"];
  return Array.from({ length: Math.floor(rand() * 6) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join("");
}

/** A Python repr written independently of the parser: single-quoted strings, True/False/None, trailing commas. */
function pythonRepr(value: unknown): string {
  if (value === null) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return String(value);
  if (typeof value === "string") {
    const escaped = [...value].map((ch) => {
      if (ch === "\\" || ch === "'") return `\\${ch}`;
      if (ch === "\n") return "\\n";
      if (ch === "\t") return "\\t";
      const code = ch.codePointAt(0) ?? 0;
      if (code < 0x20) return `\\x${code.toString(16).padStart(2, "0")}`;
      if (code > 0xffff) return `\\U${code.toString(16).padStart(8, "0")}`;
      return ch;
    });
    return `'${escaped.join("")}'`;
  }
  if (Array.isArray(value)) return `[${value.map((v) => `${pythonRepr(v)}, `).join("")}]`;
  const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${pythonRepr(k)}: ${pythonRepr(v)}, `);
  return `{${entries.join("")}}`;
}
