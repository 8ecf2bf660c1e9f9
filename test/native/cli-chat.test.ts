/**
 * `llama-steer chat` and Ctrl-C, through the compiled CLI (`npm run build:ts` first; `npm test` does it) on a
 * synthetic model: the --json document, live slash commands changing the steering, bad input failing with one
 * line, and SIGINT stopping a command with the interrupted exit code and no partial output file. The reply-stop
 * path of chat is driven in-process, where Ctrl-C can be delivered while a reply is certainly being generated.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough, Writable } from "node:stream";

import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { loadAsset } from "../../src/assets/index.js";
import { ChatSession, type ChatTurn } from "../../src/cli/chatSession.js";
import type { CommandIo } from "../../src/cli/command.js";
import { runChatLoop } from "../../src/cli/commands/chat.js";
import type { SteerContext } from "../../src/engine/context.js";
import { loadModel, type SteerModel } from "../../src/engine/model.js";
import { getFormat, type ToolDefinition } from "../../src/formats/index.js";
import { syntheticModelPath } from "../../src/synthetic/index.js";
import { packageRoot } from "../../src/util/packageRoot.js";
import { CHAT_ASSET_ALPHA, CHAT_ASSET_LAYER, CHAT_ASSET_P, CHAT_ASSET_TAU, writeChatAsset } from "../helpers/chatAsset.js";

const CLI = path.join(packageRoot(), "dist", "cli", "main.js");
const EXIT_INTERRUPTED = 130;
/** Only a guard against a hung child; nothing asserts on time. */
const HANG_GUARD_MS = 240_000;
const tmp = mkdtempSync(path.join(os.tmpdir(), "llama-steer-chat-"));

const TOOLS: ToolDefinition[] = [
  { type: "function", function: { name: "calculator", description: "Evaluates an arithmetic expression.", parameters: { type: "object", properties: { expression: { type: "string", minLength: 1 } }, required: ["expression"] } } },
  { type: "function", function: { name: "web_search", description: "Searches the web.", parameters: { type: "object", properties: { query: { type: "string", minLength: 1 } }, required: ["query"] } } },
];

let modelPath: string;
let model: SteerModel;
const toolsFile = path.join(tmp, "tools.json");
const assetFile = path.join(tmp, "asset.json");
const foreignAssetFile = path.join(tmp, "foreign-asset.json");

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build:ts' before these tests`);
  modelPath = await syntheticModelPath("llama");
  model = await loadModel(modelPath);
  writeFileSync(toolsFile, JSON.stringify(TOOLS));
  await writeChatAsset(assetFile, model.info);
  await writeChatAsset(foreignAssetFile, model.info, "0123456789abcdef");
});

afterAll(async () => {
  await model?.dispose();
});

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to the end with `input` on stdin. */
function runCli(args: string[], input = ""): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const guard = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`llama-steer ${args.join(" ")} hung; stderr so far: ${stderr}`));
    }, HANG_GUARD_MS);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

/**
 * Starts the CLI with stdin left open, sends SIGINT once `ready` holds for what it printed so far, and waits for the
 * exit. Fails if the child exits before it was ready (the interrupt would have proved nothing).
 */
function interruptCli(args: string[], ready: (out: { stdout: string; stderr: string }) => boolean, input = ""): Promise<Finished & { interrupted: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    const seen = { stdout: "", stderr: "" };
    let interrupted = false;
    const check = () => {
      if (!interrupted && ready(seen)) {
        interrupted = true;
        child.kill("SIGINT");
      }
    };
    child.stdout.on("data", (d) => {
      seen.stdout += d;
      check();
    });
    child.stderr.on("data", (d) => {
      seen.stderr += d;
      check();
    });
    const guard = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`llama-steer ${args.join(" ")} hung; stderr so far: ${seen.stderr}`));
    }, HANG_GUARD_MS);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(guard);
      resolve({ code, ...seen, interrupted });
    });
    if (input) child.stdin.write(input);
  });
}

const lines = (text: string) => text.split("\n").filter((l) => l.trim() !== "");
const session = (...extra: string[]) => ["chat", "--model", modelPath, "--threads", "1", "--max-tokens", "24", ...extra];

