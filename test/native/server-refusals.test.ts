// What `llama-steer serve` refuses, and that it keeps serving: each bad request gets its 4xx in the OpenAI error
// shape with a message that says what was wrong; a full queue answers 429 at once; a client that vanishes
// mid-stream frees its sequence. Raw fetch here, so every byte of the request is under the test's control.
import { request as httpRequest } from "node:http";

import OpenAI from "openai";
import { afterAll, beforeAll, expect, test } from "vitest";

import { loadAsset, saveAsset } from "../../src/assets/index.js";
import type { SteerContext } from "../../src/engine/context.js";
import type { SteerModel } from "../../src/engine/model.js";
import { startServer, type SteerServer } from "../../src/server/index.js";
import { seededVector } from "../../src/util/arrays.js";
import { SteeringVector } from "../../src/vectors/index.js";
import { chatAsset } from "../helpers/chatAsset.js";
import { loadSynthetic } from "../helpers/models.js";
import { useTempDir } from "../helpers/tempDir.js";

const temp = useTempDir("server-refusals");
const KEY = "test-key-123";
const MAX_MESSAGES = 8;
const MAX_BODY = 64 * 1024;
const USER = [{ role: "user", content: "what is the weather in the city today" }];
const TOOL = { type: "function", function: { name: "web_search", parameters: { type: "object", properties: { query: { type: "string" } } } } };

let model: SteerModel;
let ctx: SteerContext;
let server: SteerServer;
const logs: string[] = [];

beforeAll(async () => {
  model = await loadSynthetic("qwen2");
  // One sequence and one waiting place: the third concurrent request finds the queue full.
  ctx = await model.createContext({ contextSize: 512, batchSize: 128, sequences: 1, threads: 2 });
  const file = temp.path("json");
  await saveAsset(file, chatAsset(model.info));
  const asset = await loadAsset(file);
  const vector = SteeringVector.create(new Map([[1, seededVector(model.info.nEmbd, 3, 1)]]), { method: "test", modelFingerprint: model.info.fingerprint });
  server = await startServer({
    model, ctx, port: 0, modelId: "synthetic", apiKey: KEY, maxWaiting: 1, maxMessages: MAX_MESSAGES, maxBodyBytes: MAX_BODY,
    assets: new Map([["asa", asset]]), vectors: new Map([["v1", vector]]), log: (line) => logs.push(line),
  });
});
afterAll(async () => {
  await server?.close();
  await model?.dispose();
});

function post(body: unknown, headers: Record<string, string> = {}, path = "/v1/chat/completions", method = "POST"): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json", ...headers },
    ...(method === "GET" ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
}

const ok = (extra: Record<string, unknown>) => ({ model: "synthetic", messages: USER, max_tokens: 2, ...extra });

