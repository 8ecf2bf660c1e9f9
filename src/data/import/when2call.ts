/**
 * When2Call (`when2call_test_llm_judge.jsonl` and its siblings). A row: `{uuid, question, tools: ["<JSON of
 * {name, description, parameters}>" ...], correct_answer, target_tool?, answers?}` where `correct_answer` is one of
 * tool_call, request_for_info, cannot_answer, direct. Only tool_call needs a tool; every kind is kept as the
 * sample's `label` so that results break down by it. The expected call comes from `target_tool` (or
 * `answers.tool_call`) when it holds `{name, arguments}`; otherwise the tool is needed but the call unlabelled.
 */
import type { DatasetSample, ExpectedCall, FunctionTool } from "../types.js";
import { isPlainObject } from "../validate.js";
import { toParametersSchema } from "./bfclSchema.js";
import { parseJsonField, show, type ImportIssues, type ImportedRow, type JsonLine } from "./lines.js";

export const WHEN2CALL_KINDS = ["tool_call", "request_for_info", "cannot_answer", "direct"] as const;

export function importWhen2Call(rows: readonly JsonLine[], issues: ImportIssues): ImportedRow[] {
  const samples: ImportedRow[] = [];
  for (const { line, value } of rows) {
    const kind = value.correct_answer;
    if (typeof kind !== "string" || !(WHEN2CALL_KINDS as readonly string[]).includes(kind)) {
      issues.add(line, "correct_answer", `must be one of ${WHEN2CALL_KINDS.join(", ")}, got ${show(kind)}`);
      continue;
    }
    if (typeof value.question !== "string" || value.question.length === 0) {
      issues.add(line, "question", `must be a non-empty string, got ${show(value.question)}`);
      continue;
    }
    const tools = readTools(value.tools, line, issues);
    if (!tools) continue;
    const expected = kind === "tool_call" ? expectedCall(value, line, issues) : null;
    if (expected === undefined) continue;
    const origin = typeof value.source === "string" && value.source.length > 0 ? value.source : undefined;
    samples.push({
      line,
      sample: {
        id: typeof value.uuid === "string" && value.uuid.length > 0 ? value.uuid : `when2call-${line}`,
        domain: origin ?? "when2call",
        source: "when2call",
        category: origin ?? "when2call",
        label: kind,
        messages: [{ role: "user", content: value.question }],
        tools,
        needs_tool: kind === "tool_call",
        expected,
      },
    });
  }
  return samples;
}

/** Tools as JSON strings (the published shape) or objects; bare functions or `{type: "function", function}`. */
function readTools(tools: unknown, line: number, issues: ImportIssues): FunctionTool[] | undefined {
  if (!Array.isArray(tools)) {
    issues.add(line, "tools", `must be a list of tools (JSON strings or objects), got ${show(tools)}`);
    return undefined;
  }
  const out: FunctionTool[] = [];
  tools.forEach((raw: unknown, i) => {
    const parsed = typeof raw === "string" ? parseJsonField(raw) : raw;
    const fn = isPlainObject(parsed) && isPlainObject(parsed.function) ? parsed.function : parsed;
    if (!isPlainObject(fn) || typeof fn.name !== "string") return issues.add(line, `tools[${i}]`, `must be a function {name, description, parameters} (or its JSON), got ${show(raw)}`);
    const description = typeof fn.description === "string" ? { description: fn.description } : {};
    out.push({ type: "function", function: { name: fn.name, ...description, parameters: toParametersSchema(fn.parameters) } });
  });
  return out.length === tools.length ? out : undefined;
}

/** The labelled call, null when the row names none with arguments, undefined (reported) when it is malformed. */
function expectedCall(row: Record<string, unknown>, line: number, issues: ImportIssues): ExpectedCall | null | undefined {
  const answers = isPlainObject(row.answers) ? row.answers : {};
  for (const [field, raw] of [["target_tool", row.target_tool], ["answers.tool_call", answers.tool_call]] as const) {
    if (raw === undefined || raw === null || raw === "") continue;
    const parsed = typeof raw === "string" ? parseJsonField(raw) : raw;
    const call = Array.isArray(parsed) ? parsed[0] : parsed;
    if (!isPlainObject(call) || typeof call.name !== "string") {
      issues.add(line, field, `must hold a call {name, arguments} (or its JSON), got ${show(raw)}`);
      return undefined;
    }
    const args = typeof call.arguments === "string" ? parseJsonField(call.arguments) : call.arguments;
    // A target tool named without arguments says which tool, not which call: keep the sample, unlabelled.
    if (!isPlainObject(args)) return null;
    return { name: call.name, arguments: args };
  }
  return null;
}
