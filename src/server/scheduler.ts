/**
 * Requests decode together. The scheduler keeps one `generateBatch` round running on the context while there is
 * work: the round starts with the requests waiting (up to the context's sequences), and whenever a sequence frees
 * up the engine pulls the next waiting requests into the same round (`pull`), so a request that arrives while
 * others decode joins them at the next decode step instead of waiting for the round to end. Each request keeps its
 * own sampler, budget, stop strings, steering and abort signal (an aborted request frees its sequence at once).
 *
 * The queue is bounded: a request that finds `maxWaiting` requests already waiting is refused at once (429), never
 * left to time out.
 */
import type { GenerateBatchResult, GenerateItem, SteerContext } from "../engine/context.js";
import { abortedError } from "../errors.js";

export class QueueFullError extends Error {
  override readonly name = "QueueFullError";
}

interface Job {
  item: GenerateItem;
  resolve(result: GenerateBatchResult): void;
  reject(error: unknown): void;
  settled: boolean;
}

export interface SchedulerStats {
  /** Requests decoding now. */
  running: number;
  /** Requests waiting for a sequence. */
  waiting: number;
  /** Rounds started since the server began (a round lasts while requests keep arriving). */
  rounds: number;
}

export class Scheduler {
  private readonly pending: Job[] = [];
  private roundJobs: Job[] = [];
  private inRound = false;
  private current: Promise<unknown> | undefined;
  private rounds = 0;

  constructor(
    private readonly ctx: SteerContext,
    /** Most requests waiting for a sequence before new ones are refused. */
    private readonly maxWaiting: number,
    /** Stops every round (server shutdown). */
    private readonly signal?: AbortSignal,
  ) {}

  stats(): SchedulerStats {
    return { running: this.roundJobs.filter((j) => !j.settled).length, waiting: this.pending.length, rounds: this.rounds };
  }

  /**
   * Queues one generation. Throws QueueFullError at once when the queue is full. The item's own signal aborts it:
   * while waiting it leaves the queue (rejecting with ERR_ABORTED); while decoding it ends with stopReason "aborted".
   */
  submit(item: GenerateItem): Promise<GenerateBatchResult> {
    if (this.pending.length >= this.maxWaiting) throw new QueueFullError(`${this.pending.length} requests are already waiting (the server takes at most ${this.maxWaiting} waiting)`);
    return new Promise<GenerateBatchResult>((resolve, reject) => {
      const job: Job = { item, resolve, reject, settled: false };
      const signal = item.signal;
      if (signal) {
        if (signal.aborted) return reject(abortedError(signal.reason));
        signal.addEventListener(
          "abort",
          () => {
            const at = this.pending.indexOf(job);
            if (at >= 0) {
              this.pending.splice(at, 1);
              settle(job, () => reject(abortedError(signal.reason)));
            }
          },
          { once: true },
        );
      }
      this.pending.push(job);
      this.startRound();
    });
  }

  /** Resolves once no round is running (after close, when nothing new is submitted). */
  async idle(): Promise<void> {
    while (this.current) await this.current.catch(() => undefined);
  }

  private startRound(): void {
    if (this.inRound || this.pending.length === 0) return;
    this.inRound = true;
    this.rounds++;
    const jobs = this.pending.splice(0, this.ctx.sequences);
    this.roundJobs = jobs;
    const round = this.ctx.generateBatch(
      jobs.map((j) => j.item),
      {
        signal: this.signal,
        pull: (room) => {
          const more = this.pending.splice(0, room);
          jobs.push(...more);
          return more.map((j) => j.item);
        },
        onDone: (index, result) => settle(jobs[index], () => jobs[index].resolve(result as GenerateBatchResult)),
      },
    );
    this.current = round
      .then(
        () => undefined,
        (error: unknown) => {
          for (const job of jobs) settle(job, () => job.reject(error));
        },
      )
      .finally(() => {
        this.inRound = false;
        this.roundJobs = [];
        this.current = undefined;
        this.startRound();
      });
  }
}

function settle(job: Job, how: () => void): void {
  if (job.settled) return;
  job.settled = true;
  how();
}
