/** Reading and validating JSONL datasets: every problem of a file is reported at once, with its line number. */
import { readFile } from "node:fs/promises";
import { ErrorCodes, SteerError, throwIfAborted } from "../errors.js";
import { assertInteger, assertKnownKeys, assertOptionalAbortSignal, assertString } from "../util/validate.js";
import { builtInDatasetPath, isBuiltInDatasetName } from "./builtin.js";
import { assignSplits, checkSplitFractions } from "./splits.js";
import { DEFAULT_SPLIT_FRACTIONS, type DatasetIssue, type DatasetSample, type SplitFractions } from "./types.js";
import { ToolSchemaCache, completeSample, validateSampleValue } from "./validate.js";

export interface ParseDatasetOptions {
  /** Name of the file in error messages. Default: `"<dataset>"`. */
  source?: string;
  /** Fractions for samples that carry no `split`. Default: `DEFAULT_SPLIT_FRACTIONS` (0.2 / 0.3 / 0.2 / 0.3). */
  splitFractions?: SplitFractions;
  /** How many problems to collect before giving up on the rest of the file. Default: 50. */
  maxIssues?: number;
}

export interface LoadDatasetOptions extends Omit<ParseDatasetOptions, "source"> {
  /** Cancels reading and validation with an ERR_ABORTED error. Default: none. */
  signal?: AbortSignal;
}

const PARSE_KEYS = ["source", "splitFractions", "maxIssues"] as const;
const LOAD_KEYS = ["signal", "splitFractions", "maxIssues"] as const;
/** Lines validated between two yields to the event loop, so a large file does not freeze a CLI's progress bar. */
const LINES_PER_SLICE = 500;

/**
 * Loads a JSONL dataset. `pathOrName` is a file path, or the name of a built-in dataset (`necessity`,
 * `tool-choice`, `within-topic`); to load a local file that happens to carry such a name, write `./necessity`.
 * Every returned sample has a `split` (see `assignSplits`). Throws ERR_DATASET_INVALID listing all problems found
 * (up to `maxIssues`), each with its 1-based line and field; `details` holds `{path, line, field, issues, truncated}`.
 */
export async function loadDataset(pathOrName: string, options: LoadDatasetOptions = {}): Promise<DatasetSample[]> {
  assertString("pathOrName", pathOrName, { nonEmpty: true });
  assertKnownKeys("loadDataset options", options, LOAD_KEYS);
  assertOptionalAbortSignal("options.signal", options.signal);
  const { signal } = options;
  const { fractions, maxIssues } = checkCommonOptions(options);
  const path = resolveDatasetPath(pathOrName);
  throwIfAborted(signal);
  let text: string;
  try {
    text = await readFile(path, { encoding: "utf8", signal });
  } catch (e) {
    throwIfAborted(signal);
    const reason = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
    throw new SteerError(ErrorCodes.INVALID_ARGUMENT, `Cannot read dataset ${path} (${reason}); pass a readable JSONL file or a built-in dataset name`, { name: "pathOrName", path }, { cause: e });
  }
  const parser = new DatasetParser(path, maxIssues);
  const lines = splitLines(text);
  for (let i = 0; i < lines.length && !parser.full; i++) {
    if (i % LINES_PER_SLICE === 0 && i > 0) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      throwIfAborted(signal);
    }
    parser.feed(lines[i], i + 1);
  }
  return assignSplits(parser.finish(), fractions);
}

/** Synchronous twin of `loadDataset` for text already in memory (a test fixture, an upload). */
export function parseDataset(text: string, options: ParseDatasetOptions = {}): DatasetSample[] {
  assertString("text", text);
  assertKnownKeys("parseDataset options", options, PARSE_KEYS);
  if (options.source !== undefined) assertString("options.source", options.source);
  const { fractions, maxIssues } = checkCommonOptions(options);
  const parser = new DatasetParser(options.source ?? "<dataset>", maxIssues);
  const lines = splitLines(text);
  for (let i = 0; i < lines.length && !parser.full; i++) parser.feed(lines[i], i + 1);
  return assignSplits(parser.finish(), fractions);
}

/** Maps a built-in dataset name to its file inside the package; anything else is returned unchanged as a path. */
export function resolveDatasetPath(pathOrName: string): string {
  return isBuiltInDatasetName(pathOrName) ? builtInDatasetPath(pathOrName) : pathOrName;
}

function checkCommonOptions(options: { splitFractions?: SplitFractions; maxIssues?: number }) {
  const fractions = options.splitFractions === undefined ? DEFAULT_SPLIT_FRACTIONS : checkSplitFractions(options.splitFractions);
  const maxIssues = options.maxIssues ?? 50;
  assertInteger("options.maxIssues", maxIssues, 1);
  return { fractions, maxIssues };
}

function splitLines(text: string): string[] {
  return text.replace(/^\uFEFF/, "").split(/\r?\n/);
}

/** Line-at-a-time state: the issues so far, the ids seen (for duplicates) and the shared schema cache. */
class DatasetParser {
  private readonly issues: DatasetIssue[] = [];
  private readonly samples: DatasetSample[] = [];
  private readonly idLines = new Map<string, number>();
  private readonly schemas = new ToolSchemaCache();
  private truncated = false;

  constructor(
    private readonly source: string,
    private readonly maxIssues: number,
  ) {}

  get full(): boolean {
    return this.truncated;
  }

  feed(text: string, line: number): void {
    if (text.trim().length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      this.add([{ line, field: "$", message: `is not valid JSON: ${e instanceof Error ? e.message : String(e)}` }]);
      return;
    }
    const issues = validateSampleValue(value, line, this.schemas);
    const id = (value as { id?: unknown } | null)?.id;
    if (typeof id === "string" && id.length > 0) {
      const first = this.idLines.get(id);
      if (first !== undefined) issues.push({ line, field: "id", message: `duplicate id ${JSON.stringify(id)} (first used on line ${first})` });
      else this.idLines.set(id, line);
    }
    if (issues.length > 0) this.add(issues);
    else {
      completeSample(value as Record<string, unknown>);
      this.samples.push(value as DatasetSample);
    }
  }

  finish(): DatasetSample[] {
    if (this.issues.length === 0 && this.samples.length === 0) this.issues.push({ line: 1, field: "$", message: "the file holds no samples" });
    if (this.issues.length > 0) throw this.error();
    return this.samples;
  }

  private add(issues: DatasetIssue[]): void {
    for (const issue of issues) {
      if (this.issues.length === this.maxIssues) {
        this.truncated = true;
        return;
      }
      this.issues.push(issue);
    }
  }

  private error(): SteerError {
    const count = `${this.issues.length}${this.truncated ? "+" : ""} problem${this.issues.length === 1 && !this.truncated ? "" : "s"}`;
    const listed = this.issues.map((i) => `  line ${i.line}, ${i.field}: ${i.message}`).join("\n");
    const tail = this.truncated ? `\n  (stopped after ${this.maxIssues} problems)` : "";
    const first = this.issues[0];
    return new SteerError(ErrorCodes.DATASET_INVALID, `Dataset ${this.source} has ${count}:\n${listed}${tail}`, {
      path: this.source,
      line: first.line,
      field: first.field,
      issues: this.issues.slice(),
      truncated: this.truncated,
    });
  }
}

