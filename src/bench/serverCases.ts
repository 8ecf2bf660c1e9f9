/**
 * `serve_vs_llama_server`: llama-steer's OpenAI-compatible server against llama.cpp's llama-server, both
 * over the bench's model with 8 requests decoding together, driven by the same loopback client with the
 * same chat requests. The figure is completion tokens per second, ours over theirs.
 */
import type { DatasetSample } from "../data/index.js";
import type { SteerContext } from "../engine/context.js";
import type { SteerModel } from "../engine/model.js";
import { renderSamples } from "../eval/prompts.js";
import { defaultServeFormat, serveContextOptions, startServer } from "../server/index.js";
import type { BenchFigure, BenchSetup } from "./engineCases.js";
import { assertBelongsToRequests, chatContent, chatUsage, runLoad, sameLengthDistance, summarizeChatLoad, type ChatLoadSummary, type LoadResult, type LoadRun } from "./loadClient.js";
import { LLAMA_SERVER_ALIAS, withLlamaServer } from "./llamaServer.js";
import type { LlamaTools } from "./llamaTools.js";
import { median, plural, round, type PairedTiming } from "./measure.js";

/** Requests decoding together on each side: sequences of our context, slots of llama-server, in flight from the client. */
export const SERVE_PARALLEL = 8;
/** Requests per side in the timed pass unless BenchOptions.requests says otherwise. */
export const SERVE_REQUESTS = 200;
export const SERVE_MAX_TOKENS = 32;
/** Between the two sides (see TimePairedOptions.settleMs). */
const SETTLE_MS = 750;

/**
 * Questions of growing length, from a few words to a paragraph. Tokenizers differ, so serveUserPrompts makes
 * nearby prompts' token counts distinct with the model's own; the bench reports how far apart the nearest two
 * requests of equal length actually are (`check_distance`).
 */
const QUESTIONS = [
  "What is a tool call?",
  "Why would an agent need a calculator tool?",
  "How does a language model decide to search the web?",
  "Explain in plain words what a JSON schema for a function describes.",
  "What can go wrong when a small model is asked to write a tool call in JSON for you?",
  "When should an assistant answer from its own memory instead of calling a weather tool for the forecast?",
  "How would you tell whether a model is confident about which of two similar tools it should call next in a conversation?",
  "A user asks for the exchange rate between euros and yen today. Which kind of tool would help here, and what exactly would you pass it?",
  "Describe the difference between a model that really needs a tool and a model that only wants one to look busy, with a short example of each case.",
  "My agent calls the search tool for simple questions like 'what is two plus two'. What are three reasons this might happen, and how would I check each of them?",
  "Suppose a model is given a calculator and a translator. Which one should it use to turn 'good morning' into German, and why not the other one? Answer in a sentence or two.",
  "I keep a local model on a laptop with two CPU cores. What matters most for how fast it answers a short question with a short reply, and what barely matters at all for that kind of use?",
  "Write one sentence a support agent could say when it cannot find the order a customer is asking about, without inventing any details of the order, blaming the customer, or promising a refund it cannot give.",
  "A function takes a city name and a date and returns the weather forecast. Which of its arguments would you make required, which optional, and what defaults make sense for the optional ones, if any at all for this tool?",
  "In a chat with tools, the model answered the user directly even though the question clearly needed fresh data from the web. How could you detect that this happened, automatically and at scale, without reading every single conversation?",
  "Give a short checklist for reviewing a tool definition before shipping it to users: its name, its description, its parameters and their types, and what the model should do when a call to it fails, returns nothing useful, or times out after a while.",
  "An assistant must convert 250 US dollars to Swiss francs, then add a 3 percent card fee, then round the total to whole francs. Which of these steps belong in tools, which can the model safely do by itself, and why exactly do you draw the line between them there?",
  "We log every tool call our agent makes, with its arguments and the result it got back. Suggest four questions those logs could answer about how well the agent chooses its tools over a week of real traffic from users, and how you would compute each answer from the logs.",
  "A user writes: 'remind me to call the dentist when I get home, unless it is after eight in the evening'. Which parts of this request can a reminder tool handle on its own, which need a clarifying question to the user first, and what would that question be, in exactly one short sentence?",
  "Our model sometimes emits a tool call whose JSON is cut off at the end of its token budget, so the call cannot be parsed. Propose two ways to avoid that, one that changes the prompt and one that changes how generation is run, with a trade-off for each of them and a way to measure which works better.",
  "Compare, in a few sentences, asking a model to choose among eight tools described in its system prompt with fine-tuning it on many examples of correct choices: the cost to set it up, the cost per request, how each copes with ambiguous requests, and what happens when a new tool is added later on, after release.",
  "Imagine an agent with a file reader, a web search and a code runner. A user pastes a long stack trace and asks why their program crashed last night. Describe which tools the agent should call, in which order, what it should look for in each result, and what it should do if the file it needs does not exist on the machine.",
  "Two engineers disagree: one wants the model to always call the search tool for anything about the news, the other wants it to answer from memory whenever the question is about events more than a year old. Summarise each position fairly, name one failure each of them would cause, and suggest a rule that takes the best of both positions without their failures.",
  "A spreadsheet tool accepts a range like 'B2:B40' and an operation such as sum, mean or max. A user asks for the average monthly spend in the second column of their sheet, excluding the header row and the empty rows at the bottom. Write the call you would make, explain each argument you chose for it, and say what you would do if the column held text as well as numbers.",
  "You are reviewing an evaluation of tool calling where a call counts only if it is well-formed JSON, names a tool from the menu, and has valid arguments. A colleague proposes also accepting calls whose arguments are valid but whose tool name differs in letter case. Argue for or against this change, considering fairness to the model, what users of the agent would experience, and whether the numbers reported so far would still be comparable with the new ones.",
];

