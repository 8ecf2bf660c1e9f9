/**
 * Prompt text for the built-in formats, and the plumbing to put it in front of a conversation: merging a system
 * prompt into the messages, and a plain ChatML layout for models without a chat template.
 */
import { invalidArgument } from "../errors.js";
import { assertToolCallFields } from "./conversation.js";
import { describeToolsForPrompt, isPlainObject } from "./tools.js";
import type { ChatMessage, ToolDefinition } from "./types.js";

/** One compact JSON line per tool (name, description, parameters), or a note that there are none. */
function toolLines(tools: readonly ToolDefinition[], wrap: (tool: object) => object = (t) => t): string {
  const described = describeToolsForPrompt(tools);
  if (described.length === 0) return "(no tools are available)";
  return described.map((tool) => JSON.stringify(wrap(tool))).join("\n");
}

/**
 * A worked call to a tool that is never offered. Small models copy whatever call the instructions show; a
 * placeholder such as `TOOL_NAME` then comes back verbatim, while a concrete call to a foreign tool teaches the
 * shape without handing out a name or arguments that would pass the strict parser.
 */
const EXAMPLE_CALL = '{"name": "get_time", "arguments": {"timezone": "Europe/Paris"}}';
const EXAMPLE_INTRO = "For example, if a tool named get_time were listed, asking for the time in Paris would be answered with:";

/** The ASA protocol: calls as `<functioncall>{"name": ..., "arguments": {...}}</functioncall>`. */
export function asaSystemPrompt(tools: readonly ToolDefinition[]): string {
  return [
    "The tools below can be called. Each line describes one tool as JSON: its name, what it does, and the JSON Schema of its arguments.",
    "",
    toolLines(tools),
    "",
    "If answering the user's last message needs a tool, reply with the call alone: <functioncall>, a JSON object with the tool's name and its arguments, then </functioncall>.",
    EXAMPLE_INTRO,
    `<functioncall>${EXAMPLE_CALL}</functioncall>`,
    "Use only the tools listed above, give the arguments as a JSON object that fits the tool's schema, and write one <functioncall> block per call.",
    "If no tool is needed, answer the user directly and do not write <functioncall>.",
  ].join("\n");
}

/** Hermes / Qwen style: calls as `<tool_call>{...}</tool_call>`, tools listed inside `<tools></tools>`. */
export function hermesSystemPrompt(tools: readonly ToolDefinition[]): string {
  return [
    "Tools are available to help with the user's request. Their signatures, one JSON object per line, are inside <tools></tools>:",
    "<tools>",
    toolLines(tools, (fn) => ({ type: "function", function: fn })),
    "</tools>",
    "",
    "To use a tool, write a JSON object with its name and arguments between <tool_call> and </tool_call>.",
    EXAMPLE_INTRO,
    "<tool_call>",
    EXAMPLE_CALL,
    "</tool_call>",
    "Use only the tools inside <tools></tools> and write one such block per call. If no tool is needed, reply to the user normally.",
  ].join("\n");
}

/** Bare JSON: the whole reply is the call object. */
export function bareJsonSystemPrompt(tools: readonly ToolDefinition[]): string {
  return [
    "These tools can be used (one JSON object per line: name, description, JSON Schema of the arguments):",
    "",
    toolLines(tools),
    "",
    "If a tool is needed, reply with only a JSON object naming the tool and its arguments, with no text before or after it.",
    EXAMPLE_INTRO,
    EXAMPLE_CALL,
    "Use only the tools listed above. If no tool is needed, answer the user in plain text.",
  ].join("\n");
}

/** Validates a message list at the public edge. */
export function assertMessages(messages: unknown, parameterName = "messages"): asserts messages is ChatMessage[] {
  if (!Array.isArray(messages)) throw invalidArgument(parameterName, "an array of messages {role, content}", messages);
  messages.forEach((message: unknown, i) => {
    if (!isPlainObject(message)) throw invalidArgument(`${parameterName}[${i}]`, "a message object {role, content}", message);
    if (typeof message.role !== "string" || message.role.length === 0) throw invalidArgument(`${parameterName}[${i}].role`, "a non-empty string", message.role);
    assertToolCallFields(message, `${parameterName}[${i}]`);
    const callsOnly = message.role === "assistant" && Array.isArray(message.tool_calls) && message.tool_calls.length > 0;
    if (!(typeof message.content === "string" || (callsOnly && message.content === null))) {
      throw invalidArgument(`${parameterName}[${i}].content`, callsOnly ? "a string or null" : "a string", message.content);
    }
  });
}

/**
 * Puts `systemPrompt` in front of the conversation. An existing leading system message keeps its text first and
 * gets the format's instructions appended, so a caller's persona and the tool instructions end up in one turn.
 */
export function withSystemPrompt(messages: readonly ChatMessage[], systemPrompt: string): ChatMessage[] {
  if (systemPrompt.length === 0) return [...messages];
  const [first, ...rest] = messages;
  if (first !== undefined && first.role === "system") {
    const merged = first.content ? `${first.content}\n\n${systemPrompt}` : systemPrompt;
    return [{ ...first, content: merged }, ...rest];
  }
  return [{ role: "system", content: systemPrompt }, ...messages];
}

/** ChatML, the layout used when no chat template is given. */
export function renderChatML(messages: readonly ChatMessage[], addGenerationPrompt: boolean): string {
  const turns = messages.map((m) => `<|im_start|>${m.role}\n${m.content ?? ""}<|im_end|>\n`);
  if (addGenerationPrompt) turns.push("<|im_start|>assistant\n");
  return turns.join("");
}
