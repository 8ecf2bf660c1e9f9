/**
 * Drives Debian's headless Chromium over the Chrome DevTools Protocol for the browser tests; not a
 * test file itself. The protocol runs over --remote-debugging-pipe (fd 3 in, fd 4 out, one JSON
 * message per NUL-terminated frame): no port, no WebSocket client (Node 20 has none without a flag),
 * no package to install.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";

export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Flags for a quiet, offline, throwaway browser: without the background-networking ones Chromium tries to reach Google services. */
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--hide-scrollbars",
  "--remote-debugging-pipe",
];

const COMMAND_TIMEOUT_MS = 30_000;

export interface Viewport {
  width: number;
  height: number;
}

/** What happened while a page loaded, as the browser reported it. */
export interface PageInspection {
  /** console.error / console.assert calls made by page script. */
  consoleErrors: string[];
  /** Uncaught exceptions in page script. */
  exceptions: string[];
  /** Browser-side errors (failed resource loads, blocked content, CSP, ...). */
  logErrors: string[];
  /** Every URL the page requested, the document itself included. */
  requests: string[];
  /** The value of the expression evaluated after load. */
  evaluation: unknown;
  /** Full-page PNG. */
  screenshot: Buffer;
}

interface CdpMessage {
  id?: number;
  method?: string;
  params?: Record<string, any>;
  result?: Record<string, any>;
  error?: { code: number; message: string };
  sessionId?: string;
}

