/**
 * Imported benchmarks evaluate end to end: each fixture (BFCL-, When2Call- and OpenAI-shaped, with dotted names,
 * `dict` schemas and null-content assistant turns) is imported with `data --import`, then `eval --split all` runs
 * on it through the compiled CLI on a synthetic model — unsteered, and with an ASA asset built from other data.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

import { beforeAll, describe, expect, test } from "vitest";

import { syntheticModelPath } from "../../src/synthetic/index.js";
import { packageRoot } from "../../src/util/packageRoot.js";
import { useTempDir } from "../helpers/tempDir.js";

const CLI = path.join(packageRoot(), "dist", "cli", "main.js");
const FIXTURES = path.join(packageRoot(), "test", "fixtures", "import");
const temp = useTempDir("eval-imported");
let modelPath = "";

function cli(args: string[]): { code: number | null; json: Record<string, any>; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args, "--json"], { encoding: "utf8", timeout: 300_000 });
  return { code: r.status, json: r.stdout.trim() ? JSON.parse(r.stdout) : {}, stderr: r.stderr };
}

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build:ts' before these tests`);
  modelPath = await syntheticModelPath("qwen2");
});

describe("imported benchmarks through eval", () => {
  const imports = [
    ["bfcl", "BFCL_v4_sample.json", ["--answers", path.join(FIXTURES, "BFCL_v4_sample_answers.json")]],
    ["when2call", "when2call_sample.jsonl", []],
    ["openai", "openai_sample.jsonl", []],
  ] as const;

  test.each(imports)("%s: eval --split all scores every sample, values and breakdowns included", (kind, file, extra) => {
    const out = path.join(temp.dir, `${kind}.jsonl`);
    const imported = cli(["data", "--import", kind, path.join(FIXTURES, file), ...extra, "--out", out]);
    expect(imported.code, imported.stderr).toBe(0);
    const count = readFileSync(out, "utf8").trim().split("\n").length;
    const r = cli(["eval", "--data", out, "--split", "all", "--controller", "none", "--max-tokens", "4", "--model", modelPath, "--threads", "1"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.n).toBe(count);
    const { tp, fp, tn, fn } = r.json.baseline.counts;
    expect(tp + fp + tn + fn).toBe(count);
    expect(Object.keys(r.json.baseline)).toEqual(expect.arrayContaining(["args_match_acc", "exact_success", "mcc"]));
    expect(r.json.breakdowns.baseline).toBeDefined();
  });

  test("an asset built from other data steers an imported benchmark; building on it with --split all is refused", () => {
    const asset = path.join(temp.dir, "asa.json");
    const built = cli(["build", "--controller", "asa", "--layer", "1", "--alpha", "2", "--tau", "0.6", "--subset", "50", "--max-tokens", "4", "--out", asset, "--model", modelPath, "--threads", "1"]);
    expect(built.code, built.stderr).toBe(0);
    const data = path.join(temp.dir, "when2call.jsonl");
    const r = cli(["eval", "--data", data, "--split", "all", "--asset", asset, "--max-tokens", "4", "--model", modelPath, "--threads", "1"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.steered).toMatchObject({ alpha: 2, tau: 0.6 });
    expect(r.json.paired.steered_vs_baseline.decision.n).toBe(r.json.n);
    const refused = cli(["eval", "--data", data, "--split", "all", "--controller", "asa", "--model", modelPath]);
    expect(refused.code).toBe(2);
    expect(JSON.stringify(refused.json)).toContain("--split all evaluates every sample, so the asset must come from other data");
  });
});
