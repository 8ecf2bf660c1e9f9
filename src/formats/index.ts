/** Tool prompt formats and their strict parsers: the public surface of `src/formats/`. */
export type { ChatMessage, JsonSchema, RenderOptions, ToolCall, ToolCallParseResult, ToolDefinition, ToolFormat } from "./types.js";
export { asaFormat, bareJsonFormat, chatTemplateFormat, hermesFormat, ASA_TAGS, HERMES_TAGS } from "./builtin.js";
export { defineFormat, getFormat, listFormats, registerFormat, type ExtractedCalls, type FormatDefinition, type FormatRenderFunction } from "./define.js";
export {
  ChatTemplateRenderer,
  renderChatTemplate,
  templateSupportsTools,
  MAX_TEMPLATE_CHARS,
  DEFAULT_TEMPLATE_TIMEOUT_MS,
  DEFAULT_MAX_PROMPT_CHARS,
  DEFAULT_TEMPLATE_MEMORY_MB,
  type ChatTemplateRenderRequest,
  type ChatTemplateRendererOptions,
} from "./chat-template.js";
export { asaSystemPrompt, hermesSystemPrompt, bareJsonSystemPrompt, withSystemPrompt, renderChatML } from "./prompts.js";
export { parseLiteralAt, MAX_LITERAL_DEPTH, type LiteralDialect, type LiteralParse } from "./literal.js";
export { MAX_PARSE_INPUT_CHARS, MAX_CALLS_PER_OUTPUT } from "./strict.js";
export type { CallTags } from "./tagged.js";
