/**
 * The one dataset format of llama-steer (the OpenAI / llama.cpp-server tool format), one JSON object per JSONL line.
 * Fields this module does not know are kept on the loaded objects and otherwise ignored, so a user's extra
 * bookkeeping (source, notes, difficulty ...) survives a load/save round trip.
 */

export type ChatRole = "system" | "user" | "assistant" | "tool";

/** One call inside an assistant turn, in the OpenAI chat shape: the arguments are a JSON string, as the API sends them. */
export interface MessageToolCall {
  id?: string;
  type: "function";
  function: { name: string; arguments: string; [extra: string]: unknown };
  [extra: string]: unknown;
}

/**
 * One chat turn in the OpenAI shape. `content` is null (or "") only on an assistant turn that carries `tool_calls`;
 * a `tool` turn answers one call and names it by `tool_call_id` (and optionally `name`).
 */
export interface ChatMessage {
  role: ChatRole;
  content: string | null;
  tool_calls?: MessageToolCall[];
  tool_call_id?: string;
  name?: string;
  [extra: string]: unknown;
}

/** A JSON Schema; tool parameters must be one whose `type` is `"object"`. */
export type JsonSchema = Record<string, unknown>;

export interface FunctionTool {
  type: "function";
  function: {
    /** 1–128 characters of letters, digits, `_`, `-`, `.` or `:` (BFCL writes `math.circle_area`), unique within a sample's tool list. */
    name: string;
    description?: string;
    parameters: JsonSchema;
    [extra: string]: unknown;
  };
  [extra: string]: unknown;
}

export interface ExpectedCall {
  name: string;
  /** The call's arguments as an object (not a JSON string); valid against the tool's `parameters`. */
  arguments: Record<string, unknown>;
  /**
   * Acceptable values per argument, for scoring values (see src/eval/argumentMatch.ts): a call matches when every
   * argument it passes is listed here with a matching value, and every listed argument is passed unless its list
   * holds `""` (BFCL's mark for "may be left out"). Absent: the values must equal those in `arguments`.
   */
  acceptable_arguments?: Record<string, unknown[]>;
  /**
   * Further calls expected in the same answer (parallel calls). The answer must hold exactly these calls and this
   * one, in any order. Absent: one call is expected.
   */
  parallel_calls?: ExpectedCall[];
  [extra: string]: unknown;
}

/** Where a sample is used: vectors from CAL, router and probes from TRAIN, α/τ/layer from VAL, numbers on TEST. */
export type Split = "cal" | "train" | "val" | "test";

export const SPLITS: readonly Split[] = ["cal", "train", "val", "test"];

export interface DatasetSample {
  id: string;
  domain: string;
  /** The conversation so far; the model's next turn is what is measured, so the last message is from user or tool. */
  messages: ChatMessage[];
  /** The menu offered to the model. */
  tools: FunctionTool[];
  /** In a file it may be left out when `expected` is an object (it is then true); loaded samples always have it. */
  needs_tool: boolean;
  /**
   * The right call. Always null when `needs_tool` is false. When `needs_tool` is true it may also be null
   * ("some tool is needed, which one is not labelled"): such samples serve necessity vectors and probes but
   * are skipped when tool choice or arguments are scored.
   */
  expected: ExpectedCall | null;
  /** Absent in the file means "assign deterministically"; every sample returned by `loadDataset` has one. */
  split?: Split;
  /** Where the sample comes from (`"bfcl"`, `"when2call"` ...), for breakdowns. Default: none. */
  source?: string;
  /** The benchmark's category (`"simple_python"`, `"live_irrelevance"` ...), for breakdowns. Default: none. */
  category?: string;
  /** A finer label, e.g. When2Call's `correct_answer` kind, for breakdowns. Default: none. */
  label?: string;
  [extra: string]: unknown;
}

/** Fractions of CAL/TRAIN/VAL/TEST; they must be non-negative and sum to 1. */
export interface SplitFractions {
  cal: number;
  train: number;
  val: number;
  test: number;
}

/** CAL 0.2, TRAIN 0.3, VAL 0.2, TEST 0.3: TRAIN and TEST are the larger ones because probes and reported numbers need the most samples. */
export const DEFAULT_SPLIT_FRACTIONS: Readonly<SplitFractions> = Object.freeze({ cal: 0.2, train: 0.3, val: 0.2, test: 0.3 });

/** One problem found in a dataset file; `line` is 1-based, `field` a path like `messages[2].role`. */
export interface DatasetIssue {
  line: number;
  field: string;
  message: string;
}
