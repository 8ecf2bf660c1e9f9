/**
 * Worked examples and the reproducibility footer. Prompts and outputs are untrusted model text:
 * everything goes through escapeHtml, inside <pre> so whitespace survives.
 */
import type { EvalExample, EvalReport, VerdictRecord } from "../eval/reportTypes.js";
import { arrayOf, escapeHtml, formatNumber, formatRatio, isObject, safeString, toNumber } from "./format.js";

const VERDICT_CHECKS: readonly { key: keyof Omit<VerdictRecord, "errors">; label: string }[] = [
  { key: "triggered", label: "triggered" },
  { key: "format_ok", label: "format" },
  { key: "tool_ok", label: "tool" },
  { key: "args_ok", label: "arguments" },
];

export function examplesSection(report: EvalReport): string {
  const examples = arrayOf<EvalExample>(report.examples).filter(isObject);
  if (examples.length === 0) return "";
  return examples.map(exampleCard).join("");
}

function exampleCard(example: EvalExample): string {
  const needsTool = example.needs_tool === true;
  const expected = typeof example.expected === "string" && example.expected ? example.expected : null;
  const tags = [
    `<span class="tag">${escapeHtml(example.domain ?? "no domain")}</span>`,
    `<span class="tag">${needsTool ? "needs a tool" : "needs no tool"}</span>`,
    expected ? `<span class="tag">expects <code>${escapeHtml(expected)}</code></span>` : "",
  ].join("");
  const prompt = String(example.prompt ?? "");
  return `<article class="example">
<h3><code>${escapeHtml(example.id ?? "(no id)")}</code> ${tags}</h3>
<details><summary>Prompt (${prompt.length} characters)</summary><pre class="prompt">${escapeHtml(prompt)}</pre></details>
<div class="pair">
${outputPanel("Baseline", example.baseline_output, example.baseline_verdict, needsTool)}
${outputPanel("Steered", example.steered_output, example.steered_verdict, needsTool)}
</div>
${gateLine(example.gate)}
</article>`;
}

function outputPanel(title: string, output: unknown, verdict: unknown, needsTool: boolean): string {
  const v = isObject(verdict) ? verdict : {};
  const triggered = v.triggered === true;
  const decision = isObject(verdict) ? (triggered === needsTool ? `<span class="ok">right call decision</span>` : `<span class="bad">wrong call decision</span>`) : "";
  const checks = VERDICT_CHECKS.map(({ key, label }) => {
    const value = v[key];
    // Whether a call was made is judged against whether one was needed; the other checks only
    // mean something when there is a call to check.
    if (key !== "triggered" && !triggered) return `<li>${escapeHtml(label)}: n/a</li>`;
    const text = value === true ? "yes" : value === false ? "no" : "—";
    const good = key === "triggered" ? value === needsTool : value === true;
    const tone = typeof value !== "boolean" ? "" : good ? "ok" : "bad";
    return `<li class="${tone}">${escapeHtml(label)}: ${text}</li>`;
  }).join("");
  const errors = arrayOf<unknown>(v.errors);
  const errorList = errors.length > 0 ? `<ul class="errors">${errors.map((e) => `<li>${escapeHtml(e)}</li>`).join("")}</ul>` : "";
  return `<div class="panel"><h4>${escapeHtml(title)} ${decision}</h4><pre class="output">${escapeHtml(output ?? "")}</pre><ul class="verdict" aria-label="${escapeHtml(title)} parser verdict">${checks}</ul>${errorList}</div>`;
}

function gateLine(gate: unknown): string {
  if (!isObject(gate)) return "";
  const decision = toNumber(gate.gate);
  const meaning = decision === 1 ? "steer toward a call" : decision === -1 ? "steer away from a call" : decision === 0 ? "no steering" : "unknown";
  const sign = decision === 1 ? "+1" : decision === -1 ? "−1" : formatNumber(decision);
  return `<p class="gate">Gate: router domain <code>${escapeHtml(gate.domain ?? "—")}</code>, probe p = ${escapeHtml(formatRatio(gate.p))}, decision ${escapeHtml(sign)} (${meaning}).</p>`;
}

export function reproducibilityFooter(report: EvalReport): string {
  const r: Record<string, unknown> = isObject(report.reproducibility) ? report.reproducibility : {};
  const entries: [string, unknown][] = [
    ["llama-steer", r.llama_steer],
    ["node-llama-cpp", r.node_llama_cpp],
    ["Model SHA-256", r.model_sha256],
    ["Model fingerprint", r.model_fingerprint],
    ["Dataset hash", r.dataset_hash],
    ["Seed", r.seed],
    ["Date", r.date],
  ];
  const items = entries.filter(([, value]) => value !== undefined && value !== null && value !== "").map(([label, value]) => `<dt>${escapeHtml(label)}</dt><dd><code>${escapeHtml(value)}</code></dd>`);
  const command = r.command ? `<p>Command:</p><pre class="command">${escapeHtml(r.command)}</pre>` : "";
  return `<footer><h2>Reproducibility</h2><dl>${items.join("")}</dl>${command}${settingsList(report)}</footer>`;
}

function settingsList(report: EvalReport): string {
  if (!isObject(report.settings)) return "";
  const items = Object.entries(report.settings).map(([key, value]) => `<dt>${escapeHtml(key)}</dt><dd><code>${escapeHtml(describeValue(value))}</code></dd>`);
  return items.length > 0 ? `<details><summary>All settings (${items.length})</summary><dl>${items.join("")}</dl></details>` : "";
}

/** Settings are free-form; a value that JSON cannot write (a cycle, a bigint) still prints. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value) ?? safeString(value);
  } catch {
    return safeString(value);
  }
}
