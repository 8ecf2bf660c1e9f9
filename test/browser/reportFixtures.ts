/**
 * Eval reports for the report tests (unit and browser); not a test file itself. The full report has
 * every optional section with internally consistent numbers (ratios derived from counts); the
 * minimal one has only the keys EvalReport requires.
 */
import type { EvalExample, EvalReport, MetricsRecord } from "../../src/eval/reportTypes.js";

/** Untrusted model text that would run script or load a resource if the renderer failed to escape it. */
export const HOSTILE_SCRIPT = `<script>console.error("unescaped model output ran")</script>`;
export const HOSTILE_ATTRIBUTE = `"><img src=x onerror=console.error("unescaped-attribute")>`;

interface Tally {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  successes: number;
  /** Triggered samples that needed a tool and had a well-formed call / the right tool / valid arguments. */
  formatOk: number;
  nameOk: number;
  argsOk: number;
}

/** Builds a metrics record the way computeMetrics would from the same counts. */
export function metricsFromTally(t: Tally): MetricsRecord {
  const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
  const precision = ratio(t.tp, t.tp + t.fp);
  const recall = ratio(t.tp, t.tp + t.fn);
  const n = t.tp + t.fp + t.tn + t.fn;
  return {
    n,
    precision,
    recall,
    f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
    accuracy: ratio(t.tp + t.tn, n),
    fpr: ratio(t.fp, t.fp + t.tn),
    format_acc: ratio(t.formatOk, t.tp),
    tool_name_acc: ratio(t.nameOk, t.tp),
    args_acc: ratio(t.argsOk, t.tp),
    success_precision: ratio(t.successes, t.tp + t.fp),
    success_recall: ratio(t.successes, t.tp + t.fn),
    counts: { tp: t.tp, fp: t.fp, tn: t.tn, fn: t.fn, successes: t.successes },
  };
}

const tally = (tp: number, fp: number, tn: number, fn: number, successes: number, formatOk = tp, nameOk = tp, argsOk = tp): Tally => ({
  tp,
  fp,
  tn,
  fn,
  successes,
  formatOk,
  nameOk,
  argsOk,
});

/** Baseline: the model rarely calls. Steered: calls far more often, at a small cost in false positives. */
export const BASELINE_TALLY = tally(21, 4, 116, 99, 15, 19, 17, 16);
export const STEERED_TALLY = tally(97, 11, 109, 23, 78, 93, 85, 81);

const verdict = (triggered: boolean, ok: boolean, errors: string[] = []) => ({ triggered, format_ok: ok, tool_ok: ok, args_ok: ok, errors });

function examples(): EvalExample[] {
  return [
    {
      id: "necessity-0042",
      domain: "weather",
      needs_tool: true,
      expected: "get_weather",
      prompt: "<|im_start|>system\nYou can call tools: get_weather(city: string).<|im_end|>\n<|im_start|>user\nDo I need an umbrella in Lyon tomorrow?<|im_end|>\n<|im_start|>assistant\n",
      baseline_output: "I don't have live weather data, but you can check a forecast site for Lyon.",
      steered_output: '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Lyon"}}\n</tool_call>',
      baseline_verdict: verdict(false, false),
      steered_verdict: verdict(true, true),
      gate: { domain: "weather", p: 0.91, gate: 1 },
    },
    {
      id: "necessity-0107",
      domain: "math",
      needs_tool: false,
      expected: null,
      prompt: "<|im_start|>user\nWhat is 7 times 8?<|im_end|>\n<|im_start|>assistant\n",
      baseline_output: "7 times 8 is 56.",
      steered_output: "7 × 8 = 56.",
      baseline_verdict: verdict(false, false),
      steered_verdict: verdict(false, false),
      gate: { domain: "math", p: 0.08, gate: -1 },
    },
    {
      id: "necessity-0213",
      domain: "email",
      needs_tool: true,
      expected: "send_email",
      prompt: "<|im_start|>user\nEmail Sam that the meeting moved to 3pm & bring the 'Q3' slides.<|im_end|>\n<|im_start|>assistant\n",
      baseline_output: `Sure! ${HOSTILE_SCRIPT}`,
      steered_output: `<tool_call>{"name": "send_email", "arguments": {"to": "${HOSTILE_ATTRIBUTE}"}}`,
      baseline_verdict: verdict(false, false),
      steered_verdict: { triggered: true, format_ok: false, tool_ok: true, args_ok: false, errors: ["unterminated <tool_call> block", 'argument "to" is not an e-mail address'] },
      gate: { domain: "email", p: 0.77, gate: 1 },
    },
  ];
}

