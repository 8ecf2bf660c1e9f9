/** Argument values scored BFCL-style, and the metrics built on them (args_match_acc, exact_success). Hand-checked cases. */
import { describe, expect, it } from "vitest";
import type { ExpectedCall } from "../../src/data/index.js";
import { callProblems, matchCalls, normalizeString, valueMatches } from "../../src/eval/argumentMatch.js";
import { computeMetrics, type JudgedSample } from "../../src/eval/metrics.js";
import type { ToolCall, ToolCallParseResult } from "../../src/formats/index.js";

const weather: ExpectedCall = { name: "weather.get_by_city_date", arguments: { city: "Paris", date: "2024-05-01" } };
const call = (name: string, args: Record<string, unknown>): ToolCall => ({ name, arguments: args });

describe("valueMatches", () => {
  it("compares numbers as numbers: an integer matches the same float, a numeric string does not", () => {
    expect(valueMatches(5, 5.0)).toBe(true);
    expect(valueMatches(2.5, 2.5)).toBe(true);
    expect(valueMatches(5.01, 5)).toBe(false);
    expect(valueMatches("5", 5)).toBe(false);
  });

  it("compares strings ignoring case, spaces and , . / - _ * ^, with ' equal to \"", () => {
    expect(normalizeString("New York, NY")).toBe("newyorkny");
    expect(valueMatches("new york ny", "New York, NY")).toBe(true);
    expect(valueMatches("2024/05/01", "2024-05-01")).toBe(true);
    expect(valueMatches("it's", 'it"s')).toBe(true);
    expect(valueMatches("Pariss", "Paris")).toBe(false);
    expect(valueMatches(true, "true")).toBe(false);
  });

  it("compares lists element-wise in order and objects key by key with the same keys", () => {
    expect(valueMatches([1, "a b"], [1.0, "A_B"])).toBe(true);
    expect(valueMatches([1, 2], [2, 1])).toBe(false);
    expect(valueMatches([1], [1, 1])).toBe(false);
    expect(valueMatches({ lat: 1, lon: [2] }, { lon: [2.0], lat: 1 })).toBe(true);
    expect(valueMatches({ lat: 1 }, { lat: 1, lon: 2 })).toBe(false);
    expect(valueMatches({ lat: 1, extra: 0 }, { lat: 1 })).toBe(false);
    expect(valueMatches(null, null)).toBe(true);
  });
});

describe("callProblems and matchCalls", () => {
  it("falls back to equality with expected.arguments; a wrong value the schema would accept fails", () => {
    expect(callProblems(call("weather.get_by_city_date", { city: "paris", date: "2024-05-01" }), weather)).toEqual([]);
    expect(callProblems(call("weather.get_by_city_date", { city: "Lyon", date: "2024-05-01" }), weather)).toEqual(['argument "city" is "Lyon", expected "Paris"']);
    expect(callProblems(call("weather.get_by_city_date", { city: "Paris" }), weather)).toEqual(['argument "date" is missing']);
    // The fallback pins only what the dataset wrote: an extra optional argument is no error there.
    expect(callProblems(call("weather.get_by_city_date", { city: "Paris", date: "2024-05-01", unit: "C" }), weather)).toEqual([]);
    expect(callProblems(call("weather.now", { city: "Paris" }), weather)).toEqual(['called "weather.now", expected "weather.get_by_city_date"']);
  });

  it("with acceptable_arguments: any listed value, \"\" lets an argument be left out, unlisted arguments fail", () => {
    const expected: ExpectedCall = { name: "math.circle_area", arguments: { radius: 2 }, acceptable_arguments: { radius: [2, 2.0], unit: ["cm", "centimeters", ""] } };
    expect(callProblems(call("math.circle_area", { radius: 2 }), expected)).toEqual([]);
    expect(callProblems(call("math.circle_area", { radius: 2, unit: "Centimeters" }), expected)).toEqual([]);
    expect(callProblems(call("math.circle_area", { radius: 2, unit: "m" }), expected)).toEqual(['argument "unit" is "m", expected one of "cm", "centimeters", ""']);
    expect(callProblems(call("math.circle_area", { radius: 2, precision: 3 }), expected)).toEqual(['argument "precision" is not expected']);
    expect(callProblems(call("math.circle_area", {}), expected)).toEqual(['argument "radius" is missing']);
  });

  it("matches parallel calls as a set, in any order, one to one", () => {
    const expected: ExpectedCall = { name: "f", arguments: { x: 1 }, parallel_calls: [{ name: "f", arguments: { x: 2 } }, { name: "g", arguments: {} }] };
    expect(matchCalls([call("g", {}), call("f", { x: 2 }), call("f", { x: 1 })], expected)).toEqual({ ok: true, problems: [] });
    expect(matchCalls([call("f", { x: 1 }), call("f", { x: 1 }), call("g", {})], expected)).toEqual({ ok: false, problems: ["no pairing of the 3 calls with the expected ones matches every value"] });
    expect(matchCalls([call("f", { x: 1 })], expected)).toEqual({ ok: false, problems: ["1 call, expected 3"] });
  });
});

function parsed(calls: ToolCall[], flags: Partial<ToolCallParseResult> = {}): ToolCallParseResult {
  const triggered = calls.length > 0;
  return { triggered, calls, format_ok: triggered, tool_ok: triggered, args_ok: triggered, errors: [], ...flags };
}

describe("args_match_acc and exact_success", () => {
  it("count values on hand-checked samples", () => {
    const samples: JudgedSample[] = [
      // right tool, right values
      { needsTool: true, expected: weather, expectedName: weather.name, domain: "w", parse: parsed([call(weather.name, { city: "PARIS", date: "2024-05-01" })]) },
      // schema-valid but the wrong city: a success by the old rule, not an exact one
      { needsTool: true, expected: weather, expectedName: weather.name, domain: "w", parse: parsed([call(weather.name, { city: "Lyon", date: "2024-05-01" })]) },
      // no call where one was needed
      { needsTool: true, expected: weather, expectedName: weather.name, domain: "w", parse: parsed([]) },
      // correctly silent
      { needsTool: false, expected: null, domain: "chat", parse: parsed([]) },
      // a call where none was needed
      { needsTool: false, expected: null, domain: "chat", parse: parsed([call(weather.name, { city: "x", date: "y" })]) },
      // a tool needed but not labelled: outside both denominators
      { needsTool: true, expected: null, domain: "w", parse: parsed([call(weather.name, { city: "x", date: "y" })]) },
    ];
    const m = computeMetrics(samples);
    expect(m.counts.successes).toBe(3);
    expect(m.counts.args_matched).toBe(1);
    expect(m.args_match_acc).toBeCloseTo(1 / 2);
    expect(m.counts.exact).toBe(2);
    expect(m.exact_success).toBeCloseTo(2 / 5);
  });

  it("a malformed envelope never matches, and NaN says values were not judged", () => {
    const bad = computeMetrics([{ needsTool: true, expected: weather, domain: "w", parse: parsed([call(weather.name, weather.arguments)], { format_ok: false, tool_ok: false, args_ok: false }) }]);
    expect(bad.args_match_acc).toBe(0);
    const unjudged = computeMetrics([{ needsTool: true, expectedName: "f", domain: "w", parse: parsed([call("f", {})]) }]);
    expect(unjudged.args_match_acc).toBeNaN();
    expect(unjudged.exact_success).toBeNaN();
  });
});
