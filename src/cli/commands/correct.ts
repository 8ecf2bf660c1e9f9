import { CORRECTION_ARMS, runReadoutCorrection } from "../../science/readoutCorrection.js";
import { UsageError, type Command } from "../command.js";
import { formatFrom, openDataset, openSession, phaseProgress } from "../shared.js";
import { menuExperimentOptions, parseOneAlpha, switchCommand, writeMenuDocument } from "./switch.js";

export const correctCommand: Command = {
  name: "correct",
  summary: "Readout-guided correction: where the cosine readout names another tool than the model calls, steer toward it (vs a random control)",
  usage: "llama-steer correct [--model M] [--data tool-choice] [--layer L] [--alpha A] [--min-gap G|auto] [--steer-span name|reply] [--format asa|hermes|json] [--out FILE] [--json]",
  examples: [
    "llama-steer correct                               # default model, tool-choice TEST, middle layer, α 1",
    "llama-steer correct --data within-topic --min-gap 0.1 --json > correct.json",
    "llama-steer correct --data within-topic --alpha 16 --min-gap auto   # the gap chosen on VAL",
  ],
  options: {
    ...switchCommand.options,
    split: { type: "string", description: "splits whose prompts are corrected, comma-separated (default test; tool means always come from cal)", valueName: "SPLIT[,SPLIT]" },
    alpha: { type: "string", description: "strength of the correction and of the random control (default 1)", valueName: "A" },
    "min-gap": { type: "string", description: "correct only where the readout's top-1/top-2 gap is at least this; auto: the gap that gains most on the val split (default 0)", valueName: "G|auto" },
    seed: { type: "string", description: "seed of the random control (default 0)", valueName: "N" },
  },
  async run(values, _positionals, io) {
    const alpha = parseOneAlpha(values.alpha);
    const minGap = parseMinGap(values["min-gap"]);
    const format = formatFrom(values.format);
    const dataset = await openDataset(values.data ?? "tool-choice", io, values.subset);
    const session = await openSession(values, io);
    const bar = phaseProgress();
    try {
      const report = await runReadoutCorrection(session.ctx, dataset.samples, {
        ...(await menuExperimentOptions(values, session.model, format, alpha, io, bar.onProgress)),
        minGap,
      });
      bar.done();
      const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
      io.print(`readout-guided correction on ${dataset.name}, ${report.n} prompts, layer ${report.layer}, α ${report.alpha}, min gap ${report.min_gap ?? "none (nothing corrected)"}, steered span: ${report.steer_span}, format ${format.name}`);
      const chosen = report.min_gap_selection;
      if (chosen) io.print(`  min gap chosen on val (${chosen.n} prompts, ${chosen.disagreements} disagreements): ${chosen.min_gap === null ? "no gap gains anything" : `${chosen.min_gap.toFixed(3)}, ${chosen.fixed} fixed and ${chosen.broken} broken there`}`);
      io.print(`  readout disagrees with the unsteered call on ${report.disagreements}; steered ${report.steered}`);
      for (const arm of CORRECTION_ARMS) io.print(`  ${arm.padEnd(9)} names the expected tool ${pct(report.arms[arm].name_accuracy)}, exact calls ${pct(report.arms[arm].exact_rate)}`);
      for (const arm of ["corrected", "random"] as const) {
        const p = report.paired[arm];
        io.print(`  ${arm} vs unsteered: ${p.fixed} fixed, ${p.broken} broken (McNemar p = ${p.p_value.toPrecision(2)})`);
      }
      for (const b of report.gap_buckets) {
        io.print(`    gap ${b.low.toFixed(3)}–${b.high.toFixed(3)} (n ${b.n}, steered ${b.steered}): ${CORRECTION_ARMS.map((arm) => `${arm} ${pct(b.arms[arm].name_accuracy)}`).join(", ")}`);
      }
      return writeMenuDocument(values, { model: session.modelPath, data: dataset.name, format: format.name }, report);
    } finally {
      bar.done();
      await session.dispose();
    }
  },
};

/** `--min-gap`: one number ≥ 0, or auto (chosen on the val split). */
function parseMinGap(value: unknown): number | "auto" | undefined {
  if (value === undefined) return undefined;
  if (value === "auto") return "auto";
  const gap = typeof value === "string" && value.trim() !== "" ? Number(value) : Number.NaN;
  if (!Number.isFinite(gap) || gap < 0) throw new UsageError(`--min-gap takes one number ≥ 0 or auto, got "${String(value)}"`);
  return gap;
}