/** [what, request, status, message pattern]; a request is a body (sent as JSON), or a function doing its own fetch. */
const BAD: [string, unknown | (() => Promise<Response>), number, RegExp][] = [
  ["invalid JSON", "{not json", 400, /not valid JSON/],
  ["an empty body", "", 400, /body is empty/],
  ["a JSON array as body", [], 400, /Expected a JSON object for body but received an array/],
  ["no model", { messages: USER }, 400, /for model but received undefined/],
  ["an unknown model", ok({ model: "gpt-4o" }), 400, /The model "gpt-4o" does not exist; this server serves "synthetic"/],
  ["no messages", { model: "synthetic" }, 400, /an array of messages for messages but received undefined/],
  ["no message in messages", ok({ messages: [] }), 400, /at least one message/],
  ["too many messages", ok({ messages: Array.from({ length: MAX_MESSAGES + 1 }, () => USER[0]) }), 400, /holds 9 messages; this server takes at most 8/],
  ["an unknown role", ok({ messages: [{ role: "wizard", content: "hi" }] }), 400, /messages\[0\]\.role but received "wizard"/],
  ["null user content", ok({ messages: [{ role: "user", content: null }] }), 400, /messages\[0\]\.content but received null/],
  ["an image part", ok({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "x" } }] }] }), 400, /"image_url" parts are not supported/],
  ["call arguments that are not JSON", ok({ messages: [...USER, { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{oops" } }] }] }), 400, /tool_calls\[0\]\.function\.arguments but received "\{oops"/],
  ["a tool answer to no call", ok({ messages: [...USER, { role: "tool", tool_call_id: "nope", content: "x" }] }), 400, /"nope" answers no earlier assistant tool call/],
  ["an unknown field", ok({ foo: 1 }), 400, /Unrecognized request argument supplied: foo/],
  ["temperature of the wrong type", ok({ temperature: "hot" }), 400, /a number from 0 to 2 for temperature but received "hot"/],
  ["temperature out of range", ok({ temperature: 5 }), 400, /for temperature but received 5/],
  ["max_tokens 0", ok({ max_tokens: 0 }), 400, /an integer from 1 to 512 for max_tokens/],
  ["max_tokens past the context", ok({ max_tokens: 100_000 }), 400, /for max_tokens but received 100000/],
  ["max_tokens and max_completion_tokens", ok({ max_completion_tokens: 2 }), 400, /not both/],
  ["a fractional seed", ok({ seed: 1.5 }), 400, /for seed but received 1.5/],
  ["stop of the wrong type", ok({ stop: 5 }), 400, /for stop but received 5/],
  ["tools not an array", ok({ tools: { type: "function" } }), 400, /an array of tools for tools/],
  ["a tool without a name", ok({ tools: [{ type: "function", function: { description: "x" } }] }), 400, /tools\[0\]\.function\.name/],
  ["two tools with one name", ok({ tools: [TOOL, TOOL] }), 400, /a name no other tool uses/],
  ["tool_choice required without tools", ok({ tool_choice: "required" }), 400, /needs tools/],
  ["tool_choice naming a tool not offered", ok({ tools: [TOOL], tool_choice: { type: "function", function: { name: "rm_rf" } } }), 400, /"rm_rf", which is not among the tools offered \(web_search\)/],
  ["tool_choice of an unknown kind", ok({ tool_choice: "sometimes" }), 400, /for tool_choice but received "sometimes"/],
  ["n = 2", ok({ n: 2 }), 400, /n is not supported by this server \(accepted: 1; received 2\)/],
  ["stream_options without stream", ok({ stream_options: { include_usage: true } }), 400, /only allowed when stream is true/],
  ["an unknown asset", ok({ steering: { asset: "nope" } }), 400, /steering.asset "nope" is not loaded \(loaded: asa\)/],
  ["an unknown vector name", ok({ steering: { vectors: [{ name: "v2" }] } }), 400, /"v2" is not a loaded vector \(loaded: v1\)/],
  ["an inline vector of the wrong size", ok({ steering: { vectors: [{ layer: 1, vector: [1, 2, 3] }] } }), 400, /must hold 64 numbers \(the model's embedding size\); got 3/],
  ["a steering layer out of range", ok({ steering: { vectors: [{ layer: 99, vector: Array(64).fill(0) }] } }), 400, /layer must be from 0 to \d+/],
  ["tau out of range", ok({ steering: { tau: 0.2 } }), 400, /a number from 0.5 to 1 for steering.tau but received 0.2/],
  ["an unknown steering field", ok({ steering: { beta: 1 } }), 400, /Unrecognized field steering.beta/],
  ["a conversation longer than the context", ok({ messages: [{ role: "user", content: "weather ".repeat(600) }] }), 400, /the context holds 512/],
  ["a body over the limit", ok({ messages: [{ role: "user", content: "x".repeat(MAX_BODY) }] }), 413, /larger than 65536 bytes/],
  ["a body that is not JSON by type", () => post("a=1", { "content-type": "application/x-www-form-urlencoded" }), 415, /application\/json/],
  ["no API key", () => fetch(`${server.url}/v1/models`), 401, /Missing API key/],
  ["a wrong API key", () => post(ok({}), { authorization: "Bearer test-key-124" }), 401, /Incorrect API key/],
  ["the wrong method", () => post(undefined, {}, "/v1/chat/completions", "GET"), 405, /takes POST, not GET/],
  ["a path that is no route", () => post(undefined, {}, "/../../etc/passwd", "GET"), 404, /No route GET/],
  ["an unknown model id", () => post(undefined, {}, "/v1/models/other", "GET"), 404, /"other" does not exist/],
];

test(`${BAD.length} kinds of bad request each get their 4xx with a clear message, and the server keeps serving`, async () => {
  expect(BAD.length).toBeGreaterThanOrEqual(20);
  for (const [what, body, status, message] of BAD) {
    const res = typeof body === "function" ? await (body as () => Promise<Response>)() : await post(body);
    const json = (await res.json()) as { error: { message: string; type: string; param: string | null; code: string | null } };
    expect({ what, status: res.status }).toEqual({ what, status });
    expect(Object.keys(json.error).sort(), what).toEqual(["code", "message", "param", "type"]);
    expect(json.error.message, what).toMatch(message);
    expect((await fetch(`${server.url}/health`)).status, `health after ${what}`).toBe(200);
  }
  expect(logs.filter((l) => l.startsWith("refused")).length).toBeGreaterThanOrEqual(BAD.length);
  const good = await post(ok({}));
  expect(good.status).toBe(200);
});

test("a full queue answers 429 at once while the others go on", async () => {
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: KEY, maxRetries: 0 });
  const stop = new AbortController();
  const long = () => client.chat.completions.create({ model: "synthetic", messages: USER as never, max_tokens: 400, temperature: 0 }, { signal: stop.signal }).then(
    () => "done",
    (e: unknown) => (e instanceof OpenAI.RateLimitError ? `429 ${e.message}` : e instanceof OpenAI.APIUserAbortError || stop.signal.aborted ? "aborted" : String(e)),
  );
  const first = long();
  while (server.stats().running === 0) await new Promise((r) => setTimeout(r, 10));
  const second = long();
  while (server.stats().waiting === 0) await new Promise((r) => setTimeout(r, 10));
  const started = Date.now();
  const third = await long();
  expect(third).toMatch(/^429 .*requests are already waiting/);
  expect(Date.now() - started).toBeLessThan(5000);
  expect(server.stats()).toMatchObject({ running: 1, waiting: 1 });
  stop.abort();
  expect(await Promise.all([first, second])).toEqual(["aborted", "aborted"]);
  const deadline = Date.now() + 30_000;
  while (server.stats().running + server.stats().waiting > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(server.stats()).toMatchObject({ running: 0, waiting: 0 });
});

test("a client that vanishes mid-stream frees its sequence, and the next request is served", async () => {
  const body = JSON.stringify(ok({ max_tokens: 400, stream: true }));
  await new Promise<void>((resolve, reject) => {
    const req = httpRequest(`${server.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" } }, (res) => {
      let seen = "";
      res.on("data", (chunk: Buffer) => {
        seen += chunk.toString();
        // The role chunk and at least one content chunk: generation is under way. Then the socket is cut.
        if ((seen.match(/^data: /gm) ?? []).length >= 2) {
          req.destroy();
          resolve();
        }
      });
    });
    req.on("error", (e) => ((e as NodeJS.ErrnoException).code === "ECONNRESET" ? undefined : reject(e)));
    req.end(body);
  });
  const deadline = Date.now() + 30_000;
  while (server.stats().running > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(server.stats()).toMatchObject({ running: 0, waiting: 0 });
  const next = await post(ok({}));
  expect(next.status).toBe(200);
  expect(logs.some((l) => l.startsWith("client gone"))).toBe(true);
});