interface ChatDocument {
  model: string;
  format: string;
  asset: string | null;
  tools: string[];
  turns: ChatTurn[];
}

describe("llama-steer chat --json", () => {
  const question = "What is 2+2?";
  let unsteered: ChatDocument;

  beforeAll(async () => {
    const run = await runCli(session("--tools", toolsFile, "--json"), `${question}\n`);
    expect(run.code, run.stderr).toBe(0);
    unsteered = JSON.parse(run.stdout) as ChatDocument;
  });

  test("without an asset: one document, no steering, a verdict per turn", () => {
    expect(Object.keys(unsteered)).toEqual(["model", "format", "asset", "tools", "turns"]);
    expect(unsteered).toMatchObject({ model: modelPath, format: "asa", asset: null, tools: ["calculator", "web_search"] });
    expect(unsteered.turns).toHaveLength(1);
    const [turn] = unsteered.turns;
    expect(Object.keys(turn)).toEqual(["user", "output", "steering", "readout", "verdict"]);
    expect(turn).toMatchObject({ user: question, steering: null, readout: null });
    expect(turn.output.length).toBeGreaterThan(0);
    // The verdict is the strict parser's own on the recorded output.
    expect(turn.verdict).toEqual(getFormat("asa").parse(turn.output, TOOLS));
  });

  test("turns are recorded; /alpha, /tau and /steer change the steering live; steered differs from unsteered", async () => {
    const input = [
      question, // steered: gate +1, α 6
      "/reset",
      "/alpha 0",
      question, // α 0: no change
      "/reset",
      "/alpha nope", // refused, α stays 0
      "/alpha 6",
      "/steer off",
      question, // off: the gate is read, nothing injected
      "/reset",
      "/steer on",
      "/tau 0.99",
      question, // p ≈ 0.953 < τ: gate 0
      "/tau 0.6",
      "And then?", // a follow-up in the same conversation
      "",
    ].join("\n");
    const run = await runCli(session("--tools", toolsFile, "--asset", assetFile, "--json"), input);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as ChatDocument;
    expect(doc).toMatchObject({ model: modelPath, format: "asa", asset: assetFile, tools: ["calculator", "web_search"] });
    expect(doc.turns.map((t) => t.user)).toEqual([question, question, question, question, "And then?"]);
    const base = { domain: "math", p: expect.closeTo(CHAT_ASSET_P, 6) };
    expect(doc.turns.map((t) => t.steering)).toEqual([
      { enabled: true, alpha: CHAT_ASSET_ALPHA, tau: CHAT_ASSET_TAU, gate: 1, ...base },
      { enabled: true, alpha: 0, tau: CHAT_ASSET_TAU, gate: 1, ...base },
      { enabled: false, alpha: CHAT_ASSET_ALPHA, tau: CHAT_ASSET_TAU, gate: 1, ...base },
      { enabled: true, alpha: CHAT_ASSET_ALPHA, tau: 0.99, gate: 0, ...base },
      { enabled: true, alpha: CHAT_ASSET_ALPHA, tau: CHAT_ASSET_TAU, gate: 1, ...base },
    ]);
    const reference = unsteered.turns[0].output;
    expect(doc.turns[0].output).not.toBe(reference);
    expect(doc.turns[1].output).toBe(reference);
    expect(doc.turns[2].output).toBe(reference);
    expect(doc.turns[3].output).toBe(reference);
    expect(run.stderr).toContain('/alpha takes a finite number, got "nope"; α stays 0');
    for (const turn of doc.turns) {
      // Readout over the asset's two tool means, read from the unsteered row at the asset's layer.
      const r = turn.readout!;
      expect(r.layer).toBe(CHAT_ASSET_LAYER);
      expect(new Set([r.predicted, r.runner_up])).toEqual(new Set(["calculator", "web_search"]));
      expect(r.gap).toBeCloseTo(r.scores[r.predicted] - r.scores[r.runner_up], 12);
      expect(r.gap).toBeGreaterThanOrEqual(0);
      expect(turn.verdict).toEqual(getFormat("asa").parse(turn.output, TOOLS));
    }
    // The same prompt gives the same row, whatever the steering.
    expect(new Set(doc.turns.slice(0, 4).map((t) => JSON.stringify(t.readout))).size).toBe(1);
    // Per-turn lines go to the log under --json.
    expect(run.stderr).toMatch(/\[asa\] domain=math p=0\.95 gate=\+1 α=6 \| readout: (calculator|web_search) \(gap \d\.\d\d\)/);
  });

  test("--alpha sets the initial α", async () => {
    const run = await runCli(session("--tools", toolsFile, "--asset", assetFile, "--alpha", "0", "--json"), `${question}\n`);
    expect(run.code, run.stderr).toBe(0);
    const [turn] = (JSON.parse(run.stdout) as ChatDocument).turns;
    expect(turn.steering).toMatchObject({ enabled: true, alpha: 0, gate: 1 });
    expect(turn.output).toBe(unsteered.turns[0].output);
  });

  test("/quit ends the chat with exit code 0 and reads no further", async () => {
    const run = await runCli(session("--tools", toolsFile, "--json"), `${question}\n/quit\nnever read\n`);
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as ChatDocument).turns.map((t) => t.user)).toEqual([question]);
  });

  test("the human transcript streams the reply, then the [asa] line and the verdict", async () => {
    const run = await runCli(session("--tools", toolsFile, "--asset", assetFile), `${question}\n/steer off\n`);
    expect(run.code, run.stderr).toBe(0);
    const out = lines(run.stdout);
    expect(out[0]).toBe(`> ${question}`);
    expect(out).toContain("> /steer off");
    expect(out).toContain("steering off");
    const asa = out.findIndex((l) => l.startsWith("[asa] "));
    expect(out[asa]).toMatch(/^\[asa\] domain=math p=0\.95 gate=\+1 α=6 \| readout: (calculator|web_search) \(gap \d\.\d\d\)$/);
    expect(out[asa + 1]).toMatch(/^\[verdict\] /);
  });
});

