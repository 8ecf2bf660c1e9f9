/**
 * Validation of a chat-completions request body, once, at the edge: every field the server reads is checked for
 * type and range and turned into one plain `ChatRequest`; anything wrong is a 400 naming the parameter, what was
 * expected and what came. Unknown fields are refused (as OpenAI does) rather than silently ignored.
 */
import type { ChatMessage, ToolDefinition } from "../formats/index.js";
import { readOfferedTools } from "../formats/tools.js";
import { isSteerError } from "../errors.js";
import { HttpError, badParam } from "./errors.js";
import { readSteeringRequest, type SteeringRequest } from "./steeringRequest.js";

export type ToolChoice = { kind: "auto" } | { kind: "none" } | { kind: "required" } | { kind: "function"; name: string };

export interface ChatRequest {
  /** The model the client named (any name of the served model is accepted; see ServerLimits.modelNames). */
  model: string;
  /** Messages as the tool formats render them (content parts joined, `developer` read as `system`). */
  messages: ChatMessage[];
  tools: ToolDefinition[];
  toolChoice: ToolChoice;
  stream: boolean;
  includeUsage: boolean;
  /** Undefined: the server's default budget. */
  maxTokens: number | undefined;
  temperature: number | undefined;
  topP: number | undefined;
  seed: number | undefined;
  stop: string[];
  steering: SteeringRequest | undefined;
}

export interface RequestLimits {
  /** Most messages one request may hold. */
  maxMessages: number;
  /** Most tools one request may offer. */
  maxTools: number;
  /** Largest max_tokens accepted (the context size). */
  maxTokens: number;
}

/** Fields the server reads, and fields it accepts only at their neutral value (so a client that sends them still works). */
const KNOWN_FIELDS = new Set([
  "model", "messages", "tools", "tool_choice", "stream", "stream_options", "max_tokens", "max_completion_tokens", "temperature", "top_p", "seed", "stop",
  "steering", "n", "parallel_tool_calls", "user", "presence_penalty", "frequency_penalty", "logprobs", "response_format", "metadata", "store",
]);
const ROLES = new Set(["system", "developer", "user", "assistant", "tool"]);
const MAX_STOPS = 16;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

