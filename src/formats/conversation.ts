/**
 * Earlier tool calls and their results inside a conversation (OpenAI shape: an assistant turn with `tool_calls`
 * and null content, then `tool` turns), and how each kind of format shows them to the model:
 * - a chat template that reads `tool_calls` gets them as llama.cpp's server hands them to Jinja: arguments as
 *   objects (templates write `arguments | tojson`; a JSON string there would be quoted twice), content untouched;
 * - the system-prompt formats (asa, hermes, json) write each call in their own call syntax and each result as a
 *   user turn in their own result syntax, so the model sees the protocol it is asked to follow;
 * - ChatML without a template, or a template that ignores `tool_calls`, gets the calls as `<tool_call>` text.
 */
import { invalidArgument } from "../errors.js";
import { isPlainObject } from "./tools.js";
import type { ChatMessage, ToolCall } from "./types.js";

/** How a system-prompt format writes an earlier call and an earlier result. */
export interface ConversationSyntax {
  /** The assistant text for the calls of one turn. */
  writeCalls(calls: readonly ToolCall[]): string;
  /** The user-turn text for one tool result. */
  writeResult(name: string | undefined, content: string): string;
}

/** The arguments of one `tool_calls` entry as an object; the API sends a JSON string. Throws on anything else. */
function argumentsOf(value: unknown, where: string): Record<string, unknown> {
  if (isPlainObject(value)) return value;
  if (typeof value === "string") {
    try {
      const parsed: unknown = JSON.parse(value);
      if (isPlainObject(parsed)) return parsed;
    } catch {
      // reported below with the value as received
    }
  }
  throw invalidArgument(where, "a JSON object, or a string holding one", value);
}

/** Validates the OpenAI call fields of one message at the public edge (the loader reports the same per line). */
export function assertToolCallFields(message: Record<string, unknown>, where: string): void {
  const calls = message.tool_calls;
  if (calls === undefined) return;
  if (!Array.isArray(calls)) throw invalidArgument(`${where}.tool_calls`, 'an array of {type: "function", function: {name, arguments}}', calls);
  calls.forEach((call: unknown, i) => callOf(call, `${where}.tool_calls[${i}]`));
}

function callOf(entry: unknown, where: string): ToolCall {
  const fn = isPlainObject(entry) ? entry.function : undefined;
  if (!isPlainObject(fn)) throw invalidArgument(`${where}.function`, "an object {name, arguments}", fn);
  if (typeof fn.name !== "string" || fn.name.length === 0) throw invalidArgument(`${where}.function.name`, "a non-empty string", fn.name);
  return { name: fn.name, arguments: argumentsOf(fn.arguments, `${where}.function.arguments`) };
}

/** The calls an assistant turn carries, arguments parsed. */
export function callsOf(message: ChatMessage): ToolCall[] {
  return Array.isArray(message.tool_calls) ? message.tool_calls.map((c, i) => callOf(c, `tool_calls[${i}]`)) : [];
}

const hasCalls = (m: ChatMessage) => m.role === "assistant" && Array.isArray(m.tool_calls) && m.tool_calls.length > 0;

/** Whether any turn carries calls or answers one (only then is a conversation rewritten). */
export function hasToolTurns(messages: readonly ChatMessage[]): boolean {
  return messages.some((m) => hasCalls(m) || m.role === "tool");
}

/** The messages as a tool-aware template gets them: every call's arguments as an object. */
export function messagesForTemplate(messages: readonly ChatMessage[]): ChatMessage[] {
  return messages.map((m) => {
    if (!hasCalls(m)) return m;
    const calls = (m.tool_calls as unknown[]).map((entry, i) => {
      const call = callOf(entry, `tool_calls[${i}]`);
      const original = entry as Record<string, unknown>;
      return { ...original, function: { ...(original.function as object), name: call.name, arguments: call.arguments } };
    });
    return { ...m, tool_calls: calls };
  });
}

/**
 * The conversation in a format's own syntax: calls become assistant text, results user turns (consecutive
 * results share one turn, as they answer one assistant turn). `tool_calls` are dropped so that a tool-aware
 * template does not show the calls a second time in its own syntax.
 */
export function messagesInSyntax(messages: readonly ChatMessage[], syntax: ConversationSyntax): ChatMessage[] {
  const out: ChatMessage[] = [];
  const namesById = new Map<string, string>();
  let previousWasResult = false;
  for (const m of messages) {
    if (hasCalls(m)) {
      const calls = callsOf(m);
      m.tool_calls?.forEach((c, i) => typeof c.id === "string" && namesById.set(c.id, calls[i].name));
      const { tool_calls: _dropped, ...rest } = m;
      const text = syntax.writeCalls(calls);
      out.push({ ...rest, content: m.content ? `${m.content}\n${text}` : text });
      previousWasResult = false;
    } else if (m.role === "tool") {
      const name = typeof m.name === "string" ? m.name : typeof m.tool_call_id === "string" ? namesById.get(m.tool_call_id) : undefined;
      const text = syntax.writeResult(name, m.content ?? "");
      const last = out[out.length - 1];
      if (previousWasResult && last) last.content = `${last.content}\n${text}`;
      else out.push({ role: "user", content: text });
      previousWasResult = true;
    } else {
      out.push(m);
      previousWasResult = false;
    }
  }
  return out;
}

/**
 * JSON with the spacing of Python's `json.dumps` (`", "`, `": "`): the layout the built-in system prompts show and
 * chat templates' `tojson` writes, so an earlier call looks like the one the model is asked to write.
 */
export function spacedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(spacedJson).join(", ")}]`;
  if (isPlainObject(value)) return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${spacedJson(v)}`).join(", ")}}`;
  return JSON.stringify(value) ?? "null";
}

const callJson = (call: ToolCall) => spacedJson({ name: call.name, arguments: call.arguments });

/** `<open>{"name", "arguments"}<close>` per call, results between the format's result tags. */
export function taggedSyntax(open: string, close: string, resultOpen: string, resultClose: string, newlines: boolean): ConversationSyntax {
  const nl = newlines ? "\n" : "";
  return {
    writeCalls: (calls) => calls.map((c) => `${open}${nl}${callJson(c)}${nl}${close}`).join("\n"),
    writeResult: (_name, content) => `${resultOpen}${nl}${content}${nl}${resultClose}`,
  };
}

/** Bare JSON: one call object (a list for several), each result as `{"name", "content"}`. */
export const bareJsonSyntax: ConversationSyntax = {
  writeCalls: (calls) => (calls.length === 1 ? callJson(calls[0]) : `[${calls.map(callJson).join(", ")}]`),
  writeResult: (name, content) => spacedJson(name === undefined ? { content } : { name, content }),
};
