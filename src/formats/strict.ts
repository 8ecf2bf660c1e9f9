/**
 * The strict protocol shared by every parser: read a payload (JSON first, Python literal as fallback), check it
 * has the `{name, arguments}` shape, then judge names and arguments against the offered tools.
 */
import { parseLiteralAt, type LiteralParse } from "./literal.js";
import { argumentProblems, isPlainObject, quoteName, type OfferedTools } from "./tools.js";
import type { ToolCall, ToolCallParseResult } from "./types.js";

/** Parsers read at most this many characters of an output; the rest is reported, not scanned. */
export const MAX_PARSE_INPUT_CHARS = 1 << 20;

/** Parsers stop after this many calls in one output. */
export const MAX_CALLS_PER_OUTPUT = 64;

/** A call and its 1-based position among the payloads of the output, for error messages. */
export interface NumberedCall {
  number: number;
  call: ToolCall;
}

/** What a payload read cost, so scanners can bound their total work on hostile outputs. */
export type PayloadParse = LiteralParse & { work: number };

/** Reads one payload at `start`: strict JSON, else a Python literal. On failure, reports the attempt that got further. */
export function parsePayloadAt(text: string, start: number): PayloadParse {
  const asJson = parseLiteralAt(text, start, "json");
  const jsonWork = (asJson.ok ? asJson.end : asJson.position) - start + 1;
  if (asJson.ok) return { ...asJson, work: jsonWork };
  const asPython = parseLiteralAt(text, start, "python");
  const work = jsonWork + (asPython.ok ? asPython.end : asPython.position) - start + 1;
  if (asPython.ok) return { ...asPython, work };
  const further = asPython.position > asJson.position ? asPython : asJson;
  return { ...further, work };
}

/** Which keys hold the tool name and the arguments. The first key present wins. */
export interface PayloadKeys {
  name: readonly string[];
  arguments: readonly string[];
}

export const STANDARD_PAYLOAD_KEYS: PayloadKeys = { name: ["name"], arguments: ["arguments"] };

/** Checks a parsed payload has the call shape; extra keys are ignored. */
export function toToolCall(value: unknown, keys: PayloadKeys = STANDARD_PAYLOAD_KEYS): { call: ToolCall } | { error: string } {
  const shape = `{${quoteKeys(keys.name)}, ${quoteKeys(keys.arguments)}}`;
  if (!isPlainObject(value)) return { error: `payload must be an object ${shape}, received ${kindOf(value)}` };
  const nameKey = keys.name.find((k) => Object.hasOwn(value, k));
  const name = nameKey === undefined ? undefined : value[nameKey];
  if (typeof name !== "string" || name.length === 0) {
    return { error: nameKey === undefined ? `payload has no ${quoteKeys(keys.name)}` : `"${nameKey}" must be a non-empty string` };
  }
  const argumentsKey = keys.arguments.find((k) => Object.hasOwn(value, k));
  if (argumentsKey === undefined) return { error: `payload has no ${quoteKeys(keys.arguments)}` };
  const args = value[argumentsKey];
  if (!isPlainObject(args)) return { error: `"${argumentsKey}" must be an object, received ${kindOf(args)}` };
  return { call: { name, arguments: args } };
}

/** The result for an output in which the call marker never appears. */
export function notTriggered(errors: string[] = []): ToolCallParseResult {
  return { triggered: false, calls: [], format_ok: false, tool_ok: false, args_ok: false, errors };
}

/**
 * Judges the calls of a triggered output. `formatOk` says whether the envelope and every payload were well formed;
 * tool and argument checks run on every parsed call either way (for the error list), but the flags stay cumulative.
 */
export function judgeCalls(formatOk: boolean, numbered: readonly NumberedCall[], errors: string[], tools: OfferedTools): ToolCallParseResult {
  let allToolsKnown = true;
  let allArgumentsValid = true;
  for (const { number, call } of numbered) {
    const tool = tools.get(call.name);
    if (tool === undefined) {
      allToolsKnown = false;
      errors.push(`call ${number}: unknown tool ${quoteName(call.name)}`);
      continue;
    }
    for (const problem of argumentProblems(tool, call.arguments)) {
      allArgumentsValid = false;
      errors.push(`call ${number}: ${problem}`);
    }
  }
  const format_ok = formatOk && numbered.length > 0;
  const tool_ok = format_ok && allToolsKnown;
  const args_ok = tool_ok && allArgumentsValid;
  return { triggered: true, calls: numbered.map((n) => n.call), format_ok, tool_ok, args_ok, errors };
}

/** Cuts an output to the part parsers read, with the note to add when something was cut. */
export function capOutput(output: string): { text: string; notes: string[] } {
  if (output.length <= MAX_PARSE_INPUT_CHARS) return { text: output, notes: [] };
  return {
    text: output.slice(0, MAX_PARSE_INPUT_CHARS),
    notes: [`output is ${output.length} characters long; only the first ${MAX_PARSE_INPUT_CHARS} were read`],
  };
}

function quoteKeys(keys: readonly string[]): string {
  return keys.map((k) => `"${k}"`).join(" or ");
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}
