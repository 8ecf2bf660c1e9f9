import { describe, expect, test } from "vitest";

import { loadDataset } from "../../src/data/index.js";
import { CALL_PREAMBLE_TOKENS, MIN_CALL_BUDGET, longestCallTokens, tokenBudget } from "../../src/eval/budget.js";
import { asaFormat, bareJsonFormat } from "../../src/formats/index.js";

// One "token" per character: the budget must then cover the longest call's text exactly.
const byChar = { tokenize: (text: string) => new Int32Array(text.length) };

describe("token budget", () => {
  test("covers the longest expected call of the built-in data in the format's syntax", async () => {
    const samples = await loadDataset("necessity");
    const longest = Math.max(
      ...samples.filter((s) => s.expected).map((s) => `<functioncall>${JSON.stringify({ name: s.expected!.name, arguments: s.expected!.arguments })}</functioncall>`.length),
    );
    expect(longestCallTokens(byChar, samples, asaFormat)).toBe(longest);
    expect(tokenBudget(byChar, samples, asaFormat)).toEqual({ maxTokens: longest + CALL_PREAMBLE_TOKENS, source: "auto", longestCallTokens: longest });
    // A bare JSON format has no markers around the call, so its calls are shorter.
    expect(longestCallTokens(byChar, samples, bareJsonFormat)).toBeLessThan(longest);
  });

  test("keeps a floor without expected calls, and a given budget as it is", async () => {
    const plain = (await loadDataset("necessity")).filter((s) => !s.expected);
    expect(tokenBudget(byChar, plain, asaFormat)).toEqual({ maxTokens: MIN_CALL_BUDGET, source: "auto", longestCallTokens: 0 });
    expect(tokenBudget(byChar, plain, asaFormat, 7)).toEqual({ maxTokens: 7, source: "fixed" });
  });
});
