/**
 * One `llama-steer chat` conversation: the history, the live steering settings, one turn (render → generate with
 * the ASA controller deciding from the prompt's own row → strict verdict), and the slash commands.
 * Kept apart from the terminal loop (commands/chat.ts) so it can be driven without a terminal.
 */
import type { SteeringAsset } from "../assets/index.js";
import type { ChatMessage, DatasetSample, FunctionTool } from "../data/index.js";
import type { SteerContext } from "../engine/context.js";
import { ErrorCodes, isSteerError } from "../errors.js";
import { closingMarkers } from "../eval/runner.js";
import { renderSamples } from "../eval/prompts.js";
import type { ToolCallParseResult, ToolDefinition, ToolFormat } from "../formats/index.js";
import type { CosineReadout } from "../probes/index.js";
import { planToolReadout, readWithPlan, type ToolReadoutPlan } from "../science/readout.js";
import { asaDecide, asaSteering, type AsaDecision, type AsaGateRecord } from "../science/asa.js";

export interface ChatSettings {
  /** Apply the asset's steering (the gate is still read and reported when off). */
  steer: boolean;
  /** Injection strength α. */
  alpha: number;
  /** Gate threshold τ in [0.5, 1]. */
  tau: number;
}

export type ChatSteeringRecord = AsaGateRecord;

export interface ChatReadoutRecord {
  layer: number;
  predicted: string;
  runner_up: string;
  gap: number;
  scores: Record<string, number>;
}

/** One turn as the --json document records it. */
export interface ChatTurn {
  user: string;
  /** The reply, with the closing marker that ended it (what the parser judged). Partial when interrupted. */
  output: string;
  /** Null without an asset, or when the reply was stopped before the prompt's row was read. */
  steering: ChatSteeringRecord | null;
  /** Null without tool means for two or more tools at the asset's layer, or when the row was not read. */
  readout: ChatReadoutRecord | null;
  verdict: ToolCallParseResult;
  /** Present (true) when Ctrl-C stopped the reply; such a turn is not added to the history. */
  interrupted?: true;
}

export interface ChatSessionOptions {
  ctx: SteerContext;
  format: ToolFormat;
  tools: readonly ToolDefinition[];
  /** The ASA asset; without one nothing is steered. */
  asset?: SteeringAsset;
  /** New tokens per reply. */
  maxTokens: number;
  /** Initial α. Default: the asset's. */
  alpha?: number;
}

/** What a slash command answers: a line to show, and whether the chat ends. */
export interface SlashReply {
  text: string;
  quit?: boolean;
}

export const CHAT_HELP = [
  "/steer on|off   apply the asset's steering or not (the gate is still read and shown)",
  "/alpha X        injection strength α (a finite number)",
  "/tau X          gate threshold τ in [0.5, 1]",
  "/reset          forget the conversation so far",
  "/help           this list",
  "/quit           leave (so does Ctrl-D)",
].join("\n");

export class ChatSession {
  readonly settings: ChatSettings;
  readonly tools: readonly ToolDefinition[];
  private readonly history: ChatMessage[] = [];
  private readonly readoutPlan: ToolReadoutPlan | undefined;
  /** The tools as dataset rows want them (parameters always present), for rendering only; parsing uses `tools`. */
  private readonly renderTools: FunctionTool[];

  constructor(private readonly options: ChatSessionOptions) {
    this.tools = options.tools;
    this.renderTools = options.tools.map((t) => ({ type: "function", function: { ...t.function, parameters: t.function.parameters ?? { type: "object", properties: {} } } }));
    const asset = options.asset;
    this.settings = { steer: asset !== undefined, alpha: options.alpha ?? asset?.params.alpha ?? 0, tau: asset?.params.tau ?? 0.5 };
    this.readoutPlan = asset ? planToolReadout(asset.toolMeans, asset.layer, options.tools.map((t) => t.function.name)) : undefined;
  }

  get hasAsset(): boolean {
    return this.options.asset !== undefined;
  }

  /** Tool names the readout compares, or undefined when there is no readout. */
  get readoutTools(): string[] | undefined {
    return this.readoutPlan ? [...this.readoutPlan.means.keys()] : undefined;
  }

  reset(): void {
    this.history.length = 0;
  }

