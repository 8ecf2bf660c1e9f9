/**
 * The loopback client of the server benchmarks: POSTs a list of JSON bodies to one server with a fixed number
 * in flight, and accounts for every one of them (answered, failed, never lost). The same client drives
 * llama-steer's server and llama.cpp's, so whatever it costs is paid equally by both.
 */
import { percentile } from "./measure.js";

export interface LoadResult {
  /** Position of the request in the list it came from. */
  index: number;
  /** HTTP 2xx with a JSON body. */
  ok: boolean;
  /** HTTP status; 0 when no response came (connection refused, reset). */
  status: number;
  /** From sending the request to its whole body parsed. */
  ms: number;
  body?: unknown;
  /** Why it failed (status line and the start of the body, or the network error). */
  error?: string;
}

export interface LoadRun {
  /** One result per request, in request order. */
  results: LoadResult[];
  /** From the first request sent to the last answer read. */
  wallMs: number;
  /** Most requests that were in flight at once. */
  peakInFlight: number;
}

export interface RunLoadOptions {
  /** Requests in flight at once. */
  concurrency: number;
  signal?: AbortSignal;
  /** Default: the global fetch. Tests pass a fake. */
  fetch?: typeof fetch;
}

/**
 * POSTs `bodies` to `url`, `concurrency` at a time, each as soon as a slot frees. Never throws for a
 * failed request (it is a result with ok false); throws if aborted, or if a request was answered twice or
 * not at all (the accounting would then be wrong, and so would any figure computed from it).
 */
export async function runLoad(url: string, bodies: readonly unknown[], options: RunLoadOptions): Promise<LoadRun> {
  const { concurrency, signal } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  const doFetch = options.fetch ?? fetch;
  const results: (LoadResult | undefined)[] = new Array(bodies.length);
  let answered = 0;
  let next = 0;
  let inFlight = 0;
  let peakInFlight = 0;
  const one = async (index: number): Promise<LoadResult> => {
    const t0 = performance.now();
    try {
      const response = await doFetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(bodies[index]), signal });
      const text = await response.text();
      const ms = performance.now() - t0;
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return { index, ok: false, status: response.status, ms, error: `HTTP ${response.status}, not JSON: ${text.slice(0, 200)}` };
      }
      if (!response.ok) return { index, ok: false, status: response.status, ms, body, error: `HTTP ${response.status}: ${text.slice(0, 200)}` };
      return { index, ok: true, status: response.status, ms, body };
    } catch (e) {
      if (signal?.aborted) throw e;
      return { index, ok: false, status: 0, ms: performance.now() - t0, error: e instanceof Error ? `${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ""}` : String(e) };
    }
  };
  const worker = async () => {
    while (next < bodies.length) {
      signal?.throwIfAborted();
      const index = next++;
      inFlight++;
      peakInFlight = Math.max(peakInFlight, inFlight);
      const result = await one(index).finally(() => inFlight--);
      if (results[index] !== undefined) throw new Error(`the load client answered request ${index} twice`);
      results[index] = result;
      answered++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, bodies.length) }, worker));
  const wallMs = performance.now() - t0;
  const lost = results.flatMap((r, i) => (r === undefined ? [i] : []));
  if (lost.length > 0 || answered !== bodies.length) throw new Error(`the load client lost ${lost.length} of ${bodies.length} requests (first: ${lost.slice(0, 5).join(", ")})`);
  return { results: results as LoadResult[], wallMs, peakInFlight };
}

/** The token counts an OpenAI-style answer reports, or undefined if it reports none (a malformed answer). */
export function chatUsage(body: unknown): { promptTokens: number; completionTokens: number } | undefined {
  const usage = (body as { usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } } | undefined)?.usage;
  const { prompt_tokens: p, completion_tokens: c } = usage ?? {};
  return Number.isInteger(p) && Number.isInteger(c) ? { promptTokens: p as number, completionTokens: c as number } : undefined;
}

/** The text of the first choice of a chat-completions answer ("" when it has none). */
export function chatContent(body: unknown): string {
  const content = (body as { choices?: { message?: { content?: unknown } }[] } | undefined)?.choices?.[0]?.message?.content;
  return typeof content === "string" ? content : "";
}

