import { describe, expect, it } from "vitest";

import { PACKED_DECODE_TOKENS, planPromptGroups } from "../../src/engine/promptBatches.js";

/** Every (prompt, position) the plan decodes, in decode order. */
const entriesOf = (groups: ReturnType<typeof planPromptGroups>) => groups.flatMap((g) => g.decodes.flat().map((e) => `${e.prompt}:${e.position}`));

describe("planPromptGroups", () => {
  it("decodes every position of every prompt exactly once, in order within each prompt", () => {
    const lengths = [5, 300, 17, 1, 90, 1200, 40, 40, 40];
    const groups = planPromptGroups(lengths, 512, 8);
    const seen = entriesOf(groups);
    const expected = lengths.flatMap((n, p) => Array.from({ length: n }, (_, t) => `${p}:${t}`));
    expect([...seen].sort()).toEqual([...expected].sort());
    expect(new Set(seen).size).toBe(seen.length);
    for (let p = 0; p < lengths.length; p++) {
      const positions = seen.filter((s) => s.startsWith(`${p}:`)).map((s) => Number(s.split(":")[1]));
      expect(positions).toEqual(Array.from({ length: lengths[p] }, (_, t) => t));
    }
  });

  it("packs short prompts up to the packing limit, not up to the whole batch", () => {
    const groups = planPromptGroups(Array(64).fill(16), 1024, 64);
    expect(PACKED_DECODE_TOKENS).toBe(256);
    expect(groups).toHaveLength(4);
    for (const g of groups) {
      expect(g.prompts).toHaveLength(16);
      expect(g.decodes).toHaveLength(1);
      expect(g.decodes[0]).toHaveLength(256);
    }
    // An explicit limit above the batch is capped by the batch.
    expect(planPromptGroups(Array(64).fill(16), 128, 64, 4096).map((g) => g.prompts.length)).toEqual(Array(8).fill(8));
  });

  it("never puts more prompts in a group than there are sequences", () => {
    const groups = planPromptGroups(Array(10).fill(2), 512, 3);
    expect(groups.map((g) => g.prompts.length)).toEqual([3, 3, 3, 1]);
  });

  it("gives a prompt longer than the packing limit a decode of its own, and chunks one longer than the batch", () => {
    const groups = planPromptGroups([10, 400, 10, 1100], 512, 8);
    expect(groups.map((g) => g.prompts)).toEqual([[0], [1], [2], [3]]);
    expect(groups[1].decodes.map((d) => d.length)).toEqual([400]);
    expect(groups[3].decodes.map((d) => d.length)).toEqual([512, 512, 76]);
    // Each chunk of a long prompt continues where the previous one stopped.
    expect(groups[3].decodes[1][0]).toEqual({ prompt: 3, position: 512 });
  });
});
