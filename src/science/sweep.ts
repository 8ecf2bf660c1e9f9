/** Probe AUC per layer: where is tool intent linearly readable? */
import { crossValidatedAuc } from "../probes/index.js";
import type { RowsByLayer } from "./rows.js";

export interface LayerAuc {
  layer: number;
  /** Cross-validated ROC AUC of an L2 logistic probe (TRAIN rows). */
  auc: number;
  /** The same with shuffled labels: a control that should sit near 0.5. */
  auc_shuffled: number;
}

export interface SweepResult {
  layers: LayerAuc[];
  best_layer: number;
  best_auc: number;
}

export interface SweepOptions {
  /** Default 5. */
  folds?: number;
  /** Default 0. */
  seed?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** `labels[i]` is 1 when row i needs a tool. Ties prefer the earlier layer (cheaper to reach). */
export function sweepLayers(rows: RowsByLayer, labels: Uint8Array, options: SweepOptions = {}): SweepResult {
  const layers = [...rows.keys()].sort((a, b) => a - b);
  const out: LayerAuc[] = [];
  layers.forEach((layer, i) => {
    options.signal?.throwIfAborted();
    const cv = crossValidatedAuc(rows.get(layer)!, labels, { folds: options.folds ?? 5, seed: options.seed ?? 0, shuffledControl: true });
    out.push({ layer, auc: cv.auc, auc_shuffled: cv.shuffledAuc ?? Number.NaN });
    options.onProgress?.(i + 1, layers.length);
  });
  const best = out.reduce((a, b) => (b.auc > a.auc + 1e-9 ? b : a), out[0]);
  return { layers: out, best_layer: best.layer, best_auc: best.auc };
}
