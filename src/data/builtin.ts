/**
 * The datasets that ship with the package, in `<package root>/data/<name>.jsonl`. The root is found by walking up
 * from this module to the nearest package.json, which works from `src/` (tsx, vitest) and from `dist/` after
 * compilation alike; `dist/data/` holds compiled code, never the data.
 */
import { join } from "node:path";

import { invalidArgument } from "../errors.js";
import { packageRoot } from "../util/packageRoot.js";

export const BUILT_IN_DATASETS = Object.freeze({
  /** Math, code, search and translation requests that do or do not need that domain's tool, with hard negatives. */
  necessity: "necessity.jsonl",
  /** Single-turn requests over 18 everyday tools, each shown with a menu of 2–8 tools of which exactly one fits. */
  "tool-choice": "tool-choice.jsonl",
  /** Airline help-desk requests, each shown with all 12 tools of that one domain. */
  "within-topic": "within-topic.jsonl",
} as const);

export type BuiltInDatasetName = keyof typeof BUILT_IN_DATASETS;

export const builtInDatasetNames: readonly BuiltInDatasetName[] = Object.freeze(Object.keys(BUILT_IN_DATASETS) as BuiltInDatasetName[]);

export function isBuiltInDatasetName(name: unknown): name is BuiltInDatasetName {
  return typeof name === "string" && Object.prototype.hasOwnProperty.call(BUILT_IN_DATASETS, name);
}

/** Absolute path of a built-in dataset's JSONL file. */
export function builtInDatasetPath(name: BuiltInDatasetName): string {
  if (!isBuiltInDatasetName(name)) throw invalidArgument("name", `one of ${builtInDatasetNames.join(", ")}`, name);
  return join(packageRoot(), "data", BUILT_IN_DATASETS[name]);
}


