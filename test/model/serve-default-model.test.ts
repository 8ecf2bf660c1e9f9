/**
 * One real tool call through `llama-steer serve` on the default model (Qwen2.5-Coder-1.5B-Instruct), driven by the
 * official `openai` client: the model's own chat template renders the tools, the reply's call comes back as
 * `message.tool_calls` with `finish_reason: "tool_calls"`. The mechanics are tested on synthetic models
 * (test/native/server*.test.ts); this file shows that a real model's call survives the whole path.
 *
 * Fetches the default model (a cache hit after the fetch test). Skipped when LLAMA_STEER_SKIP_MODEL_TESTS=1.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import type { SteerModel } from "../../src/engine/model.js";
import { loadModel } from "../../src/engine/model.js";
import { defaultModelName, fetchModel } from "../../src/models/index.js";
import { startServer, type SteerServer } from "../../src/server/index.js";
import { skipModelTests } from "./setup.js";

const TOOLS: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  {
    type: "function",
    function: {
      name: "get_weather",
      description: "Current weather for a city.",
      parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
    },
  },
  {
    type: "function",
    function: {
      name: "calculator",
      description: "Evaluates an arithmetic expression exactly.",
      parameters: { type: "object", properties: { expression: { type: "string" } }, required: ["expression"], additionalProperties: false },
    },
  },
];

describe.skipIf(skipModelTests)(`serve on the default model (${defaultModelName()})`, () => {
  let model: SteerModel;
  let server: SteerServer;
  let client: OpenAI;

  beforeAll(async () => {
    const fetched = await fetchModel(defaultModelName());
    model = await loadModel(fetched.path);
    const ctx = await model.createContext({ contextSize: 2048, batchSize: 512, sequences: 2, threads: 2 });
    server = await startServer({ model, ctx, port: 0, modelId: "default" });
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0 });
  }, 900_000);
  afterAll(async () => {
    await server?.close();
    await model?.dispose();
  });

  test("a request that needs a tool comes back as a tool call with arguments the schema accepts", async () => {
    const reply = await client.chat.completions.create({
      model: "default",
      messages: [{ role: "user", content: "What's the weather like in Lisbon right now?" }],
      tools: TOOLS,
      max_tokens: 96,
      temperature: 0,
    });
    const choice = reply.choices[0];
    const extension = (reply as unknown as { llama_steer: { format: string; tool_parse: unknown } }).llama_steer;
    expect(choice.finish_reason, JSON.stringify(extension)).toBe("tool_calls");
    expect(extension.format).toBe("chat-template");
    const calls = choice.message.tool_calls ?? [];
    expect(calls).toHaveLength(1);
    const call = calls[0] as OpenAI.Chat.Completions.ChatCompletionMessageToolCall & { type: "function" };
    expect(call.type).toBe("function");
    expect(call.id).toMatch(/\S/);
    expect(call.function.name).toBe("get_weather");
    expect(JSON.parse(call.function.arguments)).toEqual({ city: "Lisbon" });
  });

  test("a request that needs no tool with tool_choice none is answered in text", async () => {
    const reply = await client.chat.completions.create({
      model: "default",
      messages: [{ role: "user", content: "Say hello in French, one word." }],
      tools: TOOLS,
      tool_choice: "none",
      max_tokens: 16,
      temperature: 0,
    });
    expect(reply.choices[0].message.tool_calls ?? []).toEqual([]);
    expect(reply.choices[0].message.content).toMatch(/bonjour/i);
  });
});