export function fullReport(): EvalReport {
  const alphas = [0, 1, 2, 3, 4, 6, 8, 12];
  return {
    model: "smollm2-135m-instruct-q4_1",
    data: "necessity",
    split: "test",
    n: 240,
    settings: { format: "hermes", controller: "asa", max_tokens: 96, layer: 14, seed: 7, val_fraction: 0.2 },
    baseline: metricsFromTally(BASELINE_TALLY),
    steered: { ...metricsFromTally(STEERED_TALLY), alpha: 4, tau: 0.5 },
    sweep: [
      ...alphas.map((alpha) => {
        // A smooth rise in recall and a slower rise in false positives, as a sweep usually looks.
        const recall = 0.18 + 0.72 * (1 - Math.exp(-alpha / 2.5));
        const fpr = 0.03 + 0.5 * Math.max(0, alpha - 3) ** 2 / 81;
        const precision = (recall * 120) / (recall * 120 + fpr * 120);
        return { alpha, tau: 0.5, ...metricsFromRates(precision, recall, fpr) };
      }),
      { alpha: 4, tau: 0.7, ...metricsFromRates(0.88, 0.61, 0.08) },
      { alpha: 8, tau: 0.7, ...metricsFromRates(0.81, 0.74, 0.17) },
    ],
    ablations: {
      "no gate (always +v)": metricsFromTally(tally(101, 38, 82, 19, 80)),
      "random vector, same norm": metricsFromTally(tally(24, 5, 115, 96, 17)),
      "mean difference (no PCA)": metricsFromTally(tally(88, 14, 106, 32, 69)),
    },
    logit_shift: [
      { alpha: 2, plus: 1.42, minus: -1.37, random: 0.03, p_value: 3.2e-9, p_value_minus: 8.1e-9, n: 240 },
      { alpha: 4, plus: 2.96, minus: -2.71, random: -0.05, p_value: 1.1e-14, p_value_minus: 4.0e-13, n: 240 },
    ],
    by_domain: {
      baseline: {
        calendar: metricsFromTally(tally(4, 1, 29, 26, 3)),
        email: metricsFromTally(tally(6, 0, 30, 24, 5)),
        math: metricsFromTally(tally(2, 2, 28, 28, 1)),
        weather: metricsFromTally(tally(9, 1, 29, 21, 6)),
      },
      steered: {
        calendar: metricsFromTally(tally(24, 2, 28, 6, 19)),
        email: metricsFromTally(tally(25, 3, 27, 5, 20)),
        math: metricsFromTally(tally(20, 5, 25, 10, 15)),
        weather: metricsFromTally(tally(28, 1, 29, 2, 24)),
      },
    },
    layer_auc: Array.from({ length: 30 }, (_, layer) => ({
      layer,
      auc: 0.55 + 0.42 * Math.exp(-(((layer - 14) / 7) ** 2)),
      auc_shuffled: 0.5 + 0.03 * Math.sin(layer * 1.7),
    })),
    confusion: {
      tools: ["get_weather", "calculator", "send_email", "create_event"],
      counts: {
        get_weather: { get_weather: 26, calculator: 0, send_email: 1, create_event: 0, none: 3 },
        calculator: { get_weather: 0, calculator: 19, send_email: 0, create_event: 1, none: 10 },
        send_email: { get_weather: 0, calculator: 0, send_email: 22, create_event: 3, none: 5 },
        create_event: { get_weather: 1, calculator: 0, send_email: 2, create_event: 21, none: 6 },
      },
    },
    gap_buckets: [
      // Neighbouring zero-height bars with long notes: the case where notes used to run into each other.
      { low: 0, high: 0.05, n: 31, error_rate: 0.42, call_error_rate: 1 },
      { low: 0.05, high: 0.1, n: 44, error_rate: 0.27, call_error_rate: 0.95 },
      { low: 0.1, high: 0.2, n: 58, error_rate: 0.14, call_error_rate: 0.91 },
      { low: 0.2, high: 0.4, n: 61, error_rate: 0, call_error_rate: 1 },
      { low: 0.4, high: 1, n: 46, error_rate: 0, call_error_rate: 1 },
    ],
    examples: examples(),
    reproducibility: {
      llama_steer: "0.1.0",
      node_llama_cpp: "3.22.1",
      model_sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
      model_fingerprint: "5f1c0a9e7d3b2c48",
      dataset_hash: "sha256:9a4e1f0c2b7d",
      seed: 7,
      command: "llama-steer eval --model smollm2-135m-instruct-q4_1 --data necessity --controller asa --report report.html --json",
      date: "2025-06-02T14:31:07Z",
    },
  };
}

/** A sweep point's record from rates alone (the counts are not needed for the chart). */
function metricsFromRates(precision: number, recall: number, fpr: number): MetricsRecord {
  const f1 = (2 * precision * recall) / (precision + recall);
  return {
    n: 48,
    precision,
    recall,
    f1,
    accuracy: (recall + (1 - fpr)) / 2,
    fpr,
    format_acc: 0.95,
    tool_name_acc: 0.9,
    args_acc: 0.86,
    success_precision: precision * 0.85,
    success_recall: recall * 0.85,
  };
}

/** Only the keys EvalReport requires. */
export function minimalReport(): EvalReport {
  return {
    model: "tiny-synthetic",
    data: "tool-choice",
    split: "val",
    n: 12,
    settings: { format: "asa", controller: "none", max_tokens: 32, seed: 1 },
    baseline: metricsFromTally(tally(3, 1, 5, 3, 2)),
    reproducibility: {
      llama_steer: "0.1.0",
      node_llama_cpp: "3.22.1",
      model_fingerprint: "00ff00ff00ff00ff",
      dataset_hash: "sha256:0000",
      seed: 1,
      command: "llama-steer eval --json",
      date: "2025-01-01T00:00:00Z",
    },
  };
}