export function readChatRequest(body: unknown, limits: RequestLimits): ChatRequest {
  if (!isObject(body)) throw badParam("body", "a JSON object", body);
  for (const key of Object.keys(body)) {
    if (!KNOWN_FIELDS.has(key)) throw new HttpError(400, `Unrecognized request argument supplied: ${key}`, "invalid_request_error", key, "unknown_parameter");
  }
  if (typeof body.model !== "string" || body.model.length === 0) throw badParam("model", "a model name (GET /v1/models lists it)", body.model, "missing_required_parameter");
  checkNeutral(body);
  const tools = readTools(body.tools, limits.maxTools);
  const toolChoice = readToolChoice(body.tool_choice, tools);
  const stream = optionalBoolean(body.stream, "stream") ?? false;
  let includeUsage = false;
  if (body.stream_options !== undefined && body.stream_options !== null) {
    if (!stream) throw new HttpError(400, "stream_options is only allowed when stream is true", "invalid_request_error", "stream_options");
    if (!isObject(body.stream_options)) throw badParam("stream_options", "an object {include_usage?}", body.stream_options);
    for (const key of Object.keys(body.stream_options)) if (key !== "include_usage") throw new HttpError(400, `Unrecognized argument stream_options.${key}`, "invalid_request_error", `stream_options.${key}`, "unknown_parameter");
    includeUsage = optionalBoolean(body.stream_options.include_usage, "stream_options.include_usage") ?? false;
  }
  if (body.max_tokens !== undefined && body.max_tokens !== null && body.max_completion_tokens !== undefined && body.max_completion_tokens !== null) {
    throw new HttpError(400, "Give max_tokens or max_completion_tokens, not both", "invalid_request_error", "max_tokens");
  }
  const maxTokens = optionalInteger(body.max_completion_tokens, "max_completion_tokens", 1, limits.maxTokens) ?? optionalInteger(body.max_tokens, "max_tokens", 1, limits.maxTokens);
  return {
    model: body.model,
    messages: readMessages(body.messages, limits.maxMessages),
    tools,
    toolChoice,
    stream,
    includeUsage,
    maxTokens,
    temperature: optionalNumber(body.temperature, "temperature", 0, 2),
    topP: optionalNumber(body.top_p, "top_p", 0, 1, true),
    seed: optionalInteger(body.seed, "seed", Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    stop: readStop(body.stop),
    steering: readSteeringRequest(body.steering),
  };
}

/** Fields accepted only at the value that changes nothing, so that common clients can send their defaults. */
function checkNeutral(body: Record<string, unknown>): void {
  const neutral = (key: string, ok: (v: unknown) => boolean, what: string) => {
    const v = body[key];
    if (v !== undefined && v !== null && !ok(v)) throw new HttpError(400, `${key} is not supported by this server (accepted: ${what}; received ${JSON.stringify(v)})`, "invalid_request_error", key, "unsupported_value");
  };
  neutral("n", (v) => v === 1, "1");
  neutral("presence_penalty", (v) => v === 0, "0");
  neutral("frequency_penalty", (v) => v === 0, "0");
  neutral("logprobs", (v) => v === false, "false");
  neutral("response_format", (v) => isObject(v) && v.type === "text" && Object.keys(v).length === 1, '{"type": "text"}');
  neutral("parallel_tool_calls", (v) => typeof v === "boolean", "true or false");
  neutral("store", (v) => v === false, "false");
  neutral("user", (v) => typeof v === "string", "a string");
  neutral("metadata", (v) => isObject(v), "an object");
}

function readMessages(value: unknown, maxMessages: number): ChatMessage[] {
  if (!Array.isArray(value)) throw badParam("messages", "an array of messages", value, value === undefined ? "missing_required_parameter" : "invalid_type");
  if (value.length === 0) throw new HttpError(400, "messages must hold at least one message", "invalid_request_error", "messages", "empty_array");
  if (value.length > maxMessages) throw new HttpError(400, `messages holds ${value.length} messages; this server takes at most ${maxMessages}`, "invalid_request_error", "messages", "too_many_messages");
  const callIds = new Set<string>();
  return value.map((raw, i) => {
    const where = `messages[${i}]`;
    if (!isObject(raw)) throw badParam(where, "a message object {role, content}", raw);
    const role = raw.role;
    if (typeof role !== "string" || !ROLES.has(role)) throw badParam(`${where}.role`, "one of system, developer, user, assistant, tool", role);
    for (const key of Object.keys(raw)) {
      const allowed = key === "role" || key === "content" || key === "name" || (role === "assistant" && (key === "tool_calls" || key === "refusal")) || (role === "tool" && key === "tool_call_id");
      if (!allowed) throw new HttpError(400, `Unrecognized field ${where}.${key} for a ${role} message`, "invalid_request_error", `${where}.${key}`, "unknown_parameter");
    }
    if (raw.name !== undefined && typeof raw.name !== "string") throw badParam(`${where}.name`, "a string", raw.name);
    const message: ChatMessage = { role: role === "developer" ? "system" : role, content: "" };
    if (role === "assistant" && raw.tool_calls !== undefined && raw.tool_calls !== null) {
      message.tool_calls = readCalls(raw.tool_calls, `${where}.tool_calls`, callIds) as ChatMessage["tool_calls"];
    }
    const hasCalls = Array.isArray(message.tool_calls) && message.tool_calls.length > 0;
    if (raw.content === null || raw.content === undefined) {
      if (!hasCalls) throw badParam(`${where}.content`, role === "assistant" ? "a string (null only with tool_calls)" : "a string or an array of text parts", raw.content);
    } else {
      message.content = readContent(raw.content, `${where}.content`);
    }
    if (role === "tool") {
      if (typeof raw.tool_call_id !== "string" || raw.tool_call_id.length === 0) throw badParam(`${where}.tool_call_id`, "the id of the call this message answers", raw.tool_call_id);
      if (!callIds.has(raw.tool_call_id)) throw new HttpError(400, `${where}.tool_call_id "${raw.tool_call_id}" answers no earlier assistant tool call`, "invalid_request_error", `${where}.tool_call_id`, "invalid_value");
      message.tool_call_id = raw.tool_call_id;
    }
    if (typeof raw.name === "string") message.name = raw.name;
    return message;
  });
}

function readContent(value: unknown, where: string): string {
  if (typeof value === "string") return value;
  if (!Array.isArray(value)) throw badParam(where, "a string or an array of text parts", value);
  return value
    .map((part: unknown, k) => {
      if (!isObject(part) || part.type !== "text") {
        const kind = isObject(part) && typeof part.type === "string" ? part.type : undefined;
        throw new HttpError(400, `${where}[${k}] must be a text part {type: "text", text}${kind ? `; "${kind}" parts are not supported` : ""}`, "invalid_request_error", `${where}[${k}]`, "invalid_value");
      }
      if (typeof part.text !== "string") throw badParam(`${where}[${k}].text`, "a string", part.text);
      return part.text;
    })
    .join("");
}

/** Assistant calls with their arguments kept as the JSON string the API sends (the formats read both shapes). */
function readCalls(value: unknown, where: string, ids: Set<string>): Record<string, unknown>[] {
  if (!Array.isArray(value)) throw badParam(where, 'an array of {id, type: "function", function: {name, arguments}}', value);
  return value.map((call: unknown, k) => {
    const at = `${where}[${k}]`;
    if (!isObject(call)) throw badParam(at, 'a call {id, type: "function", function: {name, arguments}}', call);
    if (call.type !== undefined && call.type !== "function") throw badParam(`${at}.type`, '"function"', call.type);
    if (typeof call.id !== "string" || call.id.length === 0) throw badParam(`${at}.id`, "a non-empty string", call.id);
    ids.add(call.id);
    const fn = call.function;
    if (!isObject(fn)) throw badParam(`${at}.function`, "an object {name, arguments}", fn);
    if (typeof fn.name !== "string" || fn.name.length === 0) throw badParam(`${at}.function.name`, "a non-empty string", fn.name);
    if (typeof fn.arguments !== "string") throw badParam(`${at}.function.arguments`, "a string holding a JSON object", fn.arguments);
    let parsed: unknown;
    try {
      parsed = JSON.parse(fn.arguments);
    } catch {
      parsed = undefined;
    }
    if (!isObject(parsed)) throw badParam(`${at}.function.arguments`, "a string holding a JSON object", fn.arguments);
    return { id: call.id, type: "function", function: { name: fn.name, arguments: fn.arguments } };
  });
}

function readTools(value: unknown, maxTools: number): ToolDefinition[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value) && value.length > maxTools) throw new HttpError(400, `tools holds ${value.length} tools; this server takes at most ${maxTools}`, "invalid_request_error", "tools", "too_many_tools");
  try {
    readOfferedTools(value, "tools");
  } catch (e) {
    if (isSteerError(e)) throw new HttpError(400, e.message, "invalid_request_error", typeof e.details.name === "string" ? e.details.name : "tools", "invalid_value");
    throw e;
  }
  return (value as { function: { name: string; description?: string; parameters?: Record<string, unknown> } }[]).map((t) => ({
    type: "function" as const,
    function: { name: t.function.name, ...(t.function.description !== undefined ? { description: t.function.description } : {}), ...(t.function.parameters !== undefined ? { parameters: t.function.parameters } : {}) },
  }));
}

