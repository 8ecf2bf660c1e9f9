/**
 * User-supplied formats (a prompt template plus a parser) and the registry that names every format.
 *
 * A user format only says how calls are written; judging them (known tool, arguments valid against the schema,
 * cumulative flags) is always done here, so every format is measured under the same strict protocol.
 */
import { ErrorCodes, SteerError, describeValue, invalidArgument } from "../errors.js";
import { assertKnownKeys, assertString } from "../util/validate.js";
import { BUILTIN_FORMATS, checkRenderOptions, readParseArguments, templateMessages } from "./builtin.js";
import { assertTemplate, renderChatTemplate } from "./chat-template.js";
import { assertMessages } from "./prompts.js";
import { MAX_CALLS_PER_OUTPUT, capOutput, judgeCalls, notTriggered, toToolCall, type NumberedCall } from "./strict.js";
import { parseTaggedCalls, type CallTags } from "./tagged.js";
import { isPlainObject } from "./tools.js";
import type { ChatMessage, RenderOptions, ToolCallParseResult, ToolDefinition, ToolFormat } from "./types.js";

/** What a user parser reports: whether the model called, and the raw call payloads it found. */
export interface ExtractedCalls {
  /** The format's call marker appears in the output. */
  triggered: boolean;
  /** Each payload found, expected to be `{name: string, arguments: object}`; anything else is a format error. */
  calls: readonly unknown[];
  /** Format problems the parser saw (a missing closing tag ...). Any entry makes `format_ok` false. Default: []. */
  errors?: readonly string[];
}

export type FormatRenderFunction = (messages: readonly ChatMessage[], tools: readonly ToolDefinition[], options: RenderOptions) => string | Promise<string>;

export interface FormatDefinition {
  /** Registry name: letters, digits, ".", "_" or "-", at most 64 characters. */
  name: string;
  /** One line saying what the format is. Default: "". */
  description?: string;
  /**
   * How the prompt is built: a Jinja template (rendered bounded, with `messages`, `tools`, `add_generation_prompt`,
   * `bos_token`, `eos_token`; `options.chatTemplate` is ignored) or a function.
   */
  render: string | FormatRenderFunction;
  /**
   * How output is read: a tag pair (the built-in strict tag parser) or a function returning `ExtractedCalls`. A parse
   * function sees at most the first `MAX_PARSE_INPUT_CHARS` characters; it must be fast, as it runs unbounded.
   */
  parse: CallTags | ((output: string) => ExtractedCalls);
  /** The text whose appearance means a call. Default: `parse.open` for a tag pair; required for a parse function. */
  callMarker?: string;
  /** See `ToolFormat.stopStrings`. Default: []. */
  stopStrings?: readonly string[];
  /** Text that teaches the model the format, for callers that build their own prompts. Default: () => "". */
  systemPrompt?: (tools: readonly ToolDefinition[]) => string;
}

const DEFINITION_KEYS = ["name", "description", "render", "parse", "callMarker", "stopStrings", "systemPrompt"];
const FORMAT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Validates a format definition and returns it as a `ToolFormat`. Throws `ERR_INVALID_ARGUMENT` on a bad definition. */
export function defineFormat(definition: FormatDefinition): ToolFormat {
  if (!isPlainObject(definition)) throw invalidArgument("definition", "a format definition {name, render, parse}", definition);
  assertKnownKeys("FormatDefinition", definition, DEFINITION_KEYS);
  const { name, render, parse } = definition;
  if (typeof name !== "string" || !FORMAT_NAME.test(name)) throw invalidArgument("definition.name", 'a name of letters, digits, ".", "_" or "-" (at most 64)', name);
  const description = definition.description ?? "";
  assertString("definition.description", description);
  if (typeof render === "string") assertTemplate(render, "definition.render");
  else if (typeof render !== "function") throw invalidArgument("definition.render", "a Jinja template string or a render function", render);

  let callMarker: string;
  let readOutput: (output: string, tools: readonly ToolDefinition[]) => ToolCallParseResult;
  if (typeof parse === "function") {
    if (typeof definition.callMarker !== "string" || definition.callMarker.length === 0) {
      throw invalidArgument("definition.callMarker", "a non-empty string (required with a parse function)", definition.callMarker);
    }
    callMarker = definition.callMarker;
    readOutput = (output, tools) => runUserParser(name, callMarker, parse, output, tools);
  } else if (isPlainObject(parse)) {
    const tags = checkTags(parse);
    callMarker = definition.callMarker ?? tags.open;
    if (callMarker !== tags.open) throw invalidArgument("definition.callMarker", `the opening tag ${JSON.stringify(tags.open)} (or nothing)`, definition.callMarker);
    readOutput = (output, tools) => {
      const args = readParseArguments(output, tools);
      return parseTaggedCalls(args.output, args.offered, tags);
    };
  } else {
    throw invalidArgument("definition.parse", "a tag pair {open, close} or a parse function", parse);
  }

  const stopStrings = definition.stopStrings ?? [];
  if (!Array.isArray(stopStrings) || !stopStrings.every((s) => typeof s === "string" && s.length > 0)) {
    throw invalidArgument("definition.stopStrings", "an array of non-empty strings", stopStrings);
  }
  const systemPrompt = definition.systemPrompt ?? (() => "");
  if (typeof systemPrompt !== "function") throw invalidArgument("definition.systemPrompt", "a function (tools) => string", systemPrompt);

  return Object.freeze({
    name,
    description,
    callMarker,
    stopStrings: Object.freeze([...stopStrings]),
    renderSystemPrompt: (tools: readonly ToolDefinition[]) => systemPrompt(tools),
    async render(messages: readonly ChatMessage[], tools: readonly ToolDefinition[], options?: RenderOptions): Promise<string> {
      assertMessages(messages);
      const checked = checkRenderOptions(options);
      if (typeof render === "string") {
        return renderChatTemplate(render, {
          messages: templateMessages(messages, render),
          tools,
          addGenerationPrompt: checked.addGenerationPrompt,
          bosToken: checked.bosToken,
          eosToken: checked.eosToken,
          timeoutMs: checked.timeoutMs,
          maxOutputChars: checked.maxOutputChars,
          signal: checked.signal,
        });
      }
      const text = await render(messages, tools, checked);
      if (typeof text !== "string") {
        throw new SteerError(ErrorCodes.TEMPLATE_FAILED, `Format "${name}" render returned ${describeValue(text)} instead of a string`, { format: name });
      }
      return text;
    },
    parse: readOutput,
  });
}

