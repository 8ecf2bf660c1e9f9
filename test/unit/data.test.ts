import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ErrorCodes, SteerError } from "../../src/errors.js";
import { assignSplits, canonicalJson, datasetHash, datasetStats, findNearDuplicatePairs, loadDataset, parseDataset, splitOf, type DatasetSample } from "../../src/data/index.js";

const calculator = { type: "function", function: { name: "calculator", description: "Evaluates arithmetic.", parameters: { type: "object", properties: { expression: { type: "string", minLength: 1 }, decimals: { type: "integer", minimum: 0 } }, required: ["expression"], additionalProperties: false } } };
const search = { type: "function", function: { name: "web_search", parameters: { type: "object", properties: { query: { type: "string" } }, required: ["query"] } } };

function sample(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, domain: "math", messages: [{ role: "user", content: `what is 48213 * 9077? (${id})` }], tools: [calculator], needs_tool: true, expected: { name: "calculator", arguments: { expression: "48213 * 9077" } }, ...overrides };
}
const jsonl = (...lines: unknown[]) => lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n");

function parseError(text: string, options = {}): SteerError {
  try {
    parseDataset(text, { source: "fixture.jsonl", ...options });
  } catch (e) {
    expect(e).toBeInstanceOf(SteerError);
    return e as SteerError;
  }
  throw new Error("expected parseDataset to throw");
}
const issuesOf = (e: SteerError) => e.details.issues as { line: number; field: string; message: string }[];

