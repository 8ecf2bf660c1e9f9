import { existsSync } from "node:fs";
import path from "node:path";

import { defaultModelName } from "../../models/index.js";
import { packageRoot } from "../../util/packageRoot.js";
import { evalCommand } from "./eval.js";
import type { Command } from "../command.js";

/**
 * An ASA asset shipped with the package for a manifest model (`models/assets/<name>.asa.json`), built by
 * `llama-steer build` from the built-in necessity data only (vectors from CAL, probes from TRAIN, α/τ/gate from
 * VAL). Undefined when the package ships none for that model.
 */
export function shippedAsset(modelName: string): string | undefined {
  const file = path.join(packageRoot(), "models", "assets", `${modelName}.asa.json`);
  return existsSync(file) ? file : undefined;
}

/**
 * The main job on a fresh machine: fetch the default model, evaluate baseline against ASA-steered on the built-in
 * necessity TEST split, print the table, say how long it took and write the HTML report. With an asset shipped for
 * the model it is used as it is; otherwise one is built from CAL, TRAIN and VAL first. A deterministic part of each
 * split (`--subset`) keeps it within minutes on 2 CPU cores; `--subset 1` runs everything.
 */
export const demoCommand: Command = {
  name: "demo",
  summary: "Fetch the default model, compare baseline vs ASA-steered on the built-in necessity TEST split, write a report",
  usage: "llama-steer demo [--model M] [--subset K] [--report FILE] [--json]",
  examples: ["llama-steer demo", "llama-steer demo --subset 1 --report full-report.html"],
  options: {
    model: evalCommand.options.model,
    threads: evalCommand.options.threads,
    subset: { type: "string", description: "keep every K-th sample of each split (default 5, or 10 with a shipped asset)", valueName: "K" },
    report: { type: "string", description: "HTML report path (default llama-steer-demo.html)", valueName: "FILE" },
  },
  async run(values, positionals, io) {
    const started = Date.now();
    const modelName = typeof values.model === "string" ? values.model : defaultModelName();
    const asset = shippedAsset(modelName);
    io.log(asset ? `using the ASA asset shipped for ${modelName}: ${asset}` : `no asset is shipped for ${modelName}: building one from the built-in data first`);
    const report = await evalCommand.run(
      {
        model: values.model,
        threads: values.threads,
        data: "necessity",
        split: "test",
        format: "asa",
        report: values.report ?? "llama-steer-demo.html",
        ...(asset
          ? { asset, subset: values.subset ?? "10" }
          : { controller: "asa", subset: values.subset ?? "5", alpha: "2,8,32", tau: "0.5,0.7,0.9" }),
      },
      positionals,
      io,
    );
    const seconds = Math.round((Date.now() - started) / 1000);
    io.print(`demo finished in ${Math.floor(seconds / 60)} min ${seconds % 60} s`);
    return { ...(report as object), demo_wall_s: seconds };
  },
};
