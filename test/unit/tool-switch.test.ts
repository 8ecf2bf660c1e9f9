import { describe, expect, it } from "vitest";

import { argumentsGrammar, menuCallGrammar } from "../../src/science/callGrammar.js";
import { chooseMinGap, type CorrectionOutcome } from "../../src/science/readoutCorrection.js";
import { nameFromContinuation, steerSpanOf, summarizeSwitch, type SwitchAttempt, type SwitchOutcome } from "../../src/science/toolSwitch.js";

const attempt = (name: string | null, target: string, argsOk: boolean, replyArgsOk = argsOk): SwitchAttempt => ({ name, switched: name === target, args_ok: name === target && argsOk, reply_args_ok: name === target && replyArgsOk, output: "" });

function outcome(target: string, baseline: string, meanDiff: string, unembed: string, random: string, argsOk = true, readout = { predicted: "a", gap: 0.1 }, replyArgsOk = argsOk): SwitchOutcome {
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
    attempts: { "mean-diff": attempt(meanDiff, target, argsOk, replyArgsOk), unembed: attempt(unembed, target, argsOk, replyArgsOk), random: attempt(random, target, argsOk, replyArgsOk) },
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

  it("reports the arguments' verdict of the span used and of the steered replies as generated, apart", () => {
    // Name span: the rewritten calls follow the schema where the steered replies did not.
    const r = summarizeSwitch(
      [outcome("b", "a", "b", "b", "a", true, undefined, false), outcome("c", "a", "c", "a", "a", false, undefined, false)],
      { layer: 3, alpha: 16, maxTokens: 48, steerSpan: "name" },
    );
    expect(r).toMatchObject({ steer_span: "name", args_follow_schema_rate: 0.5, reply_args_follow_schema_rate: 0, unembed_args_follow_schema_rate: 1, unembed_reply_args_follow_schema_rate: 0 });
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

describe("call grammars", () => {
  it("the arguments grammar is the menu grammar's tail: an object, then the format's closing", () => {
    const whole = menuCallGrammar("asa", ["a_b", "c"])!;
    const tail = argumentsGrammar("asa")!;
    expect(tail.split("\n")[0]).toBe('root ::= object "}</functioncall>"');
    expect(whole.split("\n")[0]).toBe('root ::= name "\\", \\"arguments\\": " object "}</functioncall>"');
    // Same JSON rules in both.
    expect(tail.split("\n").slice(1)).toEqual(whole.split("\n").slice(2));
    expect(argumentsGrammar("chat-template")).toBeUndefined();
  });

  it("the steered span is name by default, and anything else than name or reply is a typed error", () => {
    expect(steerSpanOf(undefined)).toBe("name");
    expect(steerSpanOf("reply")).toBe("reply");
    expect(() => steerSpanOf("prompt")).toThrow(/steerSpan must be one of name, reply, got "prompt"/);
  });
});

describe("choosing the readout gap to correct from", () => {
  /** A prompt corrected at `gap`: the unsteered and the corrected call are right or wrong as given. */
  const corrected = (gap: number, baselineRight: boolean, correctedRight: boolean): CorrectionOutcome => ({
    id: `p${gap}`,
    expected: "a",
    readout: { predicted: "a", gap },
    steered: true,
    names: { baseline: baselineRight ? "a" : "b", corrected: correctedRight ? "a" : "b", random: "b" },
    exact: { baseline: false, corrected: false, random: false },
    outputs: { baseline: "", corrected: "", random: "" },
  });
  const untouched: CorrectionOutcome = { ...corrected(0.9, true, true), id: "u", steered: false };

  it("takes the gap with the most names fixed net of broken, ties to the larger gap", () => {
    // From 0.3 up: 2 fixed, 0 broken; from 0.1 up: 2 fixed, 2 broken; from 0.5 up: 1 fixed.
    const outcomes = [corrected(0.1, true, false), corrected(0.2, true, false), corrected(0.3, false, true), corrected(0.5, false, true), corrected(0.4, false, false), untouched];
    expect(chooseMinGap(outcomes)).toEqual({ split: "val", n: 6, disagreements: 5, min_gap: 0.3, fixed: 2, broken: 0 });
    // From 0.3 and from 0.5 both fix one name: the larger gap wins.
    expect(chooseMinGap([corrected(0.3, false, false), corrected(0.5, false, true)]).min_gap).toBe(0.5);
  });

  it("chooses no gap when correcting never gains", () => {
    expect(chooseMinGap([corrected(0.2, true, false), corrected(0.6, false, false), untouched])).toEqual({ split: "val", n: 3, disagreements: 2, min_gap: null, fixed: 0, broken: 0 });
    expect(chooseMinGap([]).min_gap).toBeNull();
  });
});