describe("parseDataset validation", () => {
  it("reports every malformed line with its line number and field", () => {
    const text = jsonl(
      sample("ok-1"),
      "",
      "{not json",
      { domain: "math", messages: [{ role: "user", content: "hi" }], tools: [calculator], needs_tool: false, expected: null },
      sample("types", { domain: 7, needs_tool: "yes", messages: [{ role: "robot", content: 3 }] }),
      sample("ok-1"),
      sample("not-offered", { expected: { name: "web_search", arguments: { query: "x" } } }),
      sample("bad-args", { expected: { name: "calculator", arguments: { expression: "", precision: 2 } } }),
      "   ",
    );
    const error = parseError(text);
    expect(error.code).toBe(ErrorCodes.DATASET_INVALID);
    const found = issuesOf(error).map(({ line, field }) => `${line}:${field}`);
    expect(found).toEqual([
      "3:$",
      "4:id",
      "5:domain",
      "5:messages[0].role",
      "5:messages[0].content",
      "5:messages",
      "5:needs_tool",
      "6:id",
      "7:expected.name",
      "8:expected.arguments",
      "8:expected.arguments.expression",
    ]);
    expect(error.details).toMatchObject({ path: "fixture.jsonl", line: 3, field: "$", truncated: false });
    expect(error.message).toContain("Dataset fixture.jsonl has 11 problems:");
    expect(error.message).toContain("line 3, $: is not valid JSON");
    expect(error.message).toContain('line 6, id: duplicate id "ok-1" (first used on line 1)');
    expect(error.message).toContain('line 7, expected.name: "web_search" is not among the offered tools (calculator)');
    expect(error.message).toContain('must NOT have additional properties ("precision")');
  });

  it("checks the tool list: type, names, duplicates and object-typed parameter schemas", () => {
    const badTools = [
      { type: "tool", function: { name: "calculator", parameters: { type: "object" } } },
      { type: "function", function: { name: "has space", parameters: { type: "object" } } },
      { type: "function", function: { name: "calculator", description: 5, parameters: { type: "array" } } },
      { type: "function", function: { name: "broken_schema", parameters: { type: "object", properties: { a: { type: "no-such-type" } } } } },
    ];
    const error = parseError(jsonl(sample("t", { tools: badTools, needs_tool: false, expected: null })));
    expect(issuesOf(error).map((i) => i.field)).toEqual([
      "tools[0].type",
      "tools[1].function.name",
      "tools[2].function.name",
      "tools[2].function.description",
      "tools[2].function.parameters.type",
      "tools[3].function.parameters",
    ]);
    expect(issuesOf(error)[2].message).toBe('duplicate tool name "calculator" in this sample\'s tool list');
  });

  it("ties expected to needs_tool: null when no tool is needed, required to be present, arguments an object", () => {
    const error = parseError(
      jsonl(
        sample("a", { needs_tool: false }),
        (({ expected: _drop, ...rest }) => rest)(sample("b")),
        sample("c", { expected: { name: "calculator", arguments: '{"expression":"1+1"}' } }),
        sample("d", { tools: [], expected: null }),
        sample("e", { messages: [{ role: "user", content: "hi" }, { role: "assistant", content: "hello" }] }),
      ),
    );
    expect(issuesOf(error).map((i) => `${i.line}:${i.field}:${i.message}`)).toEqual([
      "1:expected:must be null when needs_tool is false",
      "2:expected:is missing; use null when no call is expected",
      '3:expected.arguments:must be an object (a JSON string is not accepted; store the parsed object), got "{\\"expression\\":\\"1+1\\"}"',
      "4:tools:needs_tool is true but no tools are offered",
      '5:messages[1].role:the last message must be from user or tool (the model answers next), got "assistant"',
    ]);
  });

  it("accepts expected null on a tool-needed sample (necessity-only labels)", () => {
    const [loaded] = parseDataset(jsonl(sample("n", { expected: null })));
    expect(loaded.needs_tool).toBe(true);
    expect(loaded.expected).toBeNull();
  });

  it("stops after maxIssues problems and says so", () => {
    const lines = Array.from({ length: 30 }, () => "[]");
    const error = parseError(lines.join("\n"), { maxIssues: 5 });
    expect(issuesOf(error)).toHaveLength(5);
    expect(error.details.truncated).toBe(true);
    expect(error.message).toContain("has 5+ problems");
    expect(error.message).toContain("(stopped after 5 problems)");
  });

  it("rejects an empty file", () => {
    expect(issuesOf(parseError("\n\n"))).toEqual([{ line: 1, field: "$", message: "the file holds no samples" }]);
  });

  it("keeps unknown fields at every level", () => {
    const withExtras = sample("x", { source: "crm-export", difficulty: 3, messages: [{ role: "user", content: "2+2?", lang: "en" }], expected: { name: "calculator", arguments: { expression: "2+2" }, note: "trivial" } });
    const [loaded] = parseDataset(jsonl(withExtras));
    expect(loaded.source).toBe("crm-export");
    expect(loaded.difficulty).toBe(3);
    expect(loaded.messages[0].lang).toBe("en");
    expect(loaded.expected?.note).toBe("trivial");
  });

  it("handles CRLF line endings and a byte-order mark", () => {
    const samples = parseDataset("\uFEFF" + jsonl(sample("a"), sample("b")).replace(/\n/g, "\r\n") + "\r\n");
    expect(samples.map((s) => s.id)).toEqual(["a", "b"]);
  });

  it("validates its options", () => {
    expect(() => parseDataset(jsonl(sample("a")), { maxIssue: 3 } as never)).toThrow(/Unknown option "maxIssue".*did you mean "maxIssues"/);
    expect(() => parseDataset(jsonl(sample("a")), { splitFractions: { cal: 0.5, train: 0.5, val: 0.5, test: 0 } })).toThrow("Expected fractions that sum to 1 for splitFractions but received 1.5 of type number");
  });
});

