/** Residual rows at the last prompt token, for many prompts, sharing prompt prefixes (no generation). */
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