  /**
   * Renders the conversation plus `user`, generates a reply (streamed through `onText`), judges it. A reply stopped
   * through `signal` comes back with `interrupted: true` and what was streamed so far; other errors propagate.
   */
  async turn(user: string, options: { signal?: AbortSignal; onText?: (chunk: string) => void } = {}): Promise<ChatTurn> {
    const { ctx, format, asset, maxTokens } = this.options;
    const messages: ChatMessage[] = [...this.history, { role: "user", content: user }];
    const sample: DatasetSample = { id: "chat", domain: "chat", messages, tools: this.renderTools, needs_tool: false, expected: null };
    const [prompt] = await renderSamples(ctx.model, [sample], format, { signal: options.signal });
    const settings = { ...this.settings };
    // The prompt's own row at the asset's layer (last prompt token, before any injection): the gate and the readout read it.
    let row: Float32Array | undefined;
    let decision: AsaDecision | undefined;
    let streamed = "";
    const onText = (chunk: string) => {
      streamed += chunk;
      options.onText?.(chunk);
    };
    const steering = asset
      ? settings.steer
        ? {
            decide: {
              layer: asset.layer,
              choose: (r: Float32Array) => {
                row = r;
                decision = asaDecide(asset, r, { tau: settings.tau });
                return asaSteering(asset, decision, { alpha: settings.alpha });
              },
            },
          }
        : // Off: read the row (a capture leaves the logits alone) so the gate is still reported, inject nothing.
          { capture: [asset.layer] }
      : {};
    let output: string;
    let interrupted = false;
    try {
      const [result] = await ctx.generateBatch([{ prompt, onText, ...steering }], { maxTokens, stop: closingMarkers(format), signal: options.signal });
      output = result.stopReason === "stop" && result.stopString ? result.text + result.stopString : result.text;
      if (asset) row ??= result.captured?.get(asset.layer);
    } catch (e) {
      if (!(options.signal?.aborted && isSteerError(e, ErrorCodes.ABORTED))) throw e;
      output = streamed;
      interrupted = true;
    }
    if (asset && row && !decision) decision = asaDecide(asset, row, { tau: settings.tau });
    const turn: ChatTurn = {
      user,
      output,
      steering: asset && decision ? { enabled: settings.steer, alpha: settings.alpha, tau: settings.tau, domain: decision.domain, p: decision.p, gate: decision.gate } : null,
      readout: this.readoutPlan && row ? readoutRecord(this.readoutPlan, row) : null,
      verdict: format.parse(output, this.tools),
      ...(interrupted ? { interrupted: true as const } : {}),
    };
    if (!interrupted) this.history.push({ role: "user", content: user }, { role: "assistant", content: output });
    return turn;
  }

  /** Runs a slash command (`line` starts with "/"). Never throws on user input: mistakes come back as text. */
  command(line: string): SlashReply {
    const [name, ...args] = line.trim().split(/\s+/);
    const arg = args.join(" ");
    const noAsset = "no steering asset loaded; start chat with --asset FILE to steer";
    switch (name) {
      case "/help":
        return { text: CHAT_HELP };
      case "/quit":
      case "/exit":
        return { text: "bye", quit: true };
      case "/reset":
        this.reset();
        return { text: "conversation cleared" };
      case "/steer":
        if (!this.hasAsset) return { text: noAsset };
        if (arg === "on" || arg === "off") {
          this.settings.steer = arg === "on";
          return { text: `steering ${arg}` };
        }
        if (arg === "") return { text: `steering is ${this.settings.steer ? "on" : "off"}` };
        return { text: `/steer takes on or off, got "${arg}"` };
      case "/alpha": {
        if (!this.hasAsset) return { text: noAsset };
        if (arg === "") return { text: `α = ${this.settings.alpha}` };
        const alpha = Number(arg);
        if (args.length !== 1 || !Number.isFinite(alpha)) return { text: `/alpha takes a finite number, got "${arg}"; α stays ${this.settings.alpha}` };
        this.settings.alpha = alpha;
        return { text: `α = ${alpha}` };
      }
      case "/tau": {
        if (!this.hasAsset) return { text: noAsset };
        if (arg === "") return { text: `τ = ${this.settings.tau}` };
        const tau = Number(arg);
        if (args.length !== 1 || !Number.isFinite(tau) || tau < 0.5 || tau > 1) return { text: `/tau takes a number in [0.5, 1], got "${arg}"; τ stays ${this.settings.tau}` };
        this.settings.tau = tau;
        return { text: `τ = ${tau}` };
      }
      default:
        return { text: `unknown command ${name}; /help lists the commands` };
    }
  }
}

/** The `[asa] ...` line of a turn, e.g. `[asa] domain=math p=0.91 gate=+1 α=2 | readout: calculator (gap 0.08)`. */
export function describeSteering(turn: ChatTurn): string | undefined {
  const s = turn.steering;
  if (!s && !turn.readout) return undefined;
  const parts: string[] = [];
  if (s) {
    const gate = s.gate > 0 ? "+1" : String(s.gate);
    parts.push(`domain=${s.domain} p=${s.p.toFixed(2)} gate=${gate} ${s.enabled ? `α=${s.alpha}` : "steering off"}`);
  }
  if (turn.readout) parts.push(`readout: ${turn.readout.predicted} (gap ${turn.readout.gap.toFixed(2)})`);
  return `[asa] ${parts.join(" | ")}`;
}

/** The strict parser's verdict in one line. */
export function describeVerdict(verdict: ToolCallParseResult): string {
  if (!verdict.triggered) return "[verdict] no call";
  const calls = verdict.calls.length > 0 ? ` ${verdict.calls.map((c) => `${c.name}(${JSON.stringify(c.arguments)})`).join(", ")}` : "";
  return `[verdict] triggered${calls}; format_ok=${verdict.format_ok} tool_ok=${verdict.tool_ok} args_ok=${verdict.args_ok}`;
}

function readoutRecord(plan: ToolReadoutPlan, row: Float32Array): ChatReadoutRecord {
  const r: CosineReadout = readWithPlan(plan, row);
  return { layer: plan.layer, predicted: r.predicted, runner_up: r.runnerUp, gap: r.gap, scores: Object.fromEntries(r.classes.map((c, i) => [c, r.scores[i]])) };
}
