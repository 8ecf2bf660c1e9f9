/**
 * Source of the worker thread that renders Jinja chat templates. It is a plain CommonJS string started with
 * `eval: true`, so it runs the same way from compiled `dist/` and from TypeScript sources under a test runner.
 *
 * The worker exists because @huggingface/jinja renders synchronously and without any step limit: a template that
 * loops for hours would freeze the caller's event loop. Isolated in a worker it can be terminated on a deadline,
 * and its heap limit turns a runaway output into a clean error instead of an out-of-memory crash of the process.
 *
 * Protocol: the parent posts `{id, template, context, maxOutputChars}`; the worker answers
 * `{id, ok: true, text}` or `{id, ok: false, reason: "too-long" | "error", message, length?}`.
 */
export const CHAT_TEMPLATE_WORKER_SOURCE = `
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const { Template } = require(workerData.jinjaPath);
// Parsing a template costs more than rendering it; evaluation renders the same one thousands of times.
const parsedTemplates = new Map();
const MAX_PARSED_TEMPLATES = 16;
parentPort.on("message", (request) => {
  let reply;
  try {
    let template = parsedTemplates.get(request.template);
    if (template === undefined) {
      template = new Template(request.template);
      if (parsedTemplates.size >= MAX_PARSED_TEMPLATES) parsedTemplates.delete(parsedTemplates.keys().next().value);
      parsedTemplates.set(request.template, template);
    }
    const text = template.render(request.context);
    reply = text.length > request.maxOutputChars
      ? { id: request.id, ok: false, reason: "too-long", length: text.length }
      : { id: request.id, ok: true, text };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    reply = { id: request.id, ok: false, reason: "error", message: message.slice(0, 500) };
  }
  parentPort.postMessage(reply);
});
`;

export type ChatTemplateWorkerReply =
  | { id: number; ok: true; text: string }
  | { id: number; ok: false; reason: "too-long"; length: number }
  | { id: number; ok: false; reason: "error"; message: string };
