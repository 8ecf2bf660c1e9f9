/**
 * Validation of one parsed dataset line. Every check appends an issue instead of throwing, so a loader can
 * report all the problems of a file at once (fixing a 2,000-line file one error per run is miserable).
 */
import { Ajv, type ValidateFunction } from "ajv";
import { SPLITS, type DatasetIssue } from "./types.js";

const ROLES = new Set(["system", "user", "assistant", "tool"]);
/**
 * Tool names: OpenAI's `[A-Za-z0-9_-]` plus `.` and `:`, which benchmarks use (BFCL writes `math.circle_area`).
 * Every built-in format carries such a name verbatim inside a JSON string, so no renaming is needed; quotes,
 * backslashes and whitespace stay out because chat templates paste names into their text unescaped.
 */
export const TOOL_NAME_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
export const TOOL_NAME_RULE = "1-128 characters of letters, digits, _, -, . or :";

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Compiles each distinct parameters schema once: a dataset repeats the same few tool menus thousands of times. */
export class ToolSchemaCache {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction | string>();

  constructor() {
    // strict: false because users' schemas carry keywords Ajv does not know ("examples", vendor extensions);
    // those are documentation for the model, not constraints. For the same reason only the four formats below are
    // checked (loosely: seconds and a UTC offset are optional, as tool schemas in the wild use them); others pass.
    this.ajv = new Ajv({ allErrors: true, strict: false, logger: false });
    this.ajv.addFormat("date", /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/);
    this.ajv.addFormat("time", /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/);
    this.ajv.addFormat("date-time", /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/);
    this.ajv.addFormat("email", /^[^\s@]+@[^\s@]+\.[^\s@]+$/);
  }

  /** The validator for `schema`, or the compile error message when Ajv rejects the schema itself. */
  get(schema: Record<string, unknown>): ValidateFunction | string {
    const key = JSON.stringify(schema);
    let entry = this.compiled.get(key);
    if (entry === undefined) {
      try {
        entry = this.ajv.compile(schema);
      } catch (e) {
        entry = e instanceof Error ? e.message : String(e);
      }
      this.compiled.set(key, entry);
    }
    return entry;
  }
}

/** Checks everything about one sample that does not need other lines (id uniqueness is the loader's job). */
export function validateSampleValue(value: unknown, line: number, schemas: ToolSchemaCache): DatasetIssue[] {
  const issues: DatasetIssue[] = [];
  const report = (field: string, message: string) => issues.push({ line, field, message });
  if (!isPlainObject(value)) {
    report("$", `a sample must be a JSON object but this line holds ${Array.isArray(value) ? "an array" : typeof value === "object" ? "null" : `a ${typeof value}`}`);
    return issues;
  }
  if (typeof value.id !== "string" || value.id.length === 0) report("id", `must be a non-empty string, got ${show(value.id)}`);
  if (typeof value.domain !== "string" || value.domain.length === 0) report("domain", `must be a non-empty string, got ${show(value.domain)}`);
  if ("split" in value && !SPLITS.includes(value.split as never)) report("split", `must be one of ${SPLITS.join(", ")} when present, got ${show(value.split)}`);
  checkMessages(value.messages, report);
  const toolSchemas = checkTools(value.tools, schemas, report);
  const needsTool = inferNeedsTool(value, report);
  if (needsTool === true && Array.isArray(value.tools) && value.tools.length === 0) report("tools", "needs_tool is true but no tools are offered");
  checkExpected(value, needsTool, toolSchemas, report);
  return issues;
}

type Report = (field: string, message: string) => void;

/** Fills what a valid line may leave out: `needs_tool` (true when a call is expected) and `expected` (null without a tool). */
export function completeSample(value: Record<string, unknown>): void {
  if (!("needs_tool" in value)) value.needs_tool = isPlainObject(value.expected);
  if (!("expected" in value)) value.expected = null;
}

function checkMessages(messages: unknown, report: Report): void {
  if (!Array.isArray(messages) || messages.length === 0) {
    report("messages", `must be a non-empty array of {role, content}, got ${show(messages)}`);
    return;
  }
  let userSeen = false;
  messages.forEach((message, i) => {
    const field = `messages[${i}]`;
    if (!isPlainObject(message)) return report(field, `must be an object {role, content}, got ${show(message)}`);
    if (typeof message.role !== "string" || !ROLES.has(message.role)) report(`${field}.role`, `must be one of system, user, assistant, tool, got ${show(message.role)}`);
    checkMessageBody(message, field, report);
    if (message.role === "user") userSeen = true;
  });
  if (!userSeen) report("messages", "must contain at least one user message");
  const last = messages[messages.length - 1];
  // The measured event is the model's next turn; a conversation ending on the assistant has nothing left to predict.
  if (isPlainObject(last) && last.role !== "user" && last.role !== "tool" && ROLES.has(String(last.role))) {
    report(`messages[${messages.length - 1}].role`, `the last message must be from user or tool (the model answers next), got ${show(last.role)}`);
  }
}

