// `llama-steer serve` driven by the official `openai` client on a synthetic qwen2 model (its template offers tools,
// so the server uses the chat-template format): chat, streaming, tool calls, tool_choice, the steering extension,
// abort mid-stream, the same greedy text as the engine gives directly, and requests decoding together.
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { loadAsset, saveAsset, type SteeringAsset } from "../../src/assets/index.js";
import type { SteerContext } from "../../src/engine/context.js";
import type { SteerModel } from "../../src/engine/model.js";
import { asaDecide, asaSteering } from "../../src/science/asa.js";
import { startServer, type SteerServer } from "../../src/server/index.js";
import { seededVector } from "../../src/util/arrays.js";
import { CHAT_ASSET_P, chatAsset } from "../helpers/chatAsset.js";
import { loadSynthetic } from "../helpers/models.js";
import { useTempDir } from "../helpers/tempDir.js";

const temp = useTempDir("server");
const TOOLS: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  { type: "function", function: { name: "calculator", description: "Evaluates an arithmetic expression.", parameters: { type: "object", properties: { expression: { type: "string" } }, required: ["expression"] } } },
  { type: "function", function: { name: "web_search", description: "Searches the web.", parameters: { type: "object", properties: { query: { type: "string" } }, required: ["query"] } } },
];
const USER: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: "user", content: "what is the weather in the city today" }];

let model: SteerModel;
let ctx: SteerContext;
let asset: SteeringAsset;
let server: SteerServer;
let client: OpenAI;
const logs: string[] = [];

/** The `llama_steer` extension block of a completion or chunk. */
function ext(body: unknown): Record<string, any> {
  return (body as { llama_steer: Record<string, any> }).llama_steer;
}

/** The prompt exactly as the server renders it (template, tools, BOS left to the tokenizer). */
async function rendered(messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[], tools: OpenAI.Chat.Completions.ChatCompletionTool[] = []): Promise<string> {
  const chatTemplate = model.info.chatTemplate ?? undefined;
  const bosToken = model.tokenText(model.info.bos);
  const text = await server.format.render(messages as never, tools as never, { chatTemplate, bosToken, eosToken: model.tokenText(model.info.eos) });
  return model.info.addBos && bosToken && text.startsWith(bosToken) ? text.slice(bosToken.length) : text;
}

