/**
 * A lock file that keeps two fetches of the same model (in one process or several) from downloading it twice.
 *
 * The lock only saves work; it is not what keeps the cache correct. Every fetch writes into its own uniquely
 * named temp folder and publishes with an atomic rename of a file whose sha256 was already checked, so even if a
 * stale lock is broken while its owner still runs, the worst outcome is a duplicate download of identical bytes.
 */
import { open, readFile, rm, stat, utimes } from "node:fs/promises";
import { hostname } from "node:os";
import { abortedError } from "../errors.js";

export interface FileLockOptions {
  signal?: AbortSignal;
  /** A lock whose file has not been touched for this long is considered abandoned. Default: 60 000 ms. */
  staleMs?: number;
  /** How often a waiter looks again. Default: 200 ms. */
  pollMs?: number;
  /** Called once when the lock is found held by someone else and we start waiting. */
  onWait?: (holder: string) => void;
}

interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

/** Runs `task` while holding the lock file `lockPath`; waits (abortably) while another owner holds it. */
export async function withFileLock<T>(lockPath: string, options: FileLockOptions, task: () => Promise<T>): Promise<T> {
  const staleMs = options.staleMs ?? 60_000;
  await acquire(lockPath, staleMs, options);
  // The owner refreshes the mtime so that a long download is never mistaken for an abandoned lock.
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(lockPath, now, now).catch(() => undefined);
  }, Math.max(1000, staleMs / 4));
  heartbeat.unref();
  try {
    return await task();
  } finally {
    clearInterval(heartbeat);
    await rm(lockPath, { force: true });
  }
}

async function acquire(lockPath: string, staleMs: number, options: FileLockOptions): Promise<void> {
  let announcedWait = false;
  for (;;) {
    if (options.signal?.aborted) throw abortedError(options.signal.reason);
    try {
      const handle = await open(lockPath, "wx");
      const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
      await handle.writeFile(JSON.stringify(owner) + "\n");
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = await readOwner(lockPath);
    if (await isAbandoned(lockPath, holder, staleMs)) {
      await rm(lockPath, { force: true });
      continue;
    }
    if (!announcedWait) {
      announcedWait = true;
      options.onWait?.(holder ? `process ${holder.pid} on ${holder.host} since ${holder.since}` : "another process");
    }
    await sleep(options.pollMs ?? 200, options.signal);
  }
}

async function readOwner(lockPath: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(lockPath, "utf8")) as LockOwner;
  } catch {
    return undefined; // being written right now, or already released
  }
}

async function isAbandoned(lockPath: string, owner: LockOwner | undefined, staleMs: number): Promise<boolean> {
  if (owner !== undefined && owner.host === hostname() && !isProcessAlive(owner.pid)) return true;
  try {
    return Date.now() - (await stat(lockPath)).mtimeMs > staleMs;
  } catch {
    return false; // released between our open and stat: just try again
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortedError(signal?.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
