#!/usr/bin/env node
// Evaluates a dataset split several times in ONE process, the way `llama-steer eval` does (same session, same
// context, the library's runEvaluation from dist/), and checks that every pass gives the same document: every
// sample's output and every metric. Resident memory is read after each pass (after a full garbage collection), so
// growth across passes shows up as well. Prints one JSON line on stdout; progress goes to stderr.
//
//   node scripts/long-run.mjs [--model M] [--subset K] [--passes 3] [--threads N] [--asset ASA.json] [--data necessity] [--split test]
//
// --model takes what the CLI takes (a manifest name or a GGUF path; default: the default model), or
// "synthetic[:llama|qwen2|gemma3]" for a quick check of the harness itself. Needs `npm run build:ts` first.
// Exit code 0 when every pass was identical, 1 when one differed, 2 on a usage error.
import { parseArgs } from "node:util";
import v8 from "node:v8";
import vm from "node:vm";

import { loadAsset } from "../dist/assets/index.js";
import { openDataset, openSession } from "../dist/cli/shared.js";
import { runEvaluation } from "../dist/eval/evaluate.js";
import { getFormat } from "../dist/formats/index.js";
import { syntheticModelPath } from "../dist/synthetic/index.js";

let values;
try {
  ({ values } = parseArgs({
    options: {
      model: { type: "string" },
      subset: { type: "string", default: "1" },
      passes: { type: "string", default: "3" },
      threads: { type: "string" },
      asset: { type: "string" },
      data: { type: "string", default: "necessity" },
      split: { type: "string", default: "test" },
      format: { type: "string", default: "asa" },
      "max-tokens": { type: "string", default: "96" },
    },
  }));
} catch (e) {
  console.error(`long-run: ${e.message}`);
  process.exit(2);
}
const passes = Number(values.passes);
if (!Number.isInteger(passes) || passes < 2) {
  console.error("long-run: --passes must be an integer >= 2");
  process.exit(2);
}

// A full collection before each reading, so garbage not yet collected is not counted as growth.
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc");
const rssMb = () => {
  for (let i = 0; i < 3; i++) gc();
  return Math.round((process.memoryUsage().rss / 2 ** 20) * 10) / 10;
};

const controller = new AbortController();
process.on("SIGINT", () => controller.abort(new Error("interrupted")));
const io = { json: true, print: () => {}, log: (text) => console.error(text), signal: controller.signal };

const synthetic = /^synthetic(?::(llama|qwen2|gemma3))?$/.exec(values.model ?? "");
const model = synthetic ? await syntheticModelPath(synthetic[1] ?? "llama") : values.model;
const dataset = await openDataset(values.data, io, values.subset);
const session = await openSession({ model, threads: values.threads }, io);
const format = getFormat(values.format);
const asset = values.asset ? await loadAsset(values.asset, { expectFingerprint: session.model.info.fingerprint }) : undefined;

/** The first path at which two JSON values differ, or undefined. */
function firstDifference(a, b, at = "$") {
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || (a === null) !== (b === null)) return at;
  if (a === null || typeof a !== "object") return Object.is(a, b) ? undefined : at;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  for (const k of keys) {
    const d = firstDifference(a[k], b[k], `${at}.${k}`);
    if (d) return d;
  }
  return undefined;
}

const rss = [];
const seconds = [];
let first;
let mismatch;
let n = 0;
try {
  for (let pass = 1; pass <= passes; pass++) {
    const started = performance.now();
    const report = await runEvaluation(session.ctx, {
      data: dataset.name,
      samples: dataset.samples,
      split: values.split,
      format,
      controller: asset ? "asa" : "none",
      asset,
      maxTokens: Number(values["max-tokens"]),
      ablations: false,
      // Every sample's prompt and output, not only the first dozen: they are what must repeat exactly.
      examples: dataset.samples.length,
      signal: controller.signal,
      onProgress: (phase, done, total) => {
        if (done === total) console.error(`long-run: pass ${pass}/${passes}: ${phase} ${done}/${total}`);
      },
    });
    seconds.push(Math.round((performance.now() - started) / 100) / 10);
    rss.push(rssMb());
    n = report.n;
    const document = JSON.parse(JSON.stringify(report));
    if (first === undefined) first = document;
    else mismatch ??= firstDifference(first, document);
    console.error(`long-run: pass ${pass}/${passes} done in ${seconds.at(-1)} s, RSS ${rss.at(-1)} MB${mismatch ? `, differs at ${mismatch}` : ""}`);
  }
} finally {
  await session.dispose();
}

const result = { passes, identical: mismatch === undefined, rss_mb: rss, n, model: session.modelPath, data: dataset.name, seconds };
if (mismatch) result.first_difference = mismatch;
console.log(JSON.stringify(result));
process.exit(result.identical ? 0 : 1);
