/**
 * Summary numbers for a dataset, including two measures of variety over the user prompts:
 * - near_duplicate_rate: the fraction of samples whose user text has a word-3-gram Jaccard similarity of at least
 *   0.8 (by default) with some other sample's. Candidates come from MinHash with LSH banding (100 hashes, 20 bands
 *   of 5 rows: a pair at Jaccard 0.8 collides in some band with probability > 0.999), and every candidate pair is
 *   then checked with the exact Jaccard, so reported pairs are never false positives.
 * - distinct_ngram_ratio: distinct word 2-grams / all word 2-grams, counted within each sample's user text and
 *   pooled over the dataset (1 = no 2-gram ever repeats; templated data drives it towards 0).
 * Words are maximal runs of Unicode letters and digits, lowercased; the user text of a sample is all its user
 * messages joined by newlines. Texts with fewer than three words count as a single shingle.
 */
import { splitOf } from "./splits.js";
import { SPLITS, type DatasetSample, type Split } from "./types.js";
import { assertFiniteNumber } from "../util/validate.js";

export interface DatasetStats {
  count: number;
  /** Samples per split (explicit split, else the per-id hash rule of `splitOf`). */
  splits: Record<Split, number>;
  domains: Record<string, number>;
  /** Samples per expected tool name (samples without an expected call are not counted here). */
  tools: Record<string, number>;
  needs_tool: { tool: number; no_tool: number };
  near_duplicate_rate: number;
  distinct_ngram_ratio: number;
}

export interface NearDuplicateOptions {
  /** Word-3-gram Jaccard similarity at or above which two texts are near-duplicates. Default: 0.8. */
  threshold?: number;
}

export function datasetStats(samples: readonly DatasetSample[], options: NearDuplicateOptions = {}): DatasetStats {
  const splits = Object.fromEntries(SPLITS.map((s) => [s, 0])) as Record<Split, number>;
  const domains: Record<string, number> = {};
  const tools: Record<string, number> = {};
  const needsTool = { tool: 0, no_tool: 0 };
  for (const sample of samples) {
    splits[splitOf(sample)] += 1;
    domains[sample.domain] = (domains[sample.domain] ?? 0) + 1;
    if (sample.expected) tools[sample.expected.name] = (tools[sample.expected.name] ?? 0) + 1;
    needsTool[sample.needs_tool ? "tool" : "no_tool"] += 1;
  }
  const texts = samples.map(userText);
  const duplicated = new Set(findNearDuplicatePairs(texts, options).flatMap(([i, j]) => [i, j]));
  return {
    count: samples.length,
    splits,
    domains: sortedRecord(domains),
    tools: sortedRecord(tools),
    needs_tool: needsTool,
    near_duplicate_rate: samples.length === 0 ? 0 : duplicated.size / samples.length,
    distinct_ngram_ratio: distinctBigramRatio(texts),
  };
}

/** The user messages of a sample, joined by newlines: what the near-duplicate and n-gram measures look at. */
export function userText(sample: Pick<DatasetSample, "messages">): string {
  return sample.messages.filter((m) => m.role === "user").map((m) => m.content).join("\n");
}

export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

export function distinctBigramRatio(texts: readonly string[]): number {
  const distinct = new Set<string>();
  let total = 0;
  for (const text of texts) {
    const w = words(text);
    for (let i = 0; i + 1 < w.length; i++) {
      distinct.add(`${w[i]} ${w[i + 1]}`);
      total += 1;
    }
  }
  return total === 0 ? 0 : distinct.size / total;
}

export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let shared = 0;
  for (const x of small) if (large.has(x)) shared += 1;
  return shared / (a.size + b.size - shared);
}

export function shingles(text: string): Set<string> {
  const w = words(text);
  if (w.length === 0) return new Set();
  if (w.length < 3) return new Set([w.join(" ")]);
  const out = new Set<string>();
  for (let i = 0; i + 2 < w.length; i++) out.add(`${w[i]} ${w[i + 1]} ${w[i + 2]}`);
  return out;
}

const NUM_HASHES = 100;
const BANDS = 20;
const ROWS = NUM_HASHES / BANDS;
const SEEDS = Uint32Array.from({ length: NUM_HASHES }, (_, i) => fmix32(Math.imul(i + 1, 0x9e3779b9)));

/** Pairs [i, j, similarity] with i < j whose texts are near-duplicates; sorted by i then j. */
export function findNearDuplicatePairs(texts: readonly string[], options: NearDuplicateOptions = {}): [number, number, number][] {
  const threshold = options.threshold ?? 0.8;
  assertFiniteNumber("options.threshold", threshold, 0, 1);
  const sets = texts.map(shingles);
  const signatures = sets.map(minHashSignature);
  const checked = new Set<number>();
  const pairs: [number, number, number][] = [];
  for (let band = 0; band < BANDS; band++) {
    const buckets = new Map<string, number[]>();
    signatures.forEach((sig, i) => {
      if (sets[i].size === 0) return;
      const key = Array.from(sig.subarray(band * ROWS, (band + 1) * ROWS)).join(",");
      const bucket = buckets.get(key);
      if (bucket) bucket.push(i);
      else buckets.set(key, [i]);
    });
    for (const bucket of buckets.values()) {
      for (let a = 0; a < bucket.length; a++) {
        for (let b = a + 1; b < bucket.length; b++) {
          const pairKey = bucket[a] * texts.length + bucket[b];
          if (checked.has(pairKey)) continue;
          checked.add(pairKey);
          const similarity = jaccard(sets[bucket[a]], sets[bucket[b]]);
          if (similarity >= threshold) pairs.push([bucket[a], bucket[b], similarity]);
        }
      }
    }
  }
  return pairs.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
}

function minHashSignature(set: ReadonlySet<string>): Uint32Array {
  const signature = new Uint32Array(NUM_HASHES).fill(0xffffffff);
  for (const shingle of set) {
    const base = fnv1a(shingle);
    for (let i = 0; i < NUM_HASHES; i++) {
      const h = fmix32(base ^ SEEDS[i]);
      if (h < signature[i]) signature[i] = h;
    }
  }
  return signature;
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** MurmurHash3's finalizer: a cheap bijective mix, so each seed gives an independent-looking permutation. */
function fmix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function sortedRecord(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