export class HeadlessChromium {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Record<string, any>) => void; reject: (e: Error) => void; method: string }>();
  private readonly listeners = new Set<(message: CdpMessage) => void>();
  private stderrTail = "";
  private exited = false;

  private constructor(
    private readonly child: ChildProcess,
    private readonly profileDir: string,
  ) {
    const input = child.stdio[3] as Writable;
    const output = child.stdio[4] as Readable;
    input.on("error", () => {}); // a write after the browser died surfaces through the pending rejection instead
    let buffered = Buffer.alloc(0);
    output.on("data", (chunk: Buffer) => {
      // Split on NUL in bytes, not characters: a frame boundary may fall inside a UTF-8 sequence.
      buffered = Buffer.concat([buffered, chunk]);
      for (let end = buffered.indexOf(0); end >= 0; end = buffered.indexOf(0)) {
        const frame = buffered.subarray(0, end).toString("utf8");
        buffered = buffered.subarray(end + 1);
        this.dispatch(JSON.parse(frame) as CdpMessage);
      }
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString("utf8")).slice(-4000);
    });
    child.on("exit", (code, signal) => {
      this.exited = true;
      const error = new Error(`Chromium exited (code ${code}, signal ${signal}). Last stderr:\n${this.stderrTail}`);
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    });
  }

  static async launch(): Promise<HeadlessChromium> {
    const profileDir = mkdtempSync(join(tmpdir(), "llama-steer-chromium-"));
    const child = spawn(CHROMIUM_PATH, [...CHROMIUM_FLAGS, `--user-data-dir=${profileDir}`], { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] });
    const browser = new HeadlessChromium(child, profileDir);
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", (e) => reject(new Error(`cannot start ${CHROMIUM_PATH}: ${e.message}`)));
    });
    // The first answered command proves the pipe is up.
    await browser.send("Browser.getVersion");
    return browser;
  }

  /** Opens `url` in a fresh tab, collects what the page reports until load, evaluates `expression`, screenshots the whole page. */
  async inspect(url: string, viewport: Viewport, expression: string): Promise<PageInspection> {
    const { targetId } = await this.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await this.send("Target.attachToTarget", { targetId, flatten: true });
    const inspection: Omit<PageInspection, "evaluation" | "screenshot"> = { consoleErrors: [], exceptions: [], logErrors: [], requests: [] };
    const collect = (m: CdpMessage) => {
      if (m.sessionId !== sessionId || !m.params) return;
      if (m.method === "Runtime.consoleAPICalled" && ["error", "assert"].includes(m.params.type)) inspection.consoleErrors.push(consoleText(m.params.args));
      if (m.method === "Runtime.exceptionThrown") inspection.exceptions.push(m.params.exceptionDetails?.exception?.description ?? m.params.exceptionDetails?.text ?? "exception");
      if (m.method === "Log.entryAdded" && m.params.entry?.level === "error") inspection.logErrors.push(`${m.params.entry.text} ${m.params.entry.url ?? ""}`.trim());
      if (m.method === "Network.requestWillBeSent") inspection.requests.push(m.params.request.url);
    };
    this.listeners.add(collect);
    try {
      for (const domain of ["Runtime", "Log", "Network", "Page"]) await this.send(`${domain}.enable`, {}, sessionId);
      await this.send("Emulation.setDeviceMetricsOverride", { ...viewport, deviceScaleFactor: 1, mobile: false }, sessionId);
      const loaded = this.waitForEvent("Page.loadEventFired", sessionId);
      const navigation = await this.send("Page.navigate", { url }, sessionId);
      if (navigation.errorText) throw new Error(`navigation to ${url} failed: ${navigation.errorText}`);
      await loaded;
      // Two animation frames: layout and paint are done before anything is measured.
      await this.send("Runtime.evaluate", { expression: "new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))", awaitPromise: true }, sessionId);
      const evaluated = await this.send("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true }, sessionId);
      if (evaluated.exceptionDetails) throw new Error(`evaluation failed: ${evaluated.exceptionDetails.exception?.description ?? evaluated.exceptionDetails.text}`);
      const { cssContentSize } = await this.send("Page.getLayoutMetrics", {}, sessionId);
      const clip = { x: 0, y: 0, width: Math.ceil(cssContentSize.width), height: Math.ceil(cssContentSize.height), scale: 1 };
      const shot = await this.send("Page.captureScreenshot", { format: "png", captureBeyondViewport: true, clip }, sessionId);
      return { ...inspection, evaluation: evaluated.result?.value, screenshot: Buffer.from(shot.data, "base64") };
    } finally {
      this.listeners.delete(collect);
      await this.send("Target.closeTarget", { targetId }).catch(() => undefined);
    }
  }

  /** Closes the browser and removes its profile. Safe to call twice. */
  async close(): Promise<void> {
    if (!this.exited) {
      const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
      await this.send("Browser.close").catch(() => undefined);
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.profileDir, { recursive: true, force: true });
  }

  private send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, any>> {
    if (this.exited) return Promise.reject(new Error(`Chromium has exited; cannot send ${method}. Last stderr:\n${this.stderrTail}`));
    const id = this.nextId++;
    const message = JSON.stringify(sessionId ? { id, method, params, sessionId } : { id, method, params });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer to ${method} within ${COMMAND_TIMEOUT_MS} ms`));
      }, COMMAND_TIMEOUT_MS);
      this.pending.set(id, {
        method,
        resolve: (r) => (clearTimeout(timer), resolve(r)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      (this.child.stdio[3] as Writable).write(message + "\0");
    });
  }

  private waitForEvent(method: string, sessionId: string): Promise<Record<string, any>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`no ${method} within ${COMMAND_TIMEOUT_MS} ms`));
      }, COMMAND_TIMEOUT_MS);
      const listener = (m: CdpMessage) => {
        if (m.method !== method || m.sessionId !== sessionId) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(m.params ?? {});
      };
      this.listeners.add(listener);
    });
  }

  private dispatch(message: CdpMessage): void {
    if (message.id !== undefined) {
      const p = this.pending.get(message.id);
      if (!p) return;
      this.pending.delete(message.id);
      if (message.error) p.reject(new Error(`${p.method}: ${message.error.message}`));
      else p.resolve(message.result ?? {});
      return;
    }
    for (const listener of [...this.listeners]) listener(message);
  }
}

function consoleText(args: { value?: unknown; description?: string; type: string }[] | undefined): string {
  return (args ?? []).map((a) => (a.value !== undefined ? String(a.value) : (a.description ?? a.type))).join(" ");
}
