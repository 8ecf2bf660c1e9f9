#!/usr/bin/env node
// Prints the VAL selection of a saved ASA asset (every α, τ and gate point with its metrics, and the rule's pick)
// as JSON, from the journal its build wrote: only the VAL rows are read again, nothing is generated again.
//   node scripts/val-selection.mjs --model NAME --asset FILE --journal FILE [--format asa] [--subset K] [--alpha 4,8,16] [--select mcc]
import { parseArgs } from "node:util";

import { loadAsset } from "../dist/assets/index.js";
import { splitOf } from "../dist/data/index.js";
import { tokenBudget } from "../dist/eval/budget.js";
import { GenerationJournal } from "../dist/eval/journal.js";
import { renderSamples } from "../dist/eval/prompts.js";
import { getFormat } from "../dist/formats/index.js";
import { selectOnVal } from "../dist/science/buildAsa.js";
import { openDataset, openSession } from "../dist/cli/shared.js";

const { values } = parseArgs({
  options: {
    model: { type: "string" },
    asset: { type: "string" },
    journal: { type: "string" },
    format: { type: "string", default: "asa" },
    subset: { type: "string", default: "1" },
    alpha: { type: "string", default: "0.5,1,2,4,8" },
    select: { type: "string", default: "mcc" },
  },
});
const io = { json: true, print: () => {}, log: (t) => process.stderr.write(`${t}\n`), signal: new AbortController().signal };
const format = getFormat(values.format);
const dataset = await openDataset("necessity", io, values.subset);
const session = await openSession({ model: values.model }, io);
try {
  const asset = await loadAsset(values.asset, { expectFingerprint: session.model.info.fingerprint });
  const journal = await GenerationJournal.open(values.journal, session.model.info.fingerprint);
  const val = dataset.samples.filter((s) => splitOf(s) === "val");
  const prompts = await renderSamples(session.model, val, format);
  const maxTokens = tokenBudget(session.model, dataset.all, format).maxTokens;
  const selection = await selectOnVal(session.ctx, val, prompts, asset, {
    format,
    alphas: values.alpha.split(",").map(Number),
    select: values.select,
    selectionMaxTokens: maxTokens,
    journal,
  });
  const { baseline, points, rule, fallback, chosen } = selection;
  process.stdout.write(
    `${JSON.stringify({ asset: values.asset, rule, fallback, chosen: { alpha: chosen.alpha, tau: chosen.tau, gate: chosen.gate }, max_tokens: maxTokens, n: val.length, journal_recovered: journal.recovered, val_baseline: baseline, points: points.map((p) => ({ alpha: p.alpha, tau: p.tau, gate: p.gate, ...p.metrics })) }, null, 1)}\n`,
  );
} finally {
  await session.dispose();
}