describe("llama-steer chat: bad input fails with one line", () => {
  const oneLineFailure = (run: Finished, code: number, pattern: RegExp) => {
    expect(run.code).toBe(code);
    expect(lines(run.stderr)).toHaveLength(1);
    expect(lines(run.stderr)[0]).toMatch(pattern);
  };

  test("a missing asset", async () => {
    const missing = path.join(tmp, "missing.json");
    const run = await runCli(session("--asset", missing, "--json"), "hi\n");
    oneLineFailure(run, 1, /^llama-steer: Cannot read steering asset .*missing\.json \(ENOENT\)$/);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, error: { code: "ERR_ASSET_INVALID" } });
  });

  test("an asset made for another model", async () => {
    const run = await runCli(session("--asset", foreignAssetFile), "hi\n");
    oneLineFailure(run, 1, new RegExp(`^llama-steer: .*foreign-asset\\.json was made for the model with fingerprint 0123456789abcdef, not for this model \\(fingerprint ${model.info.fingerprint}\\)$`));
    expect(run.stdout).toBe("");
  });

  test("an asset that is not JSON", async () => {
    const file = path.join(tmp, "garbage-asset.json");
    writeFileSync(file, "not an asset");
    oneLineFailure(await runCli(session("--asset", file), "hi\n"), 1, /^llama-steer: .*garbage-asset\.json is not a valid steering asset: it is not JSON/);
  });

  test("malformed tools files", async () => {
    const cases: [string, string, RegExp][] = [
      ["not-json.json", "[{", /^llama-steer: The tools file .*not-json\.json is not JSON/],
      ["object.json", '{"tools": 1}', /^llama-steer: The tools file .*object\.json must hold a JSON array/],
      ["nameless.json", '[{"type": "function", "function": {"description": "no name"}}]', /^llama-steer: Expected a non-empty string for tools file .*nameless\.json\[0\]\.function\.name but received undefined$/],
    ];
    for (const [name, text, pattern] of cases) {
      const file = path.join(tmp, name);
      writeFileSync(file, text);
      oneLineFailure(await runCli(session("--tools", file), "hi\n"), 1, pattern);
    }
    oneLineFailure(await runCli(session("--tools", path.join(tmp, "absent.json")), "hi\n"), 1, /^llama-steer: Cannot read the tools file .*absent\.json \(ENOENT\)$/);
  });

  test("usage mistakes exit with 2", async () => {
    oneLineFailure(await runCli(session("--asset", assetFile, "--alpha", "strong"), ""), 2, /^llama-steer: --alpha takes a finite number, got "strong"; run 'llama-steer chat --help'$/);
    oneLineFailure(await runCli(session("--alpha", "2"), ""), 2, /^llama-steer: --alpha needs --asset/);
  });
});

