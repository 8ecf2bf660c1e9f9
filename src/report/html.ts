/**
 * The HTML report for `llama-steer eval --report`: one self-contained page (inline CSS, inline SVG,
 * no script, no URL) that opens offline and can be attached to an issue as a single file.
 */
import type { EvalReport } from "../eval/reportTypes.js";
import { examplesSection, reproducibilityFooter } from "./examples.js";
import { gapBucketFigure, layerAucFigure, sweepFigure } from "./figures.js";
import { escapeHtml, formatCount, formatNumber, isObject, safeString, toNumber } from "./format.js";
import { REPORT_CSS } from "./style.js";
import { ablationTable, breakdownTables, confusionTable, domainTable, headlineTable, logitShiftTable } from "./tables.js";

interface Section {
  id: string;
  heading: string;
  body: string;
}

/** Renders the whole report. Optional sections that are absent, empty or malformed are left out. */
export function renderHtmlReport(report: EvalReport): string {
  const r: EvalReport = isObject(report) ? report : ({} as EvalReport);
  const title = `llama-steer eval: ${safeString(r.model) || "unknown model"} on ${safeString(r.data) || "unknown data"} (${safeString(r.split) || "?"}, n = ${formatCount(r.n)})`;
  const figures = [section(() => sweepFigure(r)), section(() => layerAucFigure(r))].filter(Boolean);
  const sections: Section[] = [
    { id: "headline", heading: isObject(r.steered) ? "Baseline against steered" : "Baseline", body: section(() => headlineTable(r)) },
    { id: "sweeps", heading: "Sweeps", body: figures.length > 0 ? `<div class="figures">${figures.join("")}</div>` : "" },
    { id: "domains", heading: "By domain", body: section(() => domainTable(r)) },
    { id: "breakdowns", heading: "By source, category and label", body: section(() => breakdownTables(r)) },
    { id: "ablations", heading: "Ablations", body: section(() => ablationTable(r)) },
    { id: "logit-shift", heading: "Logit shift of the trigger token", body: section(() => logitShiftTable(r)) },
    { id: "confusion", heading: "Tool confusion", body: section(() => confusionTable(r)) },
    { id: "gap", heading: "Readout confidence", body: section(() => gapBucketFigure(r)) },
    { id: "examples", heading: "Worked examples", body: section(() => examplesSection(r)) },
  ].filter((s) => s.body !== "");

  const nav = sections.map((s) => `<li><a href="#${s.id}">${escapeHtml(s.heading)}</a></li>`).join("");
  const body = sections.map((s) => `<section id="${s.id}" aria-labelledby="${s.id}-heading"><h2 id="${s.id}-heading">${escapeHtml(s.heading)}</h2>${s.body}</section>`).join("\n");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="llama-steer">
<title>${escapeHtml(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<main>
<header>
${headerBlock(r)}
<nav aria-label="Sections"><ul>${nav}</ul></nav>
</header>
${body}
${section(() => reproducibilityFooter(r))}
</main>
</body>
</html>
`;
}

function headerBlock(r: EvalReport): string {
  const subtitle = [
    `model <code>${escapeHtml(r.model ?? "—")}</code>`,
    `data <code>${escapeHtml(r.data ?? "—")}</code>`,
    `split <code>${escapeHtml(r.split ?? "—")}</code>`,
    `n = ${escapeHtml(formatCount(r.n))}`,
  ].join(" · ");
  const settings: Record<string, unknown> = isObject(r.settings) ? r.settings : {};
  const steered = isObject(r.steered) ? r.steered : undefined;
  const facts: string[] = [];
  if (settings.format !== undefined) facts.push(`format <code>${escapeHtml(settings.format)}</code>`);
  if (settings.controller !== undefined) facts.push(`controller <code>${escapeHtml(settings.controller)}</code>`);
  if (settings.layer !== undefined) facts.push(`layer ${escapeHtml(formatNumber(settings.layer))}`);
  if (steered) facts.push(`α = ${escapeHtml(formatNumber(steered.alpha))}${steered.alpha_unit === "residual" ? " residual norms" : ""}`);
  if (steered && !Number.isNaN(toNumber(steered.tau))) facts.push(`τ = ${escapeHtml(formatNumber(steered.tau))}`);
  if (steered && typeof steered.gate === "string") facts.push(`gate ${escapeHtml(steered.gate)}`);
  if (steered && typeof steered.vectors === "string") facts.push(`direction <code>${escapeHtml(steered.vectors)}</code>`);
  if (steered && typeof steered.positions === "string") facts.push(`injected at <code>${escapeHtml(steered.positions)}</code>`);
  if (isObject(r.selection)) facts.push(`chosen on VAL by <code>${escapeHtml(r.selection.rule)}</code>${r.selection.fallback === true ? " (refused every point; mcc chose)" : ""}`);
  if (settings.max_tokens !== undefined) facts.push(`max tokens ${escapeHtml(formatNumber(settings.max_tokens))}${settings.budget === "auto" ? " (auto: longest expected call + 32)" : ""}`);
  const settingsLine = facts.length > 0 ? `<p class="settings">${facts.join(" · ")}</p>` : "";
  return `<h1><span class="product">llama-steer eval</span> ${escapeHtml(r.model ?? "unknown model")}</h1><p class="subtitle">${subtitle}</p>${settingsLine}`;
}

/**
 * The report is the last step of a long evaluation; a section that fails on an input nobody foresaw
 * says so in place instead of taking the whole page down with it.
 */
function section(render: () => string): string {
  try {
    return render();
  } catch (error) {
    const message = error instanceof Error ? error.message : safeString(error);
    return `<p class="empty">This section could not be rendered: ${escapeHtml(message)}</p>`;
  }
}
