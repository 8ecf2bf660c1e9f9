/** Content hashes for reproducibility records: the same samples give the same hash on every machine. */
import { createHash } from "node:crypto";
import type { DatasetSample } from "./types.js";

/**
 * JSON with object keys sorted at every depth and no whitespace; `undefined` members are dropped as JSON.stringify
 * drops them. Two samples that differ only in key order serialize identically.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) sorted[key] = (v as Record<string, unknown>)[key];
    return sorted;
  });
}

/**
 * sha256 (lowercase hex) over the canonical JSON of each sample, one per line, in the given order. Order matters on
 * purpose: it is part of what a run saw. Splits are part of the samples, so a changed split changes the hash.
 */
export function datasetHash(samples: readonly DatasetSample[]): string {
  const hash = createHash("sha256");
  for (const sample of samples) hash.update(canonicalJson(sample) + "\n", "utf8");
  return hash.digest("hex");
}
