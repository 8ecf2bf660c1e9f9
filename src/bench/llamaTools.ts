/**
 * llama.cpp's own command-line tools, built from the source node-llama-cpp ships by
 * `node scripts/build-llama-tools.mjs` (not by npm install). The bench compares against them and a test
 * checks that they load the control vectors llama-steer writes; both skip, saying why, when they are absent.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

import { packageRoot } from "../util/packageRoot.js";

export const LLAMA_TOOL_NAMES = ["llama-cvector-generator", "llama-completion", "llama-server"] as const;
export type LlamaToolName = (typeof LLAMA_TOOL_NAMES)[number];

export interface LlamaTools {
  /** llama.cpp's tag (node-llama-cpp's `llama/llama.cpp.info.json`). */
  tag: string;
  binDir: string;
  paths: Record<LlamaToolName, string>;
}

export type LlamaToolsLookup = { found: true; tools: LlamaTools } | { found: false; reason: string };

/** Environment variable naming another folder that holds the tools (a build of the same tag). */
export const LLAMA_TOOLS_ENV = "LLAMA_STEER_LLAMA_TOOLS";

/** The command that builds the tools, for messages. */
export const BUILD_LLAMA_TOOLS_COMMAND = "node scripts/build-llama-tools.mjs";

/** llama.cpp's tag as node-llama-cpp records it, or undefined when node-llama-cpp is not installed. */
export function bundledLlamaCppTag(): string | undefined {
  try {
    // Its exports map hides package.json: walk up from the entry point to the folder holding llama/.
    const require = createRequire(path.join(packageRoot(), "package.json"));
    let dir = path.dirname(require.resolve("node-llama-cpp"));
    while (!existsSync(path.join(dir, "llama", "llama.cpp.info.json"))) {
      const parent = path.dirname(dir);
      if (parent === dir) return undefined;
      dir = parent;
    }
    return (JSON.parse(readFileSync(path.join(dir, "llama", "llama.cpp.info.json"), "utf8")) as { tag: string }).tag;
  } catch {
    return undefined;
  }
}

/**
 * Finds the built tools: `$LLAMA_STEER_LLAMA_TOOLS` if set, else `<package root>/.cache/llama-tools/<tag>/bin`.
 * Never throws: a missing build is a reason string (the callers skip).
 */
export function findLlamaTools(env: NodeJS.ProcessEnv = process.env): LlamaToolsLookup {
  const tag = bundledLlamaCppTag();
  const override = env[LLAMA_TOOLS_ENV];
  if (tag === undefined && !override) return { found: false, reason: "node-llama-cpp is not installed, so the llama.cpp tag (and the tools) is unknown" };
  const binDir = override ? path.resolve(override) : path.join(packageRoot(), ".cache", "llama-tools", tag!, "bin");
  const exe = process.platform === "win32" ? ".exe" : "";
  const paths = Object.fromEntries(LLAMA_TOOL_NAMES.map((name) => [name, path.join(binDir, name + exe)])) as Record<LlamaToolName, string>;
  const missing = LLAMA_TOOL_NAMES.filter((name) => !existsSync(paths[name]));
  if (missing.length > 0) {
    const where = override ? `${LLAMA_TOOLS_ENV}=${override}` : binDir;
    return { found: false, reason: `llama.cpp's tools are not built (${missing.join(", ")} missing in ${where}); run "${BUILD_LLAMA_TOOLS_COMMAND}"` };
  }
  return { found: true, tools: { tag: tag ?? "unknown", binDir, paths } };
}

export interface ToolRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall milliseconds from spawn to exit. */
  ms: number;
  /** Milliseconds from spawn until stdout first matched RunToolOptions.mark (undefined: no mark, or never matched). */
  markMs?: number;
}

/**
 * The line llama-cvector-generator prints (std::endl, so flushed at once) after loading the model and
 * tokenizing every prompt, just before it decodes the first pair.
 */
export const CVECTOR_GENERATOR_DECODE_START = /^n_total_tokens: \d+$/m;

