/**
 * The shapes every tool prompt format shares: the OpenAI / llama.cpp-server tool and message layout, the strict
 * parse result, and the `ToolFormat` interface that pairs a prompt renderer with its parser.
 */

/** A JSON Schema object, as found in a tool's `parameters`. */
export type JsonSchema = Record<string, unknown>;

/** One offered tool, in the OpenAI / llama.cpp-server layout. */
export interface ToolDefinition {
  type: "function";
  function: {
    name: string;
    description?: string;
    /** JSON Schema of the arguments object. Absent means the tool takes any object. */
    parameters?: JsonSchema;
  };
}

/** One call inside an assistant turn (OpenAI shape); `arguments` is the JSON string the API sends, or the object. */
export interface MessageToolCall {
  id?: string;
  type?: "function";
  function: { name: string; arguments: string | Record<string, unknown> };
  [extra: string]: unknown;
}

/**
 * One chat turn in the OpenAI shape. `content` may be null only on an assistant turn with `tool_calls`; a `tool`
 * turn answers a call (`tool_call_id`, optionally `name`). Other extra fields are passed to chat templates untouched.
 */
export interface ChatMessage {
  role: string;
  content: string | null;
  tool_calls?: MessageToolCall[];
  tool_call_id?: string;
  name?: string;
  [extra: string]: unknown;
}

/** A tool call read from model output. */
export interface ToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

/**
 * The strict result every parser returns. The flags are cumulative: `args_ok ⇒ tool_ok ⇒ format_ok ⇒ triggered`.
 * The keys are snake_case because they are written as-is into JSON reports.
 */
export interface ToolCallParseResult {
  /** The format's call marker appears in the output. */
  triggered: boolean;
  /** Calls whose payload parsed into `{name, arguments}`, in output order. Empty when not triggered. */
  calls: ToolCall[];
  /**
   * Triggered, every call payload parsed into `{name: string, arguments: object}` inside a well-formed envelope, and
   * the output was short enough to be read whole (`MAX_PARSE_INPUT_CHARS`).
   */
  format_ok: boolean;
  /** `format_ok`, and every call names an offered tool. */
  tool_ok: boolean;
  /** `tool_ok`, and every call's arguments validate against its tool's schema (and are non-empty when it has parameters). */
  args_ok: boolean;
  /** Short human-readable reasons for each flag that is false (and notes such as input truncation). */
  errors: string[];
}

/** Options for `ToolFormat.render`. */
export interface RenderOptions {
  /**
   * The model's Jinja chat template (GGUF `tokenizer.chat_template`). When absent, a plain ChatML layout
   * (`<|im_start|>role\n...<|im_end|>`) is used. Default: undefined.
   */
  chatTemplate?: string;
  /** Passed to the template as `bos_token`. Default: "". */
  bosToken?: string;
  /** Passed to the template as `eos_token`. Default: "". */
  eosToken?: string;
  /** End the prompt with the opening of an assistant turn. Default: true. */
  addGenerationPrompt?: boolean;
  /** Wall-clock bound for one template render, in milliseconds. Default: 5000. */
  timeoutMs?: number;
  /** Longest prompt a template may produce, in characters. Default: 1048576. */
  maxOutputChars?: number;
  /** Cancels a template render. Default: undefined. */
  signal?: AbortSignal;
}

/** A tool prompt format: how tools are offered to the model, and how its output is judged. */
export interface ToolFormat {
  /** Registry name ("asa", "hermes", ...). */
  readonly name: string;
  /** One line saying what the format is. */
  readonly description: string;
  /** The text whose appearance in the output means the model called a tool. */
  readonly callMarker: string;
  /**
   * Strings after which generation may stop. A generator that stops on one must keep it in the output it hands to
   * `parse`, because the parser checks closing tags. Often empty: several calls may follow one another.
   */
  readonly stopStrings: readonly string[];
  /** The system-prompt text that teaches the model this format ("" when the chat template carries it). */
  renderSystemPrompt(tools: readonly ToolDefinition[]): string;
  /** The full prompt text for a conversation with these tools offered. */
  render(messages: readonly ChatMessage[], tools: readonly ToolDefinition[], options?: RenderOptions): Promise<string>;
  /** Reads model output under the strict protocol. Never throws on any output string; never hangs. */
  parse(output: string, tools: readonly ToolDefinition[]): ToolCallParseResult;
}
