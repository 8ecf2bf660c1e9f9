/**
 * The model-free parts of the server and evaluation benchmarks: percentiles, the loopback client's accounting
 * (against a fake fetch), the belongs-to-its-request check, llama-server's arguments, the bench's prompts and
 * subsets, and the lookup of a shipped asset by fingerprint.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

import { EVAL_PROMPTS, shippedAssetFor, spreadSubset } from "../../src/bench/evalCases.js";
import { LLAMA_SERVER_ALIAS, llamaServerArgs } from "../../src/bench/llamaServer.js";
import { assertBelongsToRequests, belongsMismatches, runLoad, sameLengthDistance, summarizeChatLoad, type LoadResult, type LoadRun } from "../../src/bench/loadClient.js";
import { percentile } from "../../src/bench/measure.js";
import { chatBody, DISTINCT_LENGTH_WINDOW, joinLoadRuns, measureChatServer, measureChatServersInterleaved, serveUserPrompts, SERVE_REQUESTS } from "../../src/bench/serverCases.js";
import { packageRoot } from "../../src/util/packageRoot.js";

describe("percentile", () => {
  it("interpolates between the nearest ranks, so p50 is the median", () => {
    expect(percentile([4, 1, 3, 2], 50)).toBe(2.5);
    expect(percentile([5, 1, 3], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4], 0)).toBe(1);
    expect(percentile([1, 2, 3, 4], 100)).toBe(4);
    // 21 values 0..20: p95 sits on rank 19 exactly; 20 values 1..20: between 19 and 20.
    expect(percentile(Array.from({ length: 21 }, (_, i) => i), 95)).toBe(19);
    expect(percentile(Array.from({ length: 20 }, (_, i) => i + 1), 95)).toBeCloseTo(19.05, 10);
    expect(percentile([7], 95)).toBe(7);
  });

  it("is NaN for no values and refuses a p outside 0..100", () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(/p from 0 to 100/);
    expect(() => percentile([1], Number.NaN)).toThrow(/p from 0 to 100/);
  });
});

/** A chat answer as both servers give it. */
function answer(promptTokens: number, completionTokens: number, content = "ok"): unknown {
  return { choices: [{ message: { role: "assistant", content } }], usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens } };
}

/**
 * A fake server behind fetch: answers request i (read from its body) after a delay, with prompt_tokens 100 + i,
 * except where `fail` says otherwise. Records the most requests it held at once.
 */
function fakeFetch(fail: (i: number) => "http" | "json" | "network" | undefined = () => undefined) {
  let inFlight = 0;
  const state = { peak: 0, calls: 0 };
  const impl = (async (_url: string | URL | Request, init?: RequestInit) => {
    const i = (JSON.parse(String(init!.body)) as { i: number }).i;
    state.calls++;
    inFlight++;
    state.peak = Math.max(state.peak, inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, 2 + ((i * 7) % 5)));
      const kind = fail(i);
      if (kind === "network") throw new TypeError("fetch failed", { cause: new Error("ECONNRESET") });
      if (kind === "json") return new Response("<html>busy</html>", { status: 200 });
      if (kind === "http") return new Response(JSON.stringify({ error: { message: "boom" } }), { status: 500 });
      return new Response(JSON.stringify(answer(100 + i, 3)), { status: 200 });
    } finally {
      inFlight--;
    }
  }) as typeof fetch;
  return { impl, state };
}

