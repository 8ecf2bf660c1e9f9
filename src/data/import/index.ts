/**
 * Importers: benchmark files in their published shapes turned into this project's dataset format, ready for
 * `eval`. Imported data is for evaluation only: never build vectors, probes or prompts from it (see README).
 */
import { readFile } from "node:fs/promises";
import { ErrorCodes, SteerError, invalidArgument } from "../../errors.js";
import { assertKnownKeys, assertOptionalAbortSignal, assertString } from "../../util/validate.js";
import type { DatasetSample } from "../types.js";
import { ToolSchemaCache, validateSampleValue } from "../validate.js";
import { importBfcl } from "./bfcl.js";
import { ImportIssues, readJsonLines, type ImportedRow } from "./lines.js";
import { importOpenAi } from "./openai.js";
import { importWhen2Call } from "./when2call.js";

export const IMPORT_KINDS = ["bfcl", "when2call", "openai"] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export interface ImportOptions {
  /** BFCL only: the text of the matching possible_answer file. Default: none (irrelevance categories need none). */
  answers?: string;
  /** Name of the benchmark file in error messages. Default: `"<import>"`. */
  source?: string;
}

export interface ImportFileOptions {
  /** BFCL only: path of the matching possible_answer file. Default: none. */
  answers?: string;
  /** Cancels reading. Default: none. */
  signal?: AbortSignal;
}

/**
 * Turns the text of a benchmark file into dataset samples (no `split`: the loader assigns one). Every sample is
 * checked as `loadDataset` would check it. Throws ERR_DATASET_INVALID listing every problem with its line.
 */
export function importBenchmark(kind: ImportKind, text: string, options: ImportOptions = {}): DatasetSample[] {
  if (!(IMPORT_KINDS as readonly string[]).includes(kind)) throw invalidArgument("kind", `one of ${IMPORT_KINDS.join(", ")}`, kind);
  assertString("text", text);
  assertKnownKeys("importBenchmark options", options, ["answers", "source"]);
  if (options.answers !== undefined) assertString("options.answers", options.answers);
  if (options.answers !== undefined && kind !== "bfcl") throw invalidArgument("options.answers", `no answers file (only bfcl takes one, not ${kind})`, options.answers);
  const source = options.source ?? "<import>";
  const issues = new ImportIssues(source);
  const rows = readJsonLines(text, issues);
  const answerIssues = new ImportIssues(`${source} answers`);
  const answers = options.answers === undefined ? undefined : readJsonLines(options.answers, answerIssues);
  answerIssues.throwIfAny();
  const imported = kind === "bfcl" ? importBfcl(rows, answers, issues) : kind === "when2call" ? importWhen2Call(rows, issues) : importOpenAi(rows, issues);
  checkSamples(imported, issues);
  issues.throwIfAny();
  return imported.map((r) => r.sample);
}

/** `importBenchmark` on files. */
export async function importBenchmarkFile(kind: ImportKind, path: string, options: ImportFileOptions = {}): Promise<DatasetSample[]> {
  assertString("path", path, { nonEmpty: true });
  assertKnownKeys("importBenchmarkFile options", options, ["answers", "signal"]);
  assertOptionalAbortSignal("options.signal", options.signal);
  const text = await readText(path, "path", options.signal);
  const answers = options.answers === undefined ? undefined : await readText(options.answers, "options.answers", options.signal);
  return importBenchmark(kind, text, { source: path, ...(answers !== undefined ? { answers } : {}) });
}

/** Samples as JSONL, one per line, for `--out`. */
export function samplesToJsonl(samples: readonly DatasetSample[]): string {
  return samples.map((s) => JSON.stringify(s)).join("\n") + "\n";
}

/** The loader's own checks on each imported sample, so that an import that succeeds always loads. */
function checkSamples(rows: readonly ImportedRow[], issues: ImportIssues): void {
  const schemas = new ToolSchemaCache();
  const seen = new Map<string, number>();
  for (const { line, sample } of rows) {
    for (const issue of validateSampleValue(sample, line, schemas)) issues.add(issue.line, issue.field, issue.message);
    const first = seen.get(sample.id);
    if (first !== undefined) issues.add(line, "id", `duplicate id ${JSON.stringify(sample.id)} (first used on line ${first})`);
    else seen.set(sample.id, line);
  }
}

async function readText(path: string, name: string, signal: AbortSignal | undefined): Promise<string> {
  assertString(name, path, { nonEmpty: true });
  try {
    return await readFile(path, { encoding: "utf8", signal });
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
    throw new SteerError(ErrorCodes.INVALID_ARGUMENT, `Cannot read ${path} (${reason}); pass a readable JSONL file for ${name}`, { name, path }, { cause: e });
  }
}
