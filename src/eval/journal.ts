/**
 * The generation journal: every greedy generation (and, in memory, every decision row) an evaluation computes,
 * keyed by what determines it (prompt, steering, budget, stop strings; prompt and layer for rows). It serves two purposes:
 *
 * - Within one run, work is never done twice. A gated controller leaves most prompts unsteered (gate 0), and an
 *   unsteered generation is the baseline's: it is taken from the journal instead of being decoded again. The
 *   same holds across the VAL selection's α grid, the ablations and the steered pass.
 * - Backed by a file (`eval --journal FILE`), a long run can be stopped and started again: each result is
 *   appended as soon as it is known, and a rerun decodes only what is missing. The file is bound to one model;
 *   a journal of another model is refused.
 *
 * Rows (prompt, layer → the residual at the last prompt token) go to a file beside it, `FILE.rows`, when the journal
 * has a file: they are kilobytes each (a generation is a few hundred bytes), exact float32, and spare a resumed run
 * its prefill-only passes (the CAL means of a tool switch, the readout's rows). Keep FILE.rows out of version
 * control; without it a run reads its rows again.
 *
 * Greedy decoding with fixed steering is deterministic for a given batch. Across batch shapes llama.cpp's quantized
 * kernels can round differently and change a few tokens of a reply (seen on Q4_K_M models), so a journaled result is
 * one valid greedy generation of its prompt, and a gate-0 sample's steered verdict is then exactly its baseline's.
 */
import { createHash } from "node:crypto";
import { appendFile, readFile } from "node:fs/promises";

import { ErrorCodes, SteerError } from "../errors.js";
import type { SteerContext } from "../engine/context.js";
import type { GenerateResult, StopReason } from "../engine/generate.js";
import type { SteeringSpec } from "../engine/steering.js";
import { lastTokenRows } from "../science/rows.js";

const JOURNAL_FORMAT = "llama-steer-journal";
const ROWS_FORMAT = "llama-steer-journal-rows";

/** What is kept of a generation: all the judge needs. */
export interface JournaledGeneration {
  text: string;
  stopReason: StopReason;
  stopString?: string;
  generatedTokens: number;
  promptTokens: number;
}

interface GenerationLine {
  k: string;
  g: JournaledGeneration;
}

/** A row of the rows file: its key and its float32 bytes in base64. */
interface RowLine {
  r: string;
  f: string;
}

export class GenerationJournal {
  private readonly generations = new Map<string, JournaledGeneration>();
  private readonly rows = new Map<string, Float32Array>();
  /** Lines recovered from the file when it was opened. */
  readonly recovered: number;

  private constructor(
    readonly modelFingerprint: string,
    private readonly path: string | undefined,
    recovered: number,
  ) {
    this.recovered = recovered;
  }

  /** A journal that lives in memory only (deduplication within one run). */
  static inMemory(modelFingerprint: string): GenerationJournal {
    return new GenerationJournal(modelFingerprint, undefined, 0);
  }