/** Content, and the OpenAI fields that go with it: `tool_calls` on assistant turns, `tool_call_id` on tool turns. */
function checkMessageBody(message: Record<string, unknown>, field: string, report: Report): void {
  const calls = message.tool_calls;
  const hasCalls = message.role === "assistant" && Array.isArray(calls) && calls.length > 0;
  // An assistant turn that only calls tools has no text: the OpenAI API writes null there, some exports "".
  if (!(typeof message.content === "string" || (message.content === null && hasCalls))) {
    const expected = message.role === "assistant" ? "a string (or null when the turn carries tool_calls)" : "a string";
    report(`${field}.content`, `must be ${expected}, got ${show(message.content)}`);
  }
  if (calls !== undefined) {
    if (message.role !== "assistant") report(`${field}.tool_calls`, `only assistant turns carry tool_calls, this one is from ${show(message.role)}`);
    else if (!Array.isArray(calls)) report(`${field}.tool_calls`, `must be an array of {id, type: "function", function: {name, arguments}}, got ${show(calls)}`);
    else calls.forEach((call, j) => checkMessageToolCall(call, `${field}.tool_calls[${j}]`, report));
  }
  if (message.role === "tool" && "tool_call_id" in message && typeof message.tool_call_id !== "string") {
    report(`${field}.tool_call_id`, `must be a string when present, got ${show(message.tool_call_id)}`);
  }
  if ("name" in message && typeof message.name !== "string") report(`${field}.name`, `must be a string when present, got ${show(message.name)}`);
}

