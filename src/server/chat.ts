/**
 * One chat completion: render the conversation in the server's tool format, check it fits, plan its steering and
 * its grammar, hand it to the scheduler, and answer as one JSON document or as a server-sent event stream.
 */
import { randomInt } from "node:crypto";
import type { ServerResponse } from "node:http";

import type { GenerateBatchResult, GenerateItem, SteerContext } from "../engine/context.js";
import type { SteerModel } from "../engine/model.js";
import { ErrorCodes, isSteerError } from "../errors.js";
import type { ToolDefinition, ToolFormat } from "../formats/index.js";
import { HttpError, toHttpError } from "./errors.js";
import { forcedCallGrammar } from "./forcedCall.js";
import type { ChatRequest } from "./request.js";
import { QueueFullError, type Scheduler } from "./scheduler.js";
import { ContentGate, chunkBody, completionBody, extensionOf, newId, readReply, usageOf } from "./shapes.js";
import { planSteering, type ServerSteering } from "./steering.js";

export interface ChatServices {
  model: SteerModel;
  ctx: SteerContext;
  format: ToolFormat;
  scheduler: Scheduler;
  steering: ServerSteering;
  /** Budget of a request that sets no max_tokens (cut to what the context has left). */
  defaultMaxTokens: number;
}

/** What the server knows once the request is rendered and planned, before it decodes. */
export interface PreparedChat {
  item: GenerateItem;
  tools: ToolDefinition[] | undefined;
  forced: boolean;
  record: ReturnType<typeof planSteering>["record"];
  vectors: string[];
  promptTokens: number;
}

/** Everything that can be refused with a 4xx is refused here, before anything is queued. */
export async function prepareChat(services: ChatServices, request: ChatRequest, signal: AbortSignal): Promise<PreparedChat> {
  const { model, ctx, format } = services;
  const offer = request.tools.length > 0 && request.toolChoice.kind !== "none";
  const tools = offer ? request.tools : [];
  const names = tools.map((t) => t.function.name);
  let grammar: string | undefined;
  if (request.toolChoice.kind === "required" || request.toolChoice.kind === "function") {
    const allowed = request.toolChoice.kind === "function" ? [request.toolChoice.name] : names;
    grammar = forcedCallGrammar(format.name, allowed);
    if (grammar === undefined) throw new HttpError(400, `tool_choice "${request.toolChoice.kind}" is enforced with a grammar, which the format "${format.name}" does not define`, "invalid_request_error", "tool_choice");
  }
  const prompt = await renderPrompt(model, format, request, tools, signal);
  const tokens = model.tokenize(prompt);
  const room = ctx.contextSize - tokens.length - 1;
  if (room < 1) throw new HttpError(400, `The conversation is ${tokens.length} tokens; the context holds ${ctx.contextSize} with room for the reply`, "invalid_request_error", "messages", "context_length_exceeded");
  if (request.maxTokens !== undefined && request.maxTokens > room) {
    throw new HttpError(400, `max_tokens is ${request.maxTokens} but the conversation (${tokens.length} tokens) leaves room for ${room} in the context of ${ctx.contextSize}`, "invalid_request_error", "max_tokens", "context_length_exceeded");
  }
  const plan = planSteering(services.steering, request.steering, names);
  const item: GenerateItem = {
    prompt: tokens,
    ...plan.item,
    maxTokens: request.maxTokens ?? Math.min(services.defaultMaxTokens, room),
    stop: request.stop,
    sampling: {
      // OpenAI's defaults: temperature 1, top_p 1, an unseeded draw.
      temperature: request.temperature ?? 1,
      topP: request.topP ?? 1,
      seed: request.seed === undefined ? randomInt(0, 2 ** 32) : ((request.seed % 2 ** 32) + 2 ** 32) % 2 ** 32,
      ...(grammar !== undefined ? { grammar } : {}),
    },
    signal,
  };
  return { item, tools: offer ? tools : undefined, forced: grammar !== undefined, record: plan.record, vectors: plan.vectors, promptTokens: tokens.length };
}