/** Framings put before the question: each block of QUESTIONS.length requests shares one (prompts stay distinct across blocks). */
const FRAMINGS = ["", "Briefly: ", "For a beginner: ", "In one paragraph: ", "As a careful engineer would put it: ", "Without using any jargon: ", "Answer as a numbered list: ", "Answer for someone building a local agent: "];

/** Courteous endings added to a prompt whose length collides with a nearby one's (tried in order). */
const ENDINGS = [" Thanks.", " Thank you!", " Thanks in advance.", " Many thanks in advance.", " Thank you very much in advance."];

/** Requests within this distance of each other get prompts of different token lengths (when a tokenizer is given). */
export const DISTINCT_LENGTH_WINDOW = 32;

/**
 * `n` distinct user prompts (framing first, so that prompts share no more than the chat template and their
 * framing). With `countTokens` (a prompt's length as the server will read it), a prompt whose length equals
 * that of one of the DISTINCT_LENGTH_WINDOW − 1 prompts before it gets a courteous ending until it differs:
 * within any window of that many consecutive requests, an answer handed to the wrong request shows in its
 * prompt_tokens.
 */
export async function serveUserPrompts(n: number, countTokens?: (text: string) => number | Promise<number>): Promise<string[]> {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`the number of requests must be a positive integer, got ${n}`);
  const perCycle = QUESTIONS.length * FRAMINGS.length;
  const prompts: string[] = [];
  const counts: number[] = [];
  for (let i = 0; i < n; i++) {
    const framing = FRAMINGS[Math.floor(i / QUESTIONS.length) % FRAMINGS.length];
    const question = QUESTIONS[i % QUESTIONS.length];
    const cycle = Math.floor(i / perCycle);
    const base = `${framing}${question}${cycle > 0 ? ` (Asked again, round ${cycle + 1}.)` : ""}`;
    let prompt = base;
    if (countTokens) {
      const recent = new Set(counts.slice(-(DISTINCT_LENGTH_WINDOW - 1)));
      let count = await countTokens(prompt);
      for (let k = 0; recent.has(count) && k < 64; k++) {
        prompt = base + ENDINGS[k % ENDINGS.length] + " Please.".repeat(Math.floor(k / ENDINGS.length));
        count = await countTokens(prompt);
      }
      counts.push(count);
    }
    prompts.push(prompt);
  }
  return prompts;
}

/**
 * A user message's prompt length as `llama-steer serve` reads it: rendered in the server's default format
 * (the model's template), then tokenized. Tokens merge across the template's edges, so the message alone
 * would not do.
 */
export async function servedPromptTokens(model: SteerModel, text: string): Promise<number> {
  const message = { messages: [{ role: "user", content: text }], tools: [] } as unknown as DatasetSample;
  const [prompt] = await renderSamples(model, [message], defaultServeFormat(model));
  return model.tokenize(prompt).length;
}

/** The same body for both servers: no tools, greedy, a fixed budget. */
export function chatBody(prompt: string, maxTokens: number): Record<string, unknown> {
  return { model: LLAMA_SERVER_ALIAS, messages: [{ role: "user", content: prompt }], max_tokens: maxTokens, temperature: 0 };
}

export interface ChatServerMeasurement {
  summary: ChatLoadSummary;
  /** The timed requests' answers, in request order. */
  results: LoadResult[];
  /** prompt_tokens of each request sent alone. */
  soloPromptTokens: number[];
}