  /**
   * Opens (or starts) a journal file for a model. A last line cut short by a killed process is ignored; a file
   * written for another model, or not a journal at all, is refused with ERR_INVALID_ARGUMENT.
   */
  static async open(path: string, modelFingerprint: string): Promise<GenerationJournal> {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      await appendFile(path, `${JSON.stringify({ format: JOURNAL_FORMAT, version: 1, modelFingerprint })}\n`);
      const fresh = new GenerationJournal(modelFingerprint, path, 0);
      await fresh.openRows();
      return fresh;
    }
    const lines = text.split("\n");
    const header = parseLine(lines[0]) as { format?: unknown; modelFingerprint?: unknown } | undefined;
    if (header?.format !== JOURNAL_FORMAT) {
      throw new SteerError(ErrorCodes.INVALID_ARGUMENT, `${path} is not a llama-steer journal (its first line is not a journal header); choose another file`, { path });
    }
    if (header.modelFingerprint !== modelFingerprint) {
      throw new SteerError(
        ErrorCodes.INVALID_ARGUMENT,
        `${path} is the journal of another model (fingerprint ${String(header.modelFingerprint)}, this model is ${modelFingerprint}); choose another file`,
        { path },
      );
    }
    const journal = new GenerationJournal(modelFingerprint, path, 0);
    let recovered = 0;
    for (const line of lines.slice(1)) {
      const entry = parseLine(line) as Partial<GenerationLine> | undefined;
      if (!entry || typeof entry.k !== "string" || !entry.g || typeof entry.g.text !== "string") continue;
      journal.generations.set(entry.k, entry.g);
      recovered++;
    }
    // A torn last line (no newline at the end) would glue onto the next append: start on a fresh line.
    if (text.length > 0 && !text.endsWith("\n")) await appendFile(path, "\n");
    await journal.openRows();
    return Object.assign(journal, { recovered });
  }

  private get rowsPath(): string | undefined {
    return this.path === undefined ? undefined : `${this.path}.rows`;
  }

  /** Reads the rows file beside the journal, or starts it. Rows of another model are refused like its generations. */
  private async openRows(): Promise<void> {
    const path = this.rowsPath!;
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      await appendFile(path, `${JSON.stringify({ format: ROWS_FORMAT, version: 1, modelFingerprint: this.modelFingerprint })}\n`);
      return;
    }
    const lines = text.split("\n");
    const header = parseLine(lines[0]) as { format?: unknown; modelFingerprint?: unknown } | undefined;
    if (header?.format !== ROWS_FORMAT || header.modelFingerprint !== this.modelFingerprint) {
      throw new SteerError(ErrorCodes.INVALID_ARGUMENT, `${path} does not hold rows of this model (${this.modelFingerprint}); delete it (rows are read again) or choose another journal`, { path });
    }
    for (const line of lines.slice(1)) {
      const entry = parseLine(line) as Partial<RowLine> | undefined;
      if (!entry || typeof entry.r !== "string" || typeof entry.f !== "string") continue;
      const bytes = Buffer.from(entry.f, "base64");
      // A torn line decodes to a length that is not whole floats: skip it.
      if (bytes.length === 0 || bytes.length % 4 !== 0) continue;
      this.rows.set(entry.r, new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)));
    }
    if (text.length > 0 && !text.endsWith("\n")) await appendFile(path, "\n");
  }

  getGeneration(key: string): JournaledGeneration | undefined {
    return this.generations.get(key);
  }

  getRow(key: string): Float32Array | undefined {
    return this.rows.get(key);
  }

  async putGeneration(key: string, result: GenerateResult): Promise<void> {
    const g: JournaledGeneration = {
      text: result.text,
      stopReason: result.stopReason,
      ...(result.stopString !== undefined ? { stopString: result.stopString } : {}),
      generatedTokens: result.tokens.length,
      promptTokens: result.promptTokens,
    };
    this.generations.set(key, g);
    if (this.path) await appendFile(this.path, `${JSON.stringify({ k: key, g } satisfies GenerationLine)}\n`);
  }

  /** Keeps a row (in the rows file too when the journal has a file). */
  async putRow(key: string, row: Float32Array): Promise<void> {
    this.rows.set(key, row);
    const path = this.rowsPath;
    if (path) await appendFile(path, `${JSON.stringify({ r: key, f: Buffer.from(row.buffer, row.byteOffset, row.byteLength).toString("base64") } satisfies RowLine)}\n`);
  }
}

/**
 * Key of a greedy generation: the prompt, each spec (layer, strength, positions, vector bytes), budget, stops and
 * the grammar when there is one (left out of the hashed object otherwise, so keys written before grammars were
 * journaled still match).
 */
export function generationKey(prompt: string, steer: readonly SteeringSpec[] | undefined, maxTokens: number, stop: readonly string[], grammar?: string): string {
  const hash = createHash("sha256");
  hash.update(JSON.stringify(grammar === undefined ? { prompt, maxTokens, stop } : { prompt, maxTokens, stop, grammar }));
  for (const spec of steer ?? []) {
    hash.update(JSON.stringify({ layer: spec.layer, strength: spec.strength ?? 1, positions: spec.positions ?? "all" }));
    hash.update(vectorBytes(spec.vector));
  }
  return `g:${hash.digest("hex")}`;
}

/** Key of the residual row of a prompt's last token at a layer. */
export function rowKey(prompt: string, layer: number): string {
  return `r:${createHash("sha256").update(JSON.stringify({ prompt, layer })).digest("hex")}`;
}

/** A generation as the judge sees it (the token ids themselves are not kept: only their count). */
export function asGenerateResult(g: JournaledGeneration): GenerateResult {
  return {
    text: g.text,
    tokens: new Int32Array(g.generatedTokens),
    promptTokens: g.promptTokens,
    stopReason: g.stopReason,
    ...(g.stopString !== undefined ? { stopString: g.stopString } : {}),
    timings: { prefillMs: 0, decodeMs: 0, tokensPerSecond: 0 },
  };
}

function isSteered(item: JournaledItem): boolean {
  return (item.steer?.length ?? 0) > 0;
}

function vectorBytes(vector: SteeringSpec["vector"]): Uint8Array {
  const f32 = vector instanceof Float32Array ? vector : Float32Array.from(vector as ArrayLike<number>);
  return new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength);
}