describe("Ctrl-C", () => {
  test("eval: one SIGINT mid-run exits with the interrupted code, a one-line reason and no --out file", async () => {
    const out = path.join(tmp, "eval.json");
    const args = ["eval", "--model", modelPath, "--threads", "1", "--controller", "none", "--out", out, "--json"];
    // The baseline phase generates for every TEST sample (tens of seconds here); interrupt once it has begun.
    const run = await interruptCli(args, ({ stderr }) => stderr.includes("baseline ("));
    expect(run.interrupted, `exited before it was interrupted: ${run.stderr}`).toBe(true);
    expect(run.code).toBe(EXIT_INTERRUPTED);
    expect(lines(run.stderr).at(-1)).toBe("llama-steer: interrupted");
    expect(JSON.parse(run.stdout)).toEqual({ ok: false, error: { code: "ERR_ABORTED", message: "interrupted" } });
    expect(existsSync(out)).toBe(false);
  });

  test("chat: SIGINT at the prompt, after a finished reply, leaves with the interrupted code", async () => {
    const run = await interruptCli(session("--tools", toolsFile), ({ stdout }) => stdout.includes("[verdict]"), "What is 2+2?\n");
    expect(run.interrupted, `exited before it was interrupted: ${run.stderr}`).toBe(true);
    expect(run.code).toBe(EXIT_INTERRUPTED);
    expect(lines(run.stderr).at(-1)).toBe("llama-steer: interrupted");
  });

  test("chat --json: SIGINT at the prompt prints the error document", async () => {
    const run = await interruptCli(session("--tools", toolsFile, "--json"), ({ stderr }) => stderr.includes("[verdict]"), "What is 2+2?\n");
    expect(run.interrupted, `exited before it was interrupted: ${run.stderr}`).toBe(true);
    expect(run.code).toBe(EXIT_INTERRUPTED);
    expect(JSON.parse(run.stdout)).toEqual({ ok: false, error: { code: "ERR_ABORTED", message: "interrupted" } });
  });

  describe("chat in-process: Ctrl-C during a reply", () => {
    let ctx: SteerContext;
    beforeAll(async () => {
      ctx = await model.createContext({ contextSize: 2048, batchSize: 512, sequences: 4, threads: 1 });
    });
    afterAll(async () => {
      await ctx?.dispose();
    });

    /** A CommandIo wired like the CLI's: Ctrl-C goes to the command's handler first, else aborts the command. */
    function cliLikeIo() {
      const controller = new AbortController();
      let handler: (() => boolean) | undefined;
      const io: CommandIo = {
        json: false,
        print: () => undefined,
        log: () => undefined,
        signal: controller.signal,
        interrupt: () => controller.abort(new Error("interrupted by Ctrl-C")),
        onInterrupt: (h) => {
          handler = h;
          return () => (handler = undefined);
        },
      };
      const ctrlC = () => {
        if (!handler?.()) controller.abort(new Error("interrupted by Ctrl-C"));
      };
      return { io, ctrlC };
    }

    /** Output that calls `onReplyChunk` for every streamed piece of a reply (lines the loop prints are skipped). */
    function transcript(onReplyChunk: (count: number) => void) {
      let text = "";
      let chunks = 0;
      const stream = new Writable({
        write(chunk, _encoding, done) {
          const piece = String(chunk);
          text += piece;
          if (!piece.startsWith("> ") && !piece.startsWith("[") && piece !== "\n") onReplyChunk(++chunks);
          done();
        },
      });
      return { stream, text: () => text };
    }

    const newSession = async () => new ChatSession({ ctx, format: getFormat("asa"), tools: TOOLS, maxTokens: 24, asset: await loadAsset(assetFile) });

    test("slash commands check their arguments and leave the settings alone on a mistake", async () => {
      const chat = await newSession();
      expect(chat.settings).toEqual({ steer: true, alpha: CHAT_ASSET_ALPHA, tau: CHAT_ASSET_TAU });
      for (const bad of ["/alpha", "/alpha NaN", "/alpha Infinity", "/alpha 1 2", "/tau 0.4", "/tau 1.5", "/tau x", "/steer maybe"]) {
        const reply = chat.command(bad);
        expect(reply.quit).toBeUndefined();
        expect(chat.settings).toEqual({ steer: true, alpha: CHAT_ASSET_ALPHA, tau: CHAT_ASSET_TAU });
        if (bad !== "/alpha") expect(reply.text, bad).toMatch(/takes/);
      }
      expect(chat.command("/alpha -2.5").text).toBe("α = -2.5");
      expect(chat.command("/tau 1").text).toBe("τ = 1");
      expect(chat.command("/steer off").text).toBe("steering off");
      expect(chat.settings).toEqual({ steer: false, alpha: -2.5, tau: 1 });
      expect(chat.command("/nope").text).toBe("unknown command /nope; /help lists the commands");
      expect(chat.command("/quit").quit).toBe(true);
      const plain = new ChatSession({ ctx, format: getFormat("asa"), tools: TOOLS, maxTokens: 24 });
      for (const needsAsset of ["/steer on", "/alpha 2", "/tau 0.7"]) expect(plain.command(needsAsset).text).toMatch(/^no steering asset loaded/);
    });

    test("stops only that reply: the turn is marked, the chat goes on", async () => {
      const { io, ctrlC } = cliLikeIo();
      const input = new PassThrough();
      let stops = 0;
      const out = transcript((n) => {
        // Ctrl-C on the second streamed piece of the first reply.
        if (n === 2 && stops++ === 0) ctrlC();
      });
      input.write("What is 2+2?\n");
      input.end("What is 2+2?\n");
      const turns = await runChatLoop(await newSession(), { input, output: out.stream, interactive: false, io });
      expect(io.signal.aborted).toBe(false);
      expect(turns).toHaveLength(2);
      expect(turns[0].interrupted).toBe(true);
      expect(turns[1].interrupted).toBeUndefined();
      // The stopped turn kept what was streamed and was left out of the history: the next identical message
      // starts from the same prompt and gives the full reply, of which the stopped one is a strict prefix.
      expect(turns[0].output.length).toBeGreaterThan(0);
      expect(turns[1].output.startsWith(turns[0].output)).toBe(true);
      expect(turns[1].output.length).toBeGreaterThan(turns[0].output.length);
      expect(out.text()).toContain("[stopped]");
      // The gate and the readout were read before the reply began, so the stopped turn reports them too.
      expect(turns[0].steering).toEqual(turns[1].steering);
      expect(turns[0].steering).toMatchObject({ enabled: true, gate: 1, domain: "math" });
      expect(turns[0].readout).toEqual(turns[1].readout);
      expect(turns[0].readout).not.toBeNull();
    });

    test("a second Ctrl-C during the same reply stops the chat with ERR_ABORTED", async () => {
      const { io, ctrlC } = cliLikeIo();
      const input = new PassThrough();
      const out = transcript((n) => {
        if (n === 1) {
          ctrlC();
          ctrlC();
        }
      });
      input.end("What is 2+2?\nnever answered\n");
      await expect(runChatLoop(await newSession(), { input, output: out.stream, interactive: false, io })).rejects.toMatchObject({ code: "ERR_ABORTED" });
      expect(io.signal.aborted).toBe(true);
    });

    test("Ctrl-C while waiting for a line stops the chat with ERR_ABORTED", async () => {
      const { io, ctrlC } = cliLikeIo();
      const input = new PassThrough();
      const out = transcript(() => undefined);
      const loop = runChatLoop(await newSession(), { input, output: out.stream, interactive: false, io });
      // Nothing was typed: the loop is waiting for the first line.
      await new Promise((resolve) => setImmediate(resolve));
      ctrlC();
      await expect(loop).rejects.toMatchObject({ code: "ERR_ABORTED" });
    });
  });
});