describe("loadDataset", () => {
  const dir = mkdtempSync(join(tmpdir(), "llama-steer-data-"));

  it("reads a file, assigns missing splits and keeps explicit ones", async () => {
    const path = join(dir, "ok.jsonl");
    writeFileSync(path, jsonl(sample("a", { split: "test" }), sample("b")) + "\n");
    const samples = await loadDataset(path);
    expect(samples.map((s) => [s.id, s.split])).toEqual([["a", "test"], ["b", samples[1].split]]);
    expect(["cal", "train", "val", "test"]).toContain(samples[1].split);
  });

  it("names the file in DATASET_INVALID errors", async () => {
    const path = join(dir, "bad.jsonl");
    writeFileSync(path, jsonl(sample("a"), sample("b", { split: "holdout" })));
    await expect(loadDataset(path)).rejects.toMatchObject({ code: ErrorCodes.DATASET_INVALID, details: { path, line: 2, field: "split" } });
  });

  it("fails with INVALID_ARGUMENT for a missing file", async () => {
    await expect(loadDataset(join(dir, "missing.jsonl"))).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT, message: expect.stringContaining("ENOENT") });
  });

  it("honours an aborted signal", async () => {
    const controller = new AbortController();
    controller.abort(new Error("user pressed ctrl-c"));
    await expect(loadDataset(join(dir, "ok.jsonl"), { signal: controller.signal })).rejects.toMatchObject({ code: ErrorCodes.ABORTED, message: "Aborted: user pressed ctrl-c" });
  });
});

describe("splits", () => {
  const many = Array.from({ length: 200 }, (_, i) => sample(`s-${i}`, i % 2 ? { needs_tool: false, expected: null, domain: i % 4 === 1 ? "math" : "code" } : {})) as unknown as DatasetSample[];

  it("are deterministic and independent of input order", () => {
    const forward = new Map(assignSplits(many).map((s) => [s.id, s.split]));
    const backward = new Map(assignSplits([...many].reverse()).map((s) => [s.id, s.split]));
    expect(backward).toEqual(forward);
  });

  it("keep every stratum's share within one sample of the fractions", () => {
    const assigned = assignSplits(many);
    const strata = new Map<string, DatasetSample[]>();
    for (const s of assigned) {
      const key = `${s.domain}/${s.needs_tool}`;
      strata.set(key, [...(strata.get(key) ?? []), s]);
    }
    expect(strata.size).toBe(3);
    for (const members of strata.values()) {
      for (const [split, fraction] of Object.entries({ cal: 0.2, train: 0.3, val: 0.2, test: 0.3 })) {
        const n = members.filter((s) => s.split === split).length;
        expect(Math.abs(n - fraction * members.length)).toBeLessThanOrEqual(1);
      }
    }
  });

  it("do not modify the input and respect explicit splits", () => {
    const input = [sample("x", { split: "val" }), sample("y")] as unknown as DatasetSample[];
    const out = assignSplits(input);
    expect(input[1].split).toBeUndefined();
    expect(out[0].split).toBe("val");
  });

  it("splitOf uses the explicit split, else a stable hash of the id", () => {
    expect(splitOf({ id: "anything", split: "cal" })).toBe("cal");
    const first = splitOf({ id: "sample-42" });
    expect(splitOf({ id: "sample-42" })).toBe(first);
    expect(splitOf({ id: "sample-42" }, { cal: 0, train: 0, val: 0, test: 1 })).toBe("test");
    const counts = { cal: 0, train: 0, val: 0, test: 0 };
    for (let i = 0; i < 4000; i++) counts[splitOf({ id: `id-${i}` })] += 1;
    expect(counts.cal / 4000).toBeCloseTo(0.2, 1);
    expect(counts.test / 4000).toBeCloseTo(0.3, 1);
  });
});

describe("datasetHash", () => {
  it("ignores key order, sees content changes, and is sha256 hex", () => {
    const a = sample("a") as unknown as DatasetSample;
    const sortedKeys = JSON.parse(canonicalJson(a)) as DatasetSample;
    const reversedKeys = Object.fromEntries(Object.entries(a).reverse()) as DatasetSample;
    expect(datasetHash([reversedKeys])).toBe(datasetHash([a]));
    expect(datasetHash([sortedKeys])).toBe(datasetHash([a]));
    expect(datasetHash([a])).toMatch(/^[0-9a-f]{64}$/);
    expect(datasetHash([{ ...a, id: "b" }])).not.toBe(datasetHash([a]));
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: undefined } })).toBe('{"a":{"d":[1,{"e":3,"f":2}]},"b":1}');
  });
});