describe("the loopback client", () => {
  it("keeps exactly `concurrency` requests in flight and answers each request once, in request order", async () => {
    const { impl, state } = fakeFetch();
    const bodies = Array.from({ length: 23 }, (_, i) => ({ i }));
    const run = await runLoad("http://x/v1/chat/completions", bodies, { concurrency: 4, fetch: impl });
    expect(state.calls).toBe(23);
    expect(state.peak).toBe(4);
    expect(run.peakInFlight).toBe(4);
    expect(run.results.map((r) => r.index)).toEqual(bodies.map((_, i) => i));
    expect(run.results.every((r) => r.ok && r.status === 200 && r.ms > 0)).toBe(true);
    expect(run.results.map((r) => (r.body as { usage: { prompt_tokens: number } }).usage.prompt_tokens)).toEqual(bodies.map((_, i) => 100 + i));
    expect(run.wallMs).toBeGreaterThan(0);
  });

  it("counts HTTP errors, non-JSON answers and network errors as failed results instead of throwing", async () => {
    const { impl } = fakeFetch((i) => (i === 1 ? "http" : i === 2 ? "json" : i === 3 ? "network" : undefined));
    const run = await runLoad("http://x", Array.from({ length: 6 }, (_, i) => ({ i })), { concurrency: 8, fetch: impl });
    expect(run.results.map((r) => r.ok)).toEqual([true, false, false, false, true, true]);
    expect(run.results[1]).toMatchObject({ status: 500, error: expect.stringMatching(/^HTTP 500: .*boom/) });
    expect(run.results[2]).toMatchObject({ status: 200, error: expect.stringMatching(/not JSON: <html>busy/) });
    expect(run.results[3]).toMatchObject({ status: 0, error: "fetch failed (ECONNRESET)" });
    const summary = summarizeChatLoad(run, 32);
    expect(summary).toMatchObject({ requests: 6, failed: 3, completionTokens: 9, promptTokens: 100 + 104 + 105 });
    expect(summary.failures[0]).toMatch(/^request 1: HTTP 500/);
  });

  it("stops with the abort reason when the signal aborts", async () => {
    const { impl } = fakeFetch();
    const controller = new AbortController();
    controller.abort(new Error("stop the bench"));
    await expect(runLoad("http://x", [{ i: 0 }], { concurrency: 1, fetch: impl, signal: controller.signal })).rejects.toThrow("stop the bench");
  });

  it("refuses a concurrency that is not a positive integer", async () => {
    await expect(runLoad("http://x", [], { concurrency: 0 })).rejects.toThrow(/concurrency must be a positive integer, got 0/);
  });
});

function loadRun(bodies: unknown[], wallMs = 2000): LoadRun {
  return { results: bodies.map((body, index) => ({ index, ok: true, status: 200, ms: 10 * (index + 1), body })), wallMs, peakInFlight: 1 };
}

describe("chat load accounting", () => {
  it("sums usage over the wall time and reports latency percentiles", () => {
    const s = summarizeChatLoad(loadRun([answer(10, 32), answer(11, 32), answer(12, 16), answer(13, 0)]), 32);
    expect(s).toMatchObject({ requests: 4, failed: 0, promptTokens: 46, completionTokens: 80, tokensPerSecond: 40, requestsPerSecond: 2, p50Ms: 25 });
    expect(s.p95Ms).toBeCloseTo(38.5, 10);
  });

  it("counts an answer without usage, or with more tokens than max_tokens, as failed", () => {
    const s = summarizeChatLoad(loadRun([answer(10, 5), { choices: [] }, answer(12, 33)]), 32);
    expect(s.failed).toBe(2);
    expect(s.failures).toEqual([expect.stringMatching(/^request 1: no usage in the answer/), "request 2: 33 completion tokens for max_tokens 32"]);
    expect(s.completionTokens).toBe(5);
  });
});

describe("the belongs-to-its-request check", () => {
  const solo = [17, 23, 31, 40];

  it("passes when every answer reports its own request's prompt length", () => {
    const run = loadRun(solo.map((n) => answer(n, 4)));
    expect(belongsMismatches(run.results, solo)).toEqual([]);
    expect(() => assertBelongsToRequests("test server", run.results, solo)).not.toThrow();
  });

  it("rejects answers handed to the wrong requests", () => {
    // Requests 1 and 2 got each other's answers.
    const run = loadRun([answer(17, 4), answer(31, 4), answer(23, 4), answer(40, 4)]);
    expect(belongsMismatches(run.results, solo)).toEqual([
      { index: 1, got: 31, expected: 23 },
      { index: 2, got: 23, expected: 31 },
    ]);
    expect(() => assertBelongsToRequests("test server", run.results, solo)).toThrow(
      "test server: 2 of 4 answers do not belong to their request (request 1: prompt_tokens 31, alone 23; request 2: prompt_tokens 23, alone 31)",
    );
  });

  it("rejects a failed or usage-less answer, and a count of answers that does not match", () => {
    const results: LoadResult[] = [...loadRun([answer(17, 4), { choices: [] }]).results, { index: 2, ok: false, status: 500, ms: 1, error: "HTTP 500" }];
    expect(belongsMismatches(results, [17, 23, 31]).map((m) => m.index)).toEqual([1, 2]);
    expect(() => belongsMismatches(results, [17])).toThrow(/3 answers but 1 requests sent alone/);
  });

  it("knows how far apart the nearest two requests of equal length are", () => {
    expect(sameLengthDistance([5, 6, 7, 8])).toBe(Infinity);
    expect(sameLengthDistance([5, 6, 7, 5, 9, 9])).toBe(1);
    expect(sameLengthDistance([5, 6, 7, 5])).toBe(3);
  });
});

