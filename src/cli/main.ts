#!/usr/bin/env node
/**
 * llama-steer command line. Every command prints one JSON document on stdout with --json (logs go to
 * stderr), shows progress on a TTY, stops cleanly on Ctrl-C, and exits non-zero with a one-line reason.
 */
import { parseArgs } from "node:util";

import { isSteerError } from "../errors.js";
import { UsageError, type Command, type CommandIo } from "./command.js";
import { commands } from "./registry.js";

const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;
const EXIT_INTERRUPTED = 130;

function topLevelHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    "llama-steer - read and steer what a GGUF model is about to do",
    "",
    "Usage: llama-steer <command> [options] [--json]",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Run 'llama-steer <command> --help' for a command's options and examples.",
  ].join("\n");
}

function commandHelp(command: Command): string {
  const lines = [command.summary, "", `Usage: ${command.usage}`, "", "Options:"];
  const entries = Object.entries(command.options).concat([
    ["json", { type: "boolean", description: "print one JSON document on stdout (logs stay on stderr)" }],
    ["help", { type: "boolean", description: "show this help" }],
  ]);
  const label = (name: string, spec: { type: string; valueName?: string; short?: string }) =>
    `${spec.short ? `-${spec.short}, ` : ""}--${name}${spec.type === "string" ? ` ${spec.valueName ?? "VALUE"}` : ""}`;
  const width = Math.max(...entries.map(([n, s]) => label(n, s).length));
  for (const [name, spec] of entries) lines.push(`  ${label(name, spec).padEnd(width)}  ${spec.description}`);
  lines.push("", "Examples:", ...command.examples.map((e) => `  ${e}`));
  return lines.join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${topLevelHelp()}\n`);
    return name ? 0 : EXIT_USAGE;
  }
  if (name === "--version" || name === "-v") {
    const { packageVersion } = await import("./version.js");
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`llama-steer: unknown command "${name}"; run 'llama-steer --help' for the list\n`);
    return EXIT_USAGE;
  }
  const json = rest.includes("--json");
  let values: Record<string, string | boolean | string[] | undefined>;
  let positionals: string[];
  try {
    const parsed = parseArgs({
      args: rest,
      options: { ...command.options, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      allowPositionals: command.positionals ?? false,
      strict: true,
    });
    values = parsed.values as typeof values;
    positionals = parsed.positionals;
  } catch (e) {
    return fail(json, EXIT_USAGE, "ERR_USAGE", `${(e as Error).message}; run 'llama-steer ${name} --help'`);
  }
  if (values.help) {
    process.stdout.write(`${commandHelp(command)}\n`);
    return 0;
  }

  const controller = new AbortController();
  let interrupts = 0;
  let claimInterrupt: (() => boolean) | undefined;
  const onSigint = () => {
    // A command may take Ctrl-C for itself (chat stops the reply being generated and goes back to its prompt).
    if (claimInterrupt?.()) return;
    interrupts++;
    if (interrupts > 1) process.exit(EXIT_INTERRUPTED);
    process.stderr.write("\nllama-steer: stopping (Ctrl-C again to force)\n");
    controller.abort(new Error("interrupted by Ctrl-C"));
  };
  process.on("SIGINT", onSigint);
  const io: CommandIo = {
    json,
    print: (text) => {
      if (!json) process.stdout.write(`${text}\n`);
    },
    log: (text) => process.stderr.write(`${text}\n`),
    signal: controller.signal,
    interrupt: () => controller.abort(new Error("interrupted by Ctrl-C")),
    onInterrupt: (handler) => {
      claimInterrupt = handler;
      return () => {
        if (claimInterrupt === handler) claimInterrupt = undefined;
      };
    },
  };
  try {
    const result = await command.run(values, positionals, io);
    if (json) process.stdout.write(`${JSON.stringify(result, jsonReplacer, 2)}\n`);
    const ok = (result as { ok?: unknown })?.ok;
    if (ok === false) {
      if (!json) process.stderr.write(`llama-steer ${name}: failed\n`);
      return EXIT_FAILURE;
    }
    return 0;
  } catch (e) {
    if (controller.signal.aborted) return fail(json, EXIT_INTERRUPTED, "ERR_ABORTED", "interrupted");
    if (e instanceof UsageError) return fail(json, EXIT_USAGE, "ERR_USAGE", `${e.message}; run 'llama-steer ${name} --help'`);
    const code = isSteerError(e) ? e.code : "ERR_INTERNAL";
    if (!isSteerError(e) && process.env.LLAMA_STEER_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
    return fail(json, EXIT_FAILURE, code, (e as Error)?.message ?? String(e));
  } finally {
    process.off("SIGINT", onSigint);
  }
}

function fail(json: boolean, exitCode: number, code: string, message: string): number {
  const oneLine = message.replace(/\s*\n\s*/g, " ");
  if (json) process.stdout.write(`${JSON.stringify({ ok: false, error: { code, message: oneLine } })}\n`);
  process.stderr.write(`llama-steer: ${oneLine}\n`);
  return exitCode;
}

/** Typed arrays and Maps become plain JSON arrays and objects. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  if (value instanceof Map) return Object.fromEntries(value);
  return value;
}

process.exitCode = await main(process.argv.slice(2));
