/** `llama-steer data --import`: each fixture becomes a file that `data --validate` accepts; usage errors are pinned. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dataCommand } from "../../src/cli/commands/data.js";
import type { CommandIo } from "../../src/cli/command.js";

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "import");
const io = (): CommandIo & { lines: string[] } => {
  const lines: string[] = [];
  return { json: false, print: (t) => lines.push(t), log: () => undefined, signal: new AbortController().signal, lines };
};

describe("data --import", () => {
  const dir = mkdtempSync(join(tmpdir(), "steer-import-"));

  it.each([
    ["bfcl", "BFCL_v4_sample.json", join(FIXTURES, "BFCL_v4_sample_answers.json"), 5, 3],
    ["when2call", "when2call_sample.jsonl", undefined, 4, 1],
    ["openai", "openai_sample.jsonl", undefined, 2, 1],
  ])("%s: writes a dataset that data --validate accepts", async (kind, file, answers, count, needing) => {
    const out = join(dir, `${kind}.jsonl`);
    const result = await dataCommand.run({ import: kind, out, ...(answers ? { answers } : {}) }, [join(FIXTURES, file)], io());
    expect(result).toMatchObject({ ok: true, kind, count, needs_tool: needing });
    const validated = await dataCommand.run({ validate: out }, [], io());
    expect(validated).toMatchObject({ ok: true, count });
  });

  it.each([
    [{ import: "gorilla", out: "x" }, ["f"], '--import takes one of bfcl, when2call, openai, got "gorilla"'],
    [{ import: "openai", out: "x" }, [], "--import openai takes one benchmark FILE, got 0"],
    [{ import: "openai" }, ["f"], "--import needs --out OUT.jsonl"],
    [{ import: "openai", out: "x", answers: "a" }, ["f"], "--answers goes with --import bfcl only, not openai"],
    [{ validate: "x" }, ["f"], 'data takes a FILE only with --import, got "f"'],
  ])("refuses %j %j", async (values, positionals, message) => {
    await expect(dataCommand.run(values, positionals, io())).rejects.toThrow(message);
  });
});
