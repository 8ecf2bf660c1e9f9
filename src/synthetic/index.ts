/** Tiny random-weight GGUF models (llama, qwen2, gemma3 graphs) for testing capture and steering without a real model. */
export { SYNTHETIC_ARCHITECTURES, type SyntheticArchitecture } from "./architectures.js";
export {
  buildSyntheticModel,
  resolveSyntheticModelOptions,
  writeSyntheticModel,
  type ResolvedSyntheticModelOptions,
  type SyntheticModelOptions,
  type SyntheticTwinOptions,
} from "./model.js";
export { SYNTHETIC_GENERATOR_VERSION, defaultCacheRoot, syntheticCacheDir, syntheticModelFileName, syntheticModelPath, type SyntheticCacheOptions } from "./cache.js";
export {
  BOS_TOKEN_ID,
  CHAT_END_TOKEN,
  CHAT_START_TOKEN,
  EOS_TOKEN_ID,
  FIRST_BYTE_TOKEN_ID,
  FUNCTION_CALL_TOKEN,
  SYNTHETIC_CHAT_TEMPLATE,
  SYNTHETIC_VOCABULARY_SIZE,
  UNK_TOKEN_ID,
  buildSyntheticVocabulary,
} from "./vocabulary.js";
export { SeededRandom } from "./random.js";