describe("datasetStats", () => {
  const tiny = [
    sample("t1", { split: "cal", messages: [{ role: "user", content: "the cat sat on the mat" }] }),
    sample("t2", { split: "cal", messages: [{ role: "system", content: "ignored" }, { role: "user", content: "The cat sat on the mat!" }] }),
    sample("t3", { split: "test", domain: "search", tools: [search], expected: { name: "web_search", arguments: { query: "oslo weather" } }, messages: [{ role: "user", content: "weather in oslo now" }] }),
    sample("t4", { split: "val", needs_tool: false, expected: null, messages: [{ role: "user", content: "what is a derivative" }] }),
  ] as unknown as DatasetSample[];

  it("counts splits, domains, tools and classes, and measures variety by the documented definitions", () => {
    const stats = datasetStats(tiny);
    expect(stats).toEqual({
      count: 4,
      splits: { cal: 2, train: 0, val: 1, test: 1 },
      domains: { math: 3, search: 1 },
      tools: { calculator: 2, web_search: 1 },
      needs_tool: { tool: 3, no_tool: 1 },
      // t1 and t2 have identical words, so both are near-duplicates: 2 of 4.
      near_duplicate_rate: 0.5,
      // 2-grams: 5 + 5 + 3 + 3 = 16, of which 5 + 3 + 3 = 11 distinct.
      distinct_ngram_ratio: 11 / 16,
    });
  });

  it("finds near-duplicates at the threshold and not below it", () => {
    const base = "please convert one hundred and twenty euros into japanese yen at today's rate";
    const oneWordChanged = base.replace("twenty", "thirty");
    const texts = [base, oneWordChanged, "something else entirely about the weather in reykjavik"];
    // 14 words ("today's" is two) -> 12 shingles each; changing one middle word alters 3 of them: Jaccard 9/15.
    expect(findNearDuplicatePairs(texts, { threshold: 0.5 })).toEqual([[0, 1, 9 / 15]]);
    expect(findNearDuplicatePairs(texts, { threshold: 0.8 })).toEqual([]);
  });

  it("handles 2,000 samples (the pair search is bucketed, not all-pairs)", () => {
    const words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon".split(" ");
    const big = Array.from({ length: 2000 }, (_, i) => {
      const content = Array.from({ length: 14 }, (_, k) => words[(i * 7 + k * k * 3 + (i >> k)) % words.length] + ((i * 31 + k) % 97)).join(" ");
      return sample(`big-${i}`, { messages: [{ role: "user", content }] });
    }) as unknown as DatasetSample[];
    const stats = datasetStats(big);
    expect(stats.count).toBe(2000);
  });
});

describe("argument formats", () => {
  const withFormats = { type: "function", function: { name: "schedule", parameters: { type: "object", properties: { day: { type: "string", format: "date" }, at: { type: "string", format: "date-time" }, to: { type: "string", format: "email" }, id: { type: "string", format: "uuid" } }, additionalProperties: false } } };
  const call = (args: Record<string, unknown>) => sample("f", { tools: [withFormats], expected: { name: "schedule", arguments: args } });

  it("checks date, date-time and email loosely and lets unknown formats pass", () => {
    expect(parseDataset(jsonl(call({ day: "2025-06-14", at: "2025-06-14T15:00", to: "a@example.com", id: "not-checked" })))).toHaveLength(1);
    expect(parseDataset(jsonl(call({ at: "2025-06-14T15:00:00.250Z" })))).toHaveLength(1);
    const error = parseError(jsonl(call({ day: "14/06/2025", at: "tomorrow 3pm", to: "nobody" })));
    expect(issuesOf(error).map((i) => i.field)).toEqual(["expected.arguments.day", "expected.arguments.at", "expected.arguments.to"]);
    expect(issuesOf(error)[0].message).toBe('does not match the schedule schema: must match format "date"');
  });
});
