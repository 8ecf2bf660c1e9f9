import { writeFileAtomic } from "../../assets/atomicWrite.js";
import { GenerationJournal } from "../../eval/journal.js";
import type { ToolFormat } from "../../formats/index.js";
import { STEER_SPANS, type SteerSpan } from "../../science/nameSpan.js";
import { runToolSwitch, type ToolSwitchOptions } from "../../science/toolSwitch.js";
import { UsageError, type Command, type CommandIo } from "../command.js";
import { formatFrom, formatOption, openDataset, openSession, parseInteger, parseNumberList, phaseProgress, sessionOptions, subsetOption } from "../shared.js";

export const switchCommand: Command = {
  name: "switch",
  summary: "Steer the tool a model calls toward another tool on the menu (mean-difference and unembedding directions vs a random control)",
  usage: "llama-steer switch [--model M] [--data tool-choice] [--layer L] [--alpha A] [--steer-span name|reply] [--format asa|hermes|json] [--out FILE] [--json]",
  examples: [
    "llama-steer switch                          # default model, tool-choice TEST, middle layer, α 1",
    "llama-steer switch --layer 12 --alpha 2 --subset 2 --json > switch.json",
  ],
  options: {
    ...sessionOptions,
    data: { type: "string", description: "dataset with tool menus and expected tools (default tool-choice)", valueName: "NAME|FILE" },
    split: { type: "string", description: "splits whose prompts are switched, comma-separated (default test; tool means always come from cal)", valueName: "SPLIT[,SPLIT]" },
    layer: { type: "string", description: "layer the directions are measured at and added to (default: the middle layer)", valueName: "L" },
    alpha: { type: "string", description: "strength of every direction (default 1)", valueName: "A" },
    "max-tokens": { type: "string", description: "new tokens after the opened call (default 48)", valueName: "N" },
    seed: { type: "string", description: "seed of the target draw and the random control (default 0)", valueName: "N" },
    "steer-span": { type: "string", description: "name: keep the steered tool name, let the unsteered model write the arguments; reply: keep the whole steered reply (default name)", valueName: "name|reply" },
    "free-names": { type: "boolean", description: "let the model write any tool name (default: a grammar keeps the name on the prompt's menu; arguments stay free JSON)" },
    format: formatOption,
    subset: subsetOption,
    out: { type: "string", description: "also write the JSON document to this file", valueName: "FILE" },
    journal: { type: "string", description: "keep every generation in this file and reuse it: a stopped run started again decodes only what is missing", valueName: "FILE" },
  },
  async run(values, _positionals, io) {
    const alpha = parseOneAlpha(values.alpha);
    const format = formatFrom(values.format);
    const dataset = await openDataset(values.data ?? "tool-choice", io, values.subset);
    const session = await openSession(values, io);
    const bar = phaseProgress();
    try {
      const report = await runToolSwitch(session.ctx, dataset.samples, await menuExperimentOptions(values, session.model, format, alpha, io, bar.onProgress));
      bar.done();
      const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
      io.print(`tool switch on ${dataset.name}, ${report.n} prompts, layer ${report.layer}, α ${report.alpha}, steered span: ${report.steer_span}, format ${format.name}, names ${values["free-names"] === true ? "free" : "kept on the menu"}`);
      io.print(`  unsteered names the expected tool: ${pct(report.baseline_accuracy)}; already names the target: ${pct(report.baseline_target_rate)}`);
      const replyToo = (rate: number) => (report.steer_span === "name" ? ` (steered reply as generated: ${pct(rate)})` : "");
      io.print(`  mean-diff  switched ${pct(report.success_rate)}   arguments follow the target's schema ${pct(report.args_follow_schema_rate)}${replyToo(report.reply_args_follow_schema_rate)}`);
      io.print(`  unembed    switched ${pct(report.unembed_success_rate)}   arguments follow the target's schema ${pct(report.unembed_args_follow_schema_rate)}${replyToo(report.unembed_reply_args_follow_schema_rate)}`);
      io.print(`  random     switched ${pct(report.random_success_rate)}`);
      io.print(`  readout at layer ${report.layer} (cosine to CAL tool means, within the menu): accuracy ${pct(report.readout.accuracy)}`);
      for (const b of report.readout.gap_buckets) {
        io.print(`    gap ${b.low.toFixed(3)}–${b.high.toFixed(3)} (n ${b.n}): readout wrong ${pct(b.error_rate)}, unsteered call wrong ${pct(b.call_error_rate)}`);
      }
      if (report.first_token_shared > 0) io.print(`  ${report.first_token_shared} targets share their first name token with another tool on the menu`);
      return writeMenuDocument(values, { model: session.modelPath, data: dataset.name, format: format.name }, report);
    } finally {
      bar.done();
      await session.dispose();
    }
  },
};

/** `--alpha` for the menu experiments: one number, or undefined for the experiment's default. */
export function parseOneAlpha(value: unknown): number | undefined {
  const alphas = parseNumberList("alpha", value);
  if (alphas !== undefined && alphas.length !== 1) throw new UsageError(`--alpha takes one number, got "${String(value)}"`);
  return alphas?.[0];
}

/** `--steer-span`: name or reply, or undefined for the default (name). */
function parseSteerSpan(value: unknown): SteerSpan | undefined {
  if (value === undefined) return undefined;
  if (!(STEER_SPANS as readonly unknown[]).includes(value)) throw new UsageError(`--steer-span takes ${STEER_SPANS.join(" or ")}, got "${String(value)}"`);
  return value as SteerSpan;
}

/** The options `switch` and `correct` share, from their common flags (layer default: the middle layer). */
export async function menuExperimentOptions(
  values: Record<string, unknown>,
  model: { info: { nLayer: number; fingerprint: string } },
  format: ToolFormat,
  alpha: number | undefined,
  io: CommandIo,
  onProgress: (phase: string, done: number, total: number) => void,
): Promise<ToolSwitchOptions> {
  let journal: GenerationJournal | undefined;
  if (typeof values.journal === "string") {
    journal = await GenerationJournal.open(values.journal, model.info.fingerprint);
    if (journal.recovered > 0) io.log(`journal ${values.journal}: ${journal.recovered} results kept from earlier runs`);
  }
  return {
    format,
    journal,
    layer: parseInteger("layer", values.layer, Math.floor(model.info.nLayer / 2)),
    alpha,
    maxTokens: parseInteger("max-tokens", values["max-tokens"], 48, 1),
    seed: parseInteger("seed", values.seed, 0),
    constrainNames: values["free-names"] !== true,
    steerSpan: parseSteerSpan(values["steer-span"]),
    split: typeof values.split === "string" ? values.split : undefined,
    signal: io.signal,
    onProgress,
  };
}

/** The JSON document of `switch` and `correct` (what ran, then the report), also written to `--out` when given. */
export async function writeMenuDocument<T extends object>(values: Record<string, unknown>, run: { model: string; data: string; format: string }, report: T) {
  const document = { ...run, constrain_names: values["free-names"] !== true, ...report };
  if (typeof values.out === "string") await writeFileAtomic(values.out, JSON.stringify(document, null, 2) + "\n");
  return document;
}
