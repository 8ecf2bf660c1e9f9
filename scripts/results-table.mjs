#!/usr/bin/env node
// Prints Markdown tables from `llama-steer eval`/`build --json` documents (and the per-layer line of a `sweep
// --json` document), for RESULTS.md.
//   node scripts/results-table.mjs results/a.json [results/b.json ...]
import { readFileSync } from "node:fs";

const KEYS = ["precision", "recall", "f1", "mcc", "balanced_accuracy", "accuracy", "fpr", "format_acc", "tool_name_acc", "args_acc", "success_precision", "success_recall"];
const f = (x) => (typeof x === "number" && Number.isFinite(x) ? x.toFixed(3) : "—");
// p-values span many orders of magnitude: two significant digits, not three decimals.
const p2 = (x) => (typeof x === "number" && Number.isFinite(x) ? x.toPrecision(2) : "—");
const aucLine = (layers) => layers.map((l) => `L${l.layer} ${f(l.auc)} (${f(l.auc_shuffled)})`).join(" · ");

for (const file of process.argv.slice(2)) {
  const r = JSON.parse(readFileSync(file, "utf8"));
  console.log(`### ${file}\n`);
  if (r.best_layer !== undefined && Array.isArray(r.layers)) {
    console.log(`Probe AUC per layer (sweep; shuffled-label control in brackets), best layer ${r.best_layer} (${f(r.best_auc)}):\n`);
    console.log(aucLine(r.layers) + "\n");
    continue;
  }
  console.log(`\`${r.reproducibility.command}\` — model \`${r.model.split("/").pop()}\` (sha256 ${r.reproducibility.model_sha256.slice(0, 12)}…), data ${r.data}, split ${r.split}, n = ${r.n}, format ${r.settings.format}, max ${r.settings.max_tokens} new tokens\n`);
  const rows = [["baseline", r.baseline]];
  if (r.steered) rows.push([`steered (${r.settings.controller}, layer ${r.settings.layer}, α ${r.steered.alpha}${r.steered.tau !== undefined ? `, τ ${r.steered.tau}` : ""}${r.steered.gate ? `, gate ${r.steered.gate}` : ""})`, r.steered]);
  for (const [name, m] of Object.entries(r.ablations ?? {})) if (name !== "baseline" && name !== "asa_full") rows.push([`ablation: ${name}`, m]);
  console.log(`| run | ${KEYS.join(" | ")} | truncated |`);
  console.log(`| --- | ${KEYS.map(() => "---").join(" | ")} | --- |`);
  for (const [name, m] of rows) console.log(`| ${name} | ${KEYS.map((k) => f(m[k])).join(" | ")} | ${m.counts?.truncated ?? "—"} |`);
  console.log("");
  if (r.selection) {
    const c = r.selection.chosen;
    console.log(`Chosen on VAL by \`${r.selection.rule}\`${r.selection.fallback ? " (it refused every point; mcc chose)" : ""}: α ${c.alpha}, τ ${c.tau}, gate ${c.gate}; VAL baseline MCC ${f(r.selection.val_baseline.mcc)}, F1 ${f(r.selection.val_baseline.f1)}, FPR ${f(r.selection.val_baseline.fpr)}.\n`);
  }
  for (const [name, p] of Object.entries(r.paired ?? {})) {
    console.log(`Paired (McNemar, exact), ${name.replace(/_/g, " ")}: decisions ${p.decision.better} better / ${p.decision.worse} worse (p ${p.decision.p_value.toPrecision(2)}); outcomes ${p.outcome.better} better / ${p.outcome.worse} worse (p ${p.outcome.p_value.toPrecision(2)})\n`);
  }
  if (r.layer_auc) {
    console.log(`Probe AUC per layer (TRAIN, 5-fold CV; shuffled-label control in brackets):\n`);
    console.log(aucLine(r.layer_auc) + "\n");
  }
  if (r.sweep) {
    console.log(`α on VAL (at the chosen τ and gate): ` + r.sweep.map((s) => `α ${s.alpha}: MCC ${f(s.mcc)}, F1 ${f(s.f1)}, FPR ${f(s.fpr)}`).join("; ") + "\n");
  }
  for (const s of [].concat(r.logit_shift ?? [])) {
    const token = typeof s.token === "string" ? ` ${JSON.stringify(s.token)} (${s.token_source}${s.token_source === "calls" ? `: opens ${f(s.share_of_calls)} of calls, ${f(s.share_of_others)} of other replies` : ""})` : "";
    console.log(`Logit shift of the trigger token${token} at α ${s.alpha} (n ${s.n}): +v ${f(s.plus)}, −v ${f(s.minus)}, random ${f(s.random)}; p(+v vs random) ${p2(s.p_value)}, p(−v vs random) ${p2(s.p_value_minus)}\n`);
  }
}
