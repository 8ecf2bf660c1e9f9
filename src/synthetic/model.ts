/**
 * Tiny random-weight GGUF models that llama.cpp loads and runs: the mechanics of capture and
 * steering are tested on these instead of real models. Everything is a pure function of the options,
 * so the same options always give the same bytes.
 */
import { mkdir, rename, unlink, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { invalidArgument } from "../errors.js";
import { GgmlType, GgufValueType } from "../gguf/format.js";
import { GgufWriter } from "../gguf/writer.js";
import { assertBoolean, assertFiniteNumber, assertInteger, assertKnownKeys, assertString } from "../util/validate.js";
import { SYNTHETIC_ARCHITECTURES, architectureHyperparameters, planTensors, type ModelDimensions, type SyntheticArchitecture, type TensorPlan } from "./architectures.js";
import { SeededRandom } from "./random.js";
import {
  BOS_TOKEN_ID,
  EOS_TOKEN_ID,
  MIN_SYNTHETIC_VOCABULARY_SIZE,
  SYNTHETIC_CHAT_TEMPLATE,
  SYNTHETIC_VOCABULARY_SIZE,
  UNK_TOKEN_ID,
  buildSyntheticVocabulary,
} from "./vocabulary.js";

/**
 * A "fine-tuned" variant of a synthetic model.
 * - "weights": every tensor plus a small seeded Gaussian perturbation (a change spread over the whole model).
 * - "embedding-shift": one seeded direction added to every token's embedding and nothing else (a change that
 *   lives in a single residual direction, the case where a model-diff vector should recover the twin).
 */
export interface SyntheticTwinOptions {
  /** Default: "weights". */
  kind?: "weights" | "embedding-shift";
  /** Seed of the perturbation (independent of the base seed). Default: 1. */
  seed?: number;
  /**
   * "weights": perturbation std relative to each tensor's own init scale (its std, or the norm jitter).
   * "embedding-shift": the shift's per-element std relative to the embedding's init std. Default: 0.05.
   */
  scale?: number;
}

export interface SyntheticModelOptions {
  /** Which llama.cpp graph to build. Default: "llama". */
  arch?: SyntheticArchitecture;
  /** Transformer blocks. Default: 4. */
  layers?: number;
  /** Residual stream width (n_embd); a multiple of `heads` with an even head size. Default: 64. */
  embd?: number;
  /** Attention heads. Default: 4. */
  heads?: number;
  /** Key/value heads (grouped-query attention); divides `heads`. Default: `heads`. */
  kvHeads?: number;
  /** Feed-forward width. Default: 128. */
  ff?: number;
  /** Tokens in the vocabulary (>= 262): the authored vocabulary cut or padded. Default: the full authored vocabulary. */
  vocabSize?: number;
  /** Training context length written to the metadata. Default: 2048. */
  contextLength?: number;
  /** Seed of every weight. Default: 0. */
  seed?: number;
  /** Store the 2-D weight matrices as F16 (norms and biases stay F32). Default: false. */
  f16?: boolean;
  /** gemma3 only: sliding-window attention size, 0 for full attention. Default: 0. */
  slidingWindow?: number;
  /**
   * Omit output.weight so llama.cpp uses token_embd as the output projection (as real Gemma 3 does). The
   * table is then drawn at the output scale, which in gemma3 (embeddings × sqrt(n_embd)) makes the model
   * mostly repeat its last token. Default: false.
   */
  tieEmbeddings?: boolean;
  /** `tokenizer.chat_template`, or false for none. Default: a ChatML template with a tool list. */
  chatTemplate?: string | false;
  /** Write the fine-tuned twin of the model these options describe. Default: none. */
  twin?: SyntheticTwinOptions;
}

/** Options with every default filled in. */
export interface ResolvedSyntheticModelOptions extends ModelDimensions {
  readonly seed: number;
  readonly f16: boolean;
  readonly chatTemplate: string | false;
  readonly twin: Readonly<Required<SyntheticTwinOptions>> | undefined;
}

const OPTION_KEYS = ["arch", "layers", "embd", "heads", "kvHeads", "ff", "vocabSize", "contextLength", "seed", "f16", "slidingWindow", "tieEmbeddings", "chatTemplate", "twin"];

/** Validates options and fills in defaults. @throws SteerError INVALID_ARGUMENT naming the bad option. */
export function resolveSyntheticModelOptions(options: SyntheticModelOptions = {}): ResolvedSyntheticModelOptions {
  if (typeof options !== "object" || options === null) throw invalidArgument("options", "an object", options);
  assertKnownKeys("synthetic model options", options, OPTION_KEYS);
  const arch = options.arch ?? "llama";
  if (!SYNTHETIC_ARCHITECTURES.includes(arch)) throw invalidArgument("options.arch", `one of ${SYNTHETIC_ARCHITECTURES.map((a) => `"${a}"`).join(", ")}`, arch);
  const layers = options.layers ?? 4;
  assertInteger("options.layers", layers, 1, 128);
  const heads = options.heads ?? 4;
  assertInteger("options.heads", heads, 1, 256);
  const embd = options.embd ?? 64;
  assertInteger("options.embd", embd, 2, 16384);
  if (embd % heads !== 0 || (embd / heads) % 2 !== 0) throw invalidArgument("options.embd", `a multiple of 2 × heads (${2 * heads})`, embd);
  const kvHeads = options.kvHeads ?? heads;
  assertInteger("options.kvHeads", kvHeads, 1, heads);
  if (heads % kvHeads !== 0) throw invalidArgument("options.kvHeads", `a divisor of heads (${heads})`, kvHeads);
  const ff = options.ff ?? 128;
  assertInteger("options.ff", ff, 1, 65536);
  const vocabSize = options.vocabSize ?? SYNTHETIC_VOCABULARY_SIZE;
  assertInteger("options.vocabSize", vocabSize, MIN_SYNTHETIC_VOCABULARY_SIZE, 1 << 20);
  const contextLength = options.contextLength ?? 2048;
  assertInteger("options.contextLength", contextLength, 1, 1 << 20);
  const seed = options.seed ?? 0;
  assertInteger("options.seed", seed, 0, Number.MAX_SAFE_INTEGER);
  const f16 = options.f16 ?? false;
  assertBoolean("options.f16", f16);
  const slidingWindow = options.slidingWindow ?? 0;
  assertInteger("options.slidingWindow", slidingWindow, 0, contextLength);
  if (slidingWindow > 0 && arch !== "gemma3") throw invalidArgument("options.slidingWindow", `0 for arch "${arch}" (only gemma3 has sliding-window attention)`, slidingWindow);
  const tieEmbeddings = options.tieEmbeddings ?? false;
  assertBoolean("options.tieEmbeddings", tieEmbeddings);
  const chatTemplate = options.chatTemplate ?? SYNTHETIC_CHAT_TEMPLATE;
  if (chatTemplate !== false) assertString("options.chatTemplate", chatTemplate, { nonEmpty: true });
  const twin = resolveTwin(options.twin);
  // With tied embeddings the shift would move the output matrix too: no longer a change of one residual direction.
  if (twin?.kind === "embedding-shift" && tieEmbeddings) throw invalidArgument("options.twin.kind", 'a twin kind other than "embedding-shift" when tieEmbeddings is true', twin.kind);
  return { arch, layers, embd, heads, kvHeads, ff, vocabSize, contextLength, seed, f16, slidingWindow, tieEmbeddings, chatTemplate, twin };
}

function resolveTwin(twin: SyntheticTwinOptions | undefined): Required<SyntheticTwinOptions> | undefined {
  if (twin === undefined) return undefined;
  if (typeof twin !== "object" || twin === null) throw invalidArgument("options.twin", "an object", twin);
  assertKnownKeys("options.twin", twin, ["kind", "seed", "scale"]);
  const kind = twin.kind ?? "weights";
  if (kind !== "weights" && kind !== "embedding-shift") throw invalidArgument("options.twin.kind", '"weights" or "embedding-shift"', kind);
  const seed = twin.seed ?? 1;
  assertInteger("options.twin.seed", seed, 0, Number.MAX_SAFE_INTEGER);
  const scale = twin.scale ?? 0.05;
  assertFiniteNumber("options.twin.scale", scale, 0, 10);
  return { kind, seed, scale };
}

/**
 * The values of one planned tensor, a function of (seed, architecture, tensor name) only: a model with
 * more layers keeps the first layers' weights, and a smaller vocabulary keeps the rows of the tokens it
 * shares (a row is contiguous in ggml order). The twin's perturbation comes from a stream of its own.
 */
export function synthesizeTensor(plan: TensorPlan, arch: SyntheticArchitecture, seed: number, twin?: Required<SyntheticTwinOptions>): Float32Array {
  const count = plan.shape.reduce((a, b) => a * b, 1);
  const random = new SeededRandom(seed, `${arch}/${plan.name}`);
  const values = plan.init.kind === "gaussian" ? random.gaussianArray(count, plan.init.std) : random.gaussianArray(count, plan.init.jitter, 1);
  if (twin?.kind === "embedding-shift") {
    if (plan.name === "token_embd.weight") {
      const std = twin.scale * (plan.init.kind === "gaussian" ? plan.init.std : plan.init.jitter);
      addToEveryRow(values, plan.shape[0], new SeededRandom(twin.seed, `twin shift/${arch}`).gaussianArray(plan.shape[0], std));
    }
  } else if (twin !== undefined && twin.scale > 0) {
    const scale = twin.scale * (plan.init.kind === "gaussian" ? plan.init.std : plan.init.jitter);
    const perturbation = new SeededRandom(twin.seed, `twin/${arch}/${plan.name}`).gaussianArray(count, scale);
    for (let i = 0; i < count; i++) values[i] += perturbation[i];
  }
  return values;
}

/** Adds `shift` to each contiguous row of `width` values (a row per token in ggml's [nEmbd, nVocab] order). */
function addToEveryRow(values: Float32Array, width: number, shift: Float32Array): void {
  for (let start = 0; start < values.length; start += width) {
    for (let k = 0; k < width; k++) values[start + k] += shift[k];
  }
}

/** Serializes a synthetic model into a GGUF buffer (about 1–2 MB with the defaults). */
export function buildSyntheticModel(options: SyntheticModelOptions = {}): Buffer {
  const resolved = resolveSyntheticModelOptions(options);
  const { arch, f16 } = resolved;
  const writer = new GgufWriter();
  writer.addString("general.architecture", arch);
  writer.addString("general.name", syntheticModelName(resolved));
  // llama_ftype: 0 = all F32, 1 = mostly F16.
  writer.addUint32("general.file_type", f16 ? 1 : 0);
  for (const [key, kind, value] of architectureHyperparameters(resolved)) {
    if (kind === "uint32") writer.addUint32(`${arch}.${key}`, value);
    else writer.addFloat32(`${arch}.${key}`, value);
  }
  const vocabulary = buildSyntheticVocabulary(resolved.vocabSize);
  writer.addString("tokenizer.ggml.model", "llama");
  writer.addString("tokenizer.ggml.pre", "default");
  writer.addArray("tokenizer.ggml.tokens", GgufValueType.STRING, vocabulary.tokens);
  writer.addArray("tokenizer.ggml.scores", GgufValueType.FLOAT32, vocabulary.scores);
  writer.addArray("tokenizer.ggml.token_type", GgufValueType.INT32, vocabulary.tokenTypes);
  writer.addUint32("tokenizer.ggml.bos_token_id", BOS_TOKEN_ID);
  writer.addUint32("tokenizer.ggml.eos_token_id", EOS_TOKEN_ID);
  writer.addUint32("tokenizer.ggml.unknown_token_id", UNK_TOKEN_ID);
  writer.addBool("tokenizer.ggml.add_bos_token", true);
  writer.addBool("tokenizer.ggml.add_eos_token", false);
  if (resolved.chatTemplate !== false) writer.addString("tokenizer.chat_template", resolved.chatTemplate);

  for (const plan of planTensors(resolved)) {
    const type = f16 && plan.shape.length === 2 ? GgmlType.F16 : GgmlType.F32;
    writer.addTensor(plan.name, { type, shape: plan.shape, data: synthesizeTensor(plan, arch, resolved.seed, resolved.twin) });
  }
  return writer.toBuffer();
}

export function syntheticModelName(options: ResolvedSyntheticModelOptions): string {
  const twin = options.twin ? `-twin${options.twin.seed}` : "";
  return `llama-steer-synthetic-${options.arch}-seed${options.seed}${twin}`;
}

/**
 * Writes a synthetic model to `path` (through a temporary file and a rename, so a reader never sees
 * half a model, and concurrent writers of the same file do not corrupt it).
 */
export async function writeSyntheticModel(path: string, options: SyntheticModelOptions = {}): Promise<ResolvedSyntheticModelOptions> {
  assertString("path", path, { nonEmpty: true });
  const resolved = resolveSyntheticModelOptions(options);
  const bytes = buildSyntheticModel(options);
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await writeFile(temporary, bytes);
    await rename(temporary, path);
  } catch (e) {
    await unlink(temporary).catch(() => undefined);
    throw e;
  }
  return resolved;
}
