/**
 * The one dataset format of llama-steer (the OpenAI / llama.cpp-server tool format), one JSON object per JSONL line.
 * Fields this module does not know are kept on the loaded objects and otherwise ignored, so a user's extra
 * bookkeeping (source, notes, difficulty ...) survives a load/save round trip.
 */

export type ChatRole = "system" | "user" | "assistant" | "tool";

export interface ChatMessage {
  role: ChatRole;
  content: string;
  [extra: string]: unknown;
}

/** A JSON Schema; tool parameters must be one whose `type` is `"object"`. */
export type JsonSchema = Record<string, unknown>;

export interface FunctionTool {
  type: "function";
  function: {
    /** 1–64 characters of `[A-Za-z0-9_-]`, unique within a sample's tool list. */
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
  needs_tool: boolean;
  /**
   * The right call. Always null when `needs_tool` is false. When `needs_tool` is true it may also be null
   * ("some tool is needed, which one is not labelled"): such samples serve necessity vectors and probes but
   * are skipped when tool choice or arguments are scored.
   */
  expected: ExpectedCall | null;
  /** Absent in the file means "assign deterministically"; every sample returned by `loadDataset` has one. */
  split?: Split;
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
