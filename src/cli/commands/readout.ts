import type { DatasetSample } from "../../data/index.js";
import { renderSamples } from "../../eval/prompts.js";
import { fitToolMeans, measureReadout, readRow } from "../../science/readout.js";
import { lastTokenRows } from "../../science/rows.js";
import type { Command } from "../command.js";
import { formatFrom, formatOption, sessionOptions, openDataset, openSession, parseInteger, phaseProgress, subsetOption } from "../shared.js";

export const readoutCommand: Command = {
  name: "readout",
  summary: "Per-tool cosine readout at a layer: the tool a prompt points to, and the top-1/top-2 gap as a risk flag",
  usage: "llama-steer readout [--model M] [--data tool-choice] [--layer L] [--prompt TEXT] [--json]",
  examples: [
    'llama-steer readout --prompt "Remind me to call Ana at 5pm"',
    "llama-steer readout --json     # accuracy on TEST and error rate per gap bucket",
  ],
  options: {
    ...sessionOptions,
    data: { type: "string", description: "dataset with expected tools (default tool-choice)", valueName: "NAME|FILE" },
    layer: { type: "string", description: "layer to read (default: the middle layer)", valueName: "L" },
    prompt: { type: "string", description: "score this user message against every tool of the dataset", valueName: "TEXT" },
    format: formatOption,
    subset: subsetOption,
  },
  async run(values, _positionals, io) {
    const dataset = await openDataset(values.data ?? "tool-choice", io, values.subset);
    const session = await openSession(values, io);
    const bar = phaseProgress();
    try {
      const layer = parseInteger("layer", values.layer, Math.floor(session.model.info.nLayer / 2));
      const format = formatFrom(values.format);
      bar.onProgress("tool means from CAL", 0, 1);
      const means = await fitToolMeans(session.ctx, dataset.samples, format, layer, io.signal);
      if (typeof values.prompt === "string") {
        const tools = [...new Map(dataset.samples.flatMap((s) => s.tools.map((t) => [t.function.name, t] as const))).values()];
        const sample = { id: "prompt", domain: "cli", messages: [{ role: "user", content: values.prompt }], tools, needs_tool: true, expected: null } as unknown as DatasetSample;
        const [text] = await renderSamples(session.model, [sample], format, { signal: io.signal });
        const row = (await lastTokenRows(session.ctx, [text], [layer], { signal: io.signal })).get(layer)![0];
        const r = readRow(means, row);
        bar.done();
        const ranked = r.classes.map((c, i) => ({ tool: c, score: r.scores[i] })).sort((a, b) => b.score - a.score);
        for (const { tool, score } of ranked) io.print(`${tool.padEnd(28)} ${score.toFixed(3)}`);
        io.print(`predicted ${r.predicted}, gap to ${r.runnerUp} ${r.gap.toFixed(3)}`);
        return { layer, predicted: r.predicted, runner_up: r.runnerUp, gap: r.gap, scores: Object.fromEntries(ranked.map((x) => [x.tool, x.score])) };
      }
      bar.onProgress("readout on TEST", 0, 1);
      const m = await measureReadout(session.ctx, dataset.samples, format, means, "test", io.signal);
      bar.done();
      io.print(`layer ${m.layer}: accuracy ${m.accuracy.toFixed(3)} on ${m.n} TEST prompts (choosing within each prompt's menu)`);
      for (const b of m.gap_buckets) io.print(`  gap ${b.low.toFixed(3)}–${b.high.toFixed(3)}: error rate ${b.error_rate.toFixed(3)} (n ${b.n})`);
      return m;
    } finally {
      bar.done();
      await session.dispose();
    }
  },
};
