// The server and evaluation benchmarks on synthetic models: llama-steer serve's side of serve_vs_llama_server
// for a handful of requests (every request answered, each answer belonging to its request), the whole
// eval_asa_vs_eval_plain case, and, when llama.cpp's llama-server is built, both cases that run it (skipped
// otherwise, with the reason in the suite's name). The figures themselves are measured on a real model.
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { withLlamaServer } from "../../src/bench/llamaServer.js";
import { findLlamaTools } from "../../src/bench/llamaTools.js";
import { runBench } from "../../src/bench/run.js";
import { measureOurServer, servedPromptTokens, serveUserPrompts } from "../../src/bench/serverCases.js";
import type { SteerModel } from "../../src/engine/model.js";
import { syntheticModelPath } from "../../src/synthetic/index.js";
import { loadSynthetic } from "../helpers/models.js";

describe("llama-steer serve's side of serve_vs_llama_server", () => {
  let model: SteerModel;
  beforeAll(async () => {
    model = await loadSynthetic("qwen2");
  });
  afterAll(async () => {
    await model?.dispose();
  });

  test("answers every request of a concurrent pass, each with its own request's prompt length", async () => {
    const prompts = await serveUserPrompts(6, (text) => servedPromptTokens(model, text));
    const m = await measureOurServer(model, 1, prompts, { concurrency: 3, maxTokens: 8 });
    expect(m.summary).toMatchObject({ requests: 6, failed: 0, failures: [] });
    expect(m.summary.completionTokens).toBeGreaterThan(0);
    expect(m.summary.completionTokens).toBeLessThanOrEqual(6 * 8);
    expect(m.summary.tokensPerSecond).toBeGreaterThan(0);
    expect(m.summary.p95Ms).toBeGreaterThanOrEqual(m.summary.p50Ms);
    // The prompts differ in length as the server reads them, so the check could tell the answers apart.
    expect(new Set(m.soloPromptTokens).size).toBe(6);
    expect(m.soloPromptTokens).toEqual(await Promise.all(prompts.map((p) => servedPromptTokens(model, p))));
    expect(m.results.map((r) => (r.body as { usage: { prompt_tokens: number } }).usage.prompt_tokens)).toEqual(m.soloPromptTokens);
    expect(m.sequences).toBe(8);
  });
});

describe("eval_asa_vs_eval_plain", () => {
  test("times the whole ASA evaluation against the unsteered one on the same prompts", async () => {
    const report = await runBench({
      modelPath: await syntheticModelPath("llama"),
      reps: 1,
      threads: 1,
      evalPrompts: 4,
      only: ["eval_asa_vs_eval_plain"],
      llamaTools: { found: false, reason: "not needed" },
    });
    expect(report.figures).toHaveLength(1);
    const [figure] = report.figures;
    expect(figure).toMatchObject({ key: "eval_asa_vs_eval_plain", goal: 0.5, extra: { n: 4, asset: "built" } });
    expect(figure.value).toBeGreaterThan(0);
    expect(figure.timing?.reps).toBe(1);
    expect(figure.detail).toContain("4 tool-choice TEST prompts (4 different tool menus)");
  });
});

const lookup = findLlamaTools();

describe.skipIf(!lookup.found)(lookup.found ? "against llama.cpp's llama-server" : `against llama.cpp's llama-server (skipped: ${lookup.reason})`, () => {
  test("serve_vs_llama_server and eval_vs_llama_server report a ratio with both sides accounted for", async () => {
    const report = await runBench({
      modelPath: await syntheticModelPath("qwen2"),
      reps: 1,
      threads: 1,
      requests: 8,
      evalPrompts: 4,
      only: ["serve_vs_llama_server", "eval_vs_llama_server"],
    });
    expect(report.skipped).toEqual([]);
    const serve = report.figures.find((f) => f.key === "serve_vs_llama_server")!;
    expect(serve.value).toBeGreaterThan(0);
    expect(serve.extra).toMatchObject({ requests: 8, concurrency: 8, max_tokens: 32, ours: { failed: 0 }, llama_server: { failed: 0 } });
    const evalFigure = report.figures.find((f) => f.key === "eval_vs_llama_server")!;
    expect(evalFigure.value).toBeGreaterThan(0);
    expect(evalFigure.extra).toMatchObject({ prompts: 4 });
  });

  /** Whether a process of this id still exists. */
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  test("llama-server is ended when the work given it fails, and when the bench is aborted while it loads", async () => {
    const tools = lookup.found ? lookup.tools : undefined!;
    const settings = { modelPath: await syntheticModelPath("llama"), threads: 1, contextSize: 512, batchSize: 128, parallel: 2 };
    let pid: number | undefined;
    await expect(
      withLlamaServer(tools.paths["llama-server"], settings, {}, async (server) => {
        pid = server.pid;
        expect((await fetch(`${server.url}/health`)).status).toBe(200);
        throw new Error("the work failed");
      }),
    ).rejects.toThrow("the work failed");
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid!)).toBe(false);

    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("bench aborted")), 50);
    const before = Date.now();
    await expect(withLlamaServer(tools.paths["llama-server"], settings, { signal: controller.signal }, async () => "never")).rejects.toThrow("bench aborted");
    expect(Date.now() - before).toBeLessThan(15_000);
  });
});
