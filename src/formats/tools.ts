/**
 * Offered tools: validation of the tool list at the public edge, and argument checking against each tool's JSON
 * Schema with ajv. Compiled validators are cached per schema (by identity, then by content) because evaluation
 * parses thousands of outputs against the same few tools.
 */
import { Ajv, type ValidateFunction } from "ajv";
import { invalidArgument } from "../errors.js";
import type { JsonSchema, ToolDefinition } from "./types.js";

/** A tool's function part, after validation. */
export interface OfferedTool {
  name: string;
  description?: string;
  parameters?: JsonSchema;
}

/** Tools by name. */
export type OfferedTools = ReadonlyMap<string, OfferedTool>;

const TOOL_SHAPE = 'a tool object {type: "function", function: {name, description?, parameters?}}';

/** Validates a tool list and indexes it by name. Throws `ERR_INVALID_ARGUMENT` naming the offending element. */
export function readOfferedTools(tools: unknown, parameterName = "tools"): OfferedTools {
  if (!Array.isArray(tools)) throw invalidArgument(parameterName, "an array of tools", tools);
  const byName = new Map<string, OfferedTool>();
  tools.forEach((tool: unknown, i) => {
    const where = `${parameterName}[${i}]`;
    if (!isPlainObject(tool) || tool.type !== "function" || !isPlainObject(tool.function)) throw invalidArgument(where, TOOL_SHAPE, tool);
    const fn = tool.function;
    if (typeof fn.name !== "string" || fn.name.length === 0) throw invalidArgument(`${where}.function.name`, "a non-empty string", fn.name);
    if (fn.description !== undefined && typeof fn.description !== "string") {
      throw invalidArgument(`${where}.function.description`, "a string", fn.description);
    }
    if (fn.parameters !== undefined && !isPlainObject(fn.parameters)) {
      throw invalidArgument(`${where}.function.parameters`, "a JSON Schema object", fn.parameters);
    }
    if (byName.has(fn.name)) throw invalidArgument(`${where}.function.name`, "a name no other tool uses", fn.name);
    byName.set(fn.name, { name: fn.name, description: fn.description, parameters: fn.parameters });
  });
  return byName;
}

/** The tool definitions in a fixed key order, for prompts: name, description, parameters. */
export function describeToolsForPrompt(tools: readonly ToolDefinition[]): OfferedTool[] {
  return [...readOfferedTools(tools).values()].map((t) => ({
    name: t.name,
    ...(t.description !== undefined ? { description: t.description } : {}),
    parameters: t.parameters ?? { type: "object", properties: {} },
  }));
}

// Tool schemas in the wild carry unknown keywords, "format"s ajv has no checker for, and $id values that repeat
// across tools: none of that should stop argument checking.
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, addUsedSchema: false, logger: false });

type CompiledSchema = { validate: ValidateFunction } | { compileError: string };

const compiledBySchemaObject = new WeakMap<object, CompiledSchema>();
const compiledBySchemaText = new Map<string, CompiledSchema>();
/** Bound on the content-keyed cache, for datasets whose every row carries freshly parsed copies of many schemas. */
const MAX_CACHED_SCHEMAS = 512;

function compiledFor(schema: JsonSchema): CompiledSchema {
  const byObject = compiledBySchemaObject.get(schema);
  if (byObject) return byObject;
  let text: string;
  try {
    text = JSON.stringify(schema);
  } catch {
    // Cyclic or otherwise non-JSON schemas cannot be keyed (nor trusted to compile); remember the verdict by identity.
    const verdict = { compileError: "the schema is not plain JSON data" };
    compiledBySchemaObject.set(schema, verdict);
    return verdict;
  }
  let compiled = compiledBySchemaText.get(text);
  if (!compiled) {
    compiled = compile(schema);
    if (compiledBySchemaText.size >= MAX_CACHED_SCHEMAS) {
      const oldest = compiledBySchemaText.keys().next().value;
      if (oldest !== undefined) compiledBySchemaText.delete(oldest);
    }
    compiledBySchemaText.set(text, compiled);
  }
  compiledBySchemaObject.set(schema, compiled);
  return compiled;
}

function compile(schema: JsonSchema): CompiledSchema {
  // A "$schema" naming a draft ajv's default build does not bundle (2019-09, 2020-12) would fail compilation;
  // the keywords tool schemas use mean the same in every draft, so validate against the default one.
  const { $schema: _ignoredDialect, ...body } = schema;
  try {
    return { validate: ajv.compile(body) };
  } catch (e) {
    return { compileError: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Problems with `args` for `tool` (empty when valid). Arguments must validate against the tool's schema and must
 * not be empty when the schema declares properties or required keys (the strict protocol counts `{}` as no call).
 */
export function argumentProblems(tool: OfferedTool, args: Record<string, unknown>): string[] {
  const schema = tool.parameters;
  if (schema === undefined) return [];
  const declaresParameters = nonEmptyObject(schema.properties) || (Array.isArray(schema.required) && schema.required.length > 0);
  if (declaresParameters && Object.keys(args).length === 0) return [`arguments are empty but ${quoteName(tool.name)} takes parameters`];
  const compiled = compiledFor(schema);
  if ("compileError" in compiled) return [`the parameters schema of ${quoteName(tool.name)} cannot be used: ${compiled.compileError}`];
  if (compiled.validate(args)) return [];
  return (compiled.validate.errors ?? []).slice(0, 3).map((err) => {
    const where = err.instancePath ? ` at ${err.instancePath}` : "";
    const allowed = err.keyword === "enum" && Array.isArray(err.params.allowedValues) ? err.params.allowedValues : undefined;
    const message = allowed ? `must be one of ${allowed.map((v) => JSON.stringify(v)).join(", ")}` : (err.message ?? "are invalid");
    return `arguments${where} ${message}`;
  });
}

/** A tool name for messages: quoted, and shortened so a hostile output cannot blow up the error list. */
export function quoteName(name: string): string {
  return JSON.stringify(name.length > 60 ? `${name.slice(0, 57)}...` : name);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function nonEmptyObject(value: unknown): boolean {
  return isPlainObject(value) && Object.keys(value).length > 0;
}
