// The logit check reads the call marker's first token and, when the model opens its calls with another token,
// that one too, with how specific it is to calls.
import { describe, expect, test } from "vitest";

import type { SampleOutcome } from "../../src/eval/runner.js";
import { triggerTokens } from "../../src/eval/triggerTokens.js";

// One token per character: enough to tell which opening a reply has.
const model = { tokenize: (text: string) => Int32Array.from([...text].map((c) => c.codePointAt(0)!)) };
const reply = (output: string, triggered: boolean) => ({ output, parse: { triggered } }) as unknown as SampleOutcome;
const code = (c: string) => c.codePointAt(0)!;

describe("triggerTokens", () => {
  test("adds the calls' most common opening token when it is not the marker's, with its shares", () => {
    const outcomes = [reply("`json {}", true), reply("`json {}", true), reply("<call>{}", true), reply("`python x", false), reply("Sure.", false), reply("Hi", false), reply("Ok", false)];
    expect(triggerTokens(model, "<call>", outcomes)).toEqual([
      { id: code("<"), source: "marker" },
      { id: code("`"), source: "calls", share_of_calls: 2 / 3, share_of_others: 1 / 4 },
    ]);
  });

  test("only the marker when the calls open with it, or when nothing calls", () => {
    expect(triggerTokens(model, "<call>", [reply("<call>{}", true), reply("`x", false)])).toEqual([{ id: code("<"), source: "marker" }]);
    expect(triggerTokens(model, "<call>", [reply("no", false)])).toEqual([{ id: code("<"), source: "marker" }]);
  });

  test("a tie goes to the smaller token id, whatever the order of the samples", () => {
    const a = [reply("b{}", true), reply("a{}", true)];
    expect(triggerTokens(model, "<", a)[1].id).toBe(code("a"));
    expect(triggerTokens(model, "<", [...a].reverse())[1].id).toBe(code("a"));
  });
});
