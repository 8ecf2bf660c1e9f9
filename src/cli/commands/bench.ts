import { readFile, writeFile } from "node:fs/promises";

import { benchMarkdown, keptSectionOf } from "../../bench/markdown.js";
import { BENCH_KEYS, formatValue, runBench } from "../../bench/run.js";
import { defaultModelName, resolveModelPath } from "../../models/index.js";
import { UsageError, type Command } from "../command.js";
import { gpuLayersOption, parseGpuLayers, parseInteger, threadsOption, warnIfNotOffloaded } from "../shared.js";

export const benchCommand: Command = {
  name: "bench",
  summary: "Measure the cost of capture and steering, and llama-steer against llama.cpp's tools and node-llama-cpp, as side-by-side ratios",
  usage: "llama-steer bench [--model NAME|PATH] [--reps N] [--threads N] [--gpu-layers N|all] [--only KEY,KEY] [--requests N] [--prompts N] [--write FILE] [--json]",
  examples: [
    "llama-steer bench --write BENCHMARKS.md",
    "llama-steer bench --only capture_vs_prefill --reps 3 --json",
    "node scripts/build-llama-tools.mjs && llama-steer bench --only build_vs_cvector_generator --reps 1",
    "llama-steer bench --only serve_vs_llama_server,eval_vs_llama_server --requests 64 --prompts 24",
  ],
  options: {
    model: { type: "string", description: "model name from the manifest or a GGUF path (default: the default model)", valueName: "NAME|PATH" },
    reps: { type: "string", description: "paired repetitions per figure (default 5)", valueName: "N" },
    threads: threadsOption,
    "gpu-layers": gpuLayersOption,
    requests: { type: "string", description: "chat requests per side of serve_vs_llama_server (default 200)", valueName: "N" },
    prompts: { type: "string", description: "TEST prompts of eval_vs_llama_server and eval_asa_vs_eval_plain (default 60)", valueName: "N" },
    only: { type: "string", description: `comma-separated keys: ${BENCH_KEYS.join(", ")}`, valueName: "KEYS" },
    write: { type: "string", description: "write the figures as Markdown to this file", valueName: "FILE" },
  },
  async run(values, _positionals, io) {
    const reps = values.reps === undefined ? 5 : Number(values.reps);
    if (!Number.isInteger(reps) || reps < 1 || reps > 100) throw new UsageError(`--reps must be an integer from 1 to 100, got ${String(values.reps)}`);
    const threads = values.threads === undefined ? undefined : parseInteger("threads", values.threads, 1, 1);
    const requests = values.requests === undefined ? undefined : parseInteger("requests", values.requests, 1, 1);
    const evalPrompts = values.prompts === undefined ? undefined : parseInteger("prompts", values.prompts, 1, 1);
    const only = typeof values.only === "string" ? values.only.split(",").map((s) => s.trim()) : undefined;
    for (const k of only ?? []) if (!BENCH_KEYS.includes(k)) throw new UsageError(`unknown bench key "${k}"; known: ${BENCH_KEYS.join(", ")}`);
    const modelPath = await resolveModelPath((values.model as string | undefined) ?? defaultModelName(), { signal: io.signal });
    const gpuLayers = parseGpuLayers(values["gpu-layers"]);
    const report = await runBench({ modelPath, reps, threads, gpuLayers, requests, evalPrompts, only, signal: io.signal, log: io.log, onLoaded: () => warnIfNotOffloaded(gpuLayers, io) });
    const command = `llama-steer ${["bench", ...process.argv.slice(3)].join(" ")}`;
    if (typeof values.write === "string") {
      await writeFile(values.write, benchMarkdown(report, command, keptSectionOf(await readFile(values.write, "utf8").catch(() => undefined))));
      io.log(`wrote ${values.write}`);
    }
    for (const f of report.figures) io.print(`${f.key.padEnd(40)} ${formatValue(f)}${f.goal !== undefined ? `  (goal >= ${f.goal})` : ""}`);
    for (const s of report.skipped) io.print(`${s.key.padEnd(40)} skipped: ${s.reason}`);
    const keys = Object.fromEntries(report.figures.map((f) => [f.key, f.value]));
    return { ...keys, machine: report.machine, model: report.model, threads: report.threads, date: report.date, skipped: report.skipped, details: report.figures };
  },
};
