import { saveAsset } from "../../assets/index.js";
import { datasetHash, splitOf } from "../../data/index.js";
import { renderSamples } from "../../eval/prompts.js";
import { tokenBudget } from "../../eval/budget.js";
import { GenerationJournal } from "../../eval/journal.js";
import { buildAsaAsset } from "../../science/buildAsa.js";
import {
  alphaUnitOption, gateOption, maxTokensOption, parseAlphaUnit, parseGateModes, parseMaxTokens, parsePositions, parseSelect, parseValLayers, parseVectorSets, positionsOption,
  randomControlOption, selectionJson, selectOption, valLayersOption, vectorsOption,
} from "../selectionOptions.js";
import { lastTokenRows } from "../../science/rows.js";
import { meanDifference, pairedDifferences, pcaDirection, unembeddingDirection, type SteeringVector } from "../../vectors/index.js";
import { UsageError, type Command } from "../command.js";
import { dataOption, formatFrom, formatOption, sessionOptions, openDataset, openSession, parseInteger, parseNumberList, phaseProgress, subsetOption, valSubsetOption } from "../shared.js";

export const buildCommand: Command = {
  name: "build",
  summary: "Build a steering asset (ASA controller, or a plain vector) that `eval --asset` uses",
  usage: "llama-steer build [--model M] [--data D] --controller asa|vector [--method mean-diff|pca|unembed] [--layer L] [--gate MODES] [--positions LIST] [--vectors LIST] [--val-subset K] [--select RULE] --out FILE [--json]",
  examples: [
    "llama-steer build --controller asa --out asa.json",
    "llama-steer build --controller asa --positions last-prompt,prompt --vectors mov,global --val-subset 2 --journal val.jsonl --out asa.json",
    "llama-steer build --controller vector --method pca --layer 12 --out v.json", "llama-steer build --controller vector --method unembed --layer 12 --out u.json"],
  options: {
    ...sessionOptions,
    data: dataOption,
    controller: { type: "string", description: "asa (default) or vector", valueName: "NAME" },
    method: { type: "string", description: "vector: mean-diff (default), pca of paired differences, or unembed (the output row of the format's call marker's first token at the mean-diff norm)", valueName: "NAME" },
    layer: { type: "string", description: "layer (default: best probe AUC on TRAIN for asa; required for vector)", valueName: "L" },
    "val-layers": valLayersOption,
    alpha: { type: "string", description: "α grid for asa (chosen on VAL), or the strength stored for vector", valueName: "LIST" },
    "alpha-unit": alphaUnitOption,
    tau: { type: "string", description: "τ grid for asa (chosen on VAL)", valueName: "LIST" },
    format: formatOption,
    gate: gateOption,
    positions: positionsOption,
    vectors: vectorsOption,
    select: selectOption,
    "random-control": randomControlOption,
    "max-tokens": maxTokensOption,
    journal: { type: "string", description: "keep the VAL generations in this file and reuse them (a stopped build started again decodes only what is missing)", valueName: "FILE" },
    out: { type: "string", description: "asset file to write", valueName: "FILE" },
    subset: subsetOption,
    "val-subset": valSubsetOption,
  },
  async run(values, _positionals, io) {
    if (typeof values.out !== "string") throw new UsageError("--out FILE is required");
    const controller = (values.controller as string | undefined) ?? "asa";
    if (controller !== "asa" && controller !== "vector") throw new UsageError("--controller must be asa or vector");
    const method = (values.method as string | undefined) ?? "mean-diff";
    if (method !== "mean-diff" && method !== "pca" && method !== "unembed") throw new UsageError("--method must be mean-diff, pca or unembed");
    const layer = values.layer === undefined ? undefined : parseInteger("layer", values.layer, 0);
    const alphaUnit = parseAlphaUnit(values["alpha-unit"]);
    const valLayers = parseValLayers(values);
    const positions = parsePositions(values.positions);
    const vectorSets = parseVectorSets(values.vectors);
    // Options of the VAL choice have no meaning for a plain vector.
    for (const option of ["val-layers", "alpha-unit", "positions", "vectors", "random-control", "val-subset"]) {
      if (controller !== "asa" && values[option] !== undefined) throw new UsageError(`--${option} applies to --controller asa`);
    }
    const format = formatFrom(values.format);
    const dataset = await openDataset(values.data, io, values.subset, values["val-subset"]);
    const session = await openSession(values, io);
    const bar = phaseProgress();
    try {
      if (controller === "asa") {
        const selectionMaxTokens = tokenBudget(session.model, dataset.all, format, parseMaxTokens(values["max-tokens"])).maxTokens;
        const built = await buildAsaAsset(session.ctx, dataset.samples, {
          format,
          layer,
          valLayers,
          alphas: parseNumberList("alpha", values.alpha),
          alphaUnit,
          taus: parseNumberList("tau", values.tau),
          gates: parseGateModes(values.gate),
          positions,
          vectorSets,
          randomControl: values["random-control"] === true,
          select: parseSelect(values.select),
          selectionMaxTokens,
          journal: typeof values.journal === "string" ? await GenerationJournal.open(values.journal, session.model.info.fingerprint) : undefined,
          signal: io.signal,
          onProgress: bar.onProgress,
        });
        await saveAsset(values.out, built.asset);
        bar.done();
        const { params } = built.asset;
        const layerAuc = built.sweep.layers.find((l) => l.layer === built.asset.layer)?.auc;
        const layerChoice = built.selection.layers.length > 1 ? `chosen on VAL among ${built.selection.layers.join(", ")}` : `AUC ${layerAuc?.toFixed(3) ?? "—"}`;
        io.print(
          `wrote ${values.out}: layer ${built.asset.layer} (${layerChoice}), α ${params.alpha}${params.alphaUnit === "residual" ? " residual norms" : ""}, τ ${params.tau}, gate ${params.gate}, ` +
            `direction ${params.vectors}, injected at ${params.positions}, chosen on VAL by ${built.selection.rule}`,
        );
        const control = built.selection.randomControl;
        if (control) {
          const chosenMcc = built.selection.chosen.metrics.mcc;
          const { better, worse, p_value } = control.paired.decision;
          io.print(`on VAL: the chosen point MCC ${chosenMcc.toFixed(3)}, the random direction at the same gate ${control.metrics.mcc.toFixed(3)} (decisions ${better} better / ${worse} worse, p = ${p_value.toPrecision(2)})`);
          if (better <= worse) io.log("warning: the chosen point does no better than a random direction behind the same gate: the gate, not the direction, decides");
        }
        const selection = selectionJson(built.selection, selectionMaxTokens);
        return { out: values.out, controller, layer: built.asset.layer, params, selection_rule: selection.rule, selection, sweep: built.sweep, counts: built.counts };
      }
      if (layer === undefined) throw new UsageError("--layer is required for --controller vector");
      const cal = dataset.samples.filter((s) => splitOf(s) === "cal");
      const prompts = await renderSamples(session.model, cal, format, { signal: io.signal });
      const rows = (await lastTokenRows(session.ctx, prompts, [layer], { signal: io.signal, onProgress: (d, t) => bar.onProgress("capture", d, t) })).get(layer)!;
      const pos = new Map([[layer, rows.filter((_, i) => cal[i].needs_tool)]]);
      const neg = new Map([[layer, rows.filter((_, i) => !cal[i].needs_tool)]]);
      const fingerprint = session.model.info.fingerprint;
      const diff = meanDifference(pos, neg, { modelFingerprint: fingerprint, source: "cal" });
      let vector: SteeringVector = diff;
      if (method === "pca") {
        // PCA needs pairs: tool-needed and no-tool rows are paired in order (the shorter list decides).
        const n = Math.min(pos.get(layer)!.length, neg.get(layer)!.length);
        const pairs = pairedDifferences(new Map([[layer, pos.get(layer)!.slice(0, n)]]), new Map([[layer, neg.get(layer)!.slice(0, n)]]));
        vector = pcaDirection(pairs, {}).scale(diff.norm(layer)).withMeta({ modelFingerprint: fingerprint });
      } else if (method === "unembed") {
        // The direction that makes the call marker's first token likely, at the size of the measured intent vector.
        const marker = session.model.tokenize(format.callMarker, { addSpecial: false })[0];
        vector = unembeddingDirection(await session.model.outputRow(marker), diff, { modelFingerprint: fingerprint, source: `first token of "${format.callMarker}"` });
      }
      const alpha = parseNumberList("alpha", values.alpha)?.[0] ?? 1;
      await saveAsset(values.out, {
        modelFingerprint: fingerprint,
        nEmbd: session.model.info.nEmbd,
        layer,
        method,
        datasetHash: datasetHash(dataset.samples),
        tools: [...new Set(dataset.samples.flatMap((s) => s.tools.map((t) => t.function.name)))].sort(),
        params: { alpha, beta: 0, tau: 0.5 },
        vectors: { global: vector, domains: new Map() },
        router: null,
        probe: null,
      });
      bar.done();
      io.print(`wrote ${values.out}: ${method} vector at layer ${layer} from ${cal.length} CAL samples`);
      return { out: values.out, controller, method, layer, norm: vector.norm(layer) };
    } finally {
      bar.done();
      await session.dispose();
    }
  },
};
