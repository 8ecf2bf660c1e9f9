/**
 * Runs a model over dataset samples under the strict protocol: render each sample in a tool format,
 * generate greedily with a fixed budget (all samples batched), parse with the format's strict parser.
 */
import type { DatasetSample, ExpectedCall } from "../data/index.js";
import type { SteerContext } from "../engine/context.js";
import type { GenerateResult } from "../engine/generate.js";
import type { SteeringSpec } from "../engine/steering.js";
import type { ToolCallParseResult, ToolFormat } from "../formats/index.js";
import { GenerationJournal, journaledGenerate } from "./journal.js";
import { computeMetrics, metricsByDomain, type JudgedSample, type Metrics } from "./metrics.js";

export interface SampleOutcome {
  id: string;
  domain: string;
  needsTool: boolean;
  expectedName: string | null;
  /** The expected call (with acceptable values), for scoring argument values. */
  expected: ExpectedCall | null;
  output: string;
  parse: ToolCallParseResult;
  /** The generation ended on the token budget. */
  hitBudget: boolean;
}

export interface RunResult {
  metrics: Metrics;
  byDomain: Record<string, Metrics>;
  outcomes: SampleOutcome[];
  /** Each sample's last-prompt-token row at `captureLayer`, when it was asked for. */
  rows?: Float32Array[];
}

export interface RunSamplesOptions {
  format: ToolFormat;
  /** Rendered prompts, one per sample (see renderSamples). */
  prompts: readonly string[];
  /** Steering per sample (undefined: none). */
  steerFor?: (index: number) => readonly SteeringSpec[] | undefined;
  /** Fixed budget of new tokens. Default 96. */
  maxTokens?: number;
  /** Also return each sample's row at this layer (last prompt token, before its steering). */
  captureLayer?: number;
  /**
   * Where finished generations are looked up and kept (see journal.ts): pass one journal to every run of an
   * evaluation so that no generation is decoded twice. Default: a fresh in-memory journal.
   */
  journal?: GenerationJournal;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/**
 * The context `llama-steer eval` (and every command that evaluates) runs in: 32 prompts decoding together in
 * 2048–8192 cells (the model's training context within those bounds), decodes of up to 512 tokens.
 */
export function evalContextOptions(nCtxTrain: number): { contextSize: number; batchSize: number; sequences: number } {
  return { contextSize: Math.min(8192, Math.max(2048, nCtxTrain)), batchSize: 512, sequences: 32 };
}

/** Default budget of new tokens: a call with arguments fits; a chatty answer is cut. */
export const DEFAULT_MAX_TOKENS = 96;

export async function runSamples(ctx: SteerContext, samples: readonly DatasetSample[], options: RunSamplesOptions): Promise<RunResult> {
  let done = 0;
  const journal = options.journal ?? GenerationJournal.inMemory(ctx.model.info.fingerprint);
  const capture = options.captureLayer === undefined ? undefined : [options.captureLayer];
  const runs = await journaledGenerate(
    ctx,
    journal,
    samples.map((_, i) => ({ prompt: options.prompts[i], steer: options.steerFor?.(i), capture })),
    {
      maxTokens: options.maxTokens ?? DEFAULT_MAX_TOKENS,
      // A finished call ends the answer for the protocol; stopping there saves the rest of the budget.
      stop: closingMarkers(options.format),
      signal: options.signal,
      onDone: () => options.onProgress?.(++done, samples.length),
    },
  );
  const outcomes = samples.map((sample, i) => judgeOutput(sample, runs[i].result, options.format));
  const rows = capture ? runs.map((r) => r.rows!.get(capture[0])!) : undefined;
  return { ...summarize(outcomes), outcomes, ...(rows ? { rows } : {}) };
}

/** The strict verdict on one generation; a closing marker that ended it is part of the judged output. */
export function judgeOutput(sample: DatasetSample, result: GenerateResult, format: ToolFormat): SampleOutcome {
  const output = result.stopReason === "stop" && result.stopString ? result.text + result.stopString : result.text;
  return {
    id: sample.id,
    domain: sample.domain,
    needsTool: sample.needs_tool,
    expectedName: sample.expected?.name ?? null,
    expected: sample.expected ?? null,
    output,
    parse: format.parse(output, sample.tools as never),
    hitBudget: result.stopReason === "maxTokens" || result.stopReason === "contextFull",
  };
}

export function summarize(outcomes: readonly SampleOutcome[]): { metrics: Metrics; byDomain: Record<string, Metrics> } {
  const judged: JudgedSample[] = outcomes.map((o) => ({ needsTool: o.needsTool, expectedName: o.expectedName, expected: o.expected, domain: o.domain, parse: o.parse, hitBudget: o.hitBudget }));
  return { metrics: computeMetrics(judged), byDomain: metricsByDomain(judged) };
}

/** Stop strings that end a finished call in a format (kept in the judged output). */
export function closingMarkers(format: ToolFormat): string[] {
  if (format.name === "asa") return ["</functioncall>"];
  if (format.name === "hermes" || format.name === "chat-template") return ["</tool_call>"];
  return [];
}
