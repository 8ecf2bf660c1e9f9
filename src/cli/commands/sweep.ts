import { splitOf } from "../../data/index.js";
import { renderSamples } from "../../eval/prompts.js";
import { lastTokenRows } from "../../science/rows.js";
import { sweepLayers } from "../../science/sweep.js";
import { UsageError, type Command } from "../command.js";
import { dataOption, formatFrom, formatOption, sessionOptions, openDataset, openSession, parseLayers, phaseProgress, subsetOption } from "../shared.js";

export const sweepCommand: Command = {
  name: "sweep",
  summary: "Probe AUC per layer on TRAIN (cross-validated, with a shuffled-label control): where tool intent is readable",
  usage: "llama-steer sweep [--model M] [--data D] [--layers LIST|A..B] [--format F] [--json]",
  examples: ["llama-steer sweep", "llama-steer sweep --layers 4..20 --json"],
  options: { ...sessionOptions, data: dataOption, layers: { type: "string", description: "layers to read (default all)", valueName: "LIST|A..B" }, format: formatOption, subset: subsetOption },
  async run(values, _positionals, io) {
    const dataset = await openDataset(values.data, io, values.subset);
    const session = await openSession(values, io);
    const bar = phaseProgress();
    try {
      const nLayer = session.model.info.nLayer;
      const layers = parseLayers(values.layers) ?? Array.from({ length: nLayer }, (_, i) => i);
      if (layers.some((l) => l >= nLayer)) throw new UsageError(`--layers must be below ${nLayer} for this model`);
      const train = dataset.samples.filter((s) => splitOf(s) === "train");
      const prompts = await renderSamples(session.model, train, formatFrom(values.format), { signal: io.signal });
      const rows = await lastTokenRows(session.ctx, prompts, layers, { signal: io.signal, onProgress: (d, t) => bar.onProgress("capture", d, t) });
      const result = sweepLayers(rows, Uint8Array.from(train, (s) => (s.needs_tool ? 1 : 0)), { signal: io.signal, onProgress: (d, t) => bar.onProgress("probes", d, t) });
      bar.done();
      for (const l of result.layers) io.print(`layer ${String(l.layer).padStart(3)}  AUC ${l.auc.toFixed(3)}  shuffled ${l.auc_shuffled.toFixed(3)}`);
      io.print(`best layer ${result.best_layer} (AUC ${result.best_auc.toFixed(3)}), ${train.length} TRAIN samples`);
      return result;
    } finally {
      bar.done();
      await session.dispose();
    }
  },
};
