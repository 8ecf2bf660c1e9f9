/**
 * Packs prompts into decodes. Several short prompts share one decode as separate sequences (each
 * decode is one graph, so captured rows map back to prompts by batch index); a prompt longer than
 * a batch is fed in consecutive chunks of its own sequence. Pure logic, tested without a model.
 */

export interface DecodeEntry {
  prompt: number;
  position: number;
}

export interface PromptGroup {
  /** Prompts of this group, each in its own sequence (sequence id = index in this list). */
  prompts: number[];
  /** The decodes of the group, in order; the KV cache is cleared before the group starts. */
  decodes: DecodeEntry[][];
}

/**
 * How many tokens of several prompts one decode packs, at most. With the unified KV cache every token of
 * a decode attends over every cell in use and the mask throws the other sequences' cells away, so the
 * attention work of a packed decode grows with the square of its tokens while the weights' work grows
 * linearly. Measured on SmolLM2-135M on CPU (1,040 tokens in 64 short prompts, all layers captured):
 * 256-token decodes took 7.4 s, 512-token ones 9.3 s, 1,024-token ones 10.4–12.2 s, one prompt per
 * decode 8.0 s. A prompt longer than this still goes whole (or in `nBatch` chunks) into its own decodes.
 */
export const PACKED_DECODE_TOKENS = 256;

/**
 * Groups prompts into decodes: consecutive prompts share a decode while their tokens fit in
 * `packTokens` (and `nBatch`) and there is a free sequence; a prompt longer than `nBatch` is chunked.
 */
export function planPromptGroups(lengths: readonly number[], nBatch: number, nSeqMax: number, packTokens = PACKED_DECODE_TOKENS): PromptGroup[] {
  const packLimit = Math.min(nBatch, packTokens);
  const groups: PromptGroup[] = [];
  let current: PromptGroup | undefined;
  let currentTokens = 0;
  const flush = () => {
    if (current) groups.push(current);
    current = undefined;
    currentTokens = 0;
  };
  lengths.forEach((length, prompt) => {
    if (length > nBatch) {
      flush();
      const decodes: DecodeEntry[][] = [];
      for (let start = 0; start < length; start += nBatch) {
        const chunk: DecodeEntry[] = [];
        for (let p = start; p < Math.min(length, start + nBatch); p++) chunk.push({ prompt, position: p });
        decodes.push(chunk);
      }
      groups.push({ prompts: [prompt], decodes });
      return;
    }
    if (current && (currentTokens + length > packLimit || current.prompts.length >= nSeqMax)) flush();
    if (!current) current = { prompts: [], decodes: [[]] };
    current.prompts.push(prompt);
    for (let p = 0; p < length; p++) current.decodes[0].push({ prompt, position: p });
    currentTokens += length;
  });
  flush();
  return groups;
}
