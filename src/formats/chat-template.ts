/**
 * Rendering a model's own Jinja chat template (GGUF `tokenizer.chat_template`) with @huggingface/jinja, bounded
 * in size, time and memory. Templates come from model files, which anyone can publish: rendering one must not be
 * able to hang or crash the process. See chat-template-worker.ts for why the render runs in a worker thread.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { ErrorCodes, SteerError, abortedError, invalidArgument, throwIfAborted } from "../errors.js";
import { assertBoolean, assertInteger, assertKnownKeys, assertOptionalAbortSignal, assertString } from "../util/validate.js";
import { CHAT_TEMPLATE_WORKER_SOURCE, type ChatTemplateWorkerReply } from "./chat-template-worker.js";
import { assertMessages } from "./prompts.js";
import { isPlainObject, readOfferedTools } from "./tools.js";
import type { ChatMessage, ToolDefinition } from "./types.js";

/** Templates longer than this are refused (real chat templates are a few KB; the largest known are ~30 KB). */
export const MAX_TEMPLATE_CHARS = 256 * 1024;
export const DEFAULT_TEMPLATE_TIMEOUT_MS = 5000;
export const DEFAULT_MAX_PROMPT_CHARS = 1 << 20;
export const DEFAULT_TEMPLATE_MEMORY_MB = 256;

export interface ChatTemplateRenderRequest {
  messages: readonly ChatMessage[];
  /** Offered as the template's `tools` variable. Default: undefined (the variable is not set). */
  tools?: readonly ToolDefinition[];
  /** The template's `add_generation_prompt`. Default: true. */
  addGenerationPrompt?: boolean;
  /** The template's `bos_token`. Default: "". */
  bosToken?: string;
  /** The template's `eos_token`. Default: "". */
  eosToken?: string;
  /** Further template variables; plain data only. They cannot replace the variables above. Default: {}. */
  variables?: Record<string, unknown>;
  /** Wall-clock bound in milliseconds, worker start included. Default: 5000. */
  timeoutMs?: number;
  /** Longest accepted output, in characters. Default: 1048576. */
  maxOutputChars?: number;
  /** Cancels the render (the worker is terminated). Default: undefined. */
  signal?: AbortSignal;
}

const REQUEST_KEYS = ["messages", "tools", "addGenerationPrompt", "bosToken", "eosToken", "variables", "timeoutMs", "maxOutputChars", "signal"];

export interface ChatTemplateRendererOptions {
  /** Heap limit of the render worker, in MB. Default: 256. */
  maxMemoryMb?: number;
}

/**
 * Renders chat templates in one reusable worker thread. Renders run one at a time, in call order. A render that
 * times out, is aborted or exhausts memory takes the worker down with it; the next render starts a fresh one.
 * An idle worker does not keep the process alive.
 */
export class ChatTemplateRenderer {
  private worker: Worker | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private nextRequestId = 0;
  private disposed = false;
  private readonly maxMemoryMb: number;

  constructor(options: ChatTemplateRendererOptions = {}) {
    assertKnownKeys("ChatTemplateRendererOptions", options, ["maxMemoryMb"]);
    const maxMemoryMb = options.maxMemoryMb ?? DEFAULT_TEMPLATE_MEMORY_MB;
    assertInteger("options.maxMemoryMb", maxMemoryMb, 16, 65536);
    this.maxMemoryMb = maxMemoryMb;
  }

