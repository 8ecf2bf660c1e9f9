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
      return new GenerationJournal(modelFingerprint, path, 0);
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
    return Object.assign(journal, { recovered });
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

  /**
   * Rows stay in memory: a row is kilobytes (a generation is a few hundred bytes) and a prefill-only pass reads
   * it again in a fraction of a generation's time, so a journal file holds generations only and stays small
   * enough to keep beside a run's results.
   */
  putRow(key: string, row: Float32Array): void {
    this.rows.set(key, row);
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
      if (captured) for (const [layer, row] of captured) journal.putRow(rowKey(items[i].prompt, layer), row);
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
    const rows = await lastTokenRows(ctx, missing.map((i) => items[i].prompt), layers, { signal: options.signal });
    for (const [k, i] of missing.entries()) {
      for (const [layer, list] of rows) journal.putRow(rowKey(items[i].prompt, layer), list[k]);
      out[i]!.rows = rowsOf(i);
    }
  }
  return out as JournaledRun[];
}
