/**
 * The built-in formats: `asa` (the ASA paper's `<functioncall>` protocol), `hermes` (`<tool_call>` tags, as Qwen
 * and Hermes models are trained to write), `json` (a bare JSON call at the start of the reply) and `chat-template`
 * (tools offered by the model's own chat template, calls read as `<tool_call>` tags or bare JSON).
 */
import { ErrorCodes, SteerError, invalidArgument } from "../errors.js";
import { assertBoolean, assertInteger, assertKnownKeys, assertOptionalAbortSignal, assertString } from "../util/validate.js";
import { assertTemplate, renderChatTemplate, templateSupportsTools } from "./chat-template.js";
import { bareJsonSyntax, hasToolTurns, messagesForTemplate, messagesInSyntax, taggedSyntax, type ConversationSyntax } from "./conversation.js";
import { asaSystemPrompt, assertMessages, bareJsonSystemPrompt, hermesSystemPrompt, renderChatML, withSystemPrompt } from "./prompts.js";
import { firstTriggered, parseBareJsonCalls, parseTaggedCalls, type CallTags } from "./tagged.js";
import { isPlainObject, readOfferedTools, type OfferedTools } from "./tools.js";
import type { ChatMessage, RenderOptions, ToolCallParseResult, ToolDefinition, ToolFormat } from "./types.js";

const RENDER_OPTION_KEYS = ["chatTemplate", "bosToken", "eosToken", "addGenerationPrompt", "timeoutMs", "maxOutputChars", "signal"];

export const ASA_TAGS: CallTags = { open: "<functioncall>", close: "</functioncall>" };
export const HERMES_TAGS: CallTags = { open: "<tool_call>", close: "</tool_call>" };

/** Earlier calls and results in each format's syntax (see conversation.ts); hermes follows Qwen's own layout. */
const ASA_SYNTAX = taggedSyntax(ASA_TAGS.open, ASA_TAGS.close, "<functionresponse>", "</functionresponse>", false);
const HERMES_SYNTAX = taggedSyntax(HERMES_TAGS.open, HERMES_TAGS.close, "<tool_response>", "</tool_response>", true);

/** Checks the arguments every `parse` receives; only wrong types throw, never the content of the output. */
export function readParseArguments(output: unknown, tools: unknown): { output: string; offered: OfferedTools } {
  if (typeof output !== "string") throw invalidArgument("output", "a string", output);
  return { output, offered: readOfferedTools(tools) };
}

/** Validates `RenderOptions` at the edge, naming each field as the caller spelled it. */
export function checkRenderOptions(options: unknown): RenderOptions {
  if (options === undefined) return {};
  if (!isPlainObject(options)) throw invalidArgument("options", "an options object", options);
  assertKnownKeys("RenderOptions", options, RENDER_OPTION_KEYS);
  const { chatTemplate, bosToken, eosToken, addGenerationPrompt, timeoutMs, maxOutputChars, signal } = options;
  if (chatTemplate !== undefined) assertTemplate(chatTemplate, "options.chatTemplate");
  if (bosToken !== undefined) assertString("options.bosToken", bosToken);
  if (eosToken !== undefined) assertString("options.eosToken", eosToken);
  if (addGenerationPrompt !== undefined) assertBoolean("options.addGenerationPrompt", addGenerationPrompt);
  if (timeoutMs !== undefined) assertInteger("options.timeoutMs", timeoutMs, 1, 600_000);
  if (maxOutputChars !== undefined) assertInteger("options.maxOutputChars", maxOutputChars, 1, 1 << 28);
  assertOptionalAbortSignal("options.signal", signal);
  return options as RenderOptions;
}

/** Renders messages with the model's template when one is given (tools passed only when `tools` is set), else ChatML. */
export function renderConversation(messages: readonly ChatMessage[], options: RenderOptions, tools?: readonly ToolDefinition[]): Promise<string> {
  const addGenerationPrompt = options.addGenerationPrompt ?? true;
  if (options.chatTemplate === undefined) return Promise.resolve(renderChatML(messages, addGenerationPrompt));
  return renderChatTemplate(options.chatTemplate, {
    messages,
    ...(tools !== undefined ? { tools } : {}),
    addGenerationPrompt,
    bosToken: options.bosToken,
    eosToken: options.eosToken,
    timeoutMs: options.timeoutMs,
    maxOutputChars: options.maxOutputChars,
    signal: options.signal,
  });
}

interface SystemPromptFormatSpec {
  name: string;
  description: string;
  callMarker: string;
  systemPrompt: (tools: readonly ToolDefinition[]) => string;
  syntax: ConversationSyntax;
  parse: (output: string, tools: OfferedTools) => ToolCallParseResult;
}