export interface MeasureChatOptions {
  /** Requests in flight. Default SERVE_PARALLEL. */
  concurrency?: number;
  /** Default SERVE_MAX_TOKENS. */
  maxTokens?: number;
  signal?: AbortSignal;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
}

/** Requests sent before timing, so that neither side's first rounds pay for allocations. */
const warmPrompt = (i: number) => `Say hello to guest number ${i + 1}.`;

/** One server as the load client sees it. */
export interface ChatSide {
  name: string;
  baseUrl: string;
}

function chatLoad(side: ChatSide, bodies: unknown[], concurrency: number, options: MeasureChatOptions) {
  return runLoad(`${side.baseUrl}/v1/chat/completions`, bodies, { concurrency, signal: options.signal, fetch: options.fetch });
}

function failedMessage(side: ChatSide, what: string, s: ChatLoadSummary): string {
  return `${side.name}: ${s.failed} of ${s.requests} ${what} failed: ${s.failures.join("; ")}`;
}

/** Throws unless every request of `run` was answered in full. */
function assertAllAnswered(side: ChatSide, what: string, run: LoadRun, maxTokens: number): ChatLoadSummary {
  const summary = summarizeChatLoad(run, maxTokens);
  if (summary.failed > 0) throw new Error(failedMessage(side, what, summary));
  return summary;
}

/**
 * A full round of short, distinct requests, all in flight at once, so that the server allocates what a batch of
 * every slot needs before timing starts (one request alone leaves the first timed round to pay for it: measured,
 * the first block of serve_vs_llama_server ran at 0.6 of the others).
 */
async function warmUp(side: ChatSide, concurrency: number, options: MeasureChatOptions): Promise<void> {
  const bodies = Array.from({ length: concurrency }, (_, i) => chatBody(warmPrompt(i), 4));
  assertAllAnswered(side, "warm-up requests", await chatLoad(side, bodies, concurrency, options), 4);
}

/**
 * Every prompt sent alone (max_tokens 1: a prompt's token count does not depend on it), then the check that each
 * answer of `timed` reports its own request's prompt length. Returns those lengths.
 */
async function checkBelongs(side: ChatSide, prompts: readonly string[], timed: readonly LoadResult[], options: MeasureChatOptions): Promise<number[]> {
  const solo = await chatLoad(side, prompts.map((p) => chatBody(p, 1)), 1, options);
  assertAllAnswered(side, "requests sent alone", solo, 1);
  const soloPromptTokens = solo.results.map((r) => chatUsage(r.body)!.promptTokens);
  assertBelongsToRequests(side.name, timed, soloPromptTokens);
  return soloPromptTokens;
}

/** Load runs one after another, as one: results renumbered in order, wall times added. */
export function joinLoadRuns(runs: readonly LoadRun[]): LoadRun {
  const results: LoadResult[] = [];
  for (const run of runs) for (const r of run.results) results.push({ ...r, index: results.length });
  return { results, wallMs: runs.reduce((t, r) => t + r.wallMs, 0), peakInFlight: Math.max(0, ...runs.map((r) => r.peakInFlight)) };
}

/**
 * One server's side alone, through the same client as the comparison: a warm-up request, the timed pass of every
 * prompt with `concurrency` in flight, then the belongs-to-its-request check. Throws if any request fails, or if
 * any answer reports another prompt's length.
 */
export async function measureChatServer(name: string, baseUrl: string, prompts: readonly string[], options: MeasureChatOptions = {}): Promise<ChatServerMeasurement> {
  const { concurrency = SERVE_PARALLEL, maxTokens = SERVE_MAX_TOKENS } = options;
  const side = { name, baseUrl };
  await warmUp(side, concurrency, options);
  const timed = await chatLoad(side, prompts.map((p) => chatBody(p, maxTokens)), concurrency, options);
  const summary = assertAllAnswered(side, "requests", timed, maxTokens);
  if (summary.completionTokens === 0) throw new Error(`${name}: no request generated a token`);
  const soloPromptTokens = await checkBelongs(side, prompts, timed.results, options);
  return { summary, results: timed.results, soloPromptTokens };
}

/** Per side of measureChatServersInterleaved: the measurement over all blocks, and each block's tokens per second. */
export interface InterleavedSide extends ChatServerMeasurement {
  blockTokensPerSecond: number[];
}

/**
 * Two servers, both up, measured in turns: the prompts are cut into `blocks` consecutive blocks, and each block is
 * sent to one server and then to the other, the order swapped every block (A B, B A, A B, ...), so that a machine
 * that slows down or speeds up during the run weighs on both sides alike. Then each side's belongs-to-its-request
 * check. Throws like measureChatServer.
 */
