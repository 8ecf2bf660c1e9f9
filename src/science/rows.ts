/** Residual rows at the last prompt token, for many prompts, sharing prompt prefixes (no generation). */
import type { DatasetSample } from "../data/index.js";
import type { SteerContext } from "../engine/context.js";

/** Per layer, one Float32Array row per prompt (in prompt order). */
export type RowsByLayer = Map<number, Float32Array[]>;

export async function lastTokenRows(
  ctx: SteerContext,
  prompts: readonly string[],
  layers: readonly number[],
  options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<RowsByLayer> {
  let done = 0;
  const results = await ctx.generateBatch(
    prompts.map((prompt) => ({ prompt, capture: layers })),
    { maxTokens: 0, signal: options.signal, onDone: () => options.onProgress?.(++done, prompts.length) },
  );
  return new Map(layers.map((layer) => [layer, results.map((r) => r.captured!.get(layer)!)]));
}

export function pick<T>(items: readonly T[], indices: readonly number[]): T[] {
  return indices.map((i) => items[i]);
}

/** Rows grouped by their sample's expected tool (samples that name none are left out), tools in first-seen order. */
export function rowsByExpectedTool(samples: readonly DatasetSample[], rows: readonly Float32Array[]): Map<string, Float32Array[]> {
  const groups = new Map<string, Float32Array[]>();
  samples.forEach((s, i) => {
    if (!s.expected) return;
    const list = groups.get(s.expected.name);
    if (list) list.push(rows[i]);
    else groups.set(s.expected.name, [rows[i]]);
  });
  return groups;
}
