/** Importers on small fixtures written here in each benchmark's published shape (test/fixtures/import/). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { importBenchmark, importBenchmarkFile, parseDataset, samplesToJsonl, type DatasetSample } from "../../src/data/index.js";
import { expandAcceptable, toJsonSchema } from "../../src/data/import/bfclSchema.js";
import { bfclCategory } from "../../src/data/import/bfcl.js";
import { matchCalls } from "../../src/eval/argumentMatch.js";
import { chatTemplateFormat, hermesFormat } from "../../src/formats/index.js";
import type { SteerError } from "../../src/errors.js";

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "import");
const fixture = (name: string) => readFileSync(join(FIXTURES, name), "utf8");
const byId = (samples: DatasetSample[]) => new Map(samples.map((s) => [s.id, s]));

function importError(run: () => unknown): string[] {
  try {
    run();
  } catch (e) {
    return ((e as SteerError).details.issues as { line: number; field: string; message: string }[]).map((i) => `${i.line}:${i.field}:${i.message}`);
  }
  throw new Error("expected the import to fail");
}

describe("BFCL schema dialect", () => {
  it("maps dict, float, tuple and any to JSON Schema, recursively, keeping other keywords", () => {
    expect(
      toJsonSchema({ type: "dict", properties: { r: { type: "float", default: 1 }, pair: { type: "tuple", items: { type: "integer" } }, x: { type: "any", description: "d" }, o: { type: "dict", properties: { s: { type: "String" } } } }, required: ["r"] }),
    ).toEqual({ type: "object", properties: { r: { type: "number", default: 1 }, pair: { type: "array", items: { type: "integer" } }, x: { "x-bfcl-type": "any", description: "d" }, o: { type: "object", properties: { s: { type: "string" } } } }, required: ["r"] });
  });

  it("expands nested per-key answer lists into literal alternatives, \"\" leaving a key out", () => {
    expect(expandAcceptable({ name: ["A", "B"], city: ["X", ""] })).toEqual([{ name: "A", city: "X" }, { name: "A" }, { name: "B", city: "X" }, { name: "B" }]);
    expect(expandAcceptable([1, 2])).toEqual([[1, 2]]);
  });

  it("reads the category from the id", () => {
    expect(bfclCategory("simple_python_12")).toBe("simple_python");
    expect(bfclCategory("live_irrelevance_3-0-1")).toBe("live_irrelevance");
    expect(bfclCategory("parallel_multiple_40")).toBe("parallel_multiple");
  });
});

describe("importBenchmark", () => {
  it("bfcl: questions, dotted names, dict schemas, acceptable values, parallel calls, irrelevance", () => {
    const samples = importBenchmark("bfcl", fixture("BFCL_v4_sample.json"), { answers: fixture("BFCL_v4_sample_answers.json") });
    const s = byId(samples);
    expect([...s.keys()]).toEqual(["simple_python_0", "multiple_3", "parallel_1", "irrelevance_7", "live_irrelevance_2-0-1"]);
    expect(s.get("simple_python_0")).toMatchObject({
      domain: "simple_python",
      source: "bfcl",
      category: "simple_python",
      needs_tool: true,
      expected: { name: "geometry.circle_area", arguments: { radius: 4, unit: "cm" }, acceptable_arguments: { radius: [4, 4], unit: ["cm", "centimeters", ""] } },
    });
    expect(s.get("simple_python_0")!.tools[0].function.parameters).toEqual({ type: "object", properties: { radius: { type: "number", description: "The radius." }, unit: { type: "string", description: "Unit of the radius.", default: "cm" } }, required: ["radius"] });
    const booking = s.get("multiple_3")!;
    expect(booking.messages.map((m) => m.role)).toEqual(["system", "user"]);
    expect(booking.expected!.acceptable_arguments!.place).toEqual([
      { name: "Nonna's", city: "Turin" },
      { name: "Nonna's", city: "Torino" },
      { name: "Nonnas", city: "Turin" },
      { name: "Nonnas", city: "Torino" },
    ]);
    expect(booking.expected!.acceptable_arguments!.slot).toEqual([["2025-03-14"], ["2025-03-14", ""]]);
    expect(s.get("parallel_1")!.expected).toMatchObject({ name: "weather.get_by_city_date", arguments: { city: "Oslo" }, parallel_calls: [{ arguments: { city: "Bergen" } }] });
    for (const id of ["irrelevance_7", "live_irrelevance_2-0-1"]) expect(s.get(id)).toMatchObject({ needs_tool: false, expected: null });
    // What the importer writes loads as it is.
    expect(parseDataset(samplesToJsonl(samples))).toHaveLength(5);
  });

  it("bfcl answers score values: acceptable alternatives match, a wrong value the schema accepts does not", () => {
    const booking = byId(importBenchmark("bfcl", fixture("BFCL_v4_sample.json"), { answers: fixture("BFCL_v4_sample_answers.json") })).get("multiple_3")!;
    const call = (args: Record<string, unknown>) => matchCalls([{ name: "restaurant.book", arguments: args }], booking.expected!);
    expect(call({ place: { name: "nonnas", city: "Torino" }, party: 2, slot: ["2025-03-14"] }).ok).toBe(true);
    expect(call({ place: { name: "Nonna's", city: "Turin" }, party: 2.0, extras: "Window seat" }).problems).toEqual(['argument "slot" is missing']);
    expect(call({ place: { name: "Nonna's", city: "Milan" }, party: 2, slot: ["2025-03-14"] }).ok).toBe(false);
  });

  it("bfcl: a missing answer, a multi-turn row and a bad ground truth are reported by line", () => {
    const rows = fixture("BFCL_v4_sample.json").split("\n").slice(0, 2).join("\n") + '\n{"id": "multi_turn_base_0", "question": [], "function": []}';
    expect(importError(() => importBenchmark("bfcl", rows, { answers: '{"id": "multiple_3", "ground_truth": [{"a": 1, "b": 2}]}' }))).toEqual([
      '1:id:"simple_python_0" has no entry in the possible_answer file',
      '1:ground_truth[0]:must be {function_name: {argument: [acceptable values]}}, got {"a":1,"b":2}',
      "3:id:\"multi_turn_base_0\" is a multi-turn category; its turns need BFCL's executable environment, so it cannot be imported",
    ]);
  });

  it("when2call: tools from JSON strings, needs_tool only for tool_call, every kind kept as label", () => {
    const samples = importBenchmark("when2call", fixture("when2call_sample.jsonl"));
    expect(samples.map((s) => [s.id, s.label, s.needs_tool, s.expected?.name ?? null, s.category])).toEqual([
      ["w2c-001", "tool_call", true, "accounts.reset_password", "helpdesk"],
      ["w2c-002", "request_for_info", false, null, "helpdesk"],
      ["w2c-003", "cannot_answer", false, null, "travel"],
      ["w2c-004", "direct", false, null, "travel"],
    ]);
    expect(samples[0].expected!.arguments).toEqual({ user_id: 4411 });
    expect(samples[1].tools[0].function.parameters.type).toBe("object");
    expect(importError(() => importBenchmark("when2call", '{"question": "q", "tools": [], "correct_answer": "maybe"}'))).toEqual(["1:correct_answer:must be one of tool_call, request_for_info, cannot_answer, direct, got \"maybe\""]);
  });

  it("openai: the final assistant turn is the answer; earlier calls and results stay in the prompt", async () => {
    const [call, chat] = await importBenchmarkFile("openai", join(FIXTURES, "openai_sample.jsonl"));
    expect(call).toMatchObject({ id: "openai-1", source: "openai", needs_tool: true, expected: { name: "shipping.track", arguments: { carrier: "PostNord", order_id: 77 } } });
    expect(call.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "tool", "user"]);
    expect(chat).toMatchObject({ id: "openai-2", needs_tool: false, expected: null, messages: [{ role: "user", content: "Thanks, that is all." }] });
    expect(chat.tools[0].function.parameters).toEqual({ type: "object", properties: {} });
    // The multi-turn prefix renders with the earlier call in the format's syntax.
    const prompt = await hermesFormat.render(call.messages, call.tools);
    expect(prompt).toContain('<|im_start|>assistant\n<tool_call>\n{"name": "orders.status", "arguments": {"order_id": 77}}\n</tool_call><|im_end|>\n<|im_start|>user\n<tool_response>\n{"status": "shipped", "carrier": "PostNord"}\n</tool_response><|im_end|>\n<|im_start|>user\nTrack it for me.<|im_end|>\n<|im_start|>assistant\n');
    const template = "{% for m in messages %}{{ m.role }}:{% if m.tool_calls %}{{ m.tool_calls[0].function.arguments | tojson }}{% else %}{{ m.content }}{% endif %}|{% endfor %}{{ tools | length }}";
    expect(await chatTemplateFormat.render(call.messages, call.tools, { chatTemplate: template })).toContain('assistant:{"order_id": 77}|tool:');
  });

  it("validates its arguments with pinned messages", async () => {
    expect(() => importBenchmark("gorilla" as never, "")).toThrow('Expected one of bfcl, when2call, openai for kind but received "gorilla" of type string');
    expect(() => importBenchmark("openai", "{}", { answers: "" })).toThrow('Expected no answers file (only bfcl takes one, not openai) for options.answers but received "" of type string');
    await expect(importBenchmarkFile("openai", join(FIXTURES, "nope.jsonl"))).rejects.toThrow(/Cannot read .*nope\.jsonl \(ENOENT\)/);
  });
});
