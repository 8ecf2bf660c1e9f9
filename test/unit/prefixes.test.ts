import { describe, expect, test } from "vitest";

import { MIN_SHARED_PREFIX, commonPrefixLength, groupByPrefix, steeringTouchesPrefix } from "../../src/engine/prefixes.js";
import { firstPromptRowTouched, type ResolvedSpec } from "../../src/engine/steering.js";

const seq = (...parts: number[][]) => Int32Array.from(parts.flat());
const range = (start: number, n: number) => Array.from({ length: n }, (_, i) => start + i);
const spec = (positions: ResolvedSpec["positions"], isNoop = false): ResolvedSpec => ({ layer: 0, vector: new Float32Array(1), positions, isNoop });

describe("shared prefixes", () => {
  test("common prefix length", () => {
    expect(commonPrefixLength(seq([1, 2, 3]), seq([1, 2, 4]))).toBe(2);
    expect(commonPrefixLength(seq([1, 2]), seq([1, 2, 3]))).toBe(2);
  });

  test("prompts with a long common head group together; each keeps at least one token of its own", () => {
    const head = range(1000, MIN_SHARED_PREFIX + 8);
    const a = seq(head, [1, 2]);
    const b = seq(head, [3]);
    const c = seq(range(5000, 50));
    const groups = groupByPrefix([a, b, c], () => true);
    expect(groups).toHaveLength(2);
    expect(groups[0].members).toEqual([0, 1]);
    expect(Array.from(groups[0].prefix)).toEqual(head);
    expect(groups[1].prefix.length).toBe(0);
    expect(groups[1].members).toEqual([2]);
  });

  test("the prefix shrinks to what every member shares, and never covers a member's last token", () => {
    const head = range(1, 40);
    const groups = groupByPrefix([seq(head, [7, 8, 9]), seq(head, [7, 8]), seq(head)], () => true);
    expect(groups[0].members).toEqual([0, 1, 2]);
    expect(groups[0].prefix.length).toBe(39);
  });

  test("items that may not share are decoded whole", () => {
    const head = range(1, 40);
    const groups = groupByPrefix([seq(head, [1]), seq(head, [2])], (i) => i === 0);
    expect(groups).toEqual([{ prefix: new Int32Array(0), members: [0, 1] }]);
  });

  test("which steering touches the prefix rows", () => {
    expect(steeringTouchesPrefix([spec("all")], 10, 20)).toBe(true);
    expect(steeringTouchesPrefix([spec("prompt")], 10, 20)).toBe(true);
    expect(steeringTouchesPrefix([spec("all", true)], 10, 20)).toBe(false);
    expect(steeringTouchesPrefix([spec("generated")], 10, 20)).toBe(false);
    expect(steeringTouchesPrefix([spec("last-prompt")], 10, 20)).toBe(false);
    expect(steeringTouchesPrefix([spec({ ranges: [[12, 14]] })], 10, 20)).toBe(false);
    expect(steeringTouchesPrefix([spec({ ranges: [[5, 11]] })], 10, 20)).toBe(true);
    expect(steeringTouchesPrefix([spec("all")], 0, 20)).toBe(false);
  });

  test("the first prompt row a decided steering touches (where the prompt is decoded again from)", () => {
    expect(firstPromptRowTouched([spec("last-prompt")], 20)).toBe(19);
    expect(firstPromptRowTouched([spec("prompt")], 20)).toBe(0);
    expect(firstPromptRowTouched([spec("last-prompt"), spec("all")], 20)).toBe(0);
    expect(firstPromptRowTouched([spec("prompt", true)], 20)).toBe(20);
    expect(firstPromptRowTouched([spec("generated")], 20)).toBe(20);
    expect(firstPromptRowTouched([], 20)).toBe(20);
    expect(firstPromptRowTouched([spec({ ranges: [[25, 30], [7, 9]] })], 20)).toBe(7);
    expect(firstPromptRowTouched([spec({ ranges: [[20, 30]] })], 20)).toBe(20);
  });
});
