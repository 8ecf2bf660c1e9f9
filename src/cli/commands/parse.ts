import { readFile } from "node:fs/promises";

import { getFormat, listFormats, type ToolDefinition } from "../../formats/index.js";
import { UsageError, type Command } from "../command.js";

/** Reads all of stdin (the model output to judge). */
async function readStdin(signal: AbortSignal): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    if (signal.aborted) break;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Tools from a JSON array of tools, or from the `tools` of the first line of a dataset JSONL file. */
export async function readToolsFile(file: string): Promise<ToolDefinition[]> {
  const text = await readFile(file, "utf8");
  const trimmed = text.trim();
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    try {
      parsed = JSON.parse(trimmed.split("\n")[0]);
    } catch {
      throw new UsageError(`--tools ${file} is neither a JSON array of tools nor a dataset JSONL file`);
    }
  }
  const tools = Array.isArray(parsed) ? parsed : (parsed as { tools?: unknown })?.tools;
  if (!Array.isArray(tools)) throw new UsageError(`--tools ${file} holds no tool list`);
  return tools as ToolDefinition[];
}

export const parseCommand: Command = {
  name: "parse",
  summary: "Judge a model output with a format's strict tool-call parser (reads the output from stdin)",
  usage: "llama-steer parse --format asa|hermes|json|chat-template [--tools FILE] [--json] < model-output.txt",
  examples: [
    `echo '<functioncall>{"name": "calculator", "arguments": {"expression": "2+2"}}</functioncall>' | llama-steer parse --format asa --tools tools.json --json`,
    "llama-steer parse --format hermes < output.txt",
  ],
  options: {
    format: { type: "string", description: `tool-call format: ${listFormats().map((f) => f.name).join(", ")} (default asa)`, valueName: "NAME" },
    tools: { type: "string", description: "JSON array of offered tools (or a dataset JSONL: its first line's tools); default none", valueName: "FILE" },
  },
  async run(values, _positionals, io) {
    const format = getFormat((values.format as string | undefined) ?? "asa");
    const tools = typeof values.tools === "string" ? await readToolsFile(values.tools) : [];
    const output = await readStdin(io.signal);
    const result = format.parse(output, tools);
    io.print(
      `${result.triggered ? "triggered" : "no call"}; format_ok=${result.format_ok} tool_ok=${result.tool_ok} args_ok=${result.args_ok}` +
        (result.calls.length ? `\ncalls: ${result.calls.map((c) => `${c.name}(${JSON.stringify(c.arguments)})`).join(", ")}` : "") +
        (result.errors.length ? `\nerrors:\n  ${result.errors.join("\n  ")}` : ""),
    );
    return result;
  },
};