/** A format that teaches the model through a system prompt and renders the conversation with the model's template. */
function systemPromptFormat(spec: SystemPromptFormatSpec): ToolFormat {
  return Object.freeze({
    name: spec.name,
    description: spec.description,
    callMarker: spec.callMarker,
    stopStrings: Object.freeze([]) as readonly string[],
    renderSystemPrompt: (tools: readonly ToolDefinition[]) => spec.systemPrompt(tools),
    async render(messages: readonly ChatMessage[], tools: readonly ToolDefinition[], options?: RenderOptions): Promise<string> {
      assertMessages(messages);
      const checked = checkRenderOptions(options);
      const inSyntax = hasToolTurns(messages) ? messagesInSyntax(messages, spec.syntax) : messages;
      return renderConversation(withSystemPrompt(inSyntax, spec.systemPrompt(tools)), checked);
    },
    parse(output: string, tools: readonly ToolDefinition[]): ToolCallParseResult {
      const args = readParseArguments(output, tools);
      return spec.parse(args.output, args.offered);
    },
  });
}

export const asaFormat: ToolFormat = systemPromptFormat({
  name: "asa",
  description: "ASA protocol: <functioncall>{\"name\", \"arguments\"}</functioncall>, tools listed in the system prompt",
  callMarker: ASA_TAGS.open,
  systemPrompt: asaSystemPrompt,
  syntax: ASA_SYNTAX,
  parse: (output, tools) => parseTaggedCalls(output, tools, ASA_TAGS),
});

export const hermesFormat: ToolFormat = systemPromptFormat({
  name: "hermes",
  description: "Hermes/Qwen style: <tool_call>{\"name\", \"arguments\"}</tool_call>, tools listed in the system prompt",
  callMarker: HERMES_TAGS.open,
  systemPrompt: hermesSystemPrompt,
  syntax: HERMES_SYNTAX,
  parse: (output, tools) => parseTaggedCalls(output, tools, HERMES_TAGS),
});

export const bareJsonFormat: ToolFormat = systemPromptFormat({
  name: "json",
  description: "Bare JSON: the reply starts with {\"name\"|\"tool\", \"arguments\"|\"parameters\"} (or a list of them)",
  callMarker: "{",
  systemPrompt: bareJsonSystemPrompt,
  syntax: bareJsonSyntax,
  parse: parseBareJsonCalls,
});

/** Tools offered by the model's own chat template; output read as `<tool_call>` tags, else as a bare JSON call. */
export const chatTemplateFormat: ToolFormat = Object.freeze({
  name: "chat-template",
  description: "The model's own chat template offers the tools; calls read as <tool_call> tags or a bare JSON call",
  callMarker: HERMES_TAGS.open,
  stopStrings: Object.freeze([]) as readonly string[],
  renderSystemPrompt: () => "",
  async render(messages: readonly ChatMessage[], tools: readonly ToolDefinition[], options?: RenderOptions): Promise<string> {
    assertMessages(messages);
    readOfferedTools(tools);
    const checked = checkRenderOptions(options);
    if (checked.chatTemplate === undefined) {
      throw invalidArgument("options.chatTemplate", "the model's chat template (GGUF tokenizer.chat_template) for the chat-template format", checked.chatTemplate);
    }
    if (tools.length > 0 && !templateSupportsTools(checked.chatTemplate)) {
      throw new SteerError(
        ErrorCodes.TEMPLATE_FAILED,
        'This chat template does not read a "tools" variable, so it cannot offer tools; use the "asa" or "hermes" format instead',
        { reason: "no-tools-support" },
      );
    }
    return renderConversation(templateMessages(messages, checked.chatTemplate), checked, tools);
  },
  parse(output: string, tools: readonly ToolDefinition[]): ToolCallParseResult {
    const args = readParseArguments(output, tools);
    return firstTriggered([() => parseTaggedCalls(args.output, args.offered, HERMES_TAGS), () => parseBareJsonCalls(args.output, args.offered)]);
  },
});

/**
 * A template that reads `tool_calls` gets the calls as data (arguments as objects, as llama.cpp's server passes
 * them); one that does not would drop them silently, so it gets them as `<tool_call>` text instead.
 */
export function templateMessages(messages: readonly ChatMessage[], template: string): readonly ChatMessage[] {
  if (!hasToolTurns(messages)) return messages;
  return template.includes("tool_calls") ? messagesForTemplate(messages) : messagesInSyntax(messages, HERMES_SYNTAX);
}

export const BUILTIN_FORMATS: readonly ToolFormat[] = Object.freeze([asaFormat, hermesFormat, bareJsonFormat, chatTemplateFormat]);
