/**
 * Every registered command, through the compiled CLI: `--help` shows its usage and at least one example, and a
 * misspelled option fails with exit code 2 and one line (a JSON error document on stdout under --json).
 */
import { spawnSync } from "node:child_process";
import path from "node:path";

import { describe, expect, test } from "vitest";

import { commands } from "../../src/cli/registry.js";
import { packageRoot } from "../../src/util/packageRoot.js";

const CLI = path.join(packageRoot(), "dist", "cli", "main.js");
const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 60_000 });

describe.each(commands.map((c) => [c.name, c] as const))("llama-steer %s", (name, command) => {
  test("--help prints the usage and examples", () => {
    const r = run([name, "--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(command.usage);
    expect(command.examples.length).toBeGreaterThan(0);
    expect(r.stdout).toContain("Examples:");
    for (const example of command.examples) expect(r.stdout).toContain(example);
    expect(r.stdout).toContain("--json");
  });

  test("a misspelled option is a usage error on one line, and a JSON error document under --json", () => {
    const r = run([name, "--no-such-option", "1"]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    const j = run([name, "--no-such-option", "1", "--json"]);
    expect(j.status).toBe(2);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, error: { code: "ERR_USAGE" } });
  });
});

test("the registry lists the commands the documentation promises", () => {
  expect(commands.map((c) => c.name).sort()).toEqual(["bench", "build", "chat", "correct", "data", "demo", "doctor", "eval", "fetch-model", "info", "parse", "readout", "serve", "sweep", "switch"]);
});
