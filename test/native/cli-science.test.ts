/**
 * The science commands end to end through the compiled CLI (`npm run build:ts` first; `npm test` does it), on a
 * synthetic model and a small dataset in the project's JSONL format written here: `eval` (ASA built on the fly,
 * ablations, report), `build` then `eval --asset`, `sweep`, `switch` and `readout`. What is checked is the JSON
 * contract and the internal consistency of the numbers (counts add up, rates are ratios of those counts), not
 * what a random model does.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { beforeAll, describe, expect, test } from "vitest";

import { syntheticModelPath } from "../../src/synthetic/index.js";
import { packageRoot } from "../../src/util/packageRoot.js";

const CLI = path.join(packageRoot(), "dist", "cli", "main.js");
const tmp = mkdtempSync(path.join(os.tmpdir(), "llama-steer-science-"));
const dataFile = path.join(tmp, "tiny.jsonl");
const METRIC_KEYS = ["precision", "recall", "f1", "accuracy", "balanced_accuracy", "fpr", "format_acc", "tool_name_acc", "args_acc", "success_precision", "success_recall"];

const tool = (name: string) => ({ type: "function", function: { name, description: `${name} tool`, parameters: { type: "object", properties: { q: { type: "string" } }, required: ["q"] } } });
const TOOLS = [tool("sum"), tool("find"), tool("say")];
const DOMAINS: Record<string, { tool: string; needs: string[]; none: string[] }> = {
  math: { tool: "sum", needs: ["add 381 and 977", "sum 12 44 90", "total of 7 and 8", "what is 55 plus 19"], none: ["what is a sum", "why add", "is zero even", "what is a plus"] },
  web: { tool: "find", needs: ["news today", "find a bus time", "look up rain", "who won last night"], none: ["what is news", "what is a bus", "why rain", "what is a web"] },
};
const SPLITS = ["cal", "train", "val", "test"] as const;

function writeDataset(): number {
  const lines: string[] = [];
  let testWithTool = 0;
  for (const [domain, d] of Object.entries(DOMAINS)) {
    SPLITS.forEach((split, s) => {
      for (const [needs, texts] of [[true, d.needs], [false, d.none]] as const) {
        // Three samples per cell: every TRAIN class has six rows, enough for the probes' 5-fold CV.
        for (let k = 0; k < 3; k++) {
          const text = `${texts[(s + k) % texts.length]} ${split} ${k}`;
          if (split === "test" && needs) testWithTool++;
          lines.push(JSON.stringify({ id: `${domain}-${split}-${needs}-${k}`, domain, split, messages: [{ role: "user", content: text }], tools: TOOLS, needs_tool: needs, expected: needs ? { name: d.tool, arguments: { q: text } } : null }));
        }
      }
    });
  }
  writeFileSync(dataFile, lines.join("\n") + "\n");
  return testWithTool;
}

let modelPath: string;
let testWithTool: number;

function cli(args: string[]): { code: number | null; json: Record<string, any>; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args, "--model", modelPath, "--threads", "1", "--json"], { encoding: "utf8", timeout: 300_000 });
  let json: Record<string, any> = {};
  try {
    json = JSON.parse(r.stdout);
  } catch {
    throw new Error(`not one JSON document on stdout (exit ${r.status}): ${r.stdout.slice(0, 300)} / ${r.stderr.slice(-300)}`);
  }
  return { code: r.status, json, stderr: r.stderr };
}

function expectMetrics(m: Record<string, any>): void {
  for (const key of METRIC_KEYS) {
    expect(typeof m[key], key).toBe("number");
    expect(m[key]).toBeGreaterThanOrEqual(0);
    expect(m[key]).toBeLessThanOrEqual(1);
  }
  const { tp, fp, tn, fn } = m.counts;
  expect(m.precision).toBeCloseTo(tp + fp > 0 ? tp / (tp + fp) : 0, 12);
  expect(m.recall).toBeCloseTo(tp + fn > 0 ? tp / (tp + fn) : 0, 12);
  expect(m.fpr).toBeCloseTo(fp + tn > 0 ? fp / (fp + tn) : 0, 12);
  const denominator = Math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
  expect(m.mcc).toBeCloseTo(denominator > 0 ? (tp * tn - fp * fn) / denominator : 0, 12);
  expect(m.counts.truncated).toBeGreaterThanOrEqual(0);
}

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build:ts' before these tests`);
  modelPath = await syntheticModelPath("llama");
  testWithTool = writeDataset();
});

describe("eval, build, sweep, switch and readout on a synthetic model", () => {
  test("eval --controller asa --ablations writes the whole contract, a report, and an asset with tool means", () => {
    const report = path.join(tmp, "report.html");
    const asset = path.join(tmp, "asa.json");
    const r = cli(["eval", "--data", dataFile, "--controller", "asa", "--alpha", "1,4", "--tau", "0.5,0.8", "--max-tokens", "4", "--ablations", "--report", report, "--save-asset", asset]);
    expect(r.code, r.stderr).toBe(0);
    const doc = r.json;
    expect(doc).toMatchObject({ data: expect.any(String), split: "test", n: 12 });
    for (const key of ["model", "settings", "baseline", "steered", "sweep", "ablations", "logit_shift", "reproducibility"]) expect(doc, key).toHaveProperty(key);
    expectMetrics(doc.baseline);
    expectMetrics(doc.steered);
    expect([1, 4]).toContain(doc.steered.alpha);
    expect([0.5, 0.8]).toContain(doc.steered.tau);
    // α, τ and the gate were chosen on VAL by the default rule, among every point tried.
    expect(doc.selection).toMatchObject({ rule: "mcc", fallback: false, chosen: { alpha: doc.steered.alpha, tau: doc.steered.tau, gate: doc.steered.gate }, max_tokens: 4 });
    expect(doc.selection.points).toHaveLength(2 * 2 * 3);
    // By default only the paper's variant is tried, and the ablations of that variant repeat the controller's run.
    expect(doc.selection.chosen).toMatchObject({ positions: "last-prompt", vectors: "mov" });
    expect(doc.steered).toMatchObject({ positions: "last-prompt", vectors: "mov" });
    expect(doc.ablations.last_prompt).toEqual(doc.ablations.asa_full);
    expect(doc.ablations.mov).toEqual(doc.ablations.asa_full);
    const bestMcc = Math.max(...doc.selection.points.map((p: { mcc: number }) => p.mcc));
    expect(doc.selection.points.find((p: Record<string, unknown>) => p.alpha === doc.steered.alpha && p.tau === doc.steered.tau && p.gate === doc.steered.gate).mcc).toBe(bestMcc);
    expect(Object.keys(doc.ablations).sort()).toEqual(
      ["asa_full", "baseline", "domain_only", "global_only", "last_prompt", "mismatched_domain", "mov", "no_gate", "oracle_router", "prompt_few_shot", "prompt_no_system", "random_direction", "whole_prompt"].sort(),
    );
    const shifts = Array.isArray(doc.logit_shift) ? doc.logit_shift : [doc.logit_shift];
    for (const s of shifts) for (const key of ["plus", "minus", "random", "p_value"]) expect(typeof s[key]).toBe("number");
    // The call marker's first token is always read, first, and says so.
    expect(shifts[0]).toMatchObject({ token_source: "marker", token: expect.any(String) });
    // The paper's α 0.25 and 1, and the α the controller steers with (a raw-unit asset here).
    expect([...new Set(shifts.map((s: { alpha: number }) => s.alpha))].sort((a, b) => a - b)).toEqual([...new Set([0.25, 1, doc.steered.alpha])].sort((a, b) => a - b));
    expect(doc.reproducibility).toMatchObject({ dataset_hash: expect.stringMatching(/^[0-9a-f]{64}$/), model_fingerprint: expect.any(String), seed: 0 });

    // Every TEST sample that needs a tool lands in exactly one cell of the confusion and one gap bucket.
    const cells = Object.values(doc.confusion.counts as Record<string, Record<string, number>>).flatMap((row) => Object.values(row));
    expect(cells.reduce((a, b) => a + b, 0)).toBe(testWithTool);
    expect(doc.confusion.tools).toEqual(["find", "sum"]);
    expect(doc.gap_buckets.reduce((n: number, b: { n: number }) => n + b.n, 0)).toBe(testWithTool);
    for (const b of doc.gap_buckets) expect(b.low).toBeLessThanOrEqual(b.high);
    expect(doc.readout).toMatchObject({ n: testWithTool, layer: doc.settings.layer });

    const html = readFileSync(report, "utf8");
    expect(html).toContain("Tool confusion");
    expect(html).toContain("<svg");
    const saved = JSON.parse(readFileSync(asset, "utf8"));
    expect(Object.keys(saved.toolMeans).sort()).toEqual(["find", "sum"]);
  });

  test("eval --journal: a second run decodes nothing new and prints the same numbers", () => {
    const journal = path.join(tmp, "journal.jsonl");
    const args = ["eval", "--data", dataFile, "--controller", "asa", "--alpha", "2", "--tau", "0.6", "--gate", "negative", "--select", "f1-fpr", "--max-tokens", "4", "--journal", journal];
    const first = cli(args);
    expect(first.code, first.stderr).toBe(0);
    expect(first.json.selection).toMatchObject({ rule: "f1-fpr", chosen: { gate: "negative" } });
    const lines = readFileSync(journal, "utf8").split("\n").length;
    const second = cli(args);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/journal .*: \d+ results kept from earlier runs/);
    expect(readFileSync(journal, "utf8").split("\n").length).toBe(lines);
    for (const key of ["baseline", "steered", "selection", "logit_shift"]) expect(second.json[key], key).toEqual(first.json[key]);
    const bad = cli(["eval", "--data", dataFile, "--controller", "asa", "--select", "auc"]);
    expect(bad.code).toBe(2);
    expect(JSON.stringify(bad.json)).toMatch(/--select must be one of mcc, f1-fpr, f1/);
  });

  test("build writes an asset that eval --asset uses with its own α and τ", () => {
    const asset = path.join(tmp, "built.json");
    const built = cli(["build", "--data", dataFile, "--controller", "asa", "--layer", "1", "--alpha", "2", "--tau", "0.7", "--out", asset]);
    expect(built.code, built.stderr).toBe(0);
    const saved = JSON.parse(readFileSync(asset, "utf8"));
    expect(saved.layer).toBe(1);
    const r = cli(["eval", "--data", dataFile, "--asset", asset, "--max-tokens", "4"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.steered).toMatchObject({ alpha: saved.params.alpha, tau: saved.params.tau });
    expect(r.json.settings.layer).toBe(1);
    // Every asset records the residual's mean norm at its layer; α counts in raw units unless asked.
    expect(saved.params.residualNorm).toBeGreaterThan(0);
    expect(saved.params.alphaUnit).toBeUndefined();
  });

  test("build --alpha-unit residual writes an asset whose α counts residual norms; eval refuses the flag with --asset", () => {
    const asset = path.join(tmp, "residual.json");
    const built = cli(["build", "--data", dataFile, "--controller", "asa", "--layer", "1", "--alpha", "0.5", "--tau", "0.7", "--alpha-unit", "residual", "--out", asset]);
    expect(built.code, built.stderr).toBe(0);
    const saved = JSON.parse(readFileSync(asset, "utf8"));
    expect(saved.params).toMatchObject({ alpha: 0.5, alphaUnit: "residual" });
    expect(saved.params.residualNorm).toBeGreaterThan(0);
    expect(built.json.params).toMatchObject({ alphaUnit: "residual" });
    const refused = cli(["eval", "--data", dataFile, "--asset", asset, "--alpha-unit", "raw"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("an asset file carries its own");
    const bad = cli(["build", "--data", dataFile, "--controller", "asa", "--alpha-unit", "percent", "--out", path.join(tmp, "x.json")]);
    expect(bad.stderr.trim()).toBe(`llama-steer: --alpha-unit must be one of raw, residual (got "percent"); run 'llama-steer build --help'`);
  });

  test("build --val-layers chooses the layer on VAL with α, τ and the gate: the best point over every layer's", () => {
    const asset = path.join(tmp, "val-layers.json");
    const pooled = cli(["build", "--data", dataFile, "--controller", "asa", "--val-layers", "1,2", "--alpha", "1,4", "--tau", "0.7", "--max-tokens", "4", "--out", asset]);
    expect(pooled.code, pooled.stderr).toBe(0);
    const { selection } = pooled.json;
    expect(selection.layers).toEqual([1, 2]);
    expect(selection.points).toHaveLength(2 * 2 * 1 * 3);
    for (const layer of [1, 2]) expect(selection.points.filter((p: { layer: number }) => p.layer === layer)).toHaveLength(2 * 3);
    // The chosen point is the best MCC over both layers, and the asset is the one fitted at its layer.
    const bestMcc = Math.max(...selection.points.map((p: { mcc: number }) => p.mcc));
    const chosen = selection.points.find((p: Record<string, unknown>) => p.layer === selection.chosen.layer && p.alpha === selection.chosen.alpha && p.tau === selection.chosen.tau && p.gate === selection.chosen.gate);
    expect(chosen.mcc).toBe(bestMcc);
    const saved = JSON.parse(readFileSync(asset, "utf8"));
    expect(saved.layer).toBe(selection.chosen.layer);
    expect(pooled.json.layer).toBe(selection.chosen.layer);
    // Pooling changes nothing within a layer: layer 2's points are what a build fixed at layer 2 scores.
    const fixed = cli(["build", "--data", dataFile, "--controller", "asa", "--layer", "2", "--alpha", "1,4", "--tau", "0.7", "--max-tokens", "4", "--out", path.join(tmp, "layer2.json")]);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.json.selection.layers).toEqual([2]);
    expect(selection.points.filter((p: { layer: number }) => p.layer === 2)).toEqual(fixed.json.selection.points);
  });

  test("build --positions and --vectors choose the injection and the direction on VAL; the asset carries them to eval", () => {
    const fixedLayer = ["--data", dataFile, "--controller", "asa", "--layer", "2"];
    const grid = [...fixedLayer, "--alpha", "1,4", "--tau", "0.7", "--gate", "ternary", "--max-tokens", "4"];
    const asset = path.join(tmp, "variants.json");
    const r = cli(["build", ...grid, "--positions", "last-prompt,prompt", "--vectors", "mov,global", "--out", asset]);
    expect(r.code, r.stderr).toBe(0);
    const { selection } = r.json;
    expect(selection.points).toHaveLength(2 * 2 * 2);
    const variants = new Set(selection.points.map((p: { positions: string; vectors: string }) => `${p.positions}/${p.vectors}`));
    expect([...variants].sort()).toEqual(["last-prompt/global", "last-prompt/mov", "prompt/global", "prompt/mov"]);
    const bestMcc = Math.max(...selection.points.map((p: { mcc: number }) => p.mcc));
    const { chosen } = selection;
    expect(selection.points.find((p: Record<string, unknown>) => ["positions", "vectors", "alpha", "tau", "gate"].every((k) => p[k] === chosen[k])).mcc).toBe(bestMcc);
    const saved = JSON.parse(readFileSync(asset, "utf8"));
    expect(saved.params).toMatchObject({ positions: chosen.positions, vectors: chosen.vectors, alpha: chosen.alpha });
    // The paper's variant scores on VAL what a build that tries only it scores.
    const paper = cli(["build", ...grid, "--out", path.join(tmp, "paper.json")]);
    expect(paper.code, paper.stderr).toBe(0);
    expect(selection.points.filter((p: { positions: string; vectors: string }) => p.positions === "last-prompt" && p.vectors === "mov")).toEqual(paper.json.selection.points);

    // An asset built for the whole prompt and the global vector steers that way: forcing the same values changes no
    // reply, forcing the paper's position or mixture changes some (α 64 on this random model moves every steered reply).
    const forcedAsset = path.join(tmp, "prompt-global.json");
    const forced = cli(["build", ...fixedLayer, "--alpha", "64", "--tau", "0.5", "--gate", "ternary", "--max-tokens", "6", "--positions", "prompt", "--vectors", "global", "--out", forcedAsset]);
    expect(forced.code, forced.stderr).toBe(0);
    const replies = (extra: string[]) => {
      const e = cli(["eval", "--data", dataFile, "--asset", forcedAsset, "--max-tokens", "6", ...extra]);
      expect(e.code, e.stderr).toBe(0);
      return { steered: e.json.steered, texts: Object.fromEntries(e.json.examples.map((x: { id: string; steered_output: string }) => [x.id, x.steered_output])) };
    };
    const own = replies([]);
    expect(own.steered).toMatchObject({ positions: "prompt", vectors: "global" });
    expect(replies(["--positions", "prompt", "--vectors", "global"]).texts).toEqual(own.texts);
    const lastPrompt = replies(["--positions", "last-prompt"]);
    expect(lastPrompt.steered.positions).toBe("last-prompt");
    expect(lastPrompt.texts).not.toEqual(own.texts);
    expect(replies(["--vectors", "mov"]).texts).not.toEqual(own.texts);

    const bad = cli(["build", "--data", dataFile, "--positions", "first", "--out", path.join(tmp, "x.json")]);
    expect(bad.stderr.trim()).toBe(`llama-steer: --positions must list values among last-prompt, prompt (got "first"); run 'llama-steer build --help'`);
    const vector = cli(["build", "--data", dataFile, "--controller", "vector", "--layer", "1", "--vectors", "global", "--out", path.join(tmp, "x.json")]);
    expect(vector.stderr.trim()).toBe("llama-steer: --vectors applies to --controller asa; run 'llama-steer build --help'");
    expect(existsSync(path.join(tmp, "x.json"))).toBe(false);
  });

  test("build --random-control runs the chosen point with eval's random direction on VAL and pairs the two", () => {
    const asset = path.join(tmp, "random-control.json");
    const args = ["--data", dataFile, "--controller", "asa", "--layer", "2", "--alpha", "64", "--tau", "0.5", "--gate", "ternary", "--max-tokens", "6"];
    const r = cli(["build", ...args, "--random-control", "--out", asset]);
    expect(r.code, r.stderr).toBe(0);
    const control = r.json.selection.random_control;
    expectMetrics(control.metrics);
    const { tp, fp, tn, fn } = control.metrics.counts;
    expect(tp + fp + tn + fn).toBe(r.json.counts.val);
    for (const kind of ["decision", "outcome"]) expect(control.paired[kind]).toMatchObject({ n: r.json.counts.val, better: expect.any(Number), worse: expect.any(Number) });
    // The same control as eval's random_direction ablation of that asset on VAL, and the same pairing.
    const e = cli(["eval", "--data", dataFile, "--asset", asset, "--split", "val", "--max-tokens", "6", "--ablation", "random_direction"]);
    expect(e.code, e.stderr).toBe(0);
    expect(e.json.ablations.random_direction).toEqual(control.metrics);
    expect(e.json.paired.steered_vs_random).toEqual(control.paired);
    const refused = cli(["eval", "--data", dataFile, "--asset", asset, "--random-control"]);
    expect(refused.stderr.trim()).toBe("llama-steer: --random-control checks the VAL choice of a new asset; with an asset file use --ablation random_direction; run 'llama-steer eval --help'");
  });

  test("build --val-subset thins VAL alone: the fitted vectors and probes stay those of the whole VAL's build", () => {
    const args = ["build", "--data", dataFile, "--controller", "asa", "--layer", "2", "--alpha", "1", "--tau", "0.7", "--max-tokens", "4"];
    const whole = cli([...args, "--out", path.join(tmp, "val-whole.json")]);
    const thinned = cli([...args, "--val-subset", "2", "--out", path.join(tmp, "val-thinned.json")]);
    expect(whole.code, whole.stderr).toBe(0);
    expect(thinned.code, thinned.stderr).toBe(0);
    // Three VAL samples per domain and class: every 2nd keeps the 1st and 3rd.
    expect(whole.json.counts).toEqual({ cal: 12, train: 12, val: 12 });
    expect(thinned.json.counts).toEqual({ cal: 12, train: 12, val: 8 });
    const [a, b] = ["val-whole.json", "val-thinned.json"].map((f) => JSON.parse(readFileSync(path.join(tmp, f), "utf8")));
    for (const key of ["vectors", "probe", "router", "domainProbes", "toolMeans"]) expect(b[key], key).toEqual(a[key]);
    const refused = cli(["eval", "--data", dataFile, "--asset", path.join(tmp, "val-whole.json"), "--val-subset", "2"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.trim()).toBe("llama-steer: --val-subset thins the VAL choice of a new asset; an asset file was chosen already; run 'llama-steer eval --help'");
  });

  test("--val-layers is refused with --layer, with a vector build, with --asset, and out of range", () => {
    const out = path.join(tmp, "refused.json");
    const withLayer = cli(["build", "--data", dataFile, "--layer", "1", "--val-layers", "1,2", "--out", out]);
    expect(withLayer.stderr.trim()).toBe("llama-steer: --val-layers chooses the layer on VAL; it cannot be combined with --layer; run 'llama-steer build --help'");
    const vector = cli(["build", "--data", dataFile, "--controller", "vector", "--val-layers", "1,2", "--out", out]);
    expect(vector.stderr.trim()).toBe("llama-steer: --val-layers applies to --controller asa; run 'llama-steer build --help'");
    const withAsset = cli(["eval", "--data", dataFile, "--asset", path.join(tmp, "val-layers.json"), "--val-layers", "1"]);
    expect(withAsset.stderr.trim()).toBe("llama-steer: --val-layers chooses the layer of a new asset; an asset file carries its own; run 'llama-steer eval --help'");
    const badList = cli(["build", "--data", dataFile, "--val-layers", "1,x", "--out", out]);
    expect(badList.stderr.trim()).toBe(`llama-steer: --val-layers takes comma-separated numbers, got "1,x"; run 'llama-steer build --help'`);
    const outOfRange = cli(["build", "--data", dataFile, "--val-layers", "1,99", "--alpha", "1", "--tau", "0.7", "--max-tokens", "4", "--out", out]);
    expect(outOfRange.code).not.toBe(0);
    expect(outOfRange.stderr.trim().split("\n")).toHaveLength(1);
    expect(outOfRange.stderr).toContain("99");
    for (const r of [withLayer, vector, withAsset, badList, outOfRange]) expect(r.code).not.toBe(0);
    expect(existsSync(out)).toBe(false);
  });

  test("build --controller vector writes mean-diff, pca and unembed vectors of the same norm", () => {
    const norms: Record<string, number> = {};
    for (const method of ["mean-diff", "pca", "unembed"]) {
      const r = cli(["build", "--data", dataFile, "--controller", "vector", "--method", method, "--layer", "2", "--out", path.join(tmp, `${method}.json`)]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.json).toMatchObject({ method, layer: 2 });
      norms[method] = r.json.norm;
    }
    expect(norms.pca).toBeCloseTo(norms["mean-diff"], 4);
    expect(norms.unembed).toBeCloseTo(norms["mean-diff"], 4);
    const bad = cli(["build", "--data", dataFile, "--controller", "vector", "--method", "median", "--layer", "2", "--out", path.join(tmp, "x.json")]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim()).toBe("llama-steer: --method must be mean-diff, pca or unembed; run 'llama-steer build --help'");
  });

  test("sweep reports every asked layer with a shuffled control and names the best", () => {
    const r = cli(["sweep", "--data", dataFile, "--layers", "0..3"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.layers.map((l: { layer: number }) => l.layer)).toEqual([0, 1, 2, 3]);
    const best = r.json.layers.reduce((a: { auc: number }, b: { auc: number }) => (b.auc > a.auc ? b : a));
    expect(r.json.best_auc).toBe(best.auc);
    expect(r.json.best_layer).toBe(best.layer);
  });

  test("switch reports the contract keys with rates that match its own outcomes", () => {
    const r = cli(["switch", "--data", dataFile, "--layer", "1", "--alpha", "4", "--max-tokens", "4"]);
    expect(r.code, r.stderr).toBe(0);
    const doc = r.json;
    expect(doc.n).toBe(testWithTool);
    const rate = (method: string) => doc.outcomes.filter((o: any) => o.attempts[method].switched).length / doc.n;
    expect(doc.success_rate).toBe(rate("mean-diff"));
    expect(doc.random_success_rate).toBe(rate("random"));
    expect(typeof doc.args_follow_schema_rate).toBe("number");
    for (const o of doc.outcomes) expect(o.target).not.toBe(o.source);
  });

  test("correct steers exactly the prompts whose readout disagrees with the unsteered call, and counts agree", () => {
    const r = cli(["correct", "--data", dataFile, "--layer", "1", "--alpha", "4", "--max-tokens", "4"]);
    expect(r.code, r.stderr).toBe(0);
    const doc = r.json;
    expect(doc.n).toBe(testWithTool);
    for (const o of doc.outcomes) {
      // Steered iff the readout names another tool than the unsteered reply; unsteered prompts keep the baseline in every arm.
      expect(o.steered).toBe(o.names.baseline !== null && o.readout.predicted !== o.names.baseline);
      if (!o.steered) expect(o.names.corrected).toBe(o.names.baseline);
      if (!o.steered) expect(o.names.random).toBe(o.names.baseline);
    }
    expect(doc.steered).toBe(doc.outcomes.filter((o: any) => o.steered).length);
    for (const arm of ["baseline", "corrected", "random"]) {
      expect(doc.arms[arm].name_accuracy).toBe(doc.outcomes.filter((o: any) => o.names[arm] === o.expected).length / doc.n);
    }
    expect(doc.gap_buckets.reduce((n: number, b: { n: number }) => n + b.n, 0)).toBe(doc.n);
    const fixed = doc.outcomes.filter((o: any) => o.names.baseline !== o.expected && o.names.corrected === o.expected).length;
    expect(doc.paired.corrected.fixed).toBe(fixed);
    // The name span (default) keeps the steered names; the arguments after them are written unsteered.
    expect(doc.steer_span).toBe("name");
    const whole = cli(["correct", "--data", dataFile, "--layer", "1", "--alpha", "4", "--max-tokens", "4", "--steer-span", "reply"]);
    expect(whole.code, whole.stderr).toBe(0);
    expect(whole.json.steer_span).toBe("reply");
    expect(whole.json.outcomes.map((o: any) => o.names)).toEqual(doc.outcomes.map((o: any) => o.names));
    for (const o of doc.outcomes.filter((o: any) => o.steered && o.names.corrected !== null)) expect(o.outputs.corrected.startsWith(`${o.names.corrected}", "arguments": `)).toBe(true);
    expect(cli(["correct", "--data", dataFile, "--steer-span", "prompt"]).stderr).toMatch(/--steer-span takes name or reply, got "prompt"/);
    // A gap no readout reaches steers nothing.
    const none = cli(["correct", "--data", dataFile, "--layer", "1", "--max-tokens", "4", "--min-gap", "1000"]);
    expect(none.code, none.stderr).toBe(0);
    expect(none.json.steered).toBe(0);
    expect(none.json.arms.corrected).toEqual(none.json.arms.baseline);
  });

  test("correct --min-gap auto chooses the gap on val and corrects the test prompts from it; val itself is refused", () => {
    const r = cli(["correct", "--data", dataFile, "--layer", "1", "--alpha", "4", "--max-tokens", "4", "--min-gap", "auto"]);
    expect(r.code, r.stderr).toBe(0);
    const doc = r.json;
    const chosen = doc.min_gap_selection;
    expect(chosen).toMatchObject({ split: "val", n: expect.any(Number), disagreements: expect.any(Number) });
    expect(doc.min_gap).toBe(chosen.min_gap);
    // Steered iff the readout disagrees with a gap at or above the chosen one (nothing when none was chosen).
    for (const o of doc.outcomes) {
      const disagrees = o.names.baseline !== null && o.readout.predicted !== o.names.baseline;
      expect(o.steered).toBe(disagrees && chosen.min_gap !== null && o.readout.gap >= chosen.min_gap);
    }
    const val = cli(["correct", "--data", dataFile, "--split", "val", "--min-gap", "auto"]);
    expect(val.code).not.toBe(0);
    expect(val.stderr).toMatch(/chooses the gap on the val split/);
    expect(cli(["correct", "--data", dataFile, "--min-gap", "often"]).stderr).toMatch(/--min-gap takes one number ≥ 0 or auto, got "often"/);
  });

  test("readout scores a prompt against every tool with a mean", () => {
    const r = cli(["readout", "--data", dataFile, "--layer", "2", "--prompt", "add 2 and 2"]);
    expect(r.code, r.stderr).toBe(0);
    expect(Object.keys(r.json.scores).sort()).toEqual(["find", "sum"]);
    expect(r.json.gap).toBeCloseTo(Math.abs(r.json.scores.find - r.json.scores.sum), 12);
  });

  test("a missing asset and a dataset with a broken line fail with one line and a non-zero exit", () => {
    const missing = cli(["eval", "--data", dataFile, "--asset", path.join(tmp, "nope.json")]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    const broken = path.join(tmp, "broken.jsonl");
    writeFileSync(broken, readFileSync(dataFile, "utf8") + "{not json\n");
    const bad = cli(["eval", "--data", broken, "--controller", "none"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/line 49/);
  });
});
