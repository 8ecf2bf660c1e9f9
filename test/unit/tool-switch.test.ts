import { describe, expect, it } from "vitest";

import { nameFromContinuation, summarizeSwitch, type SwitchAttempt, type SwitchOutcome } from "../../src/science/toolSwitch.js";

const attempt = (name: string | null, target: string, argsOk: boolean): SwitchAttempt => ({ name, switched: name === target, args_ok: name === target && argsOk, output: "" });

function outcome(target: string, baseline: string, meanDiff: string, unembed: string, random: string, argsOk = true): SwitchOutcome {
  return {
    id: `${target}-${meanDiff}`,
    menu: ["a", "b", "c"],
    expected: "a",
    baseline,
    baseline_output: "",
    source: "a",
    target,
    target_first_token_shared: false,
    attempts: { "mean-diff": attempt(meanDiff, target, argsOk), unembed: attempt(unembed, target, argsOk), random: attempt(random, target, argsOk) },
  };
}

describe("tool switch judging", () => {
  it("reads the tool name up to the closing quote, and nothing else", () => {
    expect(nameFromContinuation('get_weather", "arguments": {}}')).toBe("get_weather");
    expect(nameFromContinuation("get_weather")).toBeNull();
    expect(nameFromContinuation('"x"')).toBeNull();
    expect(nameFromContinuation('two words", ')).toBeNull();
  });

  it("counts successes per direction, and schema-following arguments among successes only", () => {
    const r = summarizeSwitch(
      [outcome("b", "a", "b", "a", "a"), outcome("c", "a", "c", "c", "a", false), outcome("b", "b", "a", "a", "b"), outcome("c", "a", "a", "a", "a")],
      { layer: 3, alpha: 1, maxTokens: 48 },
    );
    expect(r).toMatchObject({ n: 4, success_rate: 0.5, unembed_success_rate: 0.25, random_success_rate: 0.25, args_follow_schema_rate: 0.5, unembed_args_follow_schema_rate: 0, baseline_accuracy: 0.75, baseline_target_rate: 0.25 });
  });
});
