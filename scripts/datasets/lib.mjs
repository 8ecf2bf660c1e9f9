// Shared helpers for the dataset generators: a seeded PRNG, surface-style variation, a novelty filter that keeps
// near-duplicate prompts out, the stratified split rule (the same one src/data/splits.ts applies) and JSONL output.
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** sfc32 seeded from a string: small, fast and identical on every platform (Math.random is neither seedable nor stable). */
export function makeRng(seed) {
  const h = createHash("sha256").update(seed).digest();
  let a = h.readUInt32LE(0), b = h.readUInt32LE(4), c = h.readUInt32LE(8), d = h.readUInt32LE(12);
  const next = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (a + b + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  const rng = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
    chance: (p) => next() < p,
    shuffle: (items) => {
      const out = items.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    },
    sample: (items, k) => rng.shuffle(items).slice(0, k),
    /** A decimal with `digits` decimals in [min, max], as the string a person would type. */
    decimal: (min, max, digits) => (min + next() * (max - min)).toFixed(digits),
  };
  return rng;
}

/** Thousands separators the way people type them, sometimes: "48213" or "48,213". */
export function groupDigits(rng, n) {
  const text = String(n);
  return rng.chance(0.45) ? text.replace(/\B(?=(\d{3})+(?!\d))/g, ",") : text;
}

