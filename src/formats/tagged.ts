/**
 * Parsers for the two envelope styles models use: calls wrapped in a tag pair (`<functioncall>…</functioncall>`,
 * `<tool_call>…</tool_call>`), and a bare JSON call at the very start of the output.
 *
 * Both scan with `indexOf` (linear) and charge every payload read against a work budget proportional to the input,
 * so no output, however crafted, costs more than a small multiple of its (capped) length.
 */
import {
  MAX_CALLS_PER_OUTPUT,
  STANDARD_PAYLOAD_KEYS,
  capOutput,
  judgeCalls,
  notTriggered,
  parsePayloadAt,
  toToolCall,
  type NumberedCall,
  type PayloadKeys,
  type PayloadParse,
} from "./strict.js";
import type { OfferedTools } from "./tools.js";
import type { ToolCallParseResult } from "./types.js";

/** The tags around each call payload. */
export interface CallTags {
  open: string;
  close: string;
}

/** Reads every `open payload close` block. Triggered iff `open` appears anywhere in the (capped) output. */
export function parseTaggedCalls(output: string, tools: OfferedTools, tags: CallTags): ToolCallParseResult {
  const { text, notes } = capOutput(output);
  const errors = [...notes];
  let markerAt = text.indexOf(tags.open);
  if (markerAt < 0) return notTriggered(errors);

  const openFinder = new ForwardFinder(text, tags.open);
  const closeFinder = new ForwardFinder(text, tags.close);
  // Where to look for the next call after a broken one: just past the next closing tag, or at the next opening tag.
  const resync = (from: number): number => {
    const close = closeFinder.next(from);
    const open = openFinder.next(from);
    if (close >= 0 && (open < 0 || close < open)) return close + tags.close.length;
    return open >= 0 ? open : text.length;
  };

  let formatOk = notes.length === 0;
  const calls: NumberedCall[] = [];
  let workLeft = 4 * text.length + 4096;
  for (let number = 1; markerAt >= 0; number++) {
    if (number > MAX_CALLS_PER_OUTPUT) {
      errors.push(`more than ${MAX_CALLS_PER_OUTPUT} calls; the rest were not read`);
      formatOk = false;
      break;
    }
    if (workLeft <= 0) {
      errors.push(`output too costly to read; stopped before call ${number}`);
      formatOk = false;
      break;
    }
    const payloadStart = markerAt + tags.open.length;
    const payload = parsePayloadAt(text, payloadStart);
    workLeft -= payload.work;
    let resumeAt: number;
    if (!payload.ok) {
      formatOk = false;
      errors.push(`call ${number}: ${describePayloadFailure(payload, payloadStart)}`);
      resumeAt = resync(payloadStart);
    } else {
      const shaped = toToolCall(payload.value);
      if ("error" in shaped) {
        formatOk = false;
        errors.push(`call ${number}: ${shaped.error}`);
      } else {
        calls.push({ number, call: shaped.call });
      }
      const after = skipWhitespace(text, payload.end);
      if (text.startsWith(tags.close, after)) {
        resumeAt = after + tags.close.length;
      } else {
        formatOk = false;
        errors.push(`call ${number}: ${missingCloseMessage(text, after, tags)}`);
        resumeAt = resync(after);
      }
    }
    markerAt = openFinder.next(resumeAt);
  }
  return judgeCalls(formatOk, calls, errors, tools);
}

function missingCloseMessage(text: string, after: number, tags: CallTags): string {
  if (after >= text.length) return `missing closing ${tags.close}`;
  if (text.startsWith(tags.open, after)) return `missing closing ${tags.close} before the next ${tags.open}`;
  return `unexpected text after the payload, expected ${tags.close}`;
}

/** Keys a bare JSON call may use: `{"name"|"tool": ..., "arguments"|"parameters": {...}}`. */
export const BARE_JSON_PAYLOAD_KEYS: PayloadKeys = { name: ["name", "tool"], arguments: ["arguments", "parameters"] };

/**
 * Reads a bare JSON call (an object, or a list of objects) that opens the output, optionally inside a Markdown code
 * fence. Triggered iff the output's first non-blank text (after an opening fence) is `{` or `[{`.
 */
export function parseBareJsonCalls(output: string, tools: OfferedTools): ToolCallParseResult {
  const { text, notes } = capOutput(output);
  const errors = [...notes];
  let start = skipWhitespace(text, 0);
  let fenced = false;
  if (text.startsWith("```", start)) {
    let afterLanguage = start + 3;
    while (afterLanguage < text.length && afterLanguage - start < 40 && /[A-Za-z0-9_-]/.test(text[afterLanguage])) afterLanguage++;
    start = skipWhitespace(text, afterLanguage);
    fenced = true;
  }
  const opensObject = text[start] === "{";
  const opensList = text[start] === "[" && text[skipWhitespace(text, start + 1)] === "{";
  if (!opensObject && !opensList) return notTriggered(errors);

  let formatOk = notes.length === 0;
  const payload = parsePayloadAt(text, start);
  if (!payload.ok) {
    errors.push(`call 1: ${describePayloadFailure(payload, start)}`);
    return judgeCalls(false, [], errors, tools);
  }
  const values = Array.isArray(payload.value) ? payload.value : [payload.value];
  const calls: NumberedCall[] = [];
  values.slice(0, MAX_CALLS_PER_OUTPUT).forEach((value, i) => {
    const shaped = toToolCall(value, BARE_JSON_PAYLOAD_KEYS);
    if ("error" in shaped) {
      formatOk = false;
      errors.push(`call ${i + 1}: ${shaped.error}`);
    } else {
      calls.push({ number: i + 1, call: shaped.call });
    }
  });
  if (values.length > MAX_CALLS_PER_OUTPUT) {
    formatOk = false;
    errors.push(`more than ${MAX_CALLS_PER_OUTPUT} calls; the rest were not read`);
  }
  let end = skipWhitespace(text, payload.end);
  if (fenced && !text.startsWith("```", end)) {
    formatOk = false;
    errors.push("missing closing ``` after the JSON call");
  } else {
    if (fenced) end = skipWhitespace(text, end + 3);
    if (end < text.length) {
      formatOk = false;
      errors.push("unexpected text after the JSON call");
    }
  }
  return judgeCalls(formatOk, calls, errors, tools);
}

/** Tries the parsers in order and returns the first triggered result (or the first result when none triggers). */
export function firstTriggered(results: Iterable<() => ToolCallParseResult>): ToolCallParseResult {
  let first: ToolCallParseResult | undefined;
  for (const attempt of results) {
    const result = attempt();
    if (result.triggered) return result;
    first ??= result;
  }
  return first ?? notTriggered();
}

function describePayloadFailure(payload: PayloadParse & { ok: false }, payloadStart: number): string {
  return `payload is neither JSON nor a Python literal (${payload.error} at offset ${Math.max(0, payload.position - payloadStart)})`;
}

function skipWhitespace(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/**
 * `indexOf` with memory: callers ask from positions that only move forward, and the answer for `from` is still the
 * last answer while that answer lies at or after `from`. This keeps repeated searches for an absent tag linear.
 */
class ForwardFinder {
  private askedFrom = -1;
  private found = -1;

  constructor(
    private readonly text: string,
    private readonly needle: string,
  ) {}

  next(from: number): number {
    if (this.askedFrom >= 0 && from >= this.askedFrom && (this.found < 0 || this.found >= from)) return this.found;
    this.askedFrom = from;
    this.found = this.text.indexOf(this.needle, from);
    return this.found;
  }
}
