/**
 * A child process the bench talks to over IPC (child_process.fork), for work that must not share the bench
 * process:
 * - node-llama-cpp generation: node-llama-cpp replaces llama.cpp's process-global log callback and loads
 *   its own backends, so it runs beside llama-steer, never inside it;
 * - peak resident memory of an evaluation, measured in a fresh process that holds nothing else.
 * Each request is answered with `{ ok: true, ... }` or `{ ok: false, error }`; timings are taken inside
 * this process, so IPC costs nothing to either side of a ratio.
 */
import { loadModel } from "../engine/model.js";
import { loadAsset } from "../assets/index.js";
import { evalContextOptions } from "../eval/runner.js";
import { asaDecide, asaSteering } from "../science/asa.js";

export type WorkerRequest =
  | { type: "nlc-load"; modelPath: string; threads: number; contextSize: number; batchSize: number; sequences: number }
  | { type: "nlc-generate"; tokens: number[]; maxTokens: number }
  | { type: "eval-rss"; modelPath: string; threads: number; assetPath: string; prompts: string[]; maxTokens: number };

export type WorkerReply =
  | { ok: true; type: "nlc-load" }
  | { ok: true; type: "nlc-generate"; ms: number; tokens: number[] }
  | { ok: true; type: "eval-rss"; peakRssBytes: number; startRssBytes: number; modelFileBytes: number; generated: number }
  | { ok: false; error: string };

interface NodeLlamaCppSession {
  sequence: {
    clearHistory(): Promise<void>;
    evaluate(tokens: number[], options: { temperature: number; yieldEogToken: boolean }): AsyncGenerator<number, void, void>;
  };
}

let session: NodeLlamaCppSession | undefined;

async function nlcLoad({ modelPath, threads, contextSize, batchSize, sequences }: Extract<WorkerRequest, { type: "nlc-load" }>): Promise<void> {
  const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");
  // The prebuilt CPU binaries, as llama-steer links them; never a build or a GPU backend.
  const llama = await getLlama({ gpu: false, build: "never", maxThreads: threads, logLevel: LlamaLogLevel.error, progressLogs: false });
  const model = await llama.loadModel({ modelPath });
  const context = await model.createContext({ contextSize, batchSize, sequences, threads, flashAttention: false });
  session = { sequence: context.getSequence() as unknown as NodeLlamaCppSession["sequence"] };
}

/** Greedy decode of exactly `maxTokens` tokens (past end-of-generation, as the llama-steer side does). */
async function nlcGenerate(tokens: number[], maxTokens: number): Promise<{ ms: number; tokens: number[] }> {
  if (!session) throw new Error("nlc-generate before nlc-load");
  await session.sequence.clearHistory();
  const out: number[] = [];
  const t0 = performance.now();
  for await (const token of session.sequence.evaluate(tokens, { temperature: 0, yieldEogToken: true })) {
    out.push(token);
    if (out.length >= maxTokens) break;
  }
  const ms = performance.now() - t0;
  if (out.length !== maxTokens) throw new Error(`node-llama-cpp generated ${out.length} tokens instead of ${maxTokens}`);
  return { ms, tokens: out };
}

/**
 * Loads the model with llama-steer's defaults for the eval command (its context, evalContextOptions) and
 * runs the prompts under the ASA controller, sampling the resident set size throughout.
 */
async function evalRss(request: Extract<WorkerRequest, { type: "eval-rss" }>): Promise<Extract<WorkerReply, { type: "eval-rss" }>> {
  const startRssBytes = process.memoryUsage.rss();
  let peak = startRssBytes;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
  try {
    const model = await loadModel(request.modelPath);
    try {
      const ctx = await model.createContext({ ...evalContextOptions(model.info.nCtxTrain), threads: request.threads });
      const asset = await loadAsset(request.assetPath, { expectFingerprint: model.info.fingerprint });
      const results = await ctx.generateBatch(
        request.prompts.map((prompt) => ({ prompt, decide: { layer: asset.layer, choose: (row: Float32Array) => asaSteering(asset, asaDecide(asset, row)) } })),
        { maxTokens: request.maxTokens },
      );
      peak = Math.max(peak, process.memoryUsage.rss());
      return { ok: true, type: "eval-rss", peakRssBytes: peak, startRssBytes, modelFileBytes: model.info.fileBytes, generated: results.reduce((s, r) => s + r.tokens.length, 0) };
    } finally {
      await model.dispose();
    }
  } finally {
    clearInterval(timer);
  }
}

async function handle(request: WorkerRequest): Promise<WorkerReply> {
  switch (request.type) {
    case "nlc-load":
      await nlcLoad(request);
      return { ok: true, type: "nlc-load" };
    case "nlc-generate":
      return { ok: true, type: "nlc-generate", ...(await nlcGenerate(request.tokens, request.maxTokens)) };
    case "eval-rss": {
      const reply = await evalRss(request);
      // The kernel's own peak (KiB), in case a spike fell between two samples.
      return { ...reply, peakRssBytes: Math.max(reply.peakRssBytes, process.resourceUsage().maxRSS * 1024) };
    }
  }
}

if (process.send) {
  process.on("message", (request: WorkerRequest) => {
    handle(request).then(
      (reply) => process.send!(reply),
      (e: unknown) => process.send!({ ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies WorkerReply),
    );
  });
  process.on("disconnect", () => process.exit(0));
}
