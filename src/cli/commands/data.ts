import { builtInDatasetNames, datasetHash, datasetStats, loadDataset } from "../../data/index.js";
import type { Command } from "../command.js";

export const dataCommand: Command = {
  name: "data",
  summary: "List the built-in datasets with counts per split, domain and tool, or validate a JSONL dataset",
  usage: "llama-steer data [--validate FILE] [--json]",
  examples: ["llama-steer data", "llama-steer data --json", "llama-steer data --validate ./my-agent-traces.jsonl"],
  options: {
    validate: { type: "string", description: "check a dataset file; errors are reported by line number", valueName: "FILE" },
  },
  async run(values, _positionals, io) {
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
