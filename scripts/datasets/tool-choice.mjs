#!/usr/bin/env node
// Writes data/tool-choice.jsonl: PER_TOOL single-turn requests for each of 18 tools, each shown with a menu of 2–8
// tools (drawn deterministically, order shuffled) of which exactly one fits. Usage: node scripts/datasets/tool-choice.mjs
import { fileURLToPath } from "node:url";
import { assignSplits, collect, makeRng, NoveltyFilter, user, writeJsonl } from "./lib.mjs";
import { TOOLS } from "./tool-choice-tools.mjs";
import { PROMPTS_A } from "./tool-choice-prompts-a.mjs";
import { PROMPTS_B } from "./tool-choice-prompts-b.mjs";

export const PER_TOOL = 45;
const PROMPTS = { ...PROMPTS_A, ...PROMPTS_B };

export function buildToolChoice() {
  const names = Object.keys(TOOLS);
  const filter = new NoveltyFilter();
  const samples = [];
  for (const name of names) {
    if (!PROMPTS[name]) throw new Error(`no prompts for tool ${name}`);
    const r = makeRng(`tool-choice/${name}`);
    const made = collect(PER_TOOL, r, filter, () => {
      const [template, values, args] = PROMPTS[name](r);
      return { template, values, args };
    }, name);
    for (const [i, { text, args }] of made.entries()) {
      // Menu size 2–8 inclusive; the distractors are the other tools, never a copy of the right one.
      const distractors = r.sample(names.filter((n) => n !== name), r.int(1, 7));
      const menu = r.shuffle([name, ...distractors]).map((n) => TOOLS[n][1]);
      samples.push({ id: `tool-choice-${name}-${String(i + 1).padStart(2, "0")}`, domain: TOOLS[name][0], messages: user(text), tools: menu, needs_tool: true, expected: { name, arguments: args } });
    }
  }
  return assignSplits(samples);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeJsonl(fileURLToPath(new URL("../../data/tool-choice.jsonl", import.meta.url)), buildToolChoice());
}