beforeAll(async () => {
  model = await loadSynthetic("qwen2");
  ctx = await model.createContext({ contextSize: 2048, batchSize: 256, sequences: 4, threads: 2 });
  const file = temp.path("json");
  await saveAsset(file, chatAsset(model.info));
  asset = await loadAsset(file, { expectFingerprint: model.info.fingerprint });
  server = await startServer({ model, ctx, port: 0, modelId: "synthetic", assets: new Map([["asa", asset]]), log: (line) => logs.push(line) });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(async () => {
  await server?.close();
  await model?.dispose();
});

test("the chat-template format serves the synthetic model, and /v1/models lists it", async () => {
  expect(server.format.name).toBe("chat-template");
  const list = await client.models.list();
  expect(list.data.map((m) => m.id)).toEqual(["synthetic"]);
  expect((await client.models.retrieve("synthetic")).id).toBe("synthetic");
  const health = await (await fetch(`${server.url}/health`)).json();
  expect(health).toMatchObject({ status: "ok" });
});

describe("the same greedy request gives the same text through the server as through the engine", () => {
  test("unsteered, non-streamed", async () => {
    const reply = await client.chat.completions.create({ model: "synthetic", messages: USER, max_tokens: 16, temperature: 0 });
    const direct = await ctx.generate(await rendered(USER), { maxTokens: 16 });
    expect(reply.choices[0].message.content).toBe(direct.text);
    expect(reply.choices[0].finish_reason).toBe(direct.stopReason === "maxTokens" ? "length" : "stop");
    expect(reply.usage).toEqual({ prompt_tokens: direct.promptTokens, completion_tokens: direct.tokens.length, total_tokens: direct.promptTokens + direct.tokens.length });
    expect(ext(reply)).toMatchObject({ format: "chat-template", steering: null, readout: null, tool_parse: null });
  });

  test("steered with an inline vector", async () => {
    const vector = Array.from(seededVector(model.info.nEmbd, 21, 3));
    const body = { model: "synthetic", messages: USER, max_tokens: 16, temperature: 0, steering: { vectors: [{ layer: 1, vector, strength: 2 }] } };
    const reply = await client.chat.completions.create(body as never);
    const direct = await ctx.generate(await rendered(USER), { maxTokens: 16, steer: [{ layer: 1, vector, strength: 2 }] });
    const plain = await ctx.generate(await rendered(USER), { maxTokens: 16 });
    expect(direct.text).not.toBe(plain.text);
    expect(reply.choices[0].message.content).toBe(direct.text);
    expect(ext(reply).vectors).toEqual(["layer 1×2"]);
  });

  test("steered by the ASA asset on a request that offers tools", async () => {
    const reply = await client.chat.completions.create({ model: "synthetic", messages: USER, tools: TOOLS, max_tokens: 16, temperature: 0 });
    const [direct] = await ctx.generateBatch([{ prompt: await rendered(USER, TOOLS), decide: { layer: asset.layer, choose: (row) => asaSteering(asset, asaDecide(asset, row)) } }], { maxTokens: 16 });
    const unsteered = await ctx.generate(await rendered(USER, TOOLS), { maxTokens: 16 });
    expect(direct.text).not.toBe(unsteered.text);
    expect(reply.choices[0].message.content ?? "").toBe(direct.text);
    const off = await client.chat.completions.create({ model: "synthetic", messages: USER, tools: TOOLS, max_tokens: 16, temperature: 0, steering: { asset: false } } as never);
    expect(off.choices[0].message.content ?? "").toBe(unsteered.text);
  });
});

test("the steering block reports the gate, the probe's score and the readout, and the request can tune or turn off ASA", async () => {
  const on = await client.chat.completions.create({ model: "synthetic", messages: USER, tools: TOOLS, max_tokens: 4, temperature: 0 });
  expect(ext(on).steering).toMatchObject({ asset: "asa", enabled: true, gate: 1, domain: "math", alpha: asset.params.alpha, tau: asset.params.tau });
  expect(ext(on).steering.p).toBeCloseTo(CHAT_ASSET_P, 6);
  expect(["calculator", "web_search"]).toContain(ext(on).readout.top_tool);
  expect(ext(on).readout.gap).toBeGreaterThanOrEqual(0);
  const strict = await client.chat.completions.create({ model: "synthetic", messages: USER, tools: TOOLS, max_tokens: 4, temperature: 0, steering: { tau: 0.99, alpha: 2 } } as never);
  expect(ext(strict).steering).toMatchObject({ gate: 0, tau: 0.99, alpha: 2, enabled: true });
  const off = await client.chat.completions.create({ model: "synthetic", messages: USER, tools: TOOLS, max_tokens: 4, temperature: 0, steering: false } as never);
  expect(ext(off).steering).toMatchObject({ enabled: false, gate: 1 });
  // No tools on offer: ASA does not run.
  const noTools = await client.chat.completions.create({ model: "synthetic", messages: USER, max_tokens: 4, temperature: 0 });
  expect(ext(noTools).steering).toBeNull();
});

test("streaming sends OpenAI chunks whose text equals the non-streamed reply, the extension on the last one, usage on request", async () => {
  const request = { model: "synthetic", messages: USER, max_tokens: 24, temperature: 0 };
  const whole = await client.chat.completions.create(request);
  const stream = await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  expect(chunks[0].choices[0].delta.role).toBe("assistant");
  const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
  expect(text).toBe(whole.choices[0].message.content);
  const last = chunks.filter((c) => c.choices.length > 0).at(-1)!;
  expect(last.choices[0].finish_reason).toBe(whole.choices[0].finish_reason);
  expect(ext(last)).toMatchObject({ format: "chat-template" });
  expect(chunks.at(-1)!.usage).toEqual(whole.usage);
  expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
});

// The random synthetic model, held to the call grammar, mostly wanders into one endless argument string; these two
// prompts are ones where greedy decoding closes the call ({} arguments) within the budget.
const CLOSES_REQUIRED: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: "user", content: "open the file in my folder" }];
const CLOSES_NAMED: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: "user", content: "calculate the sum" }];

describe("tool calls", () => {
  test('tool_choice "required" comes back as tool_calls with finish_reason "tool_calls"', async () => {
    const reply = await client.chat.completions.create({ model: "synthetic", messages: CLOSES_REQUIRED, tools: TOOLS, tool_choice: "required", max_tokens: 200, temperature: 0, steering: false } as never);
    const choice = reply.choices[0];
    // Empty arguments for a tool with a required parameter: still a well-formed call, the schema miss is reported.
    expect(ext(reply).tool_parse).toMatchObject({ triggered: true, format_ok: true, tool_ok: true, args_ok: false });
    expect(ext(reply).tool_parse.errors.join(" ")).toMatch(/arguments are empty/);
    expect(choice.finish_reason).toBe("tool_calls");
    const call = choice.message.tool_calls![0] as OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall;
    expect(call.id).toMatch(/^call_/);
    expect(["calculator", "web_search"]).toContain(call.function.name);
    expect(typeof JSON.parse(call.function.arguments)).toBe("object");
  });

  test("a named tool_choice calls that tool; streamed, the call arrives as a tool_calls delta", async () => {
    const stream = await client.chat.completions.create({
      model: "synthetic", messages: CLOSES_NAMED, tools: TOOLS, tool_choice: { type: "function", function: { name: "web_search" } }, max_tokens: 200, temperature: 0, stream: true, steering: false,
    } as never) as unknown as AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>;
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(calls.map((c) => c.function?.name)).toEqual(["web_search"]);
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe("tool_calls");
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("");
  });

  test("a call cut short is returned as text, with the parser's errors in the extension block", async () => {
    const reply = await client.chat.completions.create({ model: "synthetic", messages: USER, tools: TOOLS, tool_choice: "required", max_tokens: 12, temperature: 0 });
    expect(reply.choices[0].message.tool_calls).toBeUndefined();
    expect(reply.choices[0].finish_reason).toBe("length");
    expect(reply.choices[0].message.content).toMatch(/^<tool_call>/);
    expect(ext(reply).tool_parse.format_ok).toBe(false);
    expect(ext(reply).tool_parse.errors.length).toBeGreaterThan(0);
  });

  test("a conversation with an assistant tool call and the tool's answer is served", async () => {
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
      ...USER,
      { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "web_search", arguments: '{"query": "weather"}' } }] },
      { role: "tool", tool_call_id: "call_1", content: "sunny, 21 degrees" },
    ];
    const reply = await client.chat.completions.create({ model: "synthetic", messages, tools: TOOLS, max_tokens: 8, temperature: 0 });
    expect(reply.choices[0].finish_reason).toMatch(/^(stop|length|tool_calls)$/);
    expect(ext(reply).tool_parse).not.toBeNull();
  });
});

