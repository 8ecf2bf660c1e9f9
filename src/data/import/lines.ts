/** Reading benchmark files line by line and collecting every problem with its line, as the dataset loader does. */
import { ErrorCodes, SteerError } from "../../errors.js";
import type { DatasetIssue, DatasetSample } from "../types.js";
import { isPlainObject } from "../validate.js";

/** One JSON object of a JSONL file and its 1-based line. */
export interface JsonLine {
  line: number;
  value: Record<string, unknown>;
}

/** A sample built from the row on `line`. */
export interface ImportedRow {
  line: number;
  sample: DatasetSample;
}

/** Problems found while importing; thrown together at the end so a user fixes a file in one pass. */
export class ImportIssues {
  readonly list: DatasetIssue[] = [];

  constructor(readonly source: string) {}

  add(line: number, field: string, message: string): void {
    this.list.push({ line, field, message });
  }

  throwIfAny(): void {
    if (this.list.length === 0) return;
    const shown = this.list.slice(0, 50);
    const listed = shown.map((i) => `  line ${i.line}, ${i.field}: ${i.message}`).join("\n");
    const more = this.list.length > shown.length ? `\n  (and ${this.list.length - shown.length} more)` : "";
    throw new SteerError(ErrorCodes.DATASET_INVALID, `Cannot import ${this.source}: ${this.list.length} problem${this.list.length === 1 ? "" : "s"}:\n${listed}${more}`, {
      path: this.source,
      line: this.list[0].line,
      field: this.list[0].field,
      issues: this.list.slice(),
    });
  }
}

/** The objects of a JSONL text (blank lines skipped, a byte-order mark and CRLF tolerated). */
export function readJsonLines(text: string, issues: ImportIssues): JsonLine[] {
  const out: JsonLine[] = [];
  text
    .replace(/^\uFEFF/, "")
    .split(/\r?\n/)
    .forEach((raw, i) => {
      if (raw.trim().length === 0) return;
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (e) {
        return issues.add(i + 1, "$", `is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (!isPlainObject(value)) return issues.add(i + 1, "$", "must be a JSON object");
      out.push({ line: i + 1, value });
    });
  if (out.length === 0 && issues.list.length === 0) issues.add(1, "$", "the file holds no rows");
  return out;
}

/** JSON.parse for fields that hold JSON as a string (When2Call's tools, OpenAI's arguments); undefined on failure. */
export function parseJsonField(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function show(value: unknown): string {
  if (value === undefined) return "nothing (missing)";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
