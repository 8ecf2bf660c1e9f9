/** A progress bar on stderr when it is a TTY; silent otherwise (logs and --json stay clean). */

export interface Progress {
  /** Sets the position (and optionally a new label) and redraws at most ~10 times a second. */
  update(done: number, total?: number, label?: string): void;
  /** Clears the bar. */
  done(message?: string): void;
}

export function createProgress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY || process.env.CI) {
    // No bar in logs: one line when a phase starts, so a long job still shows where it is.
    stream.write(`${label} (${total})\n`);
    return { update() {}, done(message) { if (message) stream.write(`${message}\n`); } };
  }
  let current = 0;
  let size = total;
  let text = label;
  let last = 0;
  const started = Date.now();
  const draw = () => {
    const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - text.length - 30));
    const fraction = size > 0 ? Math.min(1, current / size) : 0;
    const filled = Math.round(fraction * width);
    const elapsed = (Date.now() - started) / 1000;
    const eta = fraction > 0 ? elapsed / fraction - elapsed : 0;
    stream.write(`\r\x1b[K${text} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${current}/${size} ${fraction > 0 && fraction < 1 ? `eta ${Math.ceil(eta)}s` : ""}`);
  };
  return {
    update(done, newTotal, newLabel) {
      current = done;
      if (newTotal !== undefined) size = newTotal;
      if (newLabel !== undefined) text = newLabel;
      const now = Date.now();
      if (now - last > 100 || current >= size) {
        last = now;
        draw();
      }
    },
    done(message) {
      stream.write("\r\x1b[K");
      if (message) stream.write(`${message}\n`);
    },
  };
}
