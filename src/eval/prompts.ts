/** Turns dataset samples into the exact prompt text a model sees, in a tool format. */
import type { DatasetSample } from "../data/index.js";
import type { SteerModel } from "../engine/model.js";
import { chatTemplateFormat, renderChatML, type ChatMessage, type ToolFormat } from "../formats/index.js";

/**
 * Prompt-only variants (ablations): the format's own system prompt ("format"), no tool instructions at
 * all ("none"), or the format's instructions plus two worked examples ("few-shot").
 */
export type SystemPromptVariant = "format" | "none" | "few-shot";

export interface RenderSamplesOptions {
  variant?: SystemPromptVariant;
  signal?: AbortSignal;
}

function fewShotMessages(format: ToolFormat): ChatMessage[] {
  const call = format.name === "hermes" ? '<tool_call>{"name": "calculator", "arguments": {"expression": "1234 * 5678"}}</tool_call>' : '<functioncall>{"name": "calculator", "arguments": {"expression": "1234 * 5678"}}</functioncall>';
  return [
    { role: "user", content: "What is 1234 * 5678 exactly?" },
    { role: "assistant", content: call },
    { role: "user", content: "What is the capital of Italy?" },
    { role: "assistant", content: "The capital of Italy is Rome." },
  ];
}

export async function renderSamples(model: SteerModel, samples: readonly DatasetSample[], format: ToolFormat, options: RenderSamplesOptions = {}): Promise<string[]> {
  const variant = options.variant ?? "format";
  const chatTemplate = model.info.chatTemplate ?? undefined;
  const bosToken = model.tokenText(model.info.bos);
  const eosToken = model.tokenText(model.info.eos);
  const out: string[] = [];
  for (const sample of samples) {
    options.signal?.throwIfAborted();
    let messages = sample.messages as ChatMessage[];
    if (variant === "few-shot") {
      const [first, ...rest] = messages;
      messages = first?.role === "system" ? [first, ...fewShotMessages(format), ...rest] : [...fewShotMessages(format), ...messages];
    }
    const renderOptions = { chatTemplate, bosToken, eosToken, signal: options.signal };
    let text: string;
    if (variant === "none") {
      // The conversation alone, no tool instructions: what the model does unprompted.
      text = chatTemplate ? await chatTemplateFormat.render(messages, [], renderOptions) : renderChatML(messages, true);
    } else {
      text = await format.render(messages, sample.tools as never, renderOptions);
    }
    // The tokenizer adds BOS itself; drop it from the rendered text so the model never sees it twice.
    if (model.info.addBos && bosToken && text.startsWith(bosToken)) text = text.slice(bosToken.length);
    out.push(text);
  }
  return out;
}