/** Output kept per stream: the tools can print a lot, and only the end matters for a failure message. */
const MAX_KEPT_CHARS = 1 << 20;

export interface RunToolOptions {
  signal?: AbortSignal;
  cwd?: string;
  /**
   * Keeps the tool's stdin open until its stdout so far satisfies this, then closes it (an interactive
   * tool then sees end of input). Default: stdin closed from the start.
   */
  endInputWhen?: (stdout: string) => boolean;
  /** Notes when stdout first matches this (ToolRun.markMs). */
  mark?: RegExp;
}

/** Runs a tool to completion, collecting its output. Rejects only if it cannot be started. */
export function runTool(file: string, args: readonly string[], options: RunToolOptions = {}): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const { endInputWhen } = options;
    const child = spawn(file, args, { cwd: options.cwd, stdio: [endInputWhen ? "pipe" : "ignore", "pipe", "pipe"], signal: options.signal });
    let stdout = "";
    let stderr = "";
    const keep = (text: string, chunk: Buffer) => (text + chunk.toString("utf8")).slice(-MAX_KEPT_CHARS);
    child.stdin?.on("error", () => {}); // the tool may exit without reading its input
    let markMs: number | undefined;
    child.stdout!.on("data", (c: Buffer) => {
      stdout = keep(stdout, c);
      if (options.mark && markMs === undefined && options.mark.test(stdout)) markMs = performance.now() - t0;
      if (endInputWhen && child.stdin && !child.stdin.writableEnded && endInputWhen(stdout)) child.stdin.end();
    });
    child.stderr!.on("data", (c: Buffer) => (stderr = keep(stderr, c)));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr, ms: performance.now() - t0, markMs }));
  });
}

/**
 * Printed by llama-completion when it waits for input (its `--in-prefix`); the generated text is whole
 * once this shows on stdout.
 */
const END_OF_TEXT_MARKER = "[[llama-steer: end of text]]";

/**
 * Runs llama-completion with `args` (which must not ask for conversation mode) and returns its output
 * with stdout cut at the end of the generated text.
 *
 * Its text goes through llama.cpp's asynchronous logger, whose thread is not waited for at exit, so on a
 * busy machine a run that simply exits loses the end of what it printed, the generated text included.
 * Run interactively instead: after its tokens it prints the input prefix (a marker, through the same
 * logger, in order) and waits for input; the marker on stdout means every token before it was printed.
 * Only then is stdin closed, which ends the run.
 */
export async function runLlamaCompletion(tools: LlamaTools, args: readonly string[], options: { signal?: AbortSignal } = {}): Promise<ToolRun> {
  const run = await runTool(tools.paths["llama-completion"], [...args, "-i", "--in-prefix", END_OF_TEXT_MARKER], {
    signal: options.signal,
    endInputWhen: (stdout) => stdout.includes(END_OF_TEXT_MARKER),
  });
  const end = run.stdout.indexOf(END_OF_TEXT_MARKER);
  if (run.code === 0 && end < 0) throw new Error(`llama-completion exited without reaching the end of its text:\n${tail(run.stderr)}`);
  return end < 0 ? run : { ...run, stdout: run.stdout.slice(0, end) };
}

/** The last lines of a tool's output, for an error message. */
export function tail(text: string, lines = 12): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/**
 * Lines of llama.cpp's output that say a control vector was not applied. Its loader prints an error and
 * the tool carries on without the vector, so the exit code alone does not tell.
 */
export function controlVectorLoadErrors(output: string): string[] {
  return output
    .split("\n")
    .filter((line) => /control vector|direction tensor|skipping .* due to invalid/i.test(line) && /fail|invalid|error|skipping|does not match|no direction/i.test(line));
}

/** One prompt per line, as cvector-generator reads it (it undoes these escapes and skips empty lines). */
export function promptFileText(prompts: readonly string[]): string {
  return (
    prompts
      .map((p, i) => {
        if (p.length === 0) throw new Error(`prompt ${i} is empty; cvector-generator skips empty lines, which would shift the pairs`);
        return p.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t");
      })
      .join("\n") + "\n"
  );
}
