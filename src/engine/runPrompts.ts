/**
 * Runs a list of tokenized prompts through the model (packed into as few decodes as fit), capturing
 * residual rows, applying steering, and collecting next-token logits. Shared by capture() and evaluate().
 */
import { throwIfAborted } from "../errors.js";
import type { NativeContext } from "./binding.js";
import { capturedIndices, type CapturePositions } from "./positions.js";
import { planPromptGroups } from "./promptBatches.js";
import { addsForDecode, type ResolvedSpec, type RowInfo } from "./steering.js";

export interface PromptRunOptions {
  captureLayers: readonly number[];
  positions: CapturePositions;
  steer: readonly ResolvedSpec[];
  wantLogits: boolean;
  /**
   * When no logits are wanted, stop each decode after the highest captured layer (default true). The
   * memory of the skipped layers is left unwritten, which is safe because each group clears it first.
   */
  stopEarly?: boolean;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface PromptRunResult {
  /** Per prompt: the token indices read, and per layer their rows ([indices x nEmbd], or 1 row for "mean"). */
  captures: { indices: number[]; layers: Map<number, Float32Array> }[];
  /** Per prompt: logits of the next token after the prompt (empty arrays when not requested). */
  logits: Float32Array[];
}

export interface RunnerGeometry {
  nBatch: number;
  nSeqMax: number;
  nLayer: number;
  nEmbd: number;
}

export async function runPrompts(native: NativeContext, geometry: RunnerGeometry, prompts: readonly Int32Array[], options: PromptRunOptions): Promise<PromptRunResult> {
  const { nEmbd, nLayer } = geometry;
  const lastLayer = nLayer - 1;
  const layers = Int32Array.from(options.captureLayers);
  const stopAfterLayer = !options.wantLogits && layers.length > 0 && options.stopEarly !== false ? Math.max(...layers) : undefined;
  const wanted = prompts.map((p, i) => capturedIndices(options.positions, p.length, i));
  const wantedSets = wanted.map((w) => new Set(w));
  const result: PromptRunResult = {
    captures: prompts.map((_, i) => ({ indices: wanted[i], layers: new Map<number, Float32Array>() })),
    logits: prompts.map(() => new Float32Array(0)),
  };
  // Rows are gathered per prompt and layer in the order the decodes deliver them, then ordered by index.
  const gathered = prompts.map(() => new Map<number, Map<number, Float32Array>>());

  const groups = planPromptGroups(prompts.map((p) => p.length), geometry.nBatch, geometry.nSeqMax);
  let done = 0;
  for (const group of groups) {
    throwIfAborted(options.signal);
    native.clearMemory();
    const seqOf = new Map(group.prompts.map((prompt, seq) => [prompt, seq]));
    for (const entries of group.decodes) {
      throwIfAborted(options.signal);
      const n = entries.length;
      const tokens = new Int32Array(n);
      const positions = new Int32Array(n);
      const sequences = new Int32Array(n);
      const outputs = new Uint8Array(n);
      const rowInfo: RowInfo[] = [];
      const captureRows: number[] = [];
      entries.forEach((e, i) => {
        const length = prompts[e.prompt].length;
        tokens[i] = prompts[e.prompt][e.position];
        positions[i] = e.position;
        sequences[i] = seqOf.get(e.prompt)!;
        const isLast = e.position === length - 1;
        const captured = layers.length > 0 && wantedSets[e.prompt].has(e.position);
        // The last block keeps only rows that request output, so captured rows there must request it.
        if ((isLast && options.wantLogits) || (captured && options.captureLayers.includes(lastLayer))) outputs[i] = 1;
        if (captured) captureRows.push(i);
        rowInfo.push({ position: e.position, promptLength: length });
      });
      // llama.cpp computes at least one output row per decode; choose it rather than let it pick.
      if (!outputs.some((x) => x === 1)) outputs[n - 1] = 1;
      const adds = addsForDecode(options.steer, rowInfo);
      const capture = captureRows.length > 0 ? { layers, rows: Int32Array.from(captureRows) } : undefined;
      const captured = await native.decode({ tokens, positions, sequences, outputs, adds, capture, stopAfterLayer });
      captured.forEach((data, li) => {
        const layer = layers[li];
        captureRows.forEach((batchIndex, k) => {
          const e = entries[batchIndex];
          let perLayer = gathered[e.prompt].get(layer);
          if (!perLayer) gathered[e.prompt].set(layer, (perLayer = new Map()));
          perLayer.set(e.position, data.subarray(k * nEmbd, (k + 1) * nEmbd));
        });
      });
      if (options.wantLogits) {
        entries.forEach((e, i) => {
          if (e.position === prompts[e.prompt].length - 1) result.logits[e.prompt] = native.logits(i);
        });
      }
    }
    for (const prompt of group.prompts) {
      done++;
      options.onProgress?.(done, prompts.length);
      for (const [layer, rows] of gathered[prompt]) {
        result.captures[prompt].layers.set(layer, assembleRows(rows, wanted[prompt], nEmbd, options.positions === "mean"));
      }
      gathered[prompt].clear();
    }
  }
  return result;
}

function assembleRows(rows: Map<number, Float32Array>, indices: readonly number[], nEmbd: number, mean: boolean): Float32Array {
  if (mean) {
    const acc = new Float64Array(nEmbd);
    for (const index of indices) {
      const row = rows.get(index)!;
      for (let k = 0; k < nEmbd; k++) acc[k] += row[k];
    }
    return Float32Array.from(acc, (x) => x / indices.length);
  }
  const out = new Float32Array(indices.length * nEmbd);
  indices.forEach((index, r) => out.set(rows.get(index)!, r * nEmbd));
  return out;
}
