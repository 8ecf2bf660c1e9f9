import { join } from "node:path";

import { hasValidMarker } from "../../models/cache.js";
import { defaultModelCacheDir, fetchModel, listModels, type FetchProgress } from "../../models/index.js";
import { createProgress, type Progress } from "../progress.js";
import { UsageError, type Command, type CommandIo } from "../command.js";

const PHASE_LABELS: Record<FetchProgress["phase"], string> = {
  "verify-cache": "checking the cached file",
  "wait-lock": "waiting for another fetch of this model",
  download: "downloading",
  assemble: "unpacking",
  verify: "verifying",
  done: "done",
};

export const fetchModelCommand: Command = {
  name: "fetch-model",
  summary: "Fetch a known model into the cache (checksum verified) and print its path, or list the known models",
  usage: "llama-steer fetch-model [NAME] [--list] [--json]",
  examples: [
    "llama-steer fetch-model",
    "llama-steer fetch-model gemma3-270m-q4km --json",
    "llama-steer fetch-model --list",
    'llama-steer doctor --model "$(llama-steer fetch-model)"',
  ],
  options: {
    list: { type: "boolean", description: "list the known models (name, size, architecture, instruct, default, cached) instead of fetching" },
  },
  positionals: true,
  async run(values, positionals, io) {
    if (positionals.length > 1) throw new UsageError(`expected at most one model name but received ${positionals.length}: ${positionals.join(" ")}`);
    const [name] = positionals;
    if (values.list === true) {
      if (name !== undefined) throw new UsageError("--list takes no model name");
      return { models: await listKnownModels(io) };
    }
    const fetched = await fetchWithProgress(name, io);
    io.log(`${fetched.name}: ${fetched.source === "cache" ? "already in the cache" : `fetched from ${fetched.source}`}, sha256 ${fetched.sha256}`);
    // The path alone on stdout, so that "$(llama-steer fetch-model)" can be passed to other commands.
    io.print(fetched.path);
    return { name: fetched.name, path: fetched.path, sha256: fetched.sha256, source: fetched.source };
  },
};

async function listKnownModels(io: CommandIo) {
  const cacheDir = defaultModelCacheDir();
  const models = [];
  for (const entry of listModels()) {
    // Only the marker is consulted (no hashing): listing must stay instant even for large files.
    const cached = await hasValidMarker(join(cacheDir, entry.file), entry);
    models.push({
      name: entry.name,
      architecture: entry.architecture,
      quantization: entry.quantization,
      size: entry.size,
      instruct: entry.instruct,
      default: entry.default,
      cached,
    });
    const flags = [entry.default ? "default" : "", entry.instruct ? "instruct" : "base", cached ? "cached" : ""].filter(Boolean).join(", ");
    io.print(`${entry.name.padEnd(28)} ${entry.architecture.padEnd(8)} ${entry.quantization.padEnd(7)} ${formatMegabytes(entry.size).padStart(9)}  ${flags}`);
  }
  return models;
}

/** Fetches with a bar on a TTY that follows the fetcher's phases; elsewhere one log line per phase change. */
async function fetchWithProgress(name: string | undefined, io: CommandIo) {
  let bar: Progress | undefined;
  let shown = "";
  const onProgress = (progress: FetchProgress): void => {
    // A cache hit reports only "done": nothing happened worth a bar.
    if (progress.phase === "done") return;
    const label = `${PHASE_LABELS[progress.phase]} ${progress.source} (MB)`;
    const total = progress.totalBytes ?? 0;
    if (label !== shown) {
      shown = label;
      bar?.done();
      bar = createProgress(label, toMegabytes(total));
      if (!process.stderr.isTTY) io.log(`${PHASE_LABELS[progress.phase]} ${progress.source}`);
    }
    bar?.update(toMegabytes(progress.bytes), total > 0 ? toMegabytes(total) : undefined);
  };
  try {
    return await fetchModel(name, { signal: io.signal, onProgress });
  } finally {
    bar?.done();
  }
}

function toMegabytes(bytes: number): number {
  return Math.round(bytes / 1e5) / 10;
}

function formatMegabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
