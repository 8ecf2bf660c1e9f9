/**
 * OpenAI-style JSONL, one conversation per line (`{messages, tools}`, the shape of fine-tuning files). The last
 * assistant turn is the answer to predict: its `tool_calls` are the expected call (the first; the others parallel
 * calls), a text answer means no tool was needed. The messages before it are the prompt.
 */
import type { ChatMessage, DatasetSample, ExpectedCall, FunctionTool } from "../types.js";
import { isPlainObject } from "../validate.js";
import { parseJsonField, show, type ImportIssues, type ImportedRow, type JsonLine } from "./lines.js";

export function importOpenAi(rows: readonly JsonLine[], issues: ImportIssues): ImportedRow[] {
  const samples: ImportedRow[] = [];
  for (const { line, value } of rows) {
    const messages = value.messages;
    if (!Array.isArray(messages) || messages.length < 2) {
      issues.add(line, "messages", `must be a conversation ending with the assistant's answer, got ${show(messages)}`);
      continue;
    }
    const answer = messages[messages.length - 1];
    if (!isPlainObject(answer) || answer.role !== "assistant") {
      issues.add(line, `messages[${messages.length - 1}]`, `must be the assistant's answer (the turn to predict), got ${show(answer)}`);
      continue;
    }
    const expected = Array.isArray(answer.tool_calls) && answer.tool_calls.length > 0 ? readCalls(answer.tool_calls, line, messages.length - 1, issues) : null;
    if (expected === undefined) continue;
    const tools = readTools(value, line, issues);
    if (!tools) continue;
    const domain = typeof value.domain === "string" && value.domain.length > 0 ? value.domain : "openai";
    samples.push({
      line,
      sample: {
        id: typeof value.id === "string" && value.id.length > 0 ? value.id : `openai-${line}`,
        domain,
        source: "openai",
        category: domain,
        messages: messages.slice(0, -1) as ChatMessage[],
        tools,
        needs_tool: expected !== null,
        expected,
      },
    });
  }
  return samples;
}

function readCalls(calls: unknown[], line: number, index: number, issues: ImportIssues): ExpectedCall | undefined {
  const read: ExpectedCall[] = [];
  calls.forEach((c: unknown, i) => {
    const fn = isPlainObject(c) ? c.function : undefined;
    const args = isPlainObject(fn) && typeof fn.arguments === "string" ? parseJsonField(fn.arguments) : isPlainObject(fn) ? fn.arguments : undefined;
    if (!isPlainObject(fn) || typeof fn.name !== "string" || !isPlainObject(args)) {
      return issues.add(line, `messages[${index}].tool_calls[${i}]`, `must be {type: "function", function: {name, arguments: "<JSON object>"}}, got ${show(c)}`);
    }
    read.push({ name: fn.name, arguments: args });
  });
  if (read.length !== calls.length) return undefined;
  const [first, ...rest] = read;
  return rest.length > 0 ? { ...first, parallel_calls: rest } : first;
}

/** `tools` as the API takes them; the older `functions` list is accepted too. */
function readTools(row: Record<string, unknown>, line: number, issues: ImportIssues): FunctionTool[] | undefined {
  if (row.tools === undefined && Array.isArray(row.functions)) {
    return row.functions.map((fn) => ({ type: "function", function: fn }) as FunctionTool);
  }
  if (row.tools === undefined) return [];
  if (!Array.isArray(row.tools)) {
    issues.add(line, "tools", `must be a list of {type: "function", function}, got ${show(row.tools)}`);
    return undefined;
  }
  // The API lets a tool without arguments leave `parameters` out; the dataset format spells it as an empty object.
  return row.tools.map((tool: unknown) =>
    isPlainObject(tool) && isPlainObject(tool.function) && tool.function.parameters === undefined
      ? { ...tool, function: { ...tool.function, parameters: { type: "object", properties: {} } } }
      : tool,
  ) as FunctionTool[];
}