describe("one server's side", () => {
  /**
   * A fake chat server: prompt_tokens is the user message's length. `mixUp` hands the timed pass's answers
   * (max_tokens > 1) to the wrong requests, as a scheduler that confused its sequences would; `failAt`
   * answers that request with HTTP 503.
   */
  function chatServer({ mixUp = false, failAt = -1 } = {}) {
    const seen: string[] = [];
    const impl = (async (_url: string | URL | Request, init?: RequestInit) => {
      const body = JSON.parse(String(init!.body)) as { messages: { content: string }[]; max_tokens: number };
      const content = body.messages[0].content;
      const i = seen.push(content) - 1;
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (i === failAt) return new Response(JSON.stringify({ error: { message: "busy" } }), { status: 503 });
      const timed = body.max_tokens > 1;
      const answered = mixUp && timed && seen.length > 2 ? seen[seen.length - 2] : content;
      return new Response(JSON.stringify(answer(answered.length, Math.min(body.max_tokens, 3))), { status: 200 });
    }) as typeof fetch;
    return impl;
  }
  const prompts = ["a", "bb", "ccc", "dddd", "eeeee", "ffffff"];

  it("passes a server whose every answer belongs to its request, with the timed pass's accounting", async () => {
    const m = await measureChatServer("fake", "http://x", prompts, { concurrency: 3, maxTokens: 8, fetch: chatServer() });
    expect(m.soloPromptTokens).toEqual([1, 2, 3, 4, 5, 6]);
    expect(m.summary).toMatchObject({ requests: 6, failed: 0, completionTokens: 18, promptTokens: 21 });
  });

  it("throws, instead of giving a figure, when the server mixes answers up", async () => {
    await expect(measureChatServer("fake", "http://x", prompts, { concurrency: 3, maxTokens: 8, fetch: chatServer({ mixUp: true }) })).rejects.toThrow(
      /^fake: \d+ of 6 answers do not belong to their request \(request \d+: prompt_tokens \d+, alone \d+/,
    );
  });

  it("throws, naming the request, when any request fails", async () => {
    // Requests 0-2 are the warm-up round (one per slot): 5 is the third timed request.
    await expect(measureChatServer("fake", "http://x", prompts, { concurrency: 3, maxTokens: 8, fetch: chatServer({ failAt: 5 }) })).rejects.toThrow(
      /^fake: 1 of 6 requests failed: request 2: HTTP 503/,
    );
  });

  /** Two fake servers behind one fetch (by host), and the order in which timed requests reached them. */
  function twoServers(b: ReturnType<typeof chatServer> = chatServer()) {
    const order: string[] = [];
    const a = chatServer();
    const impl = ((url: string | URL | Request, init?: RequestInit) => {
      const host = new URL(String(url)).host;
      if ((JSON.parse(String(init!.body)) as { max_tokens: number }).max_tokens > 4) order.push(host);
      return (host === "a" ? a : b)(url, init);
    }) as typeof fetch;
    return { impl, order };
  }
  const sides = [{ name: "A", baseUrl: "http://a" }, { name: "B", baseUrl: "http://b" }] as const;

  it("interleaves two servers block by block, swapping the order every block, and accounts for every request on each", async () => {
    const { impl, order } = twoServers();
    const [a, b] = await measureChatServersInterleaved(sides, prompts, 3, { concurrency: 2, maxTokens: 8, fetch: impl });
    // Blocks of 2 prompts: A A B B, then B B A A, then A A B B.
    expect(order.join("")).toBe("aabbbbaaaabb");
    for (const side of [a, b]) {
      expect(side.summary).toMatchObject({ requests: 6, failed: 0, completionTokens: 18, promptTokens: 21 });
      expect(side.results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(side.soloPromptTokens).toEqual([1, 2, 3, 4, 5, 6]);
      expect(side.blockTokensPerSecond).toHaveLength(3);
      expect(side.blockTokensPerSecond.every((t) => t > 0)).toBe(true);
    }
  });

  it("throws when either interleaved server mixes answers up, and refuses a block count it cannot cut", async () => {
    await expect(measureChatServersInterleaved(sides, prompts, 2, { concurrency: 3, maxTokens: 8, fetch: twoServers(chatServer({ mixUp: true })).impl })).rejects.toThrow(/^B: \d+ of 6 answers do not belong/);
    await expect(measureChatServersInterleaved(sides, prompts, 7, { fetch: twoServers().impl })).rejects.toThrow(/blocks must be an integer from 1 to 6/);
  });
});

describe("joinLoadRuns", () => {
  it("renumbers the results in order and adds the wall times", () => {
    const run = (n: number, wallMs: number, peak: number): LoadRun => ({ results: Array.from({ length: n }, (_, index) => ({ index, ok: true, status: 200, ms: 1 })), wallMs, peakInFlight: peak });
    const joined = joinLoadRuns([run(2, 10, 2), run(3, 5, 3)]);
    expect(joined.results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
    expect(joined.wallMs).toBe(15);
    expect(joined.peakInFlight).toBe(3);
  });
});

describe("llama-server", () => {
  it("gets llama-steer's engine settings, continuous batching, no RAM prompt cache and the loopback address", () => {
    const args = llamaServerArgs({ modelPath: "/m/model.gguf", port: 41234, threads: 2, contextSize: 8192, batchSize: 512, parallel: 8 });
    expect(args.join(" ")).toBe(
      `-m /m/model.gguf --host 127.0.0.1 --port 41234 --parallel 8 --cont-batching -t 2 -c 8192 -b 512 -ub 512 -kvu -fa off --cache-ram 0 --alias ${LLAMA_SERVER_ALIAS} --no-webui`,
    );
  });

  it("refuses settings that are not positive integers, naming them", () => {
    const ok = { modelPath: "m.gguf", port: 1, threads: 2, contextSize: 2048, batchSize: 512, parallel: 8 };
    expect(() => llamaServerArgs({ ...ok, parallel: 0 })).toThrow("llama-server parallel must be an integer >= 1, got 0");
    expect(() => llamaServerArgs({ ...ok, threads: 1.5 })).toThrow("llama-server threads must be an integer >= 1, got 1.5");
  });
});

describe("the bench's requests and subsets", () => {
  it("are distinct prompts for any number of requests, and one body shape for both servers", async () => {
    for (const n of [1, 7, SERVE_REQUESTS, 450]) {
      const prompts = await serveUserPrompts(n);
      expect(prompts).toHaveLength(n);
      expect(new Set(prompts).size).toBe(n);
    }
    expect(chatBody("Hi", 32)).toEqual({ model: LLAMA_SERVER_ALIAS, messages: [{ role: "user", content: "Hi" }], max_tokens: 32, temperature: 0 });
    await expect(serveUserPrompts(0)).rejects.toThrow(/positive integer, got 0/);
  });

  it("get courteous endings where a prompt would be as long as one of the 31 before it, on the model's tokenizer", async () => {
    // A coarse tokenizer (one token per 8 characters) makes many plain prompts collide.
    const coarse = (text: string) => Math.ceil(text.length / 8);
    const plain = await serveUserPrompts(SERVE_REQUESTS);
    const prompts = await serveUserPrompts(SERVE_REQUESTS, coarse);
    expect(sameLengthDistance(plain.map(coarse))).toBeLessThan(DISTINCT_LENGTH_WINDOW);
    expect(sameLengthDistance(prompts.map(coarse))).toBeGreaterThanOrEqual(DISTINCT_LENGTH_WINDOW);
    const endings = prompts.flatMap((p, i) => (p === plain[i] ? [] : [p.startsWith(plain[i]) ? p.slice(plain[i].length) : p]));
    expect(endings.length).toBeGreaterThan(0);
    for (const ending of endings) expect(ending).toMatch(/^ (Many t|T)hank[a-z ]*[.!]( Please\.)*$/);
    expect(new Set(prompts).size).toBe(SERVE_REQUESTS);
    expect(prompts.filter((p, i) => p === plain[i]).length).toBeGreaterThan(0);
  });

  it("spread a subset evenly over the TEST split: every 10th of 600 for the default", () => {
    const items = Array.from({ length: 600 }, (_, i) => i);
    const subset = spreadSubset(items, EVAL_PROMPTS);
    expect(subset).toHaveLength(60);
    expect(subset.slice(0, 3)).toEqual([0, 10, 20]);
    expect(subset.at(-1)).toBe(590);
    expect(spreadSubset(items.slice(0, 5), 60)).toEqual([0, 1, 2, 3, 4]);
    expect(spreadSubset(Array.from({ length: 252 }, (_, i) => i), 4)).toEqual([0, 63, 126, 189]);
    expect(() => spreadSubset(items, 0)).toThrow(/positive integer, got 0/);
  });
});

describe("the shipped asset", () => {
  const dir = join(packageRoot(), "models", "assets");
  const file = join(dir, "qwen2.5-coder-1.5b-instruct-q4km.asa.json");
  const fingerprint = (JSON.parse(readFileSync(file, "utf8")) as { modelFingerprint: string }).modelFingerprint;

  it("is found by the model's fingerprint, and only by it", async () => {
    const found = await shippedAssetFor(fingerprint);
    expect(found?.file).toBe(file);
    expect(found?.asset.layer).toBeGreaterThan(0);
    expect(await shippedAssetFor("0000000000000000")).toBeUndefined();
    expect(await shippedAssetFor(fingerprint, join(dir, "no-such-folder"))).toBeUndefined();
  });
});
