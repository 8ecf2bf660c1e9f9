import { basename } from "node:path";

import { importControlVector, loadAsset, type SteeringAsset } from "../../assets/index.js";
import { loadModel } from "../../engine/model.js";
import { getFormat, listFormats } from "../../formats/index.js";
import { defaultModelName, resolveModelPath } from "../../models/index.js";
import { DEFAULT_SERVE_CONTEXT, defaultServeFormat, serveContextOptions, startServer } from "../../server/index.js";
import type { SteeringVector } from "../../vectors/steeringVector.js";
import { UsageError, type Command } from "../command.js";
import { parseGpuLayers, parseInteger, sessionOptions, warnIfNotOffloaded } from "../shared.js";

const DEFAULT_PORT = 8080;
const DEFAULT_PARALLEL = 4;
const DEFAULT_MAX_TOKENS = 1024;
const DEFAULT_MAX_WAITING = 64;
const API_KEY_ENV = "LLAMA_STEER_API_KEY";

export const serveCommand: Command = {
  name: "serve",
  summary: "An OpenAI-compatible chat-completions server with per-request, probe-gated steering (tools, streaming, ASA)",
  usage: "llama-steer serve [--model M] [--asset FILE]... [--vector NAME=FILE]... [--host H] [--port N] [--parallel N] [--context N] [--api-key K] [--format F]",
  examples: [
    "llama-steer serve                                   # the default model on http://127.0.0.1:8080/v1",
    "llama-steer serve --asset asa.json --parallel 8     # ASA on every request that offers tools",
    "LLAMA_STEER_API_KEY=secret llama-steer serve --host 0.0.0.0 --port 9000",
  ],
  options: {
    ...sessionOptions,
    asset: { type: "string", multiple: true, description: "ASA asset from `llama-steer build`, named by its file name (the first applies to every request that offers tools); repeatable", valueName: "FILE" },
    vector: { type: "string", multiple: true, description: "a llama.cpp control vector GGUF requests may add by name; repeatable", valueName: "NAME=FILE" },
    format: { type: "string", description: `tool format: ${listFormats().map((f) => f.name).join(", ")} (default: chat-template when the model's template offers tools, else hermes)`, valueName: "NAME" },
    host: { type: "string", description: "address to listen on (default 127.0.0.1: this machine only)", valueName: "HOST" },
    port: { type: "string", description: `port (default ${DEFAULT_PORT}; 0 picks a free one)`, valueName: "N" },
    parallel: { type: "string", description: `requests decoded together, as sequences of one context (default ${DEFAULT_PARALLEL})`, valueName: "N" },
    context: { type: "string", description: `KV cache tokens shared by all parallel requests (default ${DEFAULT_SERVE_CONTEXT}, capped at the model's training context)`, valueName: "N" },
    "api-key": { type: "string", description: `require 'Authorization: Bearer KEY' on /v1 routes (default: $${API_KEY_ENV}, else none)`, valueName: "KEY" },
    "max-tokens": { type: "string", description: `budget of a request without max_tokens (default ${DEFAULT_MAX_TOKENS})`, valueName: "N" },
    "max-waiting": { type: "string", description: `requests waiting for a sequence before new ones get 429 (default ${DEFAULT_MAX_WAITING})`, valueName: "N" },
    "model-id": { type: "string", description: "the id /v1/models lists and requests name (default: the model's name or file name)", valueName: "ID" },
  },
  async run(values, _positionals, io) {
    const port = parseInteger("port", values.port, DEFAULT_PORT, 0);
    if (port > 65535) throw new UsageError(`--port takes 0 to 65535, got "${String(values.port)}"`);
    const parallel = parseInteger("parallel", values.parallel, DEFAULT_PARALLEL, 1);
    const contextArg = parseInteger("context", values.context, DEFAULT_SERVE_CONTEXT, 64);
    const defaultMaxTokens = parseInteger("max-tokens", values["max-tokens"], DEFAULT_MAX_TOKENS, 1);
    const maxWaiting = parseInteger("max-waiting", values["max-waiting"], DEFAULT_MAX_WAITING, 0);
    const threads = values.threads === undefined ? "auto" : parseInteger("threads", values.threads, 1, 1);
    const apiKey = typeof values["api-key"] === "string" ? values["api-key"] : process.env[API_KEY_ENV] || undefined;
    if (apiKey !== undefined && apiKey.length === 0) throw new UsageError("--api-key takes a non-empty key");
    const host = typeof values.host === "string" ? values.host : "127.0.0.1";
    const assetFiles = (values.asset as string[] | undefined) ?? [];
    const vectorArgs = ((values.vector as string[] | undefined) ?? []).map((arg) => {
      const at = arg.indexOf("=");
      if (at <= 0 || at === arg.length - 1) throw new UsageError(`--vector takes NAME=FILE, got "${arg}"`);
      return { name: arg.slice(0, at), file: arg.slice(at + 1) };
    });
    // Files are read before the model loads, so a bad one fails at once.
    for (const file of assetFiles) await loadAsset(file);
    const modelName = typeof values.model === "string" ? values.model : defaultModelName();
    const modelPath = await resolveModelPath(modelName, { signal: io.signal });
    const gpuLayers = parseGpuLayers(values["gpu-layers"]);
    const model = await loadModel(modelPath, { signal: io.signal, gpuLayers });
    warnIfNotOffloaded(gpuLayers, io);
    try {
      const assets = new Map<string, SteeringAsset>();
      for (const file of assetFiles) {
        const name = basename(file).replace(/\.[^.]*$/, "");
        if (assets.has(name)) throw new UsageError(`two assets are named "${name}" (assets are named by their file name)`);
        assets.set(name, await loadAsset(file, { expectFingerprint: model.info.fingerprint }));
      }
      const vectors = new Map<string, SteeringVector>();
      for (const { name, file } of vectorArgs) {
        if (vectors.has(name)) throw new UsageError(`--vector names "${name}" twice`);
        vectors.set(name, (await importControlVector(file, { expectNEmbd: model.info.nEmbd })).vector);
      }
      const format = typeof values.format === "string" ? getFormat(values.format) : defaultServeFormat(model);
      const ctx = await model.createContext({ ...serveContextOptions(model.info.nCtxTrain, parallel, contextArg), threads });
      const modelId = typeof values["model-id"] === "string" ? values["model-id"] : basename(modelName).replace(/\.gguf$/i, "");
      const server = await startServer({
        model, ctx, format, modelId, aliases: [basename(modelPath)], assets, vectors, host, port, apiKey, defaultMaxTokens, maxWaiting, log: (line) => io.log(line),
      });
      io.log(`serve: ${modelId} (${basename(modelPath)}), format ${format.name}, ${parallel} parallel, context ${ctx.contextSize}` + (assets.size > 0 ? `, ASA asset ${[...assets.keys()][0]}` : "") + (apiKey ? ", API key required" : ""));
      io.log(`listening on ${server.url}/v1 (Ctrl-C stops)`);
      if (host !== "127.0.0.1" && host !== "localhost" && host !== "::1" && !apiKey) io.log(`warning: listening on ${host} without an API key: anyone who can reach it can use the model`);
      // Runs until Ctrl-C (taken here, so it stops the server cleanly and exits 0) or SIGTERM.
      let stop!: () => void;
      const stopped = new Promise<void>((resolve) => (stop = resolve));
      const release = io.onInterrupt?.(() => {
        stop();
        return true;
      });
      process.once("SIGTERM", stop);
      io.signal.addEventListener("abort", stop, { once: true });
      try {
        await stopped;
      } finally {
        release?.();
        process.off("SIGTERM", stop);
      }
      io.log("serve: stopping");
      const stats = server.stats();
      await server.close();
      return { ok: true, url: `${server.url}/v1`, model: modelId, format: format.name, parallel, context: ctx.contextSize, rounds: stats.rounds };
    } finally {
      await model.dispose();
    }
  },
};