function checkTags(parse: Record<string, unknown>): CallTags {
  const { open, close } = parse;
  if (typeof open !== "string" || open.length === 0) throw invalidArgument("definition.parse.open", "a non-empty string", open);
  if (typeof close !== "string" || close.length === 0) throw invalidArgument("definition.parse.close", "a non-empty string", close);
  // The scanner looks for the next opening tag after each call; one hidden inside every closing tag would misfire.
  if (close.includes(open)) throw invalidArgument("definition.parse.close", `a closing tag that does not contain the opening tag ${JSON.stringify(open)}`, close);
  return { open, close };
}

/** Runs a user parser on the capped output, then judges what it found. A throwing or malformed parser is a format error. */
function runUserParser(
  name: string,
  callMarker: string,
  parse: (output: string) => ExtractedCalls,
  output: string,
  tools: readonly ToolDefinition[],
): ToolCallParseResult {
  const args = readParseArguments(output, tools);
  const { text, notes } = capOutput(args.output);
  const errors = [...notes];
  let extracted: unknown;
  try {
    extracted = parse(text);
  } catch (e) {
    extracted = e instanceof Error ? e : new Error(String(e));
  }
  const problem = extracted instanceof Error ? `threw: ${extracted.message}` : describeExtractionProblem(extracted);
  if (problem !== undefined) {
    // The parser cannot be trusted; fall back to the protocol's own trigger rule so the row still counts.
    errors.push(`format "${name}" parser ${problem.slice(0, 200)}`);
    return text.includes(callMarker) ? judgeCalls(false, [], errors, args.offered) : notTriggered(errors);
  }
  const { triggered, calls } = extracted as ExtractedCalls;
  // Bounded like the built-in parsers' errors, so a chatty parser cannot flood a report.
  const reported = (extracted as ExtractedCalls).errors?.slice(0, 16).map((e) => e.slice(0, 200)) ?? [];
  if (!triggered) return notTriggered([...errors, ...reported]);
  errors.push(...reported);
  let formatOk = notes.length === 0 && reported.length === 0;
  const numbered: NumberedCall[] = [];
  calls.slice(0, MAX_CALLS_PER_OUTPUT).forEach((value, i) => {
    const shaped = toToolCall(value);
    if ("error" in shaped) {
      formatOk = false;
      errors.push(`call ${i + 1}: ${shaped.error}`);
    } else {
      numbered.push({ number: i + 1, call: shaped.call });
    }
  });
  if (calls.length > MAX_CALLS_PER_OUTPUT) {
    formatOk = false;
    errors.push(`more than ${MAX_CALLS_PER_OUTPUT} calls; the rest were not read`);
  }
  return judgeCalls(formatOk, numbered, errors, args.offered);
}

function describeExtractionProblem(value: unknown): string | undefined {
  if (!isPlainObject(value)) return `returned ${describeValue(value)} instead of {triggered, calls}`;
  if (typeof value.triggered !== "boolean") return `returned triggered = ${describeValue(value.triggered)}, expected a boolean`;
  if (!Array.isArray(value.calls)) return `returned calls = ${describeValue(value.calls)}, expected an array`;
  if (value.errors !== undefined && !(Array.isArray(value.errors) && value.errors.every((e) => typeof e === "string"))) {
    return "returned errors that are not an array of strings";
  }
  return undefined;
}

const registry = new Map<string, ToolFormat>(BUILTIN_FORMATS.map((f) => [f.name, f]));

/** The format registered under `name`. Throws `ERR_INVALID_ARGUMENT` listing the known names. */
export function getFormat(name: string): ToolFormat {
  const format = typeof name === "string" ? registry.get(name) : undefined;
  if (format === undefined) throw invalidArgument("format", `one of ${[...registry.keys()].map((n) => JSON.stringify(n)).join(", ")}`, name);
  return format;
}

/** Every registered format, built-ins first, then in registration order. */
export function listFormats(): ToolFormat[] {
  return [...registry.values()];
}

/** Makes a format available to `getFormat` (and the CLI's `--format`). Names are unique. */
export function registerFormat(format: ToolFormat): void {
  if (!isPlainObject(format) || typeof format.name !== "string" || typeof format.parse !== "function" || typeof format.render !== "function") {
    throw invalidArgument("format", "a ToolFormat (see defineFormat)", format);
  }
  if (registry.has(format.name)) throw invalidArgument("format.name", "a name no registered format uses", format.name);
  registry.set(format.name, format);
}
