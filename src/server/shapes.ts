/**
 * The OpenAI response shapes the server writes: a chat completion, its stream chunks, the model list, and the
 * `llama_steer` extension block every completion carries. Tool calls come only from the strict parser's verdict:
 * calls that parsed, in a well-formed envelope, naming offered tools; anything else stays text.
 */
import { randomBytes } from "node:crypto";

import type { GenerateResult } from "../engine/generate.js";
import type { ToolCallParseResult, ToolDefinition, ToolFormat } from "../formats/index.js";
import type { ReadoutRecord, SteeringRecord } from "./steering.js";

export type FinishReason = "stop" | "length" | "tool_calls";

export interface OpenAiToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** The `llama_steer` block: what the server decided for this request and what the strict parser read. */
export interface SteerExtension {
  format: string;
  /** The ASA gate, the probe's score and the routed domain; null without an asset or when no tools were offered. */
  steering: SteeringRecord | null;
  /** Cosine readout over the offered tools: top tool and its gap to the runner-up; null without tool means. */
  readout: ReadoutRecord | null;
  /** Extra vectors the request added. */
  vectors: string[];
  /** The strict parser's verdict on the reply; null when no tools were offered. */
  tool_parse: Omit<ToolCallParseResult, "calls"> | null;
  /** Why generation ended, as the engine says it (eog, stop, maxTokens, contextFull). */
  stop_reason: string;
}

export interface ReadReply {
  content: string | null;
  toolCalls: OpenAiToolCall[] | undefined;
  finishReason: FinishReason;
  parse: ToolCallParseResult | undefined;
}

export function newId(prefix: string): string {
  return `${prefix}${randomBytes(12).toString("base64url")}`;
}

/** Turns the generated text into content or tool calls; calls only when the strict parser accepts them. */
export function readReply(result: GenerateResult, format: ToolFormat, tools: readonly ToolDefinition[] | undefined): ReadReply {
  const text = result.text;
  const length = result.stopReason === "maxTokens" || result.stopReason === "contextFull";
  const finishReason: FinishReason = length ? "length" : "stop";
  if (!tools || tools.length === 0) return { content: text, toolCalls: undefined, finishReason, parse: undefined };
  const parse = format.parse(text, tools);
  if (!parse.triggered || !parse.format_ok || !parse.tool_ok || parse.calls.length === 0) return { content: text, toolCalls: undefined, finishReason, parse };
  const at = text.indexOf(format.callMarker);
  const before = at > 0 ? text.slice(0, at).trim() : "";
  return {
    content: before.length > 0 ? before : null,
    toolCalls: parse.calls.map((c) => ({ id: newId("call_"), type: "function" as const, function: { name: c.name, arguments: JSON.stringify(c.arguments) } })),
    finishReason: "tool_calls",
    parse,
  };
}

export function extensionOf(format: ToolFormat, record: { steering: SteeringRecord | null; readout: ReadoutRecord | null }, vectors: string[], reply: ReadReply, result: GenerateResult): SteerExtension {
  const parse = reply.parse ? { triggered: reply.parse.triggered, format_ok: reply.parse.format_ok, tool_ok: reply.parse.tool_ok, args_ok: reply.parse.args_ok, errors: reply.parse.errors } : null;
  return { format: format.name, steering: record.steering, readout: record.readout, vectors, tool_parse: parse, stop_reason: result.stopReason };
}

/**
 * OpenAI's usage block. `prompt_tokens_details.cached_tokens` (present when non-zero) counts the prompt tokens this
 * request took from another request in flight that began the same way, instead of decoding them.
 */
export function usageOf(result: GenerateResult & { reusedPromptTokens?: number }): {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number };
} {
  const reused = result.reusedPromptTokens ?? 0;
  return {
    prompt_tokens: result.promptTokens,
    completion_tokens: result.tokens.length,
    total_tokens: result.promptTokens + result.tokens.length,
    ...(reused > 0 ? { prompt_tokens_details: { cached_tokens: reused } } : {}),
  };
}

export function completionBody(id: string, created: number, model: string, reply: ReadReply, result: GenerateResult, extension: SteerExtension) {
  return {
    id,
    object: "chat.completion",
    created,
    model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: reply.content, refusal: null, ...(reply.toolCalls ? { tool_calls: reply.toolCalls } : {}) },
        logprobs: null,
        finish_reason: reply.finishReason,
      },
    ],
    usage: usageOf(result),
    llama_steer: extension,
  };
}

export function chunkBody(id: string, created: number, model: string, delta: Record<string, unknown>, finishReason: FinishReason | null = null, extra: Record<string, unknown> = {}) {
  return { id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }], ...extra };
}

/**
 * Holds back streamed text while it may still turn out to be a tool call: until the reply's first non-space text
 * shows it is not the start of a call marker. A call is then kept whole for the end, when the parser reads it;
 * plain text flows through as it comes.
 */
export class ContentGate {
  private held = "";
  private mode: "sniff" | "text" | "hold";

  constructor(
    private readonly markers: readonly string[],
    private readonly emit: (text: string) => void,
    hold = false,
  ) {
    this.mode = hold ? "hold" : markers.length === 0 ? "text" : "sniff";
  }

  push(chunk: string): void {
    if (this.mode === "text") return this.emit(chunk);
    this.held += chunk;
    if (this.mode === "hold") return;
    const start = this.held.trimStart();
    if (start.length === 0) return;
    if (this.markers.some((m) => start.startsWith(m))) {
      this.mode = "hold";
    } else if (!this.markers.some((m) => m.startsWith(start))) {
      this.mode = "text";
      const text = this.held;
      this.held = "";
      this.emit(text);
    }
  }

  /** Text still held back (a possible call, or text the gate never got to decide on). */
  get pending(): string {
    return this.held;
  }
}
