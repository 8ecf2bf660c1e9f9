import { createInterface } from "node:readline";

import { loadAsset, type SteeringAsset } from "../../assets/index.js";
import { ErrorCodes, abortedError, isSteerError } from "../../errors.js";
import { listFormats } from "../../formats/index.js";
import { ChatSession, describeSteering, describeVerdict, type ChatTurn } from "../chatSession.js";
import { defaultChatTools, readChatToolsFile } from "../chatTools.js";
import { UsageError, type Command, type CommandIo } from "../command.js";
import { formatFrom, openSession, parseInteger, sessionOptions } from "../shared.js";

/** New tokens per reply unless --max-tokens says otherwise. */
const DEFAULT_CHAT_MAX_TOKENS = 256;

export const chatCommand: Command = {
  name: "chat",
  summary: "Chat with a model in a tool format: live ASA steering, the gate's decision and the strict verdict on every reply",
  usage: "llama-steer chat [--model M] [--threads N] [--asset FILE] [--format F] [--tools FILE.json] [--alpha A] [--max-tokens N] [--json]",
  examples: [
    "llama-steer chat                                  # unsteered, the necessity dataset's four tools",
    "llama-steer chat --asset asa.json --alpha 4       # ASA steering; /steer off, /alpha 2, /tau 0.8 change it live",
    "llama-steer chat --format hermes --tools tools.json",
    'printf "What is 4821 * 377?\\n/steer off\\nWhat is 4821 * 377?\\n" | llama-steer chat --asset asa.json --json > turns.json',
  ],
  options: {
    ...sessionOptions,
    asset: { type: "string", description: "steering asset from `llama-steer build` (ASA: router, probe, gate, one injection); default none", valueName: "FILE" },
    format: { type: "string", description: `tool format: ${listFormats().map((f) => f.name).join(", ")} (default asa)`, valueName: "NAME" },
    tools: {
      type: "string",
      description: "JSON array of tools in the OpenAI layout (default: the asset's tools from the built-in dataset that defines them, else the necessity dataset's tools)",
      valueName: "FILE",
    },
    alpha: { type: "string", description: "initial injection strength α (default: the asset's); /alpha changes it live", valueName: "A" },
    "max-tokens": { type: "string", description: `new tokens per reply (default ${DEFAULT_CHAT_MAX_TOKENS})`, valueName: "N" },
  },
  async run(values, _positionals, io) {
    const format = formatFrom(values.format);
    const maxTokens = parseInteger("max-tokens", values["max-tokens"], DEFAULT_CHAT_MAX_TOKENS, 1);
    const alpha = values.alpha === undefined ? undefined : Number(values.alpha);
    if (alpha !== undefined && !Number.isFinite(alpha)) throw new UsageError(`--alpha takes a finite number, got "${String(values.alpha)}"`);
    const assetPath = typeof values.asset === "string" ? values.asset : undefined;
    if (alpha !== undefined && assetPath === undefined) throw new UsageError("--alpha needs --asset (nothing is steered without one)");
    // Read the asset and tools before the model loads, so a bad file fails at once.
    let asset: SteeringAsset | undefined = assetPath === undefined ? undefined : await loadAsset(assetPath);
    const { tools, source } = typeof values.tools === "string" ? { tools: await readChatToolsFile(values.tools), source: `file ${values.tools}` } : await defaultChatTools(asset, io.signal);
    const session = await openSession(values, io);
    try {
      if (assetPath !== undefined) asset = await loadAsset(assetPath, { expectFingerprint: session.model.info.fingerprint });
      const chat = new ChatSession({ ctx: session.ctx, format, tools, asset, maxTokens, alpha });
      const names = tools.map((t) => t.function.name);
      io.log(`chat: format ${format.name}; tools ${names.join(", ") || "(none)"} from ${source}`);
      if (asset) {
        const readout = chat.readoutTools ? `readout over ${chat.readoutTools.join(", ")}` : "no readout (the asset has no tool means)";
        io.log(`asset ${assetPath}: layer ${asset.layer}, α ${chat.settings.alpha}, τ ${chat.settings.tau}; ${readout}`);
      }
      const interactive = !io.json && process.stdin.isTTY === true;
      if (interactive) io.log("type a message; /help lists the commands; Ctrl-C stops a reply, Ctrl-C at the prompt or Ctrl-D leaves");
      const turns = await runChatLoop(chat, { input: process.stdin, output: process.stdout, interactive, io });
      return { model: session.modelPath, format: format.name, asset: assetPath ?? null, tools: names, turns };
    } finally {
      await session.dispose();
    }
  },
};

