// The shipped datasets: sizes, balance, menus, schemas, splits and variety. These numbers are also quoted in
// data/README.md; when a generator changes, both move together.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import { beforeAll, describe, expect, it } from "vitest";
import { assignSplits, builtInDatasetNames, builtInDatasetPath, datasetStats, loadDataset, packageRoot, resolveDatasetPath, SPLITS, userText, type DatasetSample } from "../../src/data/index.js";

const datasets: Record<string, DatasetSample[]> = {};
beforeAll(async () => {
  for (const name of builtInDatasetNames) datasets[name] = await loadDataset(name);
});

const countBy = <T>(items: readonly T[], key: (item: T) => string) => items.reduce<Record<string, number>>((acc, item) => ((acc[key(item)] = (acc[key(item)] ?? 0) + 1), acc), {});

describe("built-in dataset resolution", () => {
  it("finds data/ beside the package.json above src/ or dist/", () => {
    const root = packageRoot();
    expect(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).name).toBe("llama-steer");
    expect(builtInDatasetNames).toEqual(["necessity", "tool-choice", "within-topic"]);
    for (const name of builtInDatasetNames) {
      expect(builtInDatasetPath(name)).toBe(join(root, "data", `${name}.jsonl`));
      expect(existsSync(builtInDatasetPath(name))).toBe(true);
    }
    expect(resolveDatasetPath("necessity")).toBe(builtInDatasetPath("necessity"));
    expect(resolveDatasetPath("./necessity")).toBe("./necessity");
    expect(() => builtInDatasetPath("nope" as never)).toThrow('Expected one of necessity, tool-choice, within-topic for name but received "nope" of type string');
  });
});

describe("necessity", () => {
  it("has 250 samples per domain and class, each offered its domain's single tool", () => {
    const samples = datasets.necessity;
    expect(samples).toHaveLength(2000);
    expect(countBy(samples, (s) => `${s.domain}/${s.needs_tool}`)).toEqual({
      "math/true": 250, "math/false": 250, "code/true": 250, "code/false": 250,
      "search/true": 250, "search/false": 250, "translation/true": 250, "translation/false": 250,
    });
    const toolOf = { math: "calculator", code: "run_python", search: "web_search", translation: "translate" } as Record<string, string>;
    for (const s of samples) {
      expect(s.tools.map((t) => t.function.name)).toEqual([toolOf[s.domain]]);
      expect(s.expected === null).toBe(!s.needs_tool);
      if (s.expected) expect(s.expected.name).toBe(toolOf[s.domain]);
    }
  });

  it("keeps the needs_tool balance and the domains in every split", () => {
    for (const split of SPLITS) {
      const inSplit = datasets.necessity.filter((s) => s.split === split);
      const byCell = countBy(inSplit, (s) => `${s.domain}/${s.needs_tool}`);
      expect(Object.keys(byCell)).toHaveLength(8);
      expect(new Set(Object.values(byCell)).size).toBe(1);
    }
    expect(countBy(datasets.necessity, (s) => s.split!)).toEqual({ cal: 400, train: 600, val: 400, test: 600 });
  });
});

describe("tool-choice", () => {
  it("has at least 16 tools with at least 40 prompts each, each shown with a 2-8 tool menu holding the right tool once", () => {
    const samples = datasets["tool-choice"];
    const perTool = countBy(samples, (s) => s.expected!.name);
    expect(Object.keys(perTool).length).toBeGreaterThanOrEqual(16);
    for (const n of Object.values(perTool)) expect(n).toBeGreaterThanOrEqual(40);
    expect(samples).toHaveLength(18 * 45);
    const menuSizes = new Set<number>();
    for (const s of samples) {
      expect(s.needs_tool).toBe(true);
      expect(s.messages.map((m) => m.role)).toEqual(["user"]);
      const names = s.tools.map((t) => t.function.name);
      expect(names.length).toBeGreaterThanOrEqual(2);
      expect(names.length).toBeLessThanOrEqual(8);
      expect(names.filter((n) => n === s.expected!.name)).toHaveLength(1);
      menuSizes.add(names.length);
    }
    expect([...menuSizes].sort()).toEqual([2, 3, 4, 5, 6, 7, 8]);
  });
});

describe("within-topic", () => {
  it("has at least 10 tools of one domain with at least 20 prompts each, always offered the whole menu", () => {
    const samples = datasets["within-topic"];
    const perTool = countBy(samples, (s) => s.expected!.name);
    expect(Object.keys(perTool).length).toBeGreaterThanOrEqual(10);
    for (const n of Object.values(perTool)) expect(n).toBeGreaterThanOrEqual(20);
    const menu = samples[0].tools.map((t) => t.function.name);
    expect(menu.sort()).toEqual(Object.keys(perTool).sort());
    for (const s of samples) {
      expect(s.domain).toBe("airline");
      expect(s.tools.map((t) => t.function.name).sort()).toEqual(menu);
    }
    expect(samples.some((s) => s.messages.length === 3)).toBe(true);
  });
});

describe.each(["necessity", "tool-choice", "within-topic"])("%s (common checks)", (name) => {
  it("validates every expected call against its tool's schema with a fresh validator", () => {
    // Independent of the loader's validator: plain Ajv, formats unchecked, one compile per distinct schema.
    const ajv = new Ajv({ strict: false, validateFormats: false });
    const compiled = new Map<string, ValidateFunction>();
    let checked = 0;
    for (const s of datasets[name]) {
      if (!s.expected) continue;
      const schema = s.tools.find((t) => t.function.name === s.expected!.name)!.function.parameters;
      const key = JSON.stringify(schema);
      if (!compiled.has(key)) compiled.set(key, ajv.compile(schema));
      const validate = compiled.get(key)!;
      expect(validate(s.expected.arguments), `${s.id}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(0);
  });

  it("ships explicit splits equal to what the stratified rule assigns, with no prompt in two splits", () => {
    const samples = datasets[name];
    const raw = readFileSync(builtInDatasetPath(name as never), "utf8").trim().split("\n").map((l) => JSON.parse(l) as DatasetSample);
    expect(raw.every((s) => SPLITS.includes(s.split!))).toBe(true);
    const recomputed = assignSplits(raw.map(({ split: _split, ...rest }) => rest as DatasetSample));
    expect(recomputed.map((s) => s.split)).toEqual(raw.map((s) => s.split));
    const splitOfText = new Map<string, string>();
    for (const s of samples) {
      const text = userText(s).toLowerCase();
      const seen = splitOfText.get(text);
      if (seen !== undefined) expect(seen, `"${text}" appears in two splits`).toBe(s.split);
      splitOfText.set(text, s.split!);
    }
    expect(new Set(samples.map((s) => s.id)).size).toBe(samples.length);
  });

  it("has a near-duplicate rate below 2% and a measured distinct-2-gram ratio", () => {
    const stats = datasetStats(datasets[name]);
    expect(stats.near_duplicate_rate).toBeLessThan(0.02);
    expect(stats.distinct_ngram_ratio).toBeGreaterThan(0.3);
    expect(stats.count).toBe(datasets[name].length);
  });
});
