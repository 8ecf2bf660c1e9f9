/**
 * BFCL v4 single-turn categories (simple, multiple, parallel, parallel_multiple, irrelevance and their live_
 * versions). A row: `{id, question: [[{role, content}...]...], function: [{name, description, parameters}]}`;
 * answers come from the matching possible_answer file, `{id, ground_truth: [{func_name: {arg: [acceptable]}}]}`.
 * Irrelevance categories have no answers: no tool is needed. Multi-turn categories need BFCL's executable
 * environment to produce the tool results between turns, so they are refused.
 */
import type { DatasetSample, ExpectedCall, FunctionTool } from "../types.js";
import { isPlainObject } from "../validate.js";
import { acceptableValues, toParametersSchema } from "./bfclSchema.js";
import { show, type ImportIssues, type ImportedRow, type JsonLine } from "./lines.js";

/** `simple_python_12` → `simple_python`; `live_irrelevance_3-0-1` → `live_irrelevance`. */
export function bfclCategory(id: string): string {
  return id.replace(/_\d+(-\d+)*$/, "");
}

const isIrrelevance = (category: string) => /(^|_)irrelevance$/.test(category);

export function importBfcl(rows: readonly JsonLine[], answers: readonly JsonLine[] | undefined, issues: ImportIssues): ImportedRow[] {
  const answerById = new Map<string, JsonLine>();
  for (const a of answers ?? []) {
    if (typeof a.value.id === "string") answerById.set(a.value.id, a);
    else issues.add(a.line, "answers.id", `must be a string, got ${show(a.value.id)}`);
  }
  const samples: ImportedRow[] = [];
  for (const { line, value } of rows) {
    const id = value.id;
    if (typeof id !== "string" || id.length === 0) {
      issues.add(line, "id", `must be a non-empty string, got ${show(id)}`);
      continue;
    }
    const category = bfclCategory(id);
    if (category.includes("multi_turn")) {
      issues.add(line, "id", `${JSON.stringify(id)} is a multi-turn category; its turns need BFCL's executable environment, so it cannot be imported`);
      continue;
    }
    const messages = readQuestion(value.question, line, issues);
    const tools = readFunctions(value.function, line, issues);
    if (!messages || !tools) continue;
    let expected: ExpectedCall | null = null;
    if (!isIrrelevance(category)) {
      const answer = answerById.get(id);
      if (answer === undefined) {
        issues.add(line, "id", `${JSON.stringify(id)} has no entry in the possible_answer file${answers === undefined ? " (pass it with --answers)" : ""}`);
        continue;
      }
      const read = readGroundTruth(answer, issues);
      if (!read) continue;
      expected = read;
    }
    samples.push({ line, sample: { id, domain: category, source: "bfcl", category, messages, tools, needs_tool: expected !== null, expected } });
  }
  return samples;
}

/** All turns of `question` in order (single-turn categories hold one turn; some live rows add a system message). */
function readQuestion(question: unknown, line: number, issues: ImportIssues): DatasetSample["messages"] | undefined {
  if (!Array.isArray(question) || question.length === 0) {
    issues.add(line, "question", `must be a non-empty list of turns (lists of {role, content}), got ${show(question)}`);
    return undefined;
  }
  const turns = question.every(Array.isArray) ? question.flat() : question;
  const messages: DatasetSample["messages"] = [];
  turns.forEach((m: unknown, i) => {
    if (!isPlainObject(m) || typeof m.role !== "string" || typeof m.content !== "string") return issues.add(line, `question[${i}]`, `must be a message {role, content}, got ${show(m)}`);
    messages.push({ role: m.role as DatasetSample["messages"][number]["role"], content: m.content });
  });
  return messages.length === turns.length ? messages : undefined;
}

function readFunctions(functions: unknown, line: number, issues: ImportIssues): FunctionTool[] | undefined {
  if (!Array.isArray(functions)) {
    issues.add(line, "function", `must be a list of {name, description, parameters}, got ${show(functions)}`);
    return undefined;
  }
  const tools: FunctionTool[] = [];
  functions.forEach((f: unknown, i) => {
    if (!isPlainObject(f) || typeof f.name !== "string") return issues.add(line, `function[${i}]`, `must be {name, description, parameters}, got ${show(f)}`);
    const description = typeof f.description === "string" ? { description: f.description } : {};
    tools.push({ type: "function", function: { name: f.name, ...description, parameters: toParametersSchema(f.parameters) } });
  });
  return tools.length === functions.length ? tools : undefined;
}

/** One expected call per ground-truth entry (several: parallel calls); `arguments` holds each first acceptable value. */
function readGroundTruth(answer: JsonLine, issues: ImportIssues): ExpectedCall | undefined {
  const truth = answer.value.ground_truth;
  if (!Array.isArray(truth) || truth.length === 0) {
    issues.add(answer.line, "ground_truth", `must be a non-empty list of {function_name: {argument: [acceptable values]}}, got ${show(truth)}`);
    return undefined;
  }
  const calls: ExpectedCall[] = [];
  truth.forEach((entry: unknown, i) => {
    const names = isPlainObject(entry) ? Object.keys(entry) : [];
    if (!isPlainObject(entry) || names.length !== 1 || !isPlainObject(entry[names[0]])) {
      return issues.add(answer.line, `ground_truth[${i}]`, `must be {function_name: {argument: [acceptable values]}}, got ${show(entry)}`);
    }
    const acceptable = Object.fromEntries(Object.entries(entry[names[0]] as Record<string, unknown>).map(([arg, listed]) => [arg, acceptableValues(listed)]));
    // The representative call: each argument's first value that is not the "may be left out" mark.
    const args = Object.fromEntries(Object.entries(acceptable).flatMap(([arg, values]) => (values.some((v) => v !== "") ? [[arg, values.find((v) => v !== "")]] : [])));
    calls.push({ name: names[0], arguments: args, acceptable_arguments: acceptable });
  });
  if (calls.length !== truth.length) return undefined;
  const [first, ...rest] = calls;
  return rest.length > 0 ? { ...first, parallel_calls: rest } : first;
}