export interface ChatLoopOptions {
  /** User lines, one per message or slash command. */
  input: NodeJS.ReadableStream;
  /** Where replies stream and per-turn lines go (not used under --json: they go to the log). */
  output: NodeJS.WritableStream;
  /** A terminal: show a prompt; Ctrl-C arrives as a key rather than a signal. */
  interactive: boolean;
  io: CommandIo;
}

/**
 * Reads lines until EOF or /quit, running a turn for each message. Ctrl-C (through `io.onInterrupt`, or the key on
 * a terminal) while a reply is generated stops that reply only; Ctrl-C at the prompt, or a second one during the
 * same reply, stops the chat: `io.signal` aborts and this rejects with ERR_ABORTED.
 */
export async function runChatLoop(session: ChatSession, options: ChatLoopOptions): Promise<ChatTurn[]> {
  const { input, output, interactive, io } = options;
  const show = (text: string) => (io.json ? io.log(text) : output.write(`${text}\n`));
  const rl = createInterface({ input, output: interactive ? output : undefined, terminal: interactive, prompt: "> " });
  const queue: string[] = [];
  let closed = false;
  let wake: (() => void) | undefined;
  rl.on("line", (line) => {
    queue.push(line);
    wake?.();
  });
  rl.on("close", () => {
    closed = true;
    wake?.();
  });
  const onStop = () => wake?.();
  io.signal.addEventListener("abort", onStop);

  let stopReply: AbortController | undefined;
  const claimInterrupt = (): boolean => {
    if (!stopReply || stopReply.signal.aborted) return false;
    stopReply.abort(new Error("reply stopped by Ctrl-C"));
    return true;
  };
  const release = io.onInterrupt?.(claimInterrupt);
  // On a terminal readline reads Ctrl-C as a key; treat it as the signal would be.
  rl.on("SIGINT", () => {
    if (claimInterrupt()) return;
    output.write("\n");
    if (io.interrupt) io.interrupt();
    else rl.close();
  });

  const nextLine = async (): Promise<string | undefined> => {
    if (interactive && queue.length === 0) rl.prompt();
    while (queue.length === 0 && !closed && !io.signal.aborted) await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
    return io.signal.aborted ? undefined : queue.shift();
  };

  const turns: ChatTurn[] = [];
  try {
    for (let line = await nextLine(); line !== undefined; line = await nextLine()) {
      const text = line.trim();
      if (text === "") continue;
      if (!interactive && !io.json) output.write(`> ${text}\n`);
      if (text.startsWith("/")) {
        const reply = session.command(text);
        show(reply.text);
        if (reply.quit) break;
        continue;
      }
      stopReply = new AbortController();
      let turn: ChatTurn;
      try {
        turn = await session.turn(text, { signal: AbortSignal.any([io.signal, stopReply.signal]), onText: io.json ? undefined : (chunk) => output.write(chunk) });
      } catch (e) {
        // A conversation that outgrew the context is the user's to reset, not a reason to leave.
        if (!io.json && !io.signal.aborted && isSteerError(e, ErrorCodes.PROMPT_TOO_LONG)) {
          show(`${e.message}; /reset starts a new conversation`);
          continue;
        }
        throw e;
      } finally {
        stopReply = undefined;
      }
      if (io.signal.aborted) break;
      if (!io.json) output.write("\n");
      if (turn.interrupted) show("[stopped]");
      const steering = describeSteering(turn);
      if (steering) show(steering);
      show(describeVerdict(turn.verdict));
      turns.push(turn);
    }
  } finally {
    release?.();
    io.signal.removeEventListener("abort", onStop);
    rl.close();
  }
  if (io.signal.aborted) throw abortedError(io.signal.reason);
  return turns;
}
