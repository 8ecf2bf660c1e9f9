// Model files are untrusted input. A GGUF's chat template is read by llama.cpp and rendered on the evaluation path
// (renderSamples) in a worker with a deadline; a template that loops forever must end in a typed error without
// blocking the process, one that reaches for process / require / globalThis / constructors must get nothing, and a
// huge metadata string must stay bounded.
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { afterAll, describe, expect, test } from "vitest";

import type { DatasetSample } from "../../src/data/index.js";
import { loadModel, type SteerModel } from "../../src/engine/model.js";
import { renderSamples } from "../../src/eval/prompts.js";
import { asaFormat } from "../../src/formats/index.js";
import { MAX_TEMPLATE_CHARS } from "../../src/formats/chat-template.js";
import { GgufOmittedValue, readGgufHeader } from "../../src/gguf/reader.js";
import { writeSyntheticModel } from "../../src/synthetic/index.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "llama-steer-untrusted-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// What a template would reveal or leave behind if it could run JavaScript: a secret in the environment (set before
// the render worker starts, so the worker's copy of the environment has it) and a file it would create.
const SECRET = `secret-${randomBytes(8).toString("hex")}`;
process.env.LLAMA_STEER_TEMPLATE_SECRET = SECRET;
const MARKER = path.join(tmp, "escaped");
const js = (code: string) => JSON.stringify(code);

const SAMPLE: DatasetSample = {
  id: "untrusted-1",
  domain: "math",
  messages: [{ role: "user", content: "What is 2 + 2?" }],
  tools: [{ type: "function", function: { name: "calculator", description: "Evaluates arithmetic", parameters: { type: "object", properties: { expression: { type: "string" } }, required: ["expression"] } } }],
  needs_tool: false,
  expected: null,
  split: "test",
};

let counter = 0;
/** Writes a synthetic GGUF carrying `template` as tokenizer.chat_template and loads it through llama.cpp. */
async function modelWithTemplate(template: string): Promise<SteerModel> {
  const file = path.join(tmp, `model-${counter++}.gguf`);
  await writeSyntheticModel(file, { arch: "llama", chatTemplate: template });
  return loadModel(file);
}

async function outcome(promise: Promise<unknown>): Promise<{ text?: string; code?: string; reason?: unknown; message?: string }> {
  try {
    return { text: String(await promise) };
  } catch (e) {
    const err = e as { code?: string; details?: { reason?: unknown }; message?: string };
    return { code: err.code, reason: err.details?.reason, message: err.message };
  }
}

describe("a chat template that never finishes", () => {
  test("ends in ERR_TEMPLATE_FAILED at the render deadline while the event loop keeps running", async () => {
    const forever = "{% for a in range(100000) %}{% for b in range(100000) %}{% for c in range(100000) %}{% endfor %}{% endfor %}{% endfor %}";
    await using model = await modelWithTemplate(forever);
    expect(model.info.chatTemplate).toBe(forever);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    try {
      const result = await outcome(renderSamples(model, [SAMPLE], asaFormat));
      expect(result).toMatchObject({ code: "ERR_TEMPLATE_FAILED", reason: "timeout" });
      expect(result.message).toMatch(/^Chat template render did not finish within 5000 ms$/);
    } finally {
      clearInterval(timer);
    }
    // A blocked main thread would not have ticked at all during the 5 s render.
    expect(ticks).toBeGreaterThan(10);
  });
});

describe("chat templates that try to reach the JavaScript around them", () => {
  const writeMarker = `require('fs').writeFileSync(${js(MARKER)}, 'x')`;
  const attempts: [string, string][] = [
    ["the Function constructor through a string", `{{ ''.constructor.constructor(${js(writeMarker)})() }}`],
    ["the Function constructor through a list", `{{ messages.constructor.constructor(${js(`process.mainModule.require('fs').writeFileSync(${js(MARKER)}, 'x')`)})() }}`],
    ["the Function constructor through a global function", `{{ range.constructor(${js("process.exit(7)")})() }}`],
    ["prototypes by subscript", `{{ messages[0]['__proto__']['constructor']['constructor'](${js("return process.env.LLAMA_STEER_TEMPLATE_SECRET")})() }}`],
    ["process, require and globalThis by name", "[{{ process }}|{{ process.env.LLAMA_STEER_TEMPLATE_SECRET }}|{{ require }}|{{ globalThis }}|{{ global }}|{{ module }}|{{ this }}]"],
    ["Python-style globals", `{{ cycler.__init__.__globals__.os.popen(${js(`touch ${MARKER}`)}).read() }}`],
    ["Python-style builtins", `{{ self.__init__.__globals__.__builtins__.open(${js(MARKER)}, 'w').write('x') }}`],
    ["attribute filters", "{{ messages | map(attribute='constructor') | list }}{{ messages | attr('constructor') }}"],
    ["a namespace's internals", "{% set ns = namespace(a=1) %}{{ ns.__proto__ }}{{ ns.constructor }}{{ ns.__dict__ }}"],
  ];

  const globalsBefore = new Set(Object.getOwnPropertyNames(globalThis));

  test.each(attempts)("%s: the render finds nothing to call and leaves no trace", async (_name, template) => {
    await using model = await modelWithTemplate(template);
    expect(model.info.chatTemplate).toBe(template);
    const result = await outcome(renderSamples(model, [SAMPLE], asaFormat));
    if (result.code !== undefined) {
      // A template error, not a worker that died (which is what process.exit or a crash would give).
      expect(result).toMatchObject({ code: "ERR_TEMPLATE_FAILED", reason: "render-error" });
    }
    expect(result.text ?? "").not.toContain(SECRET);
    expect(result.message ?? "").not.toContain(SECRET);
    expect(result.text ?? "").not.toMatch(/\[object |native code|process\.env/);
    expect(existsSync(MARKER)).toBe(false);
  });

  test("the main thread's globals are untouched and the renderer still works", async () => {
    expect(new Set(Object.getOwnPropertyNames(globalThis))).toEqual(globalsBefore);
    await using model = await modelWithTemplate("{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}");
    const [prompt] = await renderSamples(model, [SAMPLE], asaFormat);
    expect(prompt).toContain("<user>What is 2 + 2?");
    expect(prompt).toContain("calculator");
  });
});

describe("a 50 MB metadata string", () => {
  test("the reader skips it, llama.cpp loads the model, and the renderer refuses it with a typed error", async () => {
    const size = 50 * 1024 * 1024;
    const template = "{{ messages[0].content }}".padEnd(size, " ");
    const file = path.join(tmp, "huge-template.gguf");
    await writeSyntheticModel(file, { arch: "llama", chatTemplate: template });

    const header = await readGgufHeader(file);
    expect(header.metadata.get("tokenizer.chat_template")).toBeInstanceOf(GgufOmittedValue);
    expect((header.metadata.get("tokenizer.chat_template") as GgufOmittedValue).length).toBe(size);

    await using model = await loadModel(file);
    expect(model.info.chatTemplate?.length).toBe(size);
    const result = await outcome(renderSamples(model, [SAMPLE], asaFormat));
    expect(result).toMatchObject({ code: "ERR_TEMPLATE_FAILED", reason: "too-large" });
    expect(result.message).toBe(`Chat template is ${size} characters long; the limit is ${MAX_TEMPLATE_CHARS}`);
  });
});
