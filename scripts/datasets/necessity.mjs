#!/usr/bin/env node
// Writes data/necessity.jsonl: four domains × {tool needed, no tool}, PER_CELL samples each, every sample offered
// its domain's tool. Usage: node scripts/datasets/necessity.mjs [--no-novelty-filter]
import { fileURLToPath } from "node:url";
import { assignSplits, collect, makeRng, NoveltyFilter, user, writeJsonl } from "./lib.mjs";
import { makeMathNotNeeded, mathNeeded, mathTools } from "./necessity-math.mjs";
import { codeNeeded, codeTools, makeCodeNotNeeded } from "./necessity-code.mjs";
import { makeSearchNotNeeded, searchNeeded, searchTools } from "./necessity-search.mjs";
import { makeTranslationNotNeeded, translationNeeded, translationTools } from "./necessity-translation.mjs";

export const PER_CELL = 250;

const DOMAINS = [
  { domain: "math", tools: mathTools, needed: mathNeeded, makeNotNeeded: makeMathNotNeeded },
  { domain: "code", tools: codeTools, needed: codeNeeded, makeNotNeeded: makeCodeNotNeeded },
  { domain: "search", tools: searchTools, needed: searchNeeded, makeNotNeeded: makeSearchNotNeeded },
  { domain: "translation", tools: translationTools, needed: translationNeeded, makeNotNeeded: makeTranslationNotNeeded },
];

export function buildNecessity() {
  // One filter over the whole dataset: a hard negative must not be a near-copy of a positive either.
  const filter = new NoveltyFilter();
  const samples = [];
  for (const { domain, tools, needed, makeNotNeeded } of DOMAINS) {
    // One PRNG per cell, so editing one domain's phrasings leaves the other cells byte-identical.
    const rngNeeded = makeRng(`necessity/${domain}/tool`);
    for (const [i, c] of collect(PER_CELL, rngNeeded, filter, () => needed(rngNeeded), `${domain}/tool`).entries()) {
      samples.push({ id: `necessity-${domain}-tool-${String(i + 1).padStart(3, "0")}`, domain, messages: user(c.text), tools, needs_tool: true, expected: c.expected });
    }
    const rngNone = makeRng(`necessity/${domain}/no-tool`);
    const notNeeded = makeNotNeeded(rngNone);
    for (const [i, c] of collect(PER_CELL, rngNone, filter, notNeeded, `${domain}/no-tool`).entries()) {
      samples.push({ id: `necessity-${domain}-none-${String(i + 1).padStart(3, "0")}`, domain, messages: user(c.text), tools, needs_tool: false, expected: null });
    }
  }
  return assignSplits(samples);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeJsonl(fileURLToPath(new URL("../../data/necessity.jsonl", import.meta.url)), buildNecessity());
}