export async function measureChatServersInterleaved(sides: readonly [ChatSide, ChatSide], prompts: readonly string[], blocks: number, options: MeasureChatOptions & { settleMs?: number; onBlock?: (block: number, blocks: number) => void } = {}): Promise<[InterleavedSide, InterleavedSide]> {
  const { concurrency = SERVE_PARALLEL, maxTokens = SERVE_MAX_TOKENS, settleMs = 0 } = options;
  if (!Number.isInteger(blocks) || blocks < 1 || blocks > prompts.length) throw new RangeError(`blocks must be an integer from 1 to ${prompts.length}, got ${blocks}`);
  for (const side of sides) await warmUp(side, concurrency, options);
  const runs: LoadRun[][] = [[], []];
  for (let k = 0; k < blocks; k++) {
    options.onBlock?.(k, blocks);
    const block = prompts.slice(Math.floor((k * prompts.length) / blocks), Math.floor(((k + 1) * prompts.length) / blocks));
    for (const s of k % 2 === 0 ? [0, 1] : [1, 0]) {
      if (settleMs > 0) await new Promise((resolve) => setTimeout(resolve, settleMs));
      runs[s].push(await chatLoad(sides[s], block.map((p) => chatBody(p, maxTokens)), concurrency, options));
    }
  }
  const measured = [];
  for (const s of [0, 1]) {
    const side = sides[s];
    const timed = joinLoadRuns(runs[s]);
    const summary = assertAllAnswered(side, "requests", timed, maxTokens);
    if (summary.completionTokens === 0) throw new Error(`${side.name}: no request generated a token`);
    const soloPromptTokens = await checkBelongs(side, prompts, timed.results, options);
    measured.push({ summary, results: timed.results, soloPromptTokens, blockTokensPerSecond: runs[s].map((r) => summarizeChatLoad(r, maxTokens).tokensPerSecond) });
  }
  return [measured[0], measured[1]];
}

export interface OurServerMeasurement extends ChatServerMeasurement {
  /** The context the server decoded in (llama-server gets the same). */
  contextSize: number;
  batchSize: number;
  sequences: number;
}

/**
 * Our side: `llama-steer serve`'s context (SERVE_PARALLEL sequences) over the loaded model, the server in this
 * process on a free port, closed and the context freed afterwards.
 */
export async function measureOurServer(model: SteerModel, threads: number, prompts: readonly string[], options: MeasureChatOptions = {}): Promise<OurServerMeasurement> {
  return withOurServer(model, threads, Math.max(64, options.concurrency ?? SERVE_PARALLEL), async (url, ctx) => ({
    ...(await measureChatServer("llama-steer serve", url, prompts, options)),
    ...contextOf(ctx),
  }));
}

function contextOf(ctx: SteerContext) {
  return { contextSize: ctx.contextSize, batchSize: ctx.batchSize, sequences: ctx.sequences };
}

/** `llama-steer serve`'s context (SERVE_PARALLEL sequences) and server over the loaded model, on a free port, for the time of `use`. */
async function withOurServer<T>(model: SteerModel, threads: number, maxWaiting: number, use: (url: string, ctx: SteerContext) => Promise<T>): Promise<T> {
  const ctx = await model.createContext({ ...serveContextOptions(model.info.nCtxTrain, SERVE_PARALLEL), threads });
  try {
    const server = await startServer({ model, ctx, port: 0, modelId: LLAMA_SERVER_ALIAS, maxWaiting });
    try {
      return await use(server.url, ctx);
    } finally {
      await server.close();
    }
  } finally {
    await ctx.dispose();
  }
}

function sideExtra(m: ChatServerMeasurement) {
  const s = m.summary;
  return {
    completion_tokens: s.completionTokens,
    prompt_tokens: s.promptTokens,
    wall_ms: round(s.wallMs, 1),
    tokens_per_s: round(s.tokensPerSecond, 2),
    requests_per_s: round(s.requestsPerSecond, 3),
    p50_ms: round(s.p50Ms, 1),
    p95_ms: round(s.p95Ms, 1),
    failed: s.failed,
    // Answers mixed up between requests closer than this (in sending order) would have been caught.
    check_distance: Number.isFinite(sameLengthDistance(m.soloPromptTokens)) ? sameLengthDistance(m.soloPromptTokens) : null,
  };
}

/** Blocks of at least this many rounds of SERVE_PARALLEL requests each (shorter blocks would be mostly ramp-up and tail). */
const MIN_BLOCK_ROUNDS = 4;