const OPENERS = ["hey, ", "hi! ", "ok so ", "quick question: ", "hello, ", "hmm, ", "um ", "so, ", "yo ", "good morning! ", "sorry to bother you, ", "question — ", "help: ", "hiya, "];
const CLOSERS = [" thanks!", " thank you.", " thx", " cheers", " ty!", " appreciate it.", " please and thank you", " many thanks in advance.", " 🙏", " asap pls", " if you can.", " :)"];
const POLITE_IMPERATIVE = ["Please ", "Could you please ", "Would you kindly ", "If it's not too much trouble, please ", "When you have a moment, please "];
const POLITE_QUESTION = ["Could you tell me: ", "I was wondering — ", "Sorry to ask, but ", "May I ask: ", "Excuse me, "];
const IMPERATIVE = /^(Translate|Write|Show|Give|Explain|Run|Find|Compute|Calculate|Count|Generate|Put|Sort|Summarize|Simplify|Solve|Check|Convert|Add|Take|Divide|Multiply|Evaluate|Tell|Set|Send|Book|Play|Read|Remind|Create|Schedule|Start|Cancel|Change|Search|Look|Split|Raise|Execute|Test-run|Benchmark|Simulate|Email|Text|Message|Get|Open|Query|Make|Move|Update|Join|Request|Track|Upgrade|Reserve|Note|Walk|Recommend|Rewrite|Factor|Expand|Round)\b/;
const QUESTION = /^(What|What's|How|Who|Why|When|Where|Which|Is|Are|Does|Do|Did|Can|Will|Has|Was|Were)\b/;

/**
 * Varies the surface of a prompt: register (terse, chatty, polite), casing, punctuation and the odd typo.
 * `{slot}` placeholders are never touched, so values filled in afterwards (numbers, names, code, text to translate)
 * stay exactly what the expected arguments say.
 */
export function stylize(rng, text) {
  let out = text;
  const roll = rng.next();
  if (roll < 0.18) out = terse(out);
  else if (roll < 0.3) out = rng.pick(OPENERS) + lowerFirst(out);
  else if (roll < 0.38) out = out + rng.pick(CLOSERS);
  else if (roll < 0.44 && IMPERATIVE.test(out)) out = rng.pick(POLITE_IMPERATIVE) + lowerFirst(out);
  else if (roll < 0.44 && QUESTION.test(out)) out = rng.pick(POLITE_QUESTION) + lowerFirst(out);
  else if (roll < 0.5) out = rng.pick(OPENERS) + lowerFirst(out) + rng.pick(CLOSERS);
  if (rng.chance(0.22)) out = typo(rng, out);
  if (rng.chance(0.1)) out = out.toLowerCase();
  return out;
}

function terse(text) {
  return lowerFirst(text).replace(/[.?!]+$/, "").replace(/^(please |can you |could you |would you )/i, "");
}

function lowerFirst(text) {
  return /^[A-Z][a-z]/.test(text) && !/^(I|I'm|I've|I'd)\b/.test(text) ? text[0].toLowerCase() + text.slice(1) : text;
}

/** One keyboard slip in one ordinary word: swapped, dropped or doubled letter. */
function typo(rng, text) {
  const tokens = text.split(" ");
  const candidates = tokens.map((t, i) => i).filter((i) => /^[a-z]{5,}[,.?!]?$/i.test(tokens[i]));
  if (candidates.length === 0) return text;
  const i = rng.pick(candidates);
  const word = tokens[i];
  const p = rng.int(1, word.replace(/[,.?!]$/, "").length - 2);
  const kind = rng.int(0, 2);
  tokens[i] = kind === 0 ? word.slice(0, p) + word[p + 1] + word[p] + word.slice(p + 2) : kind === 1 ? word.slice(0, p) + word.slice(p + 1) : word.slice(0, p) + word[p] + word.slice(p);
  return tokens.join(" ");
}

/** Replaces `{name}` with values[name]; a missing value is a generator bug, so it throws. */
export function fill(template, values) {
  if (Object.keys(values).length === 0) return template;
  return template.replace(/\{([a-z_0-9]+)\}/g, (_m, key) => {
    if (!(key in values)) throw new Error(`template ${JSON.stringify(template)} needs a value for {${key}}`);
    return String(values[key]);
  });
}

// The same word and shingle definitions as src/data/stats.ts, so the filter rejects what the stats would count.
const words = (text) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
function shingles(text) {
  const w = words(text);
  if (w.length < 3) return new Set([w.join(" ")]);
  const out = new Set();
  for (let i = 0; i + 2 < w.length; i++) out.add(`${w[i]} ${w[i + 1]} ${w[i + 2]}`);
  return out;
}

/**
 * Rejects a prompt whose word-3-gram Jaccard similarity with an already accepted prompt reaches `threshold`
 * (set below the 0.8 the stats use, for margin). Exact via an inverted index from shingle to prompts.
 */
export class NoveltyFilter {
  constructor(threshold = 0.7, enabled = !process.argv.includes("--no-novelty-filter")) {
    this.threshold = threshold;
    this.enabled = enabled;
    this.sets = [];
    this.index = new Map();
  }
  accept(text) {
    const set = shingles(text);
    if (this.enabled) {
      const shared = new Map();
      for (const s of set) for (const j of this.index.get(s) ?? []) shared.set(j, (shared.get(j) ?? 0) + 1);
      for (const [j, n] of shared) if (n / (set.size + this.sets[j].size - n) >= this.threshold) return false;
    }
    const id = this.sets.push(set) - 1;
    for (const s of set) {
      const list = this.index.get(s);
      if (list) list.push(id);
      else this.index.set(s, [id]);
    }
    return true;
  }
}

/**
 * Calls `make()` until `count` novel samples exist. `make` returns {template, values, ...rest}; the template gets
 * the surface variation (`stylize`), then the values are filled in. Two samples with the same content (template
 * and values) are duplicates however differently styled, so only the first is kept; the novelty filter then
 * rejects near-copies. Failing to reach `count` means the phrasings and slot pools are too small.
 */
export function collect(count, rng, filter, make, label) {
  const out = [];
  const contents = new Set();
  let attempts = 0;
  while (out.length < count) {
    if (++attempts > count * 60) throw new Error(`${label}: only ${out.length} of ${count} novel prompts after ${attempts - 1} attempts; add phrasings`);
    const { template, values, ...rest } = make(out.length);
    const content = fill(template, values);
    if (contents.has(content)) continue;
    const text = fill(stylize(rng, template), values);
    if (!filter.accept(text)) continue;
    contents.add(content);
    out.push({ text, ...rest });
  }
  return out;
}

export function functionTool(name, description, properties, required, extra = {}) {
  return { type: "function", function: { name, description, parameters: { type: "object", properties, required, additionalProperties: false, ...extra } } };
}

export const DEFAULT_SPLIT_FRACTIONS = { cal: 0.2, train: 0.3, val: 0.2, test: 0.3 };
const SPLITS = ["cal", "train", "val", "test"];

/** The stratified rule of src/data/splits.ts (assignSplits); a unit test checks both agree on the shipped files. */
export function assignSplits(samples, fractions = DEFAULT_SPLIT_FRACTIONS) {
  const strata = new Map();
  samples.forEach((s, index) => {
    const key = `${s.domain}\u0000${s.needs_tool ? "tool" : "no-tool"}\u0000${s.expected?.name ?? ""}`;
    if (!strata.has(key)) strata.set(key, []);
    strata.get(key).push({ index, hash: createHash("sha256").update(s.id, "utf8").digest("hex") });
  });
  const splitAt = (position) => {
    let upper = 0;
    for (const split of SPLITS) if (position < (upper += fractions[split])) return split;
    return "test";
  };
  const result = new Array(samples.length);
  for (const members of strata.values()) {
    members.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : a.index - b.index));
    members.forEach((m, k) => (result[m.index] = splitAt((k + 0.5) / members.length)));
  }
  return samples.map((s, i) => ({ ...s, split: result[i] }));
}

/** Fixed key order, one sample per line, trailing newline: byte-identical output for identical input. */
export function writeJsonl(path, samples) {
  mkdirSync(dirname(path), { recursive: true });
  const lines = samples.map(({ id, domain, split, messages, tools, needs_tool, expected, ...rest }) =>
    JSON.stringify({ id, domain, split, messages, tools, needs_tool, expected, ...rest }),
  );
  writeFileSync(path, lines.join("\n") + "\n");
  console.error(`wrote ${samples.length} samples to ${path}`);
}

export const user = (content) => [{ role: "user", content }];

/** Draws from `items` in a shuffled order without replacement; undefined once exhausted, so each hand-written prompt appears at most once. */
export function makeDeck(rng, items) {
  const order = rng.shuffle(items);
  let next = 0;
  return () => (next < order.length ? order[next++] : undefined);
}