  /**
   * Renders `template` for a conversation. Rejects with `ERR_TEMPLATE_FAILED` when the template fails, overruns its
   * deadline, output or memory bound; `ERR_ABORTED`, `ERR_DISPOSED` or `ERR_INVALID_ARGUMENT` otherwise.
   */
  render(template: string, request: ChatTemplateRenderRequest): Promise<string> {
    if (this.disposed) return Promise.reject(new SteerError(ErrorCodes.DISPOSED, "This ChatTemplateRenderer was disposed"));
    let job: PreparedJob;
    try {
      job = prepareJob(template, request);
    } catch (e) {
      return Promise.reject(e);
    }
    const run = this.queue.then(() => this.renderNow(job));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Stops the worker. Renders still queued reject with `ERR_DISPOSED`. Idempotent. */
  dispose(): void {
    this.disposed = true;
    if (this.worker) this.stopWorker(this.worker);
  }

  private renderNow(job: PreparedJob): Promise<string> {
    if (this.disposed) return Promise.reject(new SteerError(ErrorCodes.DISPOSED, "This ChatTemplateRenderer was disposed"));
    throwIfAborted(job.signal);
    const worker = this.workerForRender();
    const id = ++this.nextRequestId;
    return new Promise<string>((resolve, reject) => {
      const settle = (outcome: () => void): void => {
        clearTimeout(timer);
        job.signal?.removeEventListener("abort", onAbort);
        worker.off("message", onMessage);
        worker.off("error", onError);
        worker.off("exit", onExit);
        outcome();
      };
      const onMessage = (reply: ChatTemplateWorkerReply): void => {
        if (reply.id !== id) return;
        settle(() => (reply.ok ? resolve(reply.text) : reject(replyError(reply, job.maxOutputChars))));
      };
      const onError = (error: Error & { code?: string }): void => {
        const message =
          error.code === "ERR_WORKER_OUT_OF_MEMORY"
            ? `Chat template render ran out of memory (limit ${this.maxMemoryMb} MB)`
            : `Chat template render failed: ${error.message}`;
        settle(() => reject(new SteerError(ErrorCodes.TEMPLATE_FAILED, message, { reason: "worker-error" }, { cause: error })));
      };
      const onExit = (code: number): void => {
        settle(() => reject(new SteerError(ErrorCodes.TEMPLATE_FAILED, `Chat template renderer stopped unexpectedly (exit code ${code})`, { reason: "worker-exit" })));
      };
      const onAbort = (): void => {
        this.stopWorker(worker);
        settle(() => reject(abortedError(job.signal?.reason)));
      };
      const timer = setTimeout(() => {
        this.stopWorker(worker);
        settle(() =>
          reject(
            new SteerError(ErrorCodes.TEMPLATE_FAILED, `Chat template render did not finish within ${job.timeoutMs} ms`, {
              reason: "timeout",
              timeoutMs: job.timeoutMs,
            }),
          ),
        );
      }, job.timeoutMs);
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.on("exit", onExit);
      job.signal?.addEventListener("abort", onAbort, { once: true });
      try {
        worker.postMessage({ id, template: job.template, context: job.context, maxOutputChars: job.maxOutputChars });
      } catch (e) {
        // Only non-cloneable template variables (functions, class instances with private state) get here.
        settle(() => reject(new SteerError(ErrorCodes.TEMPLATE_FAILED, `Chat template variables must be plain data: ${(e as Error).message}`, { reason: "variables" })));
      }
    });
  }

  private workerForRender(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(CHAT_TEMPLATE_WORKER_SOURCE, {
      eval: true,
      workerData: { jinjaPath: jinjaModulePath() },
      resourceLimits: { maxOldGenerationSizeMb: this.maxMemoryMb, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
    });
    // Permanent listeners: a worker error with no listener would be re-thrown as an uncaught exception.
    worker.on("error", () => this.forgetWorker(worker));
    worker.on("exit", () => this.forgetWorker(worker));
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private stopWorker(worker: Worker): void {
    this.forgetWorker(worker);
    void worker.terminate();
  }

  private forgetWorker(worker: Worker): void {
    if (this.worker === worker) this.worker = undefined;
  }
}

let sharedRenderer: ChatTemplateRenderer | undefined;

/** Renders `template` on a shared, lazily started `ChatTemplateRenderer`. See `ChatTemplateRenderRequest`. */
export function renderChatTemplate(template: string, request: ChatTemplateRenderRequest): Promise<string> {
  sharedRenderer ??= new ChatTemplateRenderer();
  return sharedRenderer.render(template, request);
}

/**
 * Whether a template reads a `tools` variable, i.e. can offer tools itself. A linear scan of the `{{ }}` and `{% %}`
 * blocks for the bare identifier `tools` (not inside string literals, not after a dot). It deliberately avoids the
 * Jinja lexer, which is quadratic on some inputs and would run on the caller's thread here.
 */
export function templateSupportsTools(template: string): boolean {
  if (typeof template !== "string" || template.length > MAX_TEMPLATE_CHARS) return false;
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf("{", i);
    if (open < 0) return false;
    const kind = template[open + 1];
    if (kind === "#") {
      const end = template.indexOf("#}", open + 2);
      if (end < 0) return false;
      i = end + 2;
    } else if (kind === "{" || kind === "%") {
      const scanned = scanBlockForTools(template, open + 2, kind === "{" ? "}}" : "%}");
      if (scanned.found) return true;
      i = scanned.end;
    } else {
      i = open + 1;
    }
  }
  return false;
}

function scanBlockForTools(template: string, from: number, closer: string): { found: boolean; end: number } {
  let i = from;
  while (i < template.length) {
    const c = template[i];
    if (c === closer[0] && template[i + 1] === closer[1]) return { found: false, end: i + 2 };
    if (c === "'" || c === '"') {
      i++;
      while (i < template.length && template[i] !== c) i += template[i] === "\\" ? 2 : 1;
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < template.length && /[A-Za-z0-9_]/.test(template[i])) i++;
      if (template.slice(start, i) === "tools" && template[start - 1] !== ".") return { found: true, end: i };
    } else {
      i++;
    }
  }
  return { found: false, end: i };
}

/** Checks a template is a string within `MAX_TEMPLATE_CHARS`. */
export function assertTemplate(template: unknown, parameterName = "template"): asserts template is string {
  assertString(parameterName, template);
  if (template.length > MAX_TEMPLATE_CHARS) {
    throw new SteerError(ErrorCodes.TEMPLATE_FAILED, `Chat template is ${template.length} characters long; the limit is ${MAX_TEMPLATE_CHARS}`, {
      reason: "too-large",
      limit: MAX_TEMPLATE_CHARS,
    });
  }
}

interface PreparedJob {
  template: string;
  context: Record<string, unknown>;
  timeoutMs: number;
  maxOutputChars: number;
  signal: AbortSignal | undefined;
}

function prepareJob(template: string, request: ChatTemplateRenderRequest): PreparedJob {
  assertTemplate(template);
  if (!isPlainObject(request)) throw invalidArgument("request", "an object {messages, ...}", request);
  assertKnownKeys("ChatTemplateRenderRequest", request, REQUEST_KEYS);
  assertMessages(request.messages, "request.messages");
  if (request.tools !== undefined) readOfferedTools(request.tools, "request.tools");
  const addGenerationPrompt = request.addGenerationPrompt ?? true;
  assertBoolean("request.addGenerationPrompt", addGenerationPrompt);
  const bosToken = request.bosToken ?? "";
  const eosToken = request.eosToken ?? "";
  assertString("request.bosToken", bosToken);
  assertString("request.eosToken", eosToken);
  const variables = request.variables ?? {};
  if (!isPlainObject(variables)) throw invalidArgument("request.variables", "an object of template variables", variables);
  const timeoutMs = request.timeoutMs ?? DEFAULT_TEMPLATE_TIMEOUT_MS;
  assertInteger("request.timeoutMs", timeoutMs, 1, 600_000);
  const maxOutputChars = request.maxOutputChars ?? DEFAULT_MAX_PROMPT_CHARS;
  assertInteger("request.maxOutputChars", maxOutputChars, 1, 1 << 28);
  assertOptionalAbortSignal("request.signal", request.signal);
  const context: Record<string, unknown> = {
    ...variables,
    messages: request.messages,
    add_generation_prompt: addGenerationPrompt,
    bos_token: bosToken,
    eos_token: eosToken,
  };
  if (request.tools !== undefined) context.tools = request.tools;
  return { template, context, timeoutMs, maxOutputChars, signal: request.signal };
}

function replyError(reply: ChatTemplateWorkerReply & { ok: false }, maxOutputChars: number): SteerError {
  if (reply.reason === "too-long") {
    return new SteerError(ErrorCodes.TEMPLATE_FAILED, `Chat template produced ${reply.length} characters; the limit is ${maxOutputChars}`, {
      reason: "too-long",
      limit: maxOutputChars,
    });
  }
  return new SteerError(ErrorCodes.TEMPLATE_FAILED, `Chat template could not be rendered: ${reply.message}`, { reason: "render-error" });
}

let resolvedJinjaPath: string | undefined;

/** The CommonJS entry of @huggingface/jinja, resolved from this package so the worker loads the same copy. */
function jinjaModulePath(): string {
  resolvedJinjaPath ??= createRequire(import.meta.url).resolve("@huggingface/jinja");
  return resolvedJinjaPath;
}
