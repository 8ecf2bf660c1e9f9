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

export function planPromptGroups(lengths: readonly number[], nBatch: number, nSeqMax: number): PromptGroup[] {
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
    if (current && (currentTokens + length > nBatch || current.prompts.length >= nSeqMax)) flush();
    if (!current) current = { prompts: [], decodes: [[]] };
    current.prompts.push(prompt);
    for (let p = 0; p < length; p++) current.decodes[0].push({ prompt, position: p });
    currentTokens += length;
  });
  flush();
  return groups;
}
