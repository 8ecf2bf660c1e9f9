/** The loader on real benchmark shapes: OpenAI tool turns, dotted tool names, inferred needs_tool, value labels. */
import { describe, expect, it } from "vitest";
import { parseDataset } from "../../src/data/index.js";
import type { SteerError } from "../../src/errors.js";

const area = { type: "function", function: { name: "math.circle_area", parameters: { type: "object", properties: { radius: { type: "number" } }, required: ["radius"] } } };
const jsonl = (...lines: unknown[]) => lines.map((l) => JSON.stringify(l)).join("\n");
const conversation = [
  { role: "user", content: "Area for radius 2?" },
  { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "math.circle_area", arguments: '{"radius": 2}' } }] },
  { role: "tool", tool_call_id: "c1", name: "math.circle_area", content: "12.57" },
  { role: "user", content: "And radius 5?" },
];

function issues(text: string): string[] {
  try {
    parseDataset(text, { source: "f.jsonl" });
  } catch (e) {
    return ((e as SteerError).details.issues as { line: number; field: string; message: string }[]).map((i) => `${i.line}:${i.field}:${i.message}`);
  }
  throw new Error("expected parseDataset to throw");
}

describe("real benchmark shapes", () => {
  it("accepts OpenAI tool turns, dotted names, and infers needs_tool from expected", () => {
    const [s] = parseDataset(jsonl({ id: "a", domain: "math", messages: conversation, tools: [area], expected: { name: "math.circle_area", arguments: { radius: 5 } } }));
    expect(s.needs_tool).toBe(true);
    expect(s.messages[1].content).toBeNull();
    expect(s.expected?.name).toBe("math.circle_area");
  });

  it("fills expected null on a no-tool line that leaves it out", () => {
    const [s] = parseDataset(jsonl({ id: "b", domain: "chat", messages: [{ role: "user", content: "hi" }], tools: [area], needs_tool: false }));
    expect(s.expected).toBeNull();
  });

  it("accepts acceptable_arguments and parallel_calls and checks their shape", () => {
    const expected = { name: "math.circle_area", arguments: { radius: 5 }, acceptable_arguments: { radius: [5, 5.0] }, parallel_calls: [{ name: "math.circle_area", arguments: { radius: 6 } }] };
    expect(parseDataset(jsonl({ id: "c", domain: "m", messages: conversation, tools: [area], expected }))[0].expected?.parallel_calls).toHaveLength(1);
    expect(
      issues(jsonl({ id: "d", domain: "m", messages: conversation, tools: [area], expected: { ...expected, acceptable_arguments: { radius: [] }, parallel_calls: [{ name: "nope", arguments: {} }] } })),
    ).toEqual([
      "1:expected.acceptable_arguments.radius:must be a non-empty array of acceptable values, got []",
      '1:expected.parallel_calls[0].name:"nope" is not among the offered tools (math.circle_area)',
    ]);
  });

  it("reports what is really ambiguous or malformed, by line and field", () => {
    const user = { role: "user", content: "x" };
    expect(
      issues(
        jsonl(
          { id: "e", domain: "m", messages: [user], tools: [area], expected: null },
          { id: "f", domain: "m", messages: [user, { role: "user", content: null }], tools: [area], needs_tool: false },
          { id: "g", domain: "m", messages: [user, { role: "assistant", content: null, tool_calls: [{ type: "function", function: { name: "math.circle_area", arguments: "radius=2" } }] }, { role: "tool", tool_call_id: 7, content: "1" }], tools: [area], needs_tool: false },
          { id: "h", domain: "m", messages: [user, { role: "user", content: "y", tool_calls: [] }], tools: [{ ...area, function: { ...area.function, name: "has space" } }], needs_tool: false },
        ),
      ),
    ).toEqual([
      "1:needs_tool:is missing and cannot be inferred from expected null; write true or false (inferred as true only when expected is a call)",
      "2:messages[1].content:must be a string, got null",
      '3:messages[1].tool_calls[0].function.arguments:must be a JSON object encoded as a string, got "radius=2"',
      "3:messages[2].tool_call_id:must be a string when present, got 7",
      '4:messages[1].tool_calls:only assistant turns carry tool_calls, this one is from "user"',
      '4:tools[0].function.name:must be 1-128 characters of letters, digits, _, -, . or :, got "has space"',
    ]);
  });
});