export interface ChatLoadSummary {
  requests: number;
  /** Requests that failed (HTTP error, no JSON, no usage, or more tokens than asked for). */
  failed: number;
  /** The first few failures, for the error message. */
  failures: string[];
  promptTokens: number;
  completionTokens: number;
  wallMs: number;
  /** Completion tokens of all answered requests over the wall time of the whole run. */
  tokensPerSecond: number;
  requestsPerSecond: number;
  p50Ms: number;
  p95Ms: number;
}

/**
 * Accounts for a chat-completions load run: an answer counts only with its usage, and with at most
 * `maxTokens` completion tokens (more would mean the budget was not applied, and the figure would not be
 * comparable).
 */
export function summarizeChatLoad(run: LoadRun, maxTokens: number): ChatLoadSummary {
  const failures: string[] = [];
  let promptTokens = 0;
  let completionTokens = 0;
  for (const r of run.results) {
    const usage = r.ok ? chatUsage(r.body) : undefined;
    let why = r.ok ? undefined : r.error;
    if (r.ok && !usage) why = `no usage in the answer: ${JSON.stringify(r.body).slice(0, 200)}`;
    else if (usage && (usage.completionTokens > maxTokens || usage.completionTokens < 0)) why = `${usage.completionTokens} completion tokens for max_tokens ${maxTokens}`;
    if (why !== undefined) {
      failures.push(`request ${r.index}: ${why}`);
      continue;
    }
    promptTokens += usage!.promptTokens;
    completionTokens += usage!.completionTokens;
  }
  const latencies = run.results.map((r) => r.ms);
  const seconds = run.wallMs / 1000;
  return {
    requests: run.results.length,
    failed: failures.length,
    failures: failures.slice(0, 5),
    promptTokens,
    completionTokens,
    wallMs: run.wallMs,
    tokensPerSecond: completionTokens / seconds,
    requestsPerSecond: (run.results.length - failures.length) / seconds,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
  };
}

export interface BelongsMismatch {
  index: number;
  /** prompt_tokens the answer reported. */
  got: number | undefined;
  /** prompt_tokens of the same request sent alone. */
  expected: number;
}

/**
 * The "belongs to its request" check: every answer must report the prompt_tokens of its own request, as
 * measured by sending that request alone. A server that mixed up answers between concurrent requests would
 * report another prompt's count (the bench's prompts are built so that nearby ones differ in length).
 */
export function belongsMismatches(results: readonly LoadResult[], soloPromptTokens: readonly number[]): BelongsMismatch[] {
  if (results.length !== soloPromptTokens.length) throw new Error(`${results.length} answers but ${soloPromptTokens.length} requests sent alone`);
  return results.flatMap((r) => {
    const got = r.ok ? chatUsage(r.body)?.promptTokens : undefined;
    return got === soloPromptTokens[r.index] ? [] : [{ index: r.index, got, expected: soloPromptTokens[r.index] }];
  });
}

/** Throws, naming the server and the first mismatches, unless every answer belongs to its request. */
export function assertBelongsToRequests(server: string, results: readonly LoadResult[], soloPromptTokens: readonly number[]): void {
  const bad = belongsMismatches(results, soloPromptTokens);
  if (bad.length === 0) return;
  const shown = bad.slice(0, 5).map((m) => `request ${m.index}: prompt_tokens ${m.got ?? "missing"}, alone ${m.expected}`);
  throw new Error(`${server}: ${bad.length} of ${results.length} answers do not belong to their request (${shown.join("; ")})`);
}

/**
 * How far apart (in request order) the two nearest requests with the same prompt length are; Infinity when
 * all lengths differ. Answers mixed up between requests closer than this are caught by the check above.
 */
export function sameLengthDistance(promptTokens: readonly number[]): number {
  const last = new Map<number, number>();
  let nearest = Infinity;
  promptTokens.forEach((n, i) => {
    const j = last.get(n);
    if (j !== undefined) nearest = Math.min(nearest, i - j);
    last.set(n, i);
  });
  return nearest;
}