function readToolChoice(value: unknown, tools: readonly ToolDefinition[]): ToolChoice {
  if (value === undefined || value === null) return { kind: "auto" };
  const names = tools.map((t) => t.function.name);
  if (value === "auto" || value === "none") return { kind: value };
  if (value === "required") {
    if (tools.length === 0) throw new HttpError(400, 'tool_choice "required" needs tools', "invalid_request_error", "tool_choice");
    return { kind: "required" };
  }
  if (isObject(value) && value.type === "function" && isObject(value.function) && typeof value.function.name === "string") {
    const name = value.function.name;
    if (!names.includes(name)) throw new HttpError(400, `tool_choice names the function "${name}", which is not among the tools offered (${names.join(", ") || "none"})`, "invalid_request_error", "tool_choice.function.name");
    return { kind: "function", name };
  }
  throw badParam("tool_choice", '"auto", "none", "required" or {type: "function", function: {name}}', value);
}

function readStop(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || list.length > MAX_STOPS || !list.every((s) => typeof s === "string" && s.length > 0)) {
    throw badParam("stop", `a non-empty string or an array of at most ${MAX_STOPS} non-empty strings`, value);
  }
  return list as string[];
}

function optionalBoolean(value: unknown, name: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw badParam(name, "a boolean", value, "invalid_type");
  return value;
}

function optionalNumber(value: unknown, name: string, min: number, max: number, exclusiveMin = false): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max || (exclusiveMin && value === min)) {
    throw badParam(name, `a number ${exclusiveMin ? "above" : "from"} ${min} ${exclusiveMin ? "up " : ""}to ${max}`, value);
  }
  return value;
}

function optionalInteger(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) throw badParam(name, `an integer from ${min} to ${max}`, value);
  return value;
}
