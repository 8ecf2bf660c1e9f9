import { createHash } from "node:crypto";
import { createReadStream, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { createRequire } from "node:module";

import { loadAsset, saveAsset, type SteeringAsset } from "../../assets/index.js";
import type { Split } from "../../data/index.js";
import { ABLATIONS, runEvaluation, type AblationName, type ControllerName } from "../../eval/evaluate.js";
import type { EvalReport } from "../../eval/reportTypes.js";
import { renderHtmlReport, renderMarkdownSummary } from "../../report/index.js";
import { buildAsaAsset } from "../../science/buildAsa.js";
import { tokenBudget } from "../../eval/budget.js";
import { GenerationJournal } from "../../eval/journal.js";
import { packageVersion } from "../version.js";
import { UsageError, type Command } from "../command.js";
import { dataOption, formatFrom, formatOption, sessionOptions, openDataset, openSession, parseInteger, parseNumberList, phaseProgress, subsetOption, valSubsetOption } from "../shared.js";
import {
  alphaUnitOption, gateOption, maxTokensOption, parseAlphaUnit, parseGateModes, parseMaxTokens, parsePositions, parseSelect, parseValLayers, parseVectorSets, positionsOption,
  randomControlOption, selectionJson, selectOption, valLayersOption, vectorsOption,
} from "../selectionOptions.js";

const SPLITS = ["cal", "train", "val", "test", "all"];

export const evalCommand: Command = {
  name: "eval",
  summary: "Evaluate tool calling under the strict protocol: baseline vs a steering controller, with ablations and a report",
  usage:
    "llama-steer eval [--model M] [--data D] [--split test] [--asset A | --controller asa|always|none] [--format F] " +
    "[--alpha 0.5,1,2,4] [--tau 0.5,0.7,0.9] [--gate MODES] [--positions LIST] [--vectors LIST] [--select mcc|f1-fpr|f1] [--ablations] [--report FILE.html] [--out FILE.json] [--json]",
  examples: [
    "llama-steer eval --controller none --split test            # unsteered baseline",
    "llama-steer eval --controller asa --report report.html     # build ASA from CAL/TRAIN/VAL, evaluate on TEST",
    "llama-steer eval --asset asa.json --ablations --json > eval.json",
  ],
  options: {
    ...sessionOptions,
    data: dataOption,
    split: { type: "string", description: "split to report on, or all (an imported benchmark, with an asset built from other data) (default test)", valueName: "SPLIT" },
    asset: { type: "string", description: "steering asset from `llama-steer build` (implies --controller asa)", valueName: "FILE" },
    controller: { type: "string", description: "asa, always or none (default: asa with --asset, else none)", valueName: "NAME" },
    format: formatOption,
    alpha: { type: "string", description: "α grid searched on VAL when building (or one value to force)", valueName: "LIST" },
    tau: { type: "string", description: "τ grid searched on VAL when building (or one value to force)", valueName: "LIST" },
    layer: { type: "string", description: "layer for a built asset (default: best probe AUC on TRAIN)", valueName: "L" },
    "val-layers": valLayersOption,
    "alpha-unit": alphaUnitOption,
    gate: gateOption,
    positions: positionsOption,
    vectors: vectorsOption,
    "random-control": randomControlOption,
    select: selectOption,
    "max-tokens": maxTokensOption,
    ablations: { type: "boolean", description: "prompt-only variants, no gate, random direction, each direction (mov, global, domain) and each injection position (last prompt token, whole prompt), oracle and mismatched router, logit check" },
    ablation: { type: "string", description: `run only these ablations (comma-separated): ${ABLATIONS.join(", ")}`, valueName: "LIST" },
    report: { type: "string", description: "write a self-contained HTML report", valueName: "FILE" },
    out: { type: "string", description: "also write the JSON document to this file", valueName: "FILE" },
    "save-asset": { type: "string", description: "save the asset built for this run", valueName: "FILE" },
    subset: subsetOption,
    "val-subset": valSubsetOption,
    journal: { type: "string", description: "keep every generation in this file and reuse it: a stopped run started again decodes only what is missing", valueName: "FILE" },
  },
  async run(values, _positionals, io) {
    const split = (values.split as string | undefined) ?? "test";
    if (!SPLITS.includes(split)) throw new UsageError(`--split must be one of ${SPLITS.join(", ")}`);
    const controller = ((values.controller as string | undefined) ?? (values.asset ? "asa" : "none")) as ControllerName;
    if (!["asa", "always", "none"].includes(controller)) throw new UsageError(`--controller must be asa, always or none`);
    if (split === "all" && controller !== "none" && typeof values.asset !== "string") {
      throw new UsageError("--split all evaluates every sample, so the asset must come from other data: pass --asset FILE (or --controller none)");
    }
    const alphas = parseNumberList("alpha", values.alpha);
    const taus = parseNumberList("tau", values.tau);
    const fixedBudget = parseMaxTokens(values["max-tokens"]);
    const gates = parseGateModes(values.gate);
    const positions = parsePositions(values.positions);
    const vectorSets = parseVectorSets(values.vectors);
    const alphaUnit = parseAlphaUnit(values["alpha-unit"]);
    if (values["alpha-unit"] !== undefined && typeof values.asset === "string") throw new UsageError("--alpha-unit sets how a new asset is built; an asset file carries its own (params.alphaUnit)");
    const select = parseSelect(values.select);
    const layer = values.layer === undefined ? undefined : parseInteger("layer", values.layer, 0);
    const valLayers = parseValLayers(values);
    if (valLayers !== undefined && typeof values.asset === "string") throw new UsageError("--val-layers chooses the layer of a new asset; an asset file carries its own");
    const format = formatFrom(values.format);
    if (values["random-control"] === true && typeof values.asset === "string") throw new UsageError("--random-control checks the VAL choice of a new asset; with an asset file use --ablation random_direction");
    if (values["val-subset"] !== undefined && typeof values.asset === "string") throw new UsageError("--val-subset thins the VAL choice of a new asset; an asset file was chosen already");
    const dataset = await openDataset(values.data, io, values.subset, values["val-subset"]);
    const session = await openSession(values, io);
    const bar = phaseProgress();
    try {
      const budget = tokenBudget(session.model, dataset.all, format, fixedBudget);
      const maxTokens = budget.maxTokens;
      const journal =
        typeof values.journal === "string" ? await GenerationJournal.open(values.journal, session.model.info.fingerprint) : GenerationJournal.inMemory(session.model.info.fingerprint);
      if (journal.recovered > 0) io.log(`journal ${values.journal}: ${journal.recovered} results kept from earlier runs`);
      let asset: SteeringAsset | undefined;
      let built: Awaited<ReturnType<typeof buildAsaAsset>> | undefined;
      if (controller !== "none") {
        if (typeof values.asset === "string") {
          asset = await loadAsset(values.asset, { expectFingerprint: session.model.info.fingerprint });
        } else {
          io.log("building an ASA asset from the CAL, TRAIN and VAL splits ...");
          built = await buildAsaAsset(session.ctx, dataset.samples, { format, layer, valLayers, alphas, alphaUnit, taus, gates, positions, vectorSets, randomControl: values["random-control"] === true, select, selectionMaxTokens: maxTokens, journal, signal: io.signal, onProgress: bar.onProgress });
          asset = { ...built.asset, version: 1, createdAt: new Date().toISOString() };
          if (typeof values["save-asset"] === "string") await saveAsset(values["save-asset"], built.asset);
        }
      }
      // With an asset file, one value of a grid option overrides the asset's (a new asset was chosen on VAL already).
      const forced = <T>(list: readonly T[] | undefined) => (list && list.length === 1 && typeof values.asset === "string" ? list[0] : undefined);
      const result = await runEvaluation(session.ctx, {
        data: dataset.name,
        samples: dataset.samples,
        split: split as Split | "all",
        format,
        controller,
        asset,
        alpha: forced(alphas),
        tau: forced(taus),
        gate: forced(values.gate === undefined ? undefined : gates),
        positions: forced(positions),
        vectors: forced(vectorSets),
        maxTokens,
        ablations: parseAblations(values),
        journal,
        signal: io.signal,
        onProgress: bar.onProgress,
      });
      bar.done();
      const { datasetHash, ...rest } = result;
      rest.settings.budget = budget.source;
      if (budget.longestCallTokens !== undefined) rest.settings.longest_call_tokens = budget.longestCallTokens;
      const report: EvalReport = {
        model: session.modelPath,
        ...rest,
        ...(built
          ? {
              sweep: built.selection.points
                .filter(({ layer, positions, vectors, tau, gate }) => {
                  const chosen = built!.selection.chosen;
                  return layer === chosen.layer && positions === chosen.positions && vectors === chosen.vectors && tau === chosen.tau && gate === chosen.gate;
                })
                .map((p) => ({ alpha: p.alpha, tau: p.tau, gate: p.gate, ...p.metrics })),
              selection: selectionJson(built.selection, maxTokens),
              layer_auc: built.sweep.layers,
            }
          : {}),
        reproducibility: {
          llama_steer: packageVersion(),
          node_llama_cpp: nodeLlamaCppVersion(),
          model_sha256: await sha256File(session.modelPath),
          model_fingerprint: session.model.info.fingerprint,
          dataset_hash: datasetHash,
          seed: 0,
          command: `llama-steer ${process.argv.slice(2).join(" ")}`,
          date: new Date().toISOString(),
        },
      };
      if (typeof values.report === "string") {
        await writeFile(values.report, renderHtmlReport(report));
        io.log(`wrote ${values.report}`);
      }
      if (typeof values.out === "string") await writeFile(values.out, `${JSON.stringify(report, null, 1)}\n`);
      io.print(renderMarkdownSummary(report));
      return report;
    } finally {
      bar.done();
      await session.dispose();
    }
  },
};

function parseAblations(values: Record<string, unknown>): boolean | AblationName[] {
  if (values.ablation === undefined) return values.ablations === true;
  const names = String(values.ablation).split(",").map((n) => n.trim());
  const unknown = names.filter((n) => !ABLATIONS.includes(n as AblationName));
  if (unknown.length > 0) throw new UsageError(`--ablation names unknown ablations: ${unknown.join(", ")} (known: ${ABLATIONS.join(", ")})`);
  return names as AblationName[];
}

function nodeLlamaCppVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    return JSON.parse(readFileSync(require.resolve("node-llama-cpp/package.json"), "utf8")).version;
  } catch {
    return "unknown";
  }
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(path).on("data", (c) => hash.update(c)).on("error", reject).on("end", () => resolve(hash.digest("hex")));
  });
}
