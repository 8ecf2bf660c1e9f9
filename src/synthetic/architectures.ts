/**
 * What llama.cpp needs to build each supported graph from a synthetic GGUF: the hyperparameter keys
 * under `<arch>.` and the tensors with their ggml shapes. Shapes are in ggml order ({n_in, n_out} for
 * a weight matrix), matching what llama.cpp's `create_tensor` calls expect for these architectures.
 */

export const SYNTHETIC_ARCHITECTURES = ["llama", "qwen2", "gemma3"] as const;
export type SyntheticArchitecture = (typeof SYNTHETIC_ARCHITECTURES)[number];

export interface ModelDimensions {
  readonly arch: SyntheticArchitecture;
  readonly layers: number;
  readonly embd: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly ff: number;
  readonly vocabSize: number;
  readonly contextLength: number;
  /** gemma3 only: sliding-window attention size, 0 for none. */
  readonly slidingWindow: number;
  /** No output.weight: llama.cpp then reuses token_embd as the output projection. */
  readonly tieEmbeddings: boolean;
}

/** How a tensor's values are drawn. */
export type TensorInit =
  /** N(0, std²): weight matrices, embeddings, biases. */
  | { readonly kind: "gaussian"; readonly std: number }
  /** 1 + N(0, jitter²): RMSNorm scales (llama.cpp multiplies by them directly for all three architectures). */
  | { readonly kind: "norm"; readonly jitter: number };

export interface TensorPlan {
  readonly name: string;
  /** ggml order ("ne"). */
  readonly shape: readonly number[];
  readonly init: TensorInit;
}

export const RMS_NORM_EPSILON = 1e-6;
export const ROPE_FREQ_BASE = 10000;
const NORM_JITTER = 0.1;
/** Std of the logits: large enough that the models have clear preferences (near-ties make argmax tests brittle). */
const LOGIT_STD = 3;
const BIAS_STD = 0.1;

export function headDim(dims: ModelDimensions): number {
  return dims.embd / dims.heads;
}

/** Hyperparameters as `[key without the "<arch>." prefix, kind, value]`. */
export function architectureHyperparameters(dims: ModelDimensions): [string, "uint32" | "float32", number][] {
  const hd = headDim(dims);
  const keys: [string, "uint32" | "float32", number][] = [
    ["context_length", "uint32", dims.contextLength],
    ["embedding_length", "uint32", dims.embd],
    ["block_count", "uint32", dims.layers],
    ["feed_forward_length", "uint32", dims.ff],
    ["attention.head_count", "uint32", dims.heads],
    ["attention.head_count_kv", "uint32", dims.kvHeads],
    ["attention.key_length", "uint32", hd],
    ["attention.value_length", "uint32", hd],
    ["attention.layer_norm_rms_epsilon", "float32", RMS_NORM_EPSILON],
    ["rope.dimension_count", "uint32", hd],
    ["rope.freq_base", "float32", ROPE_FREQ_BASE],
    ["vocab_size", "uint32", dims.vocabSize],
  ];
  if (dims.arch === "gemma3" && dims.slidingWindow > 0) keys.push(["attention.sliding_window", "uint32", dims.slidingWindow]);
  return keys;
}

/** Every tensor of the model, in file order. */
export function planTensors(dims: ModelDimensions): TensorPlan[] {
  const { arch, embd: e, ff, vocabSize: vocab, layers } = dims;
  const hd = headDim(dims);
  const qWidth = dims.heads * hd;
  const kvWidth = dims.kvHeads * hd;
  const matrix = (name: string, nIn: number, nOut: number): TensorPlan => ({ name, shape: [nIn, nOut], init: { kind: "gaussian", std: 1 / Math.sqrt(nIn) } });
  const norm = (name: string, n: number): TensorPlan => ({ name, shape: [n], init: { kind: "norm", jitter: NORM_JITTER } });
  const bias = (name: string, n: number): TensorPlan => ({ name, shape: [n], init: { kind: "gaussian", std: BIAS_STD } });

  // The final norm leaves rows of norm ~sqrt(n_embd), so an output std of LOGIT_STD/sqrt(n_embd) gives
  // logits of std ~LOGIT_STD. Untied, the embedding table is drawn so the residual stream starts at unit
  // scale (gemma3 multiplies embeddings by sqrt(n_embd)); tied, the output scale decides.
  const outputStd = LOGIT_STD / Math.sqrt(e);
  const embeddingStd = dims.tieEmbeddings ? outputStd : arch === "gemma3" ? 1 / Math.sqrt(e) : 1;
  const plan: TensorPlan[] = [{ name: "token_embd.weight", shape: [e, vocab], init: { kind: "gaussian", std: embeddingStd } }];
  plan.push(norm("output_norm.weight", e));
  if (!dims.tieEmbeddings) plan.push({ name: "output.weight", shape: [e, vocab], init: { kind: "gaussian", std: outputStd } });

  for (let i = 0; i < layers; i++) {
    const p = `blk.${i}.`;
    plan.push(norm(`${p}attn_norm.weight`, e));
    plan.push(matrix(`${p}attn_q.weight`, e, qWidth), matrix(`${p}attn_k.weight`, e, kvWidth), matrix(`${p}attn_v.weight`, e, kvWidth));
    if (arch === "qwen2") plan.push(bias(`${p}attn_q.bias`, qWidth), bias(`${p}attn_k.bias`, kvWidth), bias(`${p}attn_v.bias`, kvWidth));
    plan.push(matrix(`${p}attn_output.weight`, qWidth, e));
    if (arch === "gemma3") {
      plan.push(norm(`${p}attn_q_norm.weight`, hd), norm(`${p}attn_k_norm.weight`, hd));
      plan.push(norm(`${p}post_attention_norm.weight`, e), norm(`${p}post_ffw_norm.weight`, e));
    }
    plan.push(norm(`${p}ffn_norm.weight`, e));
    plan.push(matrix(`${p}ffn_gate.weight`, e, ff), matrix(`${p}ffn_up.weight`, e, ff), matrix(`${p}ffn_down.weight`, ff, e));
  }
  return plan;
}
