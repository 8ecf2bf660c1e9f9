import { evalCommand } from "./eval.js";
import type { Command } from "../command.js";

/**
 * The main job on a fresh machine: fetch the default model, build an ASA asset from the built-in
 * necessity dataset (vectors from CAL, router and probes from TRAIN, layer/α/τ from VAL), evaluate
 * baseline against steered on TEST, print the table and write the HTML report. A deterministic fifth of
 * each split keeps it within minutes on 2 CPU cores; `--subset 1` runs everything.
 */
export const demoCommand: Command = {
  name: "demo",
  summary: "Fetch the default model, build ASA from the built-in data, compare baseline vs steered on TEST, write a report",
  usage: "llama-steer demo [--model M] [--subset K] [--report FILE] [--json]",
  examples: ["llama-steer demo", "llama-steer demo --subset 1 --report full-report.html"],
  options: {
    model: evalCommand.options.model,
    threads: evalCommand.options.threads,
    subset: { type: "string", description: "keep every K-th sample of each split (default 5)", valueName: "K" },
    report: { type: "string", description: "HTML report path (default llama-steer-demo.html)", valueName: "FILE" },
  },
  async run(values, positionals, io) {
    const started = Date.now();
    const report = await evalCommand.run(
      {
        model: values.model,
        threads: values.threads,
        data: "necessity",
        split: "test",
        controller: "asa",
        format: "asa",
        subset: values.subset ?? "5",
        alpha: "2,8,32",
        tau: "0.5,0.7,0.9",
        report: values.report ?? "llama-steer-demo.html",
      },
      positionals,
      io,
    );
    const seconds = Math.round((Date.now() - started) / 1000);
    io.print(`demo finished in ${Math.floor(seconds / 60)} min ${seconds % 60} s`);
    return { ...(report as object), demo_wall_s: seconds };
  },
};
