import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";

const SRC = join(import.meta.dirname, "../../src");
const importsOf = (folder: string) =>
  readdirSync(join(SRC, folder))
    .filter((f) => f.endsWith(".ts"))
    .flatMap((f) => [...readFileSync(join(SRC, folder, f), "utf8").matchAll(/from "\.\.\/([a-z]+)[/.]/g)].map((m) => `${f} → ${m[1]}`));

describe("layering", () => {
  test("the engine knows nothing of vectors, probes, formats or evaluation", () => {
    const allowed = new Set(["errors", "gguf", "util"]);
    const outside = importsOf("engine").filter((line) => !allowed.has(line.split(" → ")[1]));
    expect(outside).toEqual([]);
  });

  test("the GGUF reader stands below the engine and the vectors", () => {
    const allowed = new Set(["errors", "util"]);
    expect(importsOf("gguf").filter((line) => !allowed.has(line.split(" → ")[1]))).toEqual([]);
  });
});
