import { describe, expect, it } from "vitest";

import { nameFromContinuation, summarizeSwitch, type SwitchAttempt, type SwitchOutcome } from "../../src/science/toolSwitch.js";

const attempt = (name: string | null, target: string, argsOk: boolean): SwitchAttempt => ({ name, switched: name === target, args_ok: name === target && argsOk, output: "" });

function outcome(target: string, baseline: string, meanDiff: string, unembed: string, random: string, argsOk = true, readout = { predicted: "a", gap: 0.1 }): SwitchOutcome {
  return {
    id: `${target}-${meanDiff}`,
    menu: ["a", "b", "c"],
    expected: "a",
    baseline,
    baseline_output: "",
    source: "a",
    target,
    target_first_token_shared: false,
    readout,
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
    expect(r.readout.accuracy).toBe(1);
    expect(r).toMatchObject({ n: 4, success_rate: 0.5, unembed_success_rate: 0.25, random_success_rate: 0.25, args_follow_schema_rate: 0.5, unembed_args_follow_schema_rate: 0, baseline_accuracy: 0.75, baseline_target_rate: 0.25 });
  });

  it("buckets readout errors and the model's own call errors by the readout gap", () => {
    const r = summarizeSwitch(
      [
        outcome("b", "b", "a", "a", "a", true, { predicted: "c", gap: 0.01 }),
        outcome("b", "a", "a", "a", "a", true, { predicted: "a", gap: 0.5 }),
        outcome("b", "c", "a", "a", "a", true, { predicted: "a", gap: 0.02 }),
        outcome("b", "a", "a", "a", "a", true, { predicted: "a", gap: 0.4 }),
      ],
      { layer: 3, alpha: 1, maxTokens: 48 },
    );
    expect(r.readout.accuracy).toBe(0.75);
    expect(r.readout.gap_buckets[0]).toMatchObject({ low: 0.01, n: 1, error_rate: 1, call_error_rate: 1 });
    expect(r.readout.gap_buckets[1]).toMatchObject({ low: 0.02, n: 1, error_rate: 0, call_error_rate: 1 });
    expect(r.readout.gap_buckets.at(-1)).toMatchObject({ high: 0.5, error_rate: 0, call_error_rate: 0 });
    expect(r.readout.gap_buckets.reduce((n, b) => n + b.n, 0)).toBe(4);
  });
});
