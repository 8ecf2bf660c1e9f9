import { describe, expect, test } from "vitest";

import { computeMetrics, matthews, type JudgedSample } from "../../src/eval/metrics.js";
import { parseSelectionRule, pickBest, selectionScore } from "../../src/science/selection.js";

const parse = (triggered: boolean, formatOk = triggered) => ({ triggered, calls: [], format_ok: formatOk, tool_ok: formatOk, args_ok: formatOk, errors: [] });
/** tp, fp, tn, fn samples in that order. */
function judged(tp: number, fp: number, tn: number, fn: number): JudgedSample[] {
  const make = (needsTool: boolean, triggered: boolean, n: number) => Array.from({ length: n }, () => ({ needsTool, domain: "d", parse: parse(triggered) }));
  return [...make(true, true, tp), ...make(false, true, fp), ...make(false, false, tn), ...make(true, false, fn)];
}

describe("MCC and balanced accuracy", () => {
  test("give nothing to a policy that ignores the prompt", () => {
    const always = computeMetrics(judged(50, 50, 0, 0));
    expect(always.f1).toBeCloseTo(2 / 3, 12);
    expect(always.mcc).toBe(0);
    expect(always.balanced_accuracy).toBe(0.5);
    const never = computeMetrics(judged(0, 0, 50, 50));
    expect(never.mcc).toBe(0);
    expect(never.balanced_accuracy).toBe(0.5);
  });

  test("match hand-computed values", () => {
    // tp 40, fp 10, tn 40, fn 10: MCC = (1600 − 100) / sqrt(50·50·50·50) = 0.6.
    const m = computeMetrics(judged(40, 10, 40, 10));
    expect(m.mcc).toBeCloseTo(0.6, 12);
    expect(m.balanced_accuracy).toBeCloseTo(0.8, 12);
    expect(matthews(3, 1, 2, 4)).toBeCloseTo((3 * 2 - 1 * 4) / Math.sqrt(4 * 7 * 3 * 6), 12);
    expect(computeMetrics(judged(0, 50, 0, 50)).mcc).toBe(-1);
    expect(computeMetrics(judged(50, 0, 50, 0)).mcc).toBe(1);
  });

  test("count calls cut by the budget, and only those", () => {
    const samples: JudgedSample[] = [
      { needsTool: true, domain: "d", parse: parse(true, false), hitBudget: true },
      { needsTool: true, domain: "d", parse: parse(true, true), hitBudget: true },
      { needsTool: true, domain: "d", parse: parse(true, false), hitBudget: false },
      { needsTool: false, domain: "d", parse: parse(false), hitBudget: true },
    ];
    expect(computeMetrics(samples).counts.truncated).toBe(1);
  });
});

describe("selection rules", () => {
  const baseline = computeMetrics(judged(50, 50, 0, 0)); // an eager model: calls every time
  const doNothing = { alpha: 2, metrics: baseline };
  const helps = { alpha: 8, metrics: computeMetrics(judged(25, 5, 45, 25)) }; // F1 0.625, FPR 0.1, MCC 0.44
  const worse = { alpha: 4, metrics: computeMetrics(judged(10, 45, 5, 40)) };

  test("mcc prefers the controller that changes decisions over the one that does nothing", () => {
    expect(helps.metrics.f1).toBeLessThan(baseline.f1); // "call every time" has the higher F1 ...
    expect(pickBest("f1", [doNothing, helps], baseline)).toBe(doNothing); // ... so plain F1 keeps the useless α
    expect(pickBest("mcc", [doNothing, helps, worse], baseline)).toBe(helps);
  });

  test("f1-fpr refuses points above the baseline's FPR", () => {
    const eagerer = { alpha: 1, metrics: computeMetrics(judged(50, 45, 5, 0)) };
    const base = computeMetrics(judged(40, 20, 30, 10));
    expect(selectionScore("f1-fpr", eagerer.metrics, base)).toBe(-Infinity);
    expect(pickBest("f1-fpr", [eagerer], base)).toBeUndefined();
    expect(pickBest("f1", [eagerer], base)).toBe(eagerer);
  });

  test("ties go to the lower FPR, then more successes, then the smaller α", () => {
    const a = { alpha: 4, metrics: computeMetrics(judged(30, 10, 40, 20)) };
    const b = { alpha: 1, metrics: computeMetrics(judged(30, 10, 40, 20)) };
    expect(pickBest("mcc", [a, b], baseline)).toBe(b);
    expect(pickBest("mcc", [b, a], baseline)).toBe(b);
  });

  test("unknown rules are refused with the accepted names", () => {
    expect(parseSelectionRule(undefined)).toBe("mcc");
    expect(() => parseSelectionRule("auc")).toThrow("Expected one of mcc, f1-fpr, f1 for select but received");
    expect(() => parseSelectionRule(3)).toThrow("for select");
  });
});

describe("paired comparison", () => {
  test("McNemar's exact test matches hand-computed binomial tails", async () => {
    const { mcnemarExact } = await import("../../src/eval/paired.js");
    expect(mcnemarExact(0, 0)).toBe(1);
    expect(mcnemarExact(5, 5)).toBe(1);
    // b = 0, c = 5: 2 · (1/2)^5 = 0.0625.
    expect(mcnemarExact(0, 5)).toBeCloseTo(0.0625, 12);
    // b = 1, c = 9: 2 · (1 + 10) / 1024.
    expect(mcnemarExact(9, 1)).toBeCloseTo(22 / 1024, 12);
    expect(mcnemarExact(30, 70)).toBeLessThan(1e-4);
  });

  test("counts samples fixed and broken by the second run", async () => {
    const { pairedComparison } = await import("../../src/eval/paired.js");
    const outcome = (needsTool: boolean, triggered: boolean) => ({ id: "x", domain: "d", needsTool, expectedName: null, expected: null, output: "", hitBudget: false, parse: parse(triggered) });
    const first = [outcome(false, true), outcome(false, true), outcome(true, true), outcome(true, false)];
    const second = [outcome(false, false), outcome(false, false), outcome(true, false), outcome(true, false)];
    const r = pairedComparison(first, second);
    expect(r.decision).toMatchObject({ better: 2, worse: 1, n: 4 });
    expect(r.outcome).toMatchObject({ better: 2, worse: 1 });
    expect(() => pairedComparison(first, second.slice(1))).toThrow("differ in length");
  });
});
