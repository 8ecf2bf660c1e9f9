/**
 * llama.cpp's `llama-server` as the bench's peer: the arguments that give it the same engine settings as
 * llama-steer's context, and a lifecycle that always ends the process (on success, error or abort, and
 * when the bench process itself exits).
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";

import { tail } from "./llamaTools.js";

export interface LlamaServerSettings {
  modelPath: string;
  port: number;
  threads: number;
  /** KV cache cells, shared by all slots (unified cache, as llama-steer's contexts). */
  contextSize: number;
  /** Tokens per decode (n_batch = n_ubatch, as llama-steer's contexts). */
  batchSize: number;
  /** Slots: requests decoded together. */
  parallel: number;
}

/** The id the server answers to; requests name it. */
export const LLAMA_SERVER_ALIAS = "bench";

/**
 * `llama-server` with continuous batching and llama-steer's engine settings: one KV cache shared by the
 * slots (`-kvu`; llama-server's default with an explicit --parallel is a cache split per slot), batch and
 * micro-batch equal, flash attention off (llama-steer's default; llama-server's `auto` turns it on for a
 * CPU). Its RAM prompt cache is off (`--cache-ram 0`), so that a repetition cannot reuse the prompts of the
 * one before; a slot still reuses the prefix its last prompt shares with the next, as `cache_prompt` asks.
 */
export function llamaServerArgs(s: LlamaServerSettings): string[] {
  for (const [name, value, min] of [["port", s.port, 1], ["threads", s.threads, 1], ["contextSize", s.contextSize, 16], ["batchSize", s.batchSize, 1], ["parallel", s.parallel, 1]] as const) {
    if (!Number.isInteger(value) || value < min) throw new RangeError(`llama-server ${name} must be an integer >= ${min}, got ${value}`);
  }
  return [
    "-m", s.modelPath,
    "--host", "127.0.0.1",
    "--port", String(s.port),
    "--parallel", String(s.parallel),
    "--cont-batching",
    "-t", String(s.threads),
    "-c", String(s.contextSize),
    "-b", String(s.batchSize),
    "-ub", String(s.batchSize),
    "-kvu",
    "-fa", "off",
    "--cache-ram", "0",
    "--alias", LLAMA_SERVER_ALIAS,
    "--no-webui",
  ];
}

/** A TCP port free on the loopback interface right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port was assigned"))));
    });
  });
}

export interface LlamaServerProcess {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly pid: number | undefined;
  /** The last lines it printed (stdout and stderr together). */
  output(): string;
  /** Ends it (SIGTERM, then SIGKILL after 10 s) and waits for it to exit. Idempotent. */
  close(): Promise<void>;
}

export interface StartLlamaServerOptions {
  signal?: AbortSignal;
  /** How long the model may take to load before /health answers 200. Default 180 s. */
  readyTimeoutMs?: number;
}

/** Output kept from the server, for error messages: it logs every request. */
const KEPT_CHARS = 64 * 1024;

/**
 * Starts llama-server with `args` and waits until GET /health answers 200 (it answers 503 while the model
 * loads). Throws with the end of its output if it exits first, does not come up in time, or the signal
 * aborts; the process is ended in every one of those cases.
 */
export async function startLlamaServer(binary: string, settings: LlamaServerSettings, options: StartLlamaServerOptions = {}): Promise<LlamaServerProcess> {
  const args = llamaServerArgs(settings);
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const keep = (chunk: Buffer) => (out = (out + chunk.toString("utf8")).slice(-KEPT_CHARS));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  let exited: string | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exited = `exit ${code ?? signal}`;
      resolve();
    });
    child.once("error", (e) => {
      exited = `could not start: ${e.message}`;
      resolve();
    });
  });
  // If the bench process ends without closing it (an uncaught error, process.exit), it must not live on.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  let closing: Promise<void> | undefined;
  const url = `http://127.0.0.1:${settings.port}`;
  const server: LlamaServerProcess = {
    url,
    pid: child.pid,
    output: () => tail(out, 20),
    close() {
      closing ??= (async () => {
        if (exited === undefined) {
          child.kill("SIGTERM");
          const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
          await exit;
          clearTimeout(timer);
        }
        process.off("exit", killOnExit);
      })();
      return closing;
    },
  };
  try {
    await waitForHealth(url, () => exited, options);
  } catch (e) {
    await server.close();
    if (options.signal?.aborted) throw e;
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(`llama-server did not come up (${why}); ${binary} ${args.join(" ")}:\n${server.output()}`, { cause: e });
  }
  return server;
}

async function waitForHealth(url: string, exited: () => string | undefined, { signal, readyTimeoutMs = 180_000 }: StartLlamaServerOptions): Promise<void> {
  const deadline = performance.now() + readyTimeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    const gone = exited();
    if (gone !== undefined) throw new Error(gone);
    if (performance.now() > deadline) throw new Error(`GET /health did not answer 200 within ${readyTimeoutMs / 1000} s`);
    const status = await fetch(`${url}/health`, { signal: AbortSignal.any([AbortSignal.timeout(2000), ...(signal ? [signal] : [])]) }).then(
      async (r) => (await r.arrayBuffer(), r.status),
      () => 0,
    );
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Runs `fn` with a llama-server started for it, and ends the server afterwards, whatever happens. */
export async function withLlamaServer<T>(binary: string, settings: Omit<LlamaServerSettings, "port">, options: StartLlamaServerOptions, fn: (server: LlamaServerProcess) => Promise<T>): Promise<T> {
  const server = await startLlamaServer(binary, { ...settings, port: await freePort() }, options);
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}