test("a client that aborts mid-stream stops its generation and frees its sequence", async () => {
  const controller = new AbortController();
  const stream = await client.chat.completions.create({ model: "synthetic", messages: USER, max_tokens: 1500, temperature: 0, stream: true }, { signal: controller.signal });
  let received = 0;
  try {
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) received++;
      if (received === 2) {
        controller.abort();
        break;
      }
    }
  } catch (e) {
    expect((e as Error).name).toMatch(/Abort/);
  }
  expect(received).toBe(2);
  const deadline = Date.now() + 30_000;
  while (server.stats().running > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(server.stats()).toMatchObject({ running: 0, waiting: 0 });
  expect(logs.some((l) => l.startsWith("client gone"))).toBe(true);
  const after = await client.chat.completions.create({ model: "synthetic", messages: USER, max_tokens: 4, temperature: 0 });
  expect(after.choices[0].message.content).toBeTypeOf("string");
});

test("concurrent requests decode together, each answer belongs to its request", async () => {
  const prompts = ["send a message to my contact", "what is the price of a flight", "open the file in my folder", "book a table at a restaurant", "convert dollar to euro", "remind me of the meeting"];
  const solo: string[] = [];
  for (const p of prompts) solo.push((await ctx.generate(await rendered([{ role: "user", content: p }]), { maxTokens: 10 + prompts.indexOf(p) })).text);
  const rounds = server.stats().rounds;
  const replies = await Promise.all(prompts.map((p, i) => client.chat.completions.create({ model: "synthetic", messages: [{ role: "user", content: p }], max_tokens: 10 + i, temperature: 0 })));
  expect(replies.map((r) => r.choices[0].message.content)).toEqual(solo);
  // Six requests over four sequences: the last ones joined the running round rather than each waiting for its own.
  expect(server.stats().rounds - rounds).toBeLessThan(prompts.length);
});

test("requests that offer the same tools decode the shared head once, together or one after another (usage.prompt_tokens_details.cached_tokens)", async () => {
  const system = "You help with travel and money questions. Use a tool whenever one applies, and keep answers short.";
  const asks = ["what is the weather in Lisbon", "how much is ten dollars in euro", "find flights to Oslo"];
  // ASA runs on these (the server's asset, tools on offer): steering from the last prompt token on leaves the head plain.
  const request = (content: string) => ({ model: "synthetic", messages: [{ role: "system" as const, content: system }, { role: "user" as const, content }], tools: TOOLS, max_tokens: 8, temperature: 0 });
  const head = (await rendered(request(asks[0]).messages, TOOLS)).indexOf(asks[0]);
  const headTokens = model.tokenize((await rendered(request(asks[0]).messages, TOOLS)).slice(0, head)).length;
  const cachedOf = (r: OpenAI.Chat.Completions.ChatCompletion) => (r.usage as { prompt_tokens_details?: { cached_tokens: number } }).prompt_tokens_details?.cached_tokens ?? 0;
  // One after another: the first decodes the head, the sequence it finished on keeps it for the next.
  const alone = [];
  for (const content of asks) alone.push(await client.chat.completions.create(request(content)));
  expect(cachedOf(alone[0])).toBe(0);
  for (const r of alone.slice(1)) expect(cachedOf(r)).toBeGreaterThanOrEqual(headTokens - 2);
  // Together: one takes the kept head, the others copy it from the running sequence.
  const together = await Promise.all(asks.map((content) => client.chat.completions.create(request(content))));
  expect(together.map((r) => r.choices[0].message)).toEqual(alone.map((r) => r.choices[0].message));
  expect(together.map((r) => ext(r).steering)).toEqual(alone.map((r) => ext(r).steering));
  for (const r of together) expect(cachedOf(r)).toBeGreaterThanOrEqual(headTokens - 2);
});
