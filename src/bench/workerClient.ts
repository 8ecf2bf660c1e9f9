/** The bench's side of worker.ts: fork it, send one request at a time, await the reply. */
import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

import type { WorkerReply, WorkerRequest } from "./worker.js";

type OkReply<T extends WorkerRequest["type"]> = Extract<WorkerReply, { ok: true; type: T }>;

export class BenchWorker {
  private readonly child: ChildProcess;
  private pending: { resolve: (r: WorkerReply) => void; reject: (e: Error) => void } | undefined;
  private exited: Error | undefined;

  private constructor(child: ChildProcess) {
    this.child = child;
    child.on("message", (reply: WorkerReply) => {
      const p = this.pending;
      this.pending = undefined;
      p?.resolve(reply);
    });
    child.on("exit", (code, signal) => {
      this.exited = new Error(`bench worker exited (${code ?? signal})`);
      this.pending?.reject(this.exited);
      this.pending = undefined;
    });
    child.on("error", (e) => {
      this.exited = e;
      this.pending?.reject(e);
      this.pending = undefined;
    });
  }

  /** Forks the compiled worker (dist/bench/worker.js); the bench runs from dist. */
  static start(): BenchWorker {
    const file = fileURLToPath(new URL("./worker.js", import.meta.url));
    if (!existsSync(file)) throw new Error(`The bench worker ${file} is missing; run the bench from the compiled package (npm run build:ts)`);
    return new BenchWorker(fork(file, [], { stdio: ["ignore", "ignore", "inherit", "ipc"] }));
  }

  async request<T extends WorkerRequest["type"]>(request: Extract<WorkerRequest, { type: T }>): Promise<OkReply<T>> {
    if (this.exited) throw this.exited;
    if (this.pending) throw new Error("bench worker: one request at a time");
    const reply = await new Promise<WorkerReply>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.child.send(request);
    });
    if (!reply.ok) throw new Error(`bench worker (${request.type}): ${reply.error}`);
    return reply as OkReply<T>;
  }

  /** Ends the child and waits for it. */
  async close(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill(), 10_000);
    await done;
    clearTimeout(timer);
  }
}