/** The prompt text, as the evaluation renders it: the model's template and special tokens, BOS left to the tokenizer. */
async function renderPrompt(model: SteerModel, format: ToolFormat, request: ChatRequest, tools: readonly ToolDefinition[], signal: AbortSignal): Promise<string> {
  const chatTemplate = model.info.chatTemplate ?? undefined;
  const bosToken = model.tokenText(model.info.bos);
  const eosToken = model.tokenText(model.info.eos);
  let text: string;
  try {
    text = await format.render(request.messages, tools, { chatTemplate, bosToken, eosToken, signal });
  } catch (e) {
    if (isSteerError(e, ErrorCodes.ABORTED)) throw e;
    throw toHttpError(e, "messages");
  }
  if (model.info.addBos && bosToken && text.startsWith(bosToken)) text = text.slice(bosToken.length);
  return text;
}

function submit(services: ChatServices, item: GenerateItem): Promise<GenerateBatchResult> {
  try {
    return services.scheduler.submit(item);
  } catch (e) {
    if (e instanceof QueueFullError) throw new HttpError(429, `The server is busy: ${e.message}; retry later`, "rate_limit_error", null, "queue_full");
    throw e;
  }
}

export async function answerJson(services: ChatServices, request: ChatRequest, prepared: PreparedChat, res: ServerResponse): Promise<GenerateBatchResult> {
  const result = await submit(services, prepared.item);
  const reply = readReply(result, services.format, prepared.tools);
  const body = completionBody(newId("chatcmpl-"), Math.floor(Date.now() / 1000), request.model, reply, result, extensionOf(services.format, prepared.record(result.captured), prepared.vectors, reply, result));
  if (result.stopReason !== "aborted") sendJson(res, 200, body);
  return result;
}

/**
 * Streams the reply. Headers go out only once the request is queued (a full queue is still a plain 429); from then
 * on a failure is reported as a final `data: {"error": ...}` event, as OpenAI's stream does.
 */
export async function answerStream(services: ChatServices, request: ChatRequest, prepared: PreparedChat, res: ServerResponse): Promise<GenerateBatchResult | undefined> {
  const id = newId("chatcmpl-");
  const created = Math.floor(Date.now() / 1000);
  const send = (body: unknown) => {
    if (!res.writableEnded && !res.destroyed) res.write(`data: ${JSON.stringify(body)}\n\n`);
  };
  const tooling = prepared.tools !== undefined;
  const markers = tooling ? callMarkers(services.format) : [];
  const gate = new ContentGate(markers, (text) => send(chunkBody(id, created, request.model, { content: text })), prepared.forced);
  const running = submit(services, { ...prepared.item, onText: (chunk) => gate.push(chunk) });
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive", "x-accel-buffering": "no" });
  send(chunkBody(id, created, request.model, { role: "assistant", content: "" }));
  let result: GenerateBatchResult;
  try {
    result = await running;
  } catch (e) {
    if (!isSteerError(e, ErrorCodes.ABORTED)) send(toHttpError(e).body());
    res.end();
    if (isSteerError(e, ErrorCodes.ABORTED)) return undefined;
    throw e;
  }
  if (result.stopReason === "aborted") {
    res.end();
    return result;
  }
  const reply = readReply(result, services.format, prepared.tools);
  if (reply.toolCalls) {
    reply.toolCalls.forEach((call, index) => send(chunkBody(id, created, request.model, { tool_calls: [{ index, ...call }] })));
  } else if (gate.pending.length > 0) {
    send(chunkBody(id, created, request.model, { content: gate.pending }));
  }
  const extension = extensionOf(services.format, prepared.record(result.captured), prepared.vectors, reply, result);
  send(chunkBody(id, created, request.model, {}, reply.finishReason, { llama_steer: extension }));
  if (request.includeUsage) send({ id, object: "chat.completion.chunk", created, model: request.model, choices: [], usage: usageOf(result) });
  if (!res.writableEnded && !res.destroyed) res.write("data: [DONE]\n\n");
  res.end();
  return result;
}

/** What a reply that is a call starts with: the format's marker, and a bare JSON object where the format reads one. */
function callMarkers(format: ToolFormat): string[] {
  const markers = [format.callMarker];
  if (format.name === "chat-template") markers.push("{", "[");
  return [...new Set(markers)];
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