export async function serveVsLlamaServer(setup: BenchSetup, tools: LlamaTools): Promise<BenchFigure> {
  const { model, threads, signal } = setup;
  const n = setup.requests ?? SERVE_REQUESTS;
  const prompts = await serveUserPrompts(n, (text) => servedPromptTokens(model, text));
  const blocks = Math.max(1, Math.min(setup.reps, Math.floor(n / (MIN_BLOCK_ROUNDS * SERVE_PARALLEL))));
  const options = { concurrency: SERVE_PARALLEL, maxTokens: SERVE_MAX_TOKENS, signal, settleMs: SETTLE_MS, onBlock: (k: number, of: number) => setup.log(`bench: serve_vs_llama_server: block ${k + 1} of ${of} ...`) };
  setup.log(`bench: serve_vs_llama_server: ${n} requests to each server, in ${plural(blocks, "block")} taken in turns ...`);
  const [ours, theirs] = await withOurServer(model, threads, 64, async (url, ctx) => {
    const settings = { modelPath: setup.modelPath, threads, ...contextOf(ctx), parallel: SERVE_PARALLEL };
    const [a, b] = await withLlamaServer(tools.paths["llama-server"], settings, { signal }, (theirServer) =>
      measureChatServersInterleaved([{ name: "llama-steer serve", baseUrl: url }, { name: "llama-server", baseUrl: theirServer.url }], prompts, blocks, options),
    );
    return [{ ...a, ...contextOf(ctx) }, b] as const;
  });
  // Like every paired figure of the bench: the median of the pairs' ratios (here a pair is a block), the spread
  // their range; the ratio over all requests goes in the detail.
  const blockRatios = ours.blockTokensPerSecond.map((t, k) => t / theirs.blockTokensPerSecond[k]);
  const value = median(blockRatios);
  const overall = ours.summary.tokensPerSecond / theirs.summary.tokensPerSecond;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`serve_vs_llama_server: no ratio (llama-steer ${ours.summary.tokensPerSecond} tokens/s, llama-server ${theirs.summary.tokensPerSecond} tokens/s)`);
  const sameText = ours.results.filter((r, i) => chatContent(r.body) === chatContent(theirs.results[i].body)).length;
  const timing: PairedTiming = { aMs: ours.summary.wallMs, bMs: theirs.summary.wallMs, ratio: value, ratioMin: Math.min(...blockRatios), ratioMax: Math.max(...blockRatios), reps: blocks };
  return {
    key: "serve_vs_llama_server",
    value,
    goal: 0.9,
    detail:
      `${n} chat completions (distinct user prompts of ${Math.round(ours.summary.promptTokens / n)} tokens on average, no tools, temperature 0, max_tokens ${SERVE_MAX_TOKENS}), ${SERVE_PARALLEL} in flight from one loopback client (Node fetch), ${plural(threads, "thread")}: ` +
      `llama-steer serve (in the bench process, ${ours.sequences} sequences in ${ours.contextSize} shared cells, batch ${ours.batchSize}) vs llama.cpp's llama-server --parallel ${SERVE_PARALLEL} --cont-batching with the same engine settings (unified KV cache, batch ${ours.batchSize}, flash attention off) ` +
      `(completion tokens/s, median of the blocks' ratios; over all requests ${overall.toFixed(3)}: ours ${ours.summary.tokensPerSecond.toFixed(1)} vs ${theirs.summary.tokensPerSecond.toFixed(1)} tokens/s); both servers up, each warmed by a round of short requests in every slot, the requests cut into ${plural(blocks, "block")} sent to one server then the other, the order swapped every block (blocks' ratios ${blockRatios.map((r) => r.toFixed(3)).join(", ")}); ` +
      `p50/p95 latency ${ours.summary.p50Ms.toFixed(0)}/${ours.summary.p95Ms.toFixed(0)} ms vs ${theirs.summary.p50Ms.toFixed(0)}/${theirs.summary.p95Ms.toFixed(0)} ms; ` +
      `every answer on both sides reports the prompt_tokens of its own request sent alone; ${sameText} of ${n} answers identical across the two servers`,
    timing,
    extra: {
      requests: n,
      blocks,
      block_ratios: blockRatios.map((r) => round(r, 3)),
      overall_ratio: round(overall, 3),
      concurrency: SERVE_PARALLEL,
      max_tokens: SERVE_MAX_TOKENS,
      context_size: ours.contextSize,
      batch_size: ours.batchSize,
      ours: sideExtra(ours),
      llama_server: sideExtra(theirs),
      same_text: sameText,
      llama_tools_tag: tools.tag,
    },
  };
}
