/** BENCHMARKS.md: the figures of one bench run, with the machine, model and command that produced them. */
import { formatValue, type BenchReport } from "./run.js";

/**
 * Where the hand-written part of BENCHMARKS.md starts (figures measured outside `bench`: reliability
 * runs). `bench --write` keeps it when it rewrites the file.
 */
export const KEPT_SECTION_HEADING = "## Reliability";

/** The hand-written part of an existing benchmarks file (from KEPT_SECTION_HEADING on), if it has one. */
export function keptSectionOf(existing: string | undefined): string | undefined {
  const at = existing?.search(new RegExp(`^${KEPT_SECTION_HEADING}$`, "m")) ?? -1;
  return at < 0 ? undefined : existing!.slice(at);
}

export function benchMarkdown(report: BenchReport, command: string, keptSection?: string): string {
  const rows = report.figures.map((f) => {
    const t = f.timing;
    const spread = t ? `${t.ratioMin.toFixed(3)}–${t.ratioMax.toFixed(3)}` : "";
    const times = t ? `${t.aMs.toFixed(0)} / ${t.bMs.toFixed(0)}` : "";
    const verdict = f.goal === undefined ? "" : f.value >= f.goal ? "met" : "**not met**";
    return `| \`${f.key}\` | ${formatValue(f)} | ${spread} | ${f.goal !== undefined ? `≥ ${f.goal}` : ""} ${verdict} | ${times} | ${f.detail} |`;
  });
  const skipped = report.skipped.map((s) => `- \`${s.key}\` not measured: ${s.reason}.`);
  return [
    "# Benchmarks",
    "",
    "Ratios measured side by side in one process (the two variants alternate, A B A B …; the ratio is the",
    "median of the per-pair ratios). Absolute times on these shared machines are noise; ratios are not.",
    "A ratio above 1 means llama-steer (A) is faster; figures with a unit are quantities, not ratios.",
    "",
    `- Command: \`${command}\``,
    `- Machine: ${report.machine}`,
    `- Model: \`${report.model}\``,
    `- Threads: ${report.threads}`,
    `- Date: ${report.date}`,
    "",
    "| key | value (ratio: median) | min–max | goal | median ms (A / B) | what A and B are |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows,
    ...(skipped.length ? ["", "Skipped:", ...skipped] : []),
    "",
    ...NOTES,
    "",
    ...(keptSection ? [keptSection.trimEnd(), ""] : []),
  ].join("\n");
}

const NOTES = [
  "Notes:",
  "- A capture stops each decode after the highest layer it reads (nothing above can change what is read),",
  "  which is why reading one middle layer is faster than a plain prefill. The `_full_graph` rows keep every",
  "  block and the output head running: they are the cost of the capture hook alone.",
  "- One always-on spec shared by every sequence runs as llama.cpp's control vector (equal logits, see",
  "  `doctor`'s `cvec_equals_hook`). Steering that differs per sequence or per position goes through the",
  "  callback, which splits the graph once per steered layer.",
  "- `build_vs_cvector_generator` runs llama.cpp's own `llama-cvector-generator --method mean`, built from the",
  "  source node-llama-cpp ships by `node scripts/build-llama-tools.mjs` (CPU, Release); without that build the",
  "  three `build_vs_cvector_generator*` keys are skipped. Its mean method pools the per-token differences of",
  "  each padded pair after the prompts diverge and normalises the mean; llama-steer computes the same thing",
  "  for the comparison (src/bench/cvectorCompare.ts), so the cosines measure numerical agreement. Both",
  "  timings include loading the model; the detail column also gives each side's capture and build alone",
  "  (cvector-generator's from the token-count line it prints before its first decode to its exit).",
  "- `capture_batched_vs_sequential` tests the premise of the goal of 3 for `build_vs_cvector_generator`",
  "  (cvector-generator decodes one prompt at a time, llama-steer packs them): the same prompts and rows,",
  "  captured packed vs one prompt per decode in llama-steer itself. Both do the same arithmetic; packing",
  "  only saves per-decode overhead, which is what a device that one short prompt leaves idle (a GPU)",
  "  gains from and a CPU whose prefill is bound by arithmetic does not.",
  "- `generate_vs_node_llama_cpp` and `rss_over_model_mb` run in a child process (node-llama-cpp replaces",
  "  llama.cpp's process-wide log callback; memory is measured in a process holding nothing else). Runs in",
  "  different processes are separated by an idle pause: ggml's CPU threads poll for work for a while after",
  "  a decode.",
  "- `serve_vs_llama_server` and `eval_vs_llama_server` run llama.cpp's own `llama-server` (built with the tools",
  "  above; skipped without it) with llama-steer's engine settings: one KV cache shared by the slots (`-kvu`),",
  "  batch = micro-batch, flash attention off, its RAM prompt cache off (`--cache-ram 0`: a repetition cannot",
  "  reuse the one before), `--parallel 8 --cont-batching`. Both servers are driven by the same loopback client",
  "  (Node fetch) and are never busy at the same time. `serve_vs_llama_server` sends the same chat requests",
  "  (distinct prompts, no tools, temperature 0, max_tokens 32, 8 in flight) to `llama-steer serve` (in the bench",
  "  process, serve's context with 8 sequences) and to llama-server, both up for the whole case and each warmed by",
  "  a round of 8 short requests at once; the requests are cut into blocks (`--reps`, at most one per 32",
  "  requests) sent to one server and",
  "  then the other, the order swapped every block, so that a machine that drifts during the run weighs on both",
  "  alike; the figure is the median of the blocks' ratios of completion tokens per second (the spread: their",
  "  range; the ratio over all requests is in the detail),",
  "  (`--requests` sets how many, default 200). Every answer",
  "  must report the prompt_tokens of its own request sent alone and no request may fail, on either side, or the",
  "  case fails instead of reporting a ratio; nearby prompts differ in length (the JSON's `check_distance`: how",
  "  far apart in sending order the nearest two requests of equal length are, null when none are).",
  "- `eval_vs_llama_server` times `runEvaluation` with controller none (what `eval --controller none` does:",
  "  render, generate in eval's context of 32 sequences, judge) against llama-server generating the same rendered",
  "  necessity TEST prompts through POST /completion (same budget and stop string, greedy, 8 in flight); both",
  "  sides must read every prompt as the same number of tokens. `eval_asa_vs_eval_plain` times the whole",
  "  evaluation with an ASA asset (baseline with decision rows, gated steered pass, readout, logit check) against",
  "  the unsteered evaluation on tool-choice TEST prompts, whose tool menus differ (the asset shipped for the",
  "  model, or a small one built first, untimed). Each repetition of these two is a whole evaluation per side",
  "  (at most 3; `--prompts` sets the number of prompts, default 60).",
  "- Run alone: ggml's CPU threadpool spins, and two processes sharing two cores slow each other far more",
  "  than their share.",
];
