/**
 * The model's own chat template, rendered by llama-steer, against llama.cpp's rendering of the same OpenAI-style
 * conversation (`llama-server`'s POST /apply-template, which runs the template through llama.cpp's Jinja engine
 * exactly as its chat endpoint does). On the default model (Qwen2.5-Coder-1.5B-Instruct, whose template renders
 * `tools`, assistant `tool_calls` and `tool` turns itself): a multi-turn help-desk conversation with a call, its
 * result and dotted tool names must give the same prompt, character for character.
 *
 * Skipped, with the reason in the suite's name, unless `node scripts/build-llama-tools.mjs` has built llama-server;
 * skipped when LLAMA_STEER_SKIP_MODEL_TESTS=1.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { startLlamaServer, freePort, type LlamaServerProcess } from "../../src/bench/llamaServer.js";
import { findLlamaTools } from "../../src/bench/llamaTools.js";
import { loadModel, type SteerModel } from "../../src/engine/model.js";
import { chatTemplateFormat, type ChatMessage, type ToolDefinition } from "../../src/formats/index.js";
import { defaultModelName, fetchModel } from "../../src/models/index.js";
import { skipModelTests } from "./setup.js";

const lookup = findLlamaTools();
const skipReason = skipModelTests ? "model tests are skipped" : !lookup.found ? lookup.reason : undefined;

const TOOLS: ToolDefinition[] = [
  {
    type: "function",
    function: {
      name: "weather.get_by_city",
      description: "Current weather for a city.",
      parameters: { type: "object", properties: { city: { type: "string" }, unit: { type: "string", enum: ["c", "f"] } }, required: ["city"] },
    },
  },
  {
    type: "function",
    function: { name: "calculator", description: "Evaluates an arithmetic expression.", parameters: { type: "object", properties: { expression: { type: "string" } }, required: ["expression"] } },
  },
];

const CONVERSATIONS: Record<string, { messages: ChatMessage[]; tools?: ToolDefinition[] }> = {
  "a multi-turn conversation with a call, its result, a reply and a new request": {
    tools: TOOLS,
    messages: [
      { role: "system", content: "You are a help-desk assistant." },
      { role: "user", content: "How warm is it in Porto?" },
      { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "weather.get_by_city", arguments: '{"city": "Porto", "unit": "c"}' } }] },
      { role: "tool", tool_call_id: "call_1", name: "weather.get_by_city", content: '{"temp": 21}' },
      { role: "assistant", content: "It is 21 °C in Porto." },
      { role: "user", content: "And what is 21 * 9 / 5 + 32?" },
    ] as ChatMessage[],
  },
  "two calls in one assistant turn, with empty content, and both results": {
    tools: TOOLS,
    messages: [
      { role: "user", content: "Weather in Oslo and in Rome, please." },
      {
        role: "assistant",
        content: "",
        tool_calls: [
          { id: "a", type: "function", function: { name: "weather.get_by_city", arguments: '{"city": "Oslo"}' } },
          { id: "b", type: "function", function: { name: "weather.get_by_city", arguments: '{"city": "Rome"}' } },
        ],
      },
      { role: "tool", tool_call_id: "a", content: '{"temp": -3}' },
      { role: "tool", tool_call_id: "b", content: '{"temp": 17}' },
    ] as ChatMessage[],
  },
  "a single request with tools and no system message": { tools: TOOLS, messages: [{ role: "user", content: "What is 2 to the 10th?" }] },
  "a plain chat without tools": { messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Name a prime." }] },
};

describe.skipIf(skipReason !== undefined)(skipReason ? `chat template vs llama-server (skipped: ${skipReason})` : "chat template vs llama-server on the default model", () => {
  let model: SteerModel;
  let server: LlamaServerProcess;

  beforeAll(async () => {
    const fetched = await fetchModel(defaultModelName());
    model = await loadModel(fetched.path);
    const binary = lookup.found ? lookup.tools.paths["llama-server"] : "";
    server = await startLlamaServer(binary, { modelPath: fetched.path, port: await freePort(), threads: 1, contextSize: 512, batchSize: 512, parallel: 1 });
  }, 900_000);
  afterAll(async () => {
    await server?.close();
    await model?.dispose();
  });

  for (const [name, { messages, tools }] of Object.entries(CONVERSATIONS)) {
    test(name, async () => {
      const ours = await chatTemplateFormat.render(messages, tools ?? [], {
        chatTemplate: model.info.chatTemplate ?? undefined,
        bosToken: model.tokenText(model.info.bos),
        eosToken: model.tokenText(model.info.eos),
      });
      const response = await fetch(`${server.url}/apply-template`, { method: "POST", body: JSON.stringify({ messages, ...(tools ? { tools } : {}) }) });
      expect(response.status, server.output()).toBe(200);
      const theirs = ((await response.json()) as { prompt: string }).prompt;
      expect(ours).toBe(theirs);
      // The conversation's calls are in the prompt under their own (dotted) names.
      for (const m of messages) for (const call of m.tool_calls ?? []) expect(ours).toContain(call.function.name);
    });
  }
});
