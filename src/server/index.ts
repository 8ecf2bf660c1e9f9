/**
 * `llama-steer serve` as a library: an OpenAI-compatible chat-completions server over one model and one context,
 * with per-request, probe-gated steering. See http.ts for the routes, scheduler.ts for how requests decode together.
 */
import type { Server } from "node:http";

import type { SteeringAsset } from "../assets/index.js";
import type { SteerContext } from "../engine/context.js";
import type { SteerModel } from "../engine/model.js";
import { invalidArgument } from "../errors.js";
import type { ToolFormat } from "../formats/index.js";
import { templateSupportsTools, getFormat } from "../formats/index.js";
import { assertInteger } from "../util/validate.js";
import type { SteeringVector } from "../vectors/steeringVector.js";
import { createHttpServer, listen } from "./http.js";
import { Scheduler, type SchedulerStats } from "./scheduler.js";

export interface ServeOptions {
  model: SteerModel;
  /** The context requests decode in; its `sequences` is how many decode at once. */
  ctx: SteerContext;
  /** Tool format. Default: "chat-template" when the model's template offers tools, else "hermes". */
  format?: ToolFormat;
  /** The id /v1/models lists and requests name. Default "llama-steer". */
  modelId?: string;
  /** Other names requests may use for the model. Default []. */
  aliases?: readonly string[];
  /** ASA assets by name; the first applies to every request that offers tools unless it turns steering off. Default none. */
  assets?: ReadonlyMap<string, SteeringAsset>;
  /** Vectors requests may add by name. Default none. */
  vectors?: ReadonlyMap<string, SteeringVector>;
  /** Default "127.0.0.1". */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Required as `Authorization: Bearer KEY` on /v1 routes when set. Default none. */
  apiKey?: string;
  /** Default 4 MiB. */
  maxBodyBytes?: number;
  /** Default 256. */
  maxMessages?: number;
  /** Default 128. */
  maxTools?: number;
  /** Requests waiting for a sequence before new ones get 429. Default 64. */
  maxWaiting?: number;
  /** Token budget of a request without max_tokens (cut to what the context has left). Default 1024. */
  defaultMaxTokens?: number;
  /** One line per refusal, served request and disconnect. Default: none. */
  log?: (line: string) => void;
}

export interface SteerServer {
  readonly url: string;
  readonly port: number;
  readonly format: ToolFormat;
  readonly http: Server;
  stats(): SchedulerStats;
  /** Stops listening, aborts what is running and waits for it. Idempotent. Does not dispose the model or context. */
  close(): Promise<void>;
}

/** KV cache cells `llama-steer serve` gives its context unless told otherwise (`--context`). */
export const DEFAULT_SERVE_CONTEXT = 8192;

/**
 * The context `llama-steer serve` decodes in: `parallel` sequences sharing `context` cells (capped at the model's
 * training context), decodes of up to 512 tokens. The bench serves through the same.
 */
export function serveContextOptions(nCtxTrain: number, parallel: number, context: number = DEFAULT_SERVE_CONTEXT): { contextSize: number; batchSize: number; sequences: number } {
  const contextSize = nCtxTrain > 0 ? Math.min(context, nCtxTrain) : context;
  return { contextSize, batchSize: Math.min(512, contextSize), sequences: parallel };
}

/** The format a server uses by default: the model's own template when it offers tools, else hermes. */
export function defaultServeFormat(model: SteerModel): ToolFormat {
  const template = model.info.chatTemplate;
  return template && templateSupportsTools(template) ? getFormat("chat-template") : getFormat("hermes");
}

export async function startServer(options: ServeOptions): Promise<SteerServer> {
  if (options === null || typeof options !== "object") throw invalidArgument("options", "a ServeOptions object", options);
  const { model, ctx } = options;
  const format = options.format ?? defaultServeFormat(model);
  const port = options.port ?? 8080;
  assertInteger("port", port, 0, 65535);
  const maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;
  assertInteger("maxBodyBytes", maxBodyBytes, 1024);
  const maxWaiting = options.maxWaiting ?? 64;
  assertInteger("maxWaiting", maxWaiting, 0);
  const defaultMaxTokens = options.defaultMaxTokens ?? 1024;
  assertInteger("defaultMaxTokens", defaultMaxTokens, 1);
  if (options.apiKey !== undefined && (typeof options.apiKey !== "string" || options.apiKey.length === 0)) throw invalidArgument("apiKey", "a non-empty string", options.apiKey);
  const lifetime = new AbortController();
  const scheduler = new Scheduler(ctx, maxWaiting, lifetime.signal);
  const http = createHttpServer({
    services: {
      model,
      ctx,
      format,
      scheduler,
      steering: { assets: options.assets ?? new Map(), vectors: options.vectors ?? new Map(), nLayer: model.info.nLayer, nEmbd: model.info.nEmbd },
      defaultMaxTokens,
    },
    modelId: options.modelId ?? "llama-steer",
    aliases: options.aliases ?? [],
    apiKey: options.apiKey,
    maxBodyBytes,
    limits: { maxMessages: options.maxMessages ?? 256, maxTools: options.maxTools ?? 128, maxTokens: ctx.contextSize },
    log: options.log ?? (() => undefined),
  });
  const listening = await listen(http, options.host ?? "127.0.0.1", port);
  let closing: Promise<void> | undefined;
  return {
    url: listening.url,
    port: listening.port,
    format,
    http,
    stats: () => scheduler.stats(),
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => http.close(() => resolve()));
        lifetime.abort(new Error("the server is shutting down"));
        http.closeAllConnections();
        await closed;
        await scheduler.idle();
      })();
      return closing;
    },
  };
}

export { QueueFullError, Scheduler, type SchedulerStats } from "./scheduler.js";
export { forcedCallGrammar } from "./forcedCall.js";
