/**
 * The document `llama-steer eval --json` prints and `--report` renders. Key names are a contract:
 * scripts depend on them.
 */
import type { Metrics } from "./metrics.js";

/** Metrics as written in a report; reports written before values were scored lack `args_match_acc` and `exact_success`. */
export type MetricsRecord = Omit<Metrics, "counts" | "args_match_acc" | "exact_success"> & {
  counts?: Partial<Metrics["counts"]>;
  args_match_acc?: number;
  exact_success?: number;
};

export interface EvalExample {
  id: string;
  domain: string;
  needs_tool: boolean;
  expected: string | null;
  prompt: string;
  baseline_output: string;
  steered_output: string;
  baseline_verdict: VerdictRecord;
  steered_verdict: VerdictRecord;
  /** ASA: router domain, probe probability and gate for this prompt. */
  gate?: { domain: string; p: number; gate: -1 | 0 | 1 };
}

export interface VerdictRecord {
  triggered: boolean;
  format_ok: boolean;
  tool_ok: boolean;
  args_ok: boolean;
  errors: string[];
}

export interface EvalReport {
  model: string;
  data: string;
  split: string;
  n: number;
  settings: {
    format: string;
    controller: string;
    max_tokens: number;
    layer?: number;
    seed: number;
    [key: string]: unknown;
  };
  baseline: MetricsRecord;
  /** alpha_unit: what α counts in ("raw" multiples of the vector, or "residual" norms; see SteeringAssetParams.alphaUnit). */
  steered?: MetricsRecord & { alpha: number; alpha_unit: string; tau?: number; gate?: string; positions?: string; vectors?: string };
  /** α sweep on VAL at the chosen layer, τ and gate mode (what α was chosen from). */
  sweep?: ({ alpha: number; tau?: number; gate?: string } & MetricsRecord)[];
  /**
   * How α, τ, the gate mode (with --val-layers the layer, with --positions / --vectors the injection positions and the
   * direction) were chosen on VAL: the rule, the choice, every point tried.
   */
  selection?: {
    rule: string;
    rule_description: string;
    /** The rule refused every point (e.g. "f1-fpr" when all raised the FPR) and "mcc" chose instead. */
    fallback: boolean;
    chosen: { layer: number; positions: string; vectors: string; alpha: number; tau: number; gate: string };
    /** The layers VAL chose among (one: the layer was fixed or came from the probe AUC on TRAIN). */
    layers: number[];
    max_tokens: number;
    val_baseline: MetricsRecord;
    points: ({ layer: number; positions: string; vectors: string; alpha: number; tau: number; gate: string } & MetricsRecord)[];
    /** `--random-control`: the chosen point with a norm-matched random direction on VAL, and the chosen point's paired counts against it. */
    random_control?: { metrics: MetricsRecord; paired: { decision: PairedComparisonRecord; outcome: PairedComparisonRecord } };
  };
  ablations?: Record<string, MetricsRecord>;
  /**
   * Per-sample paired tests (McNemar, exact): the steered run against the baseline, and against the random-direction
   * ablation when it ran. `better`: samples the steered run gets right and the other wrong; `decision` judges
   * "called iff needed", `outcome` a successful call where needed and no call where not.
   */
  paired?: Record<string, { decision: PairedComparisonRecord; outcome: PairedComparisonRecord }>;
  /** Mean change of the trigger token's logit under +v, −v and a norm-matched random vector. */
  logit_shift?: LogitShift[] | LogitShift;
  by_domain?: { baseline: Record<string, MetricsRecord>; steered?: Record<string, MetricsRecord> };
  /**
   * Metrics by the samples' `source`, `category` and `label` (see src/eval/breakdowns.ts), for the baseline and,
   * when it ran, the steered run. A grouping no sample carries is absent.
   */
  breakdowns?: { baseline: BreakdownRecords; steered?: BreakdownRecords };
  /** Probe AUC per layer (from the sweep that chose the layer), when known. */
  layer_auc?: { layer: number; auc: number; auc_shuffled: number }[];
  /** Tool choice: counts[expected][predicted], predicted "none" when no valid call. */
  confusion?: { tools: string[]; counts: Record<string, Record<string, number>> };
  /** Cosine readout of the decision row against the asset's tool means: how often it names the expected tool. */
  readout?: { layer: number; n: number; accuracy: number };
  /**
   * Readout: per top-1/top-2 gap quintile (lowest first), how often the readout is wrong (error_rate) and how
   * often the steered call is (call_error_rate; no call counts as wrong).
   */
  gap_buckets?: { low: number; high: number; n: number; error_rate: number; call_error_rate?: number }[];
  examples?: EvalExample[];
  reproducibility: {
    llama_steer: string;
    node_llama_cpp: string;
    model_sha256?: string;
    model_fingerprint: string;
    dataset_hash: string;
    seed: number;
    command: string;
    date: string;
  };
}

export interface BreakdownRecords {
  by_source?: Record<string, MetricsRecord>;
  by_category?: Record<string, MetricsRecord>;
  by_label?: Record<string, MetricsRecord>;
}

export interface PairedComparisonRecord {
  better: number;
  worse: number;
  p_value: number;
  n: number;
}

export interface LogitShift {
  alpha: number;
  plus: number;
  minus: number;
  random: number;
  /** Paired test of plus against random (two-sided). */
  p_value: number;
  p_value_minus?: number;
  n: number;
  /**
   * The token read, as text, and where it comes from: "marker" is the first token of the format's call marker;
   * "calls" the token the model's own unsteered calls most often open with, when that differs (a model may call
   * in a syntax other than the one its prompt asks for). Absent in reports written before both were read.
   */
  token?: string;
  token_source?: "marker" | "calls";
  /** For "calls": the share of the baseline's calls, and of its other replies, that open with this token. */
  share_of_calls?: number;
  share_of_others?: number;
}
