/**
 * `llama-steer fetch-model`: the JSON documents scripts depend on (their keys are a contract), the path alone on
 * stdout, and usage errors. Runs the command object directly with a recording CommandIo; the default model is
 * already in the cache (setup.ts), so nothing is downloaded.
 */
import { describe, expect, inject, test } from "vitest";
import { fetchModelCommand } from "../../src/cli/commands/fetchModel.js";
import { UsageError, type CommandIo } from "../../src/cli/command.js";
import { defaultModelName, listModels } from "../../src/models/index.js";
import { TEST_MODEL, skipModelTests } from "./setup.js";

const modelPath = inject("testModelPath");

function recordingIo(json: boolean): CommandIo & { printed: string[] } {
  const printed: string[] = [];
  return { json, printed, print: (text) => printed.push(text), log: () => undefined, signal: new AbortController().signal };
}

describe.skipIf(skipModelTests || modelPath === null)("llama-steer fetch-model", () => {
  test("fetching a model returns exactly {name, path, sha256, source} and prints only the path", async () => {
    const io = recordingIo(false);
    const result = await fetchModelCommand.run({}, [TEST_MODEL], io);
    const entry = listModels().find((m) => m.name === TEST_MODEL)!;
    expect(result).toStrictEqual({ name: entry.name, path: modelPath, sha256: entry.sha256, source: "cache" });
    expect(Object.keys(result as object)).toEqual(["name", "path", "sha256", "source"]);
    expect(io.printed).toEqual([modelPath]);
  });

  test("--list returns {models} with one row per manifest model and exactly one default", async () => {
    const result = (await fetchModelCommand.run({ list: true }, [], recordingIo(true))) as { models: Record<string, unknown>[] };
    expect(Object.keys(result)).toEqual(["models"]);
    expect(result.models.map((m) => m.name)).toEqual(listModels().map((m) => m.name));
    for (const row of result.models) {
      expect(Object.keys(row)).toEqual(["name", "architecture", "quantization", "size", "instruct", "default", "cached"]);
    }
    expect(result.models.filter((m) => m.default).map((m) => m.name)).toEqual([defaultModelName()]);
    expect(result.models.find((m) => m.name === TEST_MODEL)!.cached).toBe(true);
  });

  test("an unknown name fails with ERR_UNKNOWN_MODEL naming the known models", async () => {
    await expect(fetchModelCommand.run({}, ["no-such-model"], recordingIo(false))).rejects.toMatchObject({
      code: "ERR_UNKNOWN_MODEL",
      message: `Unknown model "no-such-model"; known models: ${listModels().map((m) => m.name).join(", ")}`,
    });
  });

  test("usage mistakes are UsageErrors (exit code 2)", async () => {
    const cases: [Record<string, boolean>, string[], string][] = [
      [{}, ["a", "b"], "expected at most one model name but received 2: a b"],
      [{ list: true }, ["a"], "--list takes no model name"],
    ];
    for (const [values, positionals, message] of cases) {
      const error = await fetchModelCommand.run(values, positionals, recordingIo(false)).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toBe(message);
    }
  });
});
