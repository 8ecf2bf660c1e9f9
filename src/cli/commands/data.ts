import { writeFileAtomic } from "../../assets/atomicWrite.js";
import { IMPORT_KINDS, builtInDatasetNames, datasetHash, datasetStats, importBenchmarkFile, loadDataset, parseDataset, samplesToJsonl, type ImportKind } from "../../data/index.js";
import { UsageError, type Command } from "../command.js";

export const dataCommand: Command = {
  name: "data",
  summary: "List the built-in datasets, validate a JSONL dataset, or import a benchmark file (BFCL, When2Call, OpenAI JSONL)",
  usage: "llama-steer data [--validate FILE] [--import bfcl|when2call|openai FILE [--answers FILE] --out OUT.jsonl] [--json]",
  examples: [
    "llama-steer data",
    "llama-steer data --validate ./my-agent-traces.jsonl",
    "llama-steer data --import bfcl BFCL_v4_simple_python.json --answers possible_answer/BFCL_v4_simple_python.json --out bfcl-simple.jsonl",
    "llama-steer data --import when2call when2call_test_llm_judge.jsonl --out when2call.jsonl",
  ],
  options: {
    validate: { type: "string", description: "check a dataset file; errors are reported by line number", valueName: "FILE" },
    import: { type: "string", description: `convert a benchmark file (the positional FILE) to a dataset: ${IMPORT_KINDS.join(", ")}; for evaluation only, never to build assets`, valueName: "KIND" },
    answers: { type: "string", description: "with --import bfcl: the matching possible_answer file", valueName: "FILE" },
    out: { type: "string", description: "with --import: where to write the dataset (JSONL)", valueName: "FILE" },
  },
  positionals: true,
  async run(values, positionals, io) {
    if (typeof values.import === "string") return runImport(values, positionals, io);
    if (positionals.length > 0) throw new UsageError(`data takes a FILE only with --import, got "${positionals[0]}"`);
    if (typeof values.answers === "string" || typeof values.out === "string") throw new UsageError("--answers and --out go with --import");
    if (typeof values.validate === "string") {
      const samples = await loadDataset(values.validate, { signal: io.signal });
      const stats = datasetStats(samples);
      io.print(`${values.validate}: ${samples.length} valid samples; splits ${JSON.stringify(stats.splits)}; domains ${JSON.stringify(stats.domains)}`);
      return { ok: true, file: values.validate, hash: datasetHash(samples), ...stats };
    }
    const datasets = [];
    for (const name of builtInDatasetNames) {
      const samples = await loadDataset(name, { signal: io.signal });
      const stats = datasetStats(samples);
      datasets.push({ name, count: stats.count, splits: stats.splits, domains: stats.domains, tools: stats.tools, near_duplicate_rate: stats.near_duplicate_rate, distinct_ngram_ratio: stats.distinct_ngram_ratio, hash: datasetHash(samples) });
      io.print(
        `${name.padEnd(13)} ${String(stats.count).padStart(5)} samples  splits ${Object.entries(stats.splits).map(([k, v]) => `${k}:${v}`).join(" ")}  ` +
          `${Object.keys(stats.domains).length} domains, ${Object.keys(stats.tools).length} tools, near-duplicates ${(stats.near_duplicate_rate * 100).toFixed(1)}%`,
      );
    }
    return { datasets };
  },
};

async function runImport(values: Parameters<Command["run"]>[0], positionals: string[], io: Parameters<Command["run"]>[2]) {
  const kind = values.import as string;
  if (!(IMPORT_KINDS as readonly string[]).includes(kind)) throw new UsageError(`--import takes one of ${IMPORT_KINDS.join(", ")}, got "${kind}"`);
  if (positionals.length !== 1) throw new UsageError(`--import ${kind} takes one benchmark FILE, got ${positionals.length}`);
  if (typeof values.out !== "string") throw new UsageError("--import needs --out OUT.jsonl");
  if (typeof values.answers === "string" && kind !== "bfcl") throw new UsageError(`--answers goes with --import bfcl only, not ${kind}`);
  const file = positionals[0];
  const samples = await importBenchmarkFile(kind as ImportKind, file, { signal: io.signal, ...(typeof values.answers === "string" ? { answers: values.answers } : {}) });
  const text = samplesToJsonl(samples);
  // The written file must load as it is: check it through the loader before writing it.
  const loaded = parseDataset(text, { source: values.out });
  await writeFileAtomic(values.out, text);
  const stats = datasetStats(loaded);
  const needing = samples.filter((s) => s.needs_tool).length;
  io.print(`${file}: ${samples.length} samples (${needing} need a tool) written to ${values.out}; evaluate with it, never build assets from it`);
  return { ok: true, kind, file, out: values.out, count: samples.length, needs_tool: needing, hash: datasetHash(loaded), domains: stats.domains };
}
