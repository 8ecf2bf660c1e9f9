/** What every CLI command is: a name, its help, its options, and an async run that returns a JSON-able result. */
import type { ParseArgsConfig } from "node:util";

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>[string] & { description: string; valueName?: string };

export interface CommandIo {
  /** True when --json was given: print nothing but the one JSON document on stdout. */
  json: boolean;
  /** Human output (stdout); ignored under --json. */
  print(text: string): void;
  /** Logs (stderr). */
  log(text: string): void;
  /** Fires on Ctrl-C. */
  signal: AbortSignal;
  /**
   * Lets a command take Ctrl-C for itself while `handler` is installed: the handler runs first, and returning true
   * means the command dealt with it (chat stops only the reply being generated); false lets the CLI stop the
   * command as usual. Returns a function that uninstalls the handler. Absent where nothing delivers Ctrl-C.
   */
  onInterrupt?(handler: () => boolean): () => void;
  /** Stops the command as Ctrl-C does: `signal` aborts and the CLI exits with the interrupted code. */
  interrupt?(): void;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  examples: string[];
  options: Record<string, OptionSpec>;
  /** Positional arguments allowed. Default false. */
  positionals?: boolean;
  /** Returns the document printed under --json; `ok: false` in it sets a failing exit code. */
  run(values: Record<string, string | boolean | string[] | undefined>, positionals: string[], io: CommandIo): Promise<unknown>;
}

/** Thrown by commands for usage mistakes (exit code 2). */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