function checkMessageToolCall(call: unknown, field: string, report: Report): void {
  if (!isPlainObject(call)) return report(field, `must be an object {id, type: "function", function: {name, arguments}}, got ${show(call)}`);
  if ("id" in call && typeof call.id !== "string") report(`${field}.id`, `must be a string when present, got ${show(call.id)}`);
  if ("type" in call && call.type !== "function") report(`${field}.type`, `must be "function", got ${show(call.type)}`);
  const fn = call.function;
  if (!isPlainObject(fn)) return report(`${field}.function`, `must be an object {name, arguments}, got ${show(fn)}`);
  if (typeof fn.name !== "string" || fn.name.length === 0) report(`${field}.function.name`, `must be a non-empty string, got ${show(fn.name)}`);
  // The API sends arguments as a JSON string; an object is accepted too, as several exports write it that way.
  if (typeof fn.arguments === "string") {
    if (!isPlainObject(parseJson(fn.arguments))) report(`${field}.function.arguments`, `must be a JSON object encoded as a string, got ${show(fn.arguments)}`);
  } else if (!isPlainObject(fn.arguments)) {
    report(`${field}.function.arguments`, `must be a JSON object encoded as a string (or the object itself), got ${show(fn.arguments)}`);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * `needs_tool` as written, or inferred when absent: an expected call means a tool is needed. Without either, the
 * line is ambiguous (expected null may mean "no tool" or "some tool, unlabelled"), so it is reported.
 */
function inferNeedsTool(sample: Record<string, unknown>, report: Report): unknown {
  if ("needs_tool" in sample) {
    if (typeof sample.needs_tool !== "boolean") report("needs_tool", `must be true or false, got ${show(sample.needs_tool)}`);
    return sample.needs_tool;
  }
  if (isPlainObject(sample.expected)) return true;
  report("needs_tool", `is missing and cannot be inferred from expected ${show(sample.expected)}; write true or false (inferred as true only when expected is a call)`);
  return undefined;
}

/** Returns the compiled argument validator of each well-formed tool, by name. */
function checkTools(tools: unknown, schemas: ToolSchemaCache, report: Report): Map<string, ValidateFunction | null> {
  const byName = new Map<string, ValidateFunction | null>();
  if (!Array.isArray(tools)) {
    report("tools", `must be an array of {type: "function", function: {name, description, parameters}}, got ${show(tools)}`);
    return byName;
  }
  tools.forEach((tool, i) => {
    const field = `tools[${i}]`;
    if (!isPlainObject(tool)) return report(field, `must be an object, got ${show(tool)}`);
    if (tool.type !== "function") report(`${field}.type`, `must be "function", got ${show(tool.type)}`);
    const fn = tool.function;
    if (!isPlainObject(fn)) return report(`${field}.function`, `must be an object {name, description, parameters}, got ${show(fn)}`);
    const name = fn.name;
    const nameOk = typeof name === "string" && TOOL_NAME_PATTERN.test(name);
    if (!nameOk) report(`${field}.function.name`, `must be ${TOOL_NAME_RULE}, got ${show(name)}`);
    else if (byName.has(name)) report(`${field}.function.name`, `duplicate tool name "${name}" in this sample's tool list`);
    if ("description" in fn && typeof fn.description !== "string") report(`${field}.function.description`, `must be a string when present, got ${show(fn.description)}`);
    const validator = checkParameters(fn.parameters, `${field}.function.parameters`, schemas, report);
    if (nameOk && !byName.has(name)) byName.set(name, validator);
  });
  return byName;
}

function checkParameters(parameters: unknown, field: string, schemas: ToolSchemaCache, report: Report): ValidateFunction | null {
  if (!isPlainObject(parameters)) {
    report(field, `must be a JSON Schema object, got ${show(parameters)}`);
    return null;
  }
  if (parameters.type !== "object") {
    report(`${field}.type`, `must be "object" (a tool takes named arguments), got ${show(parameters.type)}`);
    return null;
  }
  if ("properties" in parameters && !isPlainObject(parameters.properties)) report(`${field}.properties`, `must be an object, got ${show(parameters.properties)}`);
  const compiled = schemas.get(parameters);
  if (typeof compiled === "string") {
    report(field, `is not a valid JSON Schema: ${compiled}`);
    return null;
  }
  return compiled;
}

function checkExpected(sample: Record<string, unknown>, needsTool: unknown, tools: Map<string, ValidateFunction | null>, report: Report): void {
  if (!("expected" in sample)) {
    // Without a tool there is nothing to expect; only a tool-needing line must say whether the call is labelled.
    if (needsTool !== false) report("expected", "is missing; use null when no call is expected");
    return;
  }
  const expected = sample.expected;
  if (expected === null) return;
  if (needsTool === false) {
    report("expected", "must be null when needs_tool is false");
    return;
  }
  if (!isPlainObject(expected)) {
    report("expected", `must be null or an object {name, arguments}, got ${show(expected)}`);
    return;
  }
  checkExpectedCall(expected, "expected", sample, tools, report);
  const parallel = expected.parallel_calls;
  if (parallel === undefined) return;
  if (!Array.isArray(parallel)) return report("expected.parallel_calls", `must be an array of {name, arguments} when present, got ${show(parallel)}`);
  parallel.forEach((call, i) => {
    const field = `expected.parallel_calls[${i}]`;
    if (!isPlainObject(call)) report(field, `must be an object {name, arguments}, got ${show(call)}`);
    else if ("parallel_calls" in call) report(`${field}.parallel_calls`, "must not nest: list every parallel call in expected.parallel_calls");
    else checkExpectedCall(call, field, sample, tools, report);
  });
}

function checkExpectedCall(call: Record<string, unknown>, field: string, sample: Record<string, unknown>, tools: Map<string, ValidateFunction | null>, report: Report): void {
  const name = call.name;
  if (typeof name !== "string" || name.length === 0) {
    report(`${field}.name`, `must be a non-empty string, got ${show(name)}`);
  } else if (Array.isArray(sample.tools) && !tools.has(name)) {
    const offered = [...tools.keys()];
    report(`${field}.name`, `"${name}" is not among the offered tools (${offered.length > 0 ? offered.join(", ") : "none"})`);
  }
  checkAcceptable(call.acceptable_arguments, `${field}.acceptable_arguments`, report);
  const args = call.arguments;
  if (!isPlainObject(args)) {
    const hint = typeof args === "string" ? " (a JSON string is not accepted; store the parsed object)" : "";
    report(`${field}.arguments`, `must be an object${hint}, got ${show(args)}`);
    return;
  }
  const validate = typeof name === "string" ? tools.get(name) : undefined;
  if (!validate || validate(args)) return;
  for (const error of validate.errors ?? []) {
    const at = error.instancePath.replace(/\/([^/]+)/g, (_m, key: string) => (/^\d+$/.test(key) ? `[${key}]` : `.${key}`));
    const extra = error.keyword === "additionalProperties" ? ` ("${String(error.params.additionalProperty)}")` : "";
    report(`${field}.arguments${at}`, `does not match the ${name} schema: ${error.message ?? error.keyword}${extra}`);
  }
}

function checkAcceptable(acceptable: unknown, field: string, report: Report): void {
  if (acceptable === undefined) return;
  if (!isPlainObject(acceptable)) return report(field, `must be an object {argument: [acceptable values]} when present, got ${show(acceptable)}`);
  for (const [argument, values] of Object.entries(acceptable)) {
    if (!Array.isArray(values) || values.length === 0) report(`${field}.${argument}`, `must be a non-empty array of acceptable values, got ${show(values)}`);
  }
}

function show(value: unknown): string {
  if (value === undefined) return "nothing (missing)";
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
