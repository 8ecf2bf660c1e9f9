/**
 * The HTTP layer, on Node's own http: routing, the API key, body limits, OpenAI-shaped errors and a log line for
 * every refusal. Three routes and nothing else: no path serves files.
 *   GET  /health                 liveness and load (no key needed)
 *   GET  /v1/models[/ID]         the one served model
 *   POST /v1/chat/completions    chat, tools, streaming, the `steering` extension
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { ErrorCodes, isSteerError } from "../errors.js";
import { answerJson, answerStream, prepareChat, sendJson, type ChatServices } from "./chat.js";
import { HttpError, toHttpError } from "./errors.js";
import { readChatRequest, type RequestLimits } from "./request.js";

export interface HttpOptions {
  services: ChatServices;
  /** The id GET /v1/models lists; requests must name it (or one of `aliases`). */
  modelId: string;
  aliases: readonly string[];
  /** Bearer token every /v1 request must carry; undefined: no key. */
  apiKey: string | undefined;
  maxBodyBytes: number;
  limits: RequestLimits;
  log: (line: string) => void;
}

export interface Listening {
  server: Server;
  url: string;
  port: number;
}

const CREATED = Math.floor(Date.now() / 1000);

export function createHttpServer(options: HttpOptions): Server {
  const keyDigest = options.apiKey === undefined ? undefined : digest(options.apiKey);
  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const error = toHttpError(e);
      if (error.status >= 500) options.log(`error: ${req.method} ${pathOf(req)}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      refuse(req, res, error);
    });
  });

  const refuse = (req: IncomingMessage, res: ServerResponse, error: HttpError) => {
    options.log(`refused ${req.method} ${pathOf(req)} from ${req.socket.remoteAddress ?? "?"}: ${error.status} ${error.code ?? error.type}: ${error.message}`);
    // The rest of an oversized body is not read: close the connection rather than leave it half-read.
    if (error.status === 413 && !res.headersSent) res.setHeader("connection", "close");
    sendJson(res, error.status, error.body());
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = pathOf(req);
    if (path === "/health") {
      expectMethod(req, "GET");
      const stats = options.services.scheduler.stats();
      return sendJson(res, 200, { status: "ok", running: stats.running, waiting: stats.waiting });
    }
    if (path !== "/v1/models" && !path.startsWith("/v1/models/") && path !== "/v1/chat/completions") {
      throw new HttpError(404, `No route ${req.method} ${path}; this server answers GET /health, GET /v1/models and POST /v1/chat/completions`, "not_found_error", null, "unknown_url");
    }
    checkKey(req, keyDigest);
    if (path === "/v1/models") {
      expectMethod(req, "GET");
      return sendJson(res, 200, { object: "list", data: [modelEntry(options.modelId)] });
    }
    if (path.startsWith("/v1/models/")) {
      expectMethod(req, "GET");
      const id = decodeURIComponent(path.slice("/v1/models/".length));
      if (!knownModel(id)) throw new HttpError(404, `The model "${id}" does not exist; this server serves "${options.modelId}"`, "not_found_error", "model", "model_not_found");
      return sendJson(res, 200, modelEntry(options.modelId));
    }
    expectMethod(req, "POST");
    const body = await readJsonBody(req, options.maxBodyBytes);
    const request = readChatRequest(body, options.limits);
    if (!knownModel(request.model)) throw new HttpError(400, `The model "${request.model}" does not exist; this server serves "${options.modelId}"`, "invalid_request_error", "model", "model_not_found");
    // A client that goes away aborts its generation and frees its sequence.
    const gone = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) gone.abort(new Error("the client disconnected"));
    });
    const started = performance.now();
    let prepared;
    try {
      prepared = await prepareChat(options.services, request, gone.signal);
    } catch (e) {
      if (gone.signal.aborted && isSteerError(e, ErrorCodes.ABORTED)) return;
      throw e;
    }
    let result;
    try {
      result = request.stream ? await answerStream(options.services, request, prepared, res) : await answerJson(options.services, request, prepared, res);
    } catch (e) {
      if (gone.signal.aborted && isSteerError(e, ErrorCodes.ABORTED)) {
        options.log(`client gone: ${path} aborted while waiting`);
        return;
      }
      throw e;
    }
    const ms = Math.round(performance.now() - started);
    if (!result || result.stopReason === "aborted") options.log(`client gone: ${path} aborted after ${result?.tokens.length ?? 0} tokens, ${ms} ms`);
    else options.log(`served ${path}${request.stream ? " (stream)" : ""}: ${prepared.promptTokens} prompt + ${result.tokens.length} tokens, ${result.stopReason}, ${ms} ms`);
  }

  const knownModel = (id: string) => id === options.modelId || options.aliases.includes(id);
  return server;
}

/** Listens on host:port (port 0: any free port) and resolves once it does. */
export function listen(server: Server, host: string, port: number): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      const address = server.address() as AddressInfo;
      const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
      resolve({ server, port: address.port, url: `http://${shownHost}:${address.port}` });
    });
  });
}

function modelEntry(id: string) {
  return { id, object: "model", created: CREATED, owned_by: "llama-steer" };
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const path = q >= 0 ? url.slice(0, q) : url;
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}

function expectMethod(req: IncomingMessage, method: string): void {
  if (req.method !== method) throw new HttpError(405, `${pathOf(req)} takes ${method}, not ${req.method}`, "invalid_request_error", null, "method_not_allowed");
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** Compares digests (equal lengths) in constant time, so the time taken says nothing about the key. */
function checkKey(req: IncomingMessage, keyDigest: Buffer | undefined): void {
  if (keyDigest === undefined) return;
  const header = req.headers.authorization ?? "";
  const match = /^Bearer (.+)$/i.exec(header);
  const given = digest(match ? match[1] : "");
  if (!match || !timingSafeEqual(given, keyDigest)) {
    throw new HttpError(401, match ? "Incorrect API key provided" : "Missing API key: send it as 'Authorization: Bearer KEY'", "authentication_error", null, "invalid_api_key");
  }
}

/** Reads a JSON body of at most `limit` bytes; refuses larger ones (413) without reading them whole. */
async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = req.headers["content-type"];
  if (type !== undefined && !/^application\/json\b/i.test(type)) {
    throw new HttpError(415, `Send the body as application/json, not ${type}`, "invalid_request_error", null, "unsupported_media_type");
  }
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim().length === 0) throw new HttpError(400, "The request body is empty; send a JSON object", "invalid_request_error", null, "invalid_json");
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `The request body is not valid JSON (${(e as Error).message})`, "invalid_request_error", null, "invalid_json");
  }
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, `The request body is larger than ${limit} bytes`, "invalid_request_error", null, "body_too_large");
}