function parseLine(line: string | undefined): unknown {
  if (!line) return undefined;
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

export interface JournaledItem {
  prompt: string;
  steer?: readonly SteeringSpec[];
  /** GBNF grammar of this item's output (part of its key). Default: the batch's. */
  grammar?: string;
  /** Layers whose unsteered last-prompt-token row to return (the row a gated controller decides from). */
  capture?: readonly number[];
}

export interface JournaledRun {
  result: GenerateResult;
  /** The rows of `capture`, per layer. */
  rows?: Map<number, Float32Array>;
}

/**
 * Greedy generation of many items through the journal: what it holds is taken from it, the rest is decoded in
 * one batch and journaled as each item finishes. A generation found in the journal whose rows are missing gets
 * them from a prefill-only pass.
 */
export async function journaledGenerate(
  ctx: SteerContext,
  journal: GenerationJournal,
  items: readonly JournaledItem[],
  options: { maxTokens: number; stop: readonly string[]; grammar?: string; signal?: AbortSignal; onDone?: () => void },
): Promise<JournaledRun[]> {
  const keys = items.map((item) => generationKey(item.prompt, item.steer, options.maxTokens, options.stop, item.grammar ?? options.grammar));
  const out: (JournaledRun | undefined)[] = items.map((_, i) => {
    const g = journal.getGeneration(keys[i]);
    return g ? { result: asGenerateResult(g) } : undefined;
  });
  const rowsOf = (i: number) => {
    const layers = items[i].capture ?? [];
    const found = layers.map((layer) => [layer, journal.getRow(rowKey(items[i].prompt, layer))] as const);
    return found.every(([, r]) => r) ? new Map(found as [number, Float32Array][]) : undefined;
  };
  out.forEach((run, i) => {
    if (!run) return;
    if (items[i].capture) run.rows = rowsOf(i);
    options.onDone?.();
  });
  // Items still to decode; duplicates (same key) are decoded once.
  const firstOfKey = new Map<string, number>();
  const todo = items.map((_, i) => i).filter((i) => !out[i] && !firstOfKey.has(keys[i]) && firstOfKey.set(keys[i], i));
  if (todo.length > 0) {
    const pending: Promise<void>[] = [];
    const results = await ctx.generateBatch(
      // Only unsteered items read their rows while generating: a steered item's row would carry its steering.
      todo.map((i) => ({
        prompt: items[i].prompt,
        steer: items[i].steer,
        ...(items[i].grammar !== undefined ? { sampling: { grammar: items[i].grammar } } : {}),
        ...(items[i].capture && !isSteered(items[i]) ? { capture: items[i].capture } : {}),
      })),
      {
        maxTokens: options.maxTokens,
        stop: [...options.stop],
        ...(options.grammar !== undefined ? { grammar: options.grammar } : {}),
        signal: options.signal,
        onDone: (k, result) => {
          pending.push(journal.putGeneration(keys[todo[k]], result));
          options.onDone?.();
        },
      },
    );
    await Promise.all(pending);
    for (const [k, i] of todo.entries()) {
      const captured = (results[k] as { captured?: Map<number, Float32Array> }).captured;
      if (captured) for (const [layer, row] of captured) await journal.putRow(rowKey(items[i].prompt, layer), row);
    }
    const slotOf = new Map(todo.map((i, k) => [i, k]));
    for (const i of items.keys()) {
      if (out[i]) continue;
      const first = firstOfKey.get(keys[i])!;
      out[i] = { result: results[slotOf.get(first)!], ...(items[i].capture ? { rows: rowsOf(i) } : {}) };
      if (first !== i) options.onDone?.();
    }
  }
  // Rows not kept yet (journaled generations, steered items): read them with an unsteered prefill-only pass.
  const missing = items.map((_, i) => i).filter((i) => items[i].capture && !out[i]!.rows);
  if (missing.length > 0) {
    const layers = [...new Set(missing.flatMap((i) => items[i].capture!))];
    await journaledRows(ctx, journal, missing.map((i) => items[i].prompt), layers, { signal: options.signal });
    for (const i of missing) out[i]!.rows = rowsOf(i);
  }
  return out as JournaledRun[];
}

/** Prompts whose rows are read and journaled together by journaledRows. */
const ROWS_CHUNK = 16;

/**
 * The last-prompt-token rows of `prompts` at `layers` (unsteered), per layer in prompt order: what the journal holds
 * is taken from it, the rest is read in one prefill-only pass and journaled.
 */
export async function journaledRows(
  ctx: SteerContext,
  journal: GenerationJournal,
  prompts: readonly string[],
  layers: readonly number[],
  options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<Map<number, Float32Array[]>> {
  const have = (prompt: string) => layers.every((layer) => journal.getRow(rowKey(prompt, layer)));
  const todo = [...new Set(prompts)].filter((p) => !have(p));
  const done = prompts.length - todo.length;
  if (todo.length > 0) {
    // In chunks, each journaled as soon as it is read: a run stopped midway keeps the rows it has (on a 1.5B model a
    // 600-token prompt takes ~12 s on 2 cores). A chunk still fills several decodes, so packing loses nothing.
    for (let start = 0; start < todo.length; start += ROWS_CHUNK) {
      const chunk = todo.slice(start, start + ROWS_CHUNK);
      const rows = await lastTokenRows(ctx, chunk, layers, { signal: options.signal, onProgress: (d) => options.onProgress?.(done + start + d, prompts.length) });
      for (const [layer, list] of rows) for (const [k, prompt] of chunk.entries()) await journal.putRow(rowKey(prompt, layer), list[k]);
    }
  } else {
    options.onProgress?.(prompts.length, prompts.length);
  }
  return new Map(layers.map((layer) => [layer, prompts.map((p) => journal.getRow(rowKey(p, layer))!)]));
}
