// `llama-steer serve` through the compiled CLI (`npm run build:ts` first; `npm test` does it): it listens on
// 127.0.0.1 by default, answers the official client, refuses a request without its API key, and stops cleanly on
// Ctrl-C with exit code 0 and its --json document.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

import OpenAI from "openai";
import { beforeAll, expect, onTestFinished, test } from "vitest";

import { syntheticModelPath } from "../../src/synthetic/index.js";
import { packageRoot } from "../../src/util/packageRoot.js";

const CLI = path.join(packageRoot(), "dist", "cli", "main.js");

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build:ts' before these tests`);
});

test("serve listens on loopback, serves the client, refuses a missing key, and stops on SIGINT with its JSON document", async () => {
  const modelPath = await syntheticModelPath("qwen2");
  const child = spawn(process.execPath, [CLI, "serve", "--model", modelPath, "--port", "0", "--parallel", "2", "--context", "1024", "--threads", "2", "--model-id", "tiny", "--json"], {
    env: { ...process.env, LLAMA_STEER_API_KEY: "k1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(stderr);
      if (m) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  // A failed expectation below must not leave the server running.
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  const client = new OpenAI({ baseURL: url, apiKey: "k1", maxRetries: 0 });
  const reply = await client.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "hello" }], max_tokens: 4, temperature: 0 });
  expect(reply.choices[0].message.content).toBeTypeOf("string");
  const refused = await fetch(`${url}/models`);
  expect(refused.status).toBe(401);
  // The log line comes through another pipe than the response, and may trail it (a slow machine, a sanitizer build).
  const logged = /refused GET \/v1\/models from .*: 401 invalid_api_key/;
  for (let waited = 0; !logged.test(stderr) && waited < 10_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(stderr).toMatch(logged);
  child.kill("SIGINT");
  expect(await exited).toBe(0);
  expect(JSON.parse(stdout)).toMatchObject({ ok: true, model: "tiny", format: "chat-template", parallel: 2, url });
}, 120_000);
