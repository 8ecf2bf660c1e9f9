import { describe, expect, it } from "vitest";
import type { EvalReport } from "../../src/eval/reportTypes.js";
import { renderBarChart, ticks } from "../../src/report/charts.js";
import { renderHtmlReport, renderMarkdownSummary } from "../../src/report/index.js";
import { BASELINE_TALLY, HOSTILE_ATTRIBUTE, HOSTILE_SCRIPT, STEERED_TALLY, fullReport, minimalReport } from "../browser/reportFixtures.js";

const VOID_ELEMENTS = new Set(["meta", "br", "hr", "img", "input", "link", "wbr"]);

/**
 * Checks that every tag is closed in order (a stack, not just counts) and returns the element names
 * seen. Model text is escaped, so after dropping the stylesheet every "<" left starts a tag.
 */
function checkTagNesting(html: string): Map<string, number> {
  const seen = new Map<string, number>();
  const stack: string[] = [];
  const markup = html.replace(/<!DOCTYPE html>/i, "").replace(/<style>[\s\S]*?<\/style>/, "<style></style>");
  for (const match of markup.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9-]*)([^<>]*?)(\/?)>/g)) {
    const [, closing, rawName, , selfClosing] = match;
    const name = rawName.toLowerCase();
    if (closing) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open ?? "nothing"}> at offset ${match.index}`);
    } else {
      seen.set(name, (seen.get(name) ?? 0) + 1);
      if (!selfClosing && !VOID_ELEMENTS.has(name)) stack.push(name);
    }
  }
  if (stack.length > 0) throw new Error(`unclosed: ${stack.join(" > ")}`);
  // A "<" outside any tag would mean unescaped text.
  const stray = markup.replace(/<\/?[a-zA-Z][a-zA-Z0-9-]*[^<>]*?\/?>/g, "");
  if (stray.includes("<") || stray.includes(">")) throw new Error(`stray angle bracket near: ${stray.slice(Math.max(0, stray.search(/[<>]/) - 40), stray.search(/[<>]/) + 40)}`);
  return seen;
}

function sectionOf(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}"`);
  if (start < 0) throw new Error(`no section ${id}`);
  return html.slice(start, html.indexOf("</section>", start) + "</section>".length);
}

/** Every way a value can fail to be a number in a report read back from JSON or edited by hand. */
function nanReport(): EvalReport {
  const report = fullReport();
  report.baseline = { ...report.baseline, f1: NaN, precision: Infinity, recall: null as unknown as number };
  report.sweep = [{ ...report.sweep![0], f1: NaN }, { ...report.sweep![1], alpha: NaN }, ...report.sweep!.slice(2)];
  report.layer_auc = report.layer_auc!.map((row) => ({ ...row, auc: NaN }));
  report.gap_buckets = [{ low: 0, high: 0.1, n: 0, error_rate: NaN }];
  report.logit_shift = { alpha: 4, plus: NaN, minus: -1, random: 0, p_value: NaN, n: 0 };
  return report;
}

describe("renderHtmlReport with every section", () => {
  const report = fullReport();
  const html = renderHtmlReport(report);

  it("is one well-nested document with a language, a title and no URL or script", () => {
    const tags = checkTagNesting(html);
    expect(html.startsWith("<!DOCTYPE html>\n<html lang=\"en\">")).toBe(true);
    expect(html).toContain("<title>llama-steer eval: smollm2-135m-instruct-q4_1 on necessity (test, n = 240)</title>");
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script/i);
    // No element loads anything (the escaped hostile output still contains the text "src=").
    expect(html).not.toMatch(/<[a-z][^<>]*\s(src|href)=(?!"#)/i);
    expect(html).not.toContain("could not be rendered");
    expect(html).not.toContain("NaN");
    for (const name of ["html", "head", "body", "main", "header", "footer", "nav", "table", "svg", "details", "figure", "article"]) expect(tags.get(name), name).toBeGreaterThan(0);
  });

  it("has one section per optional part of the report, in order", () => {
    const ids = [...html.matchAll(/<section id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual(["headline", "sweeps", "domains", "ablations", "logit-shift", "confusion", "gap", "examples"]);
    for (const id of ids) expect(html).toContain(`<a href="#${id}">`);
  });

  it("puts baseline, steered and their difference in the headline table", () => {
    const headline = sectionOf(html, "headline");
    const f1 = (t: typeof BASELINE_TALLY) => (2 * t.tp) / (2 * t.tp + t.fp + t.fn);
    const [baseF1, steerF1] = [f1(BASELINE_TALLY), f1(STEERED_TALLY)];
    expect(headline).toContain("Steered (α = 4)");
    expect(headline).toMatch(new RegExp(`<th scope="row">F1</th><td class="num">${baseF1.toFixed(3)}</td><td class="num">${steerF1.toFixed(3)}</td><td class="num delta better">\\+${(steerF1 - baseF1).toFixed(3)}</td>`));
    // The false-positive rate rose: a positive delta that is a regression.
    const fprDelta = 11 / 120 - 4 / 120;
    expect(headline).toContain(`<td class="num delta worse">+${fprDelta.toFixed(3)}</td>`);
    expect(headline).toContain("21 / 4 / 116 / 99");
    for (const label of ["Precision", "Recall", "Accuracy", "False-positive rate", "Format accuracy", "Tool-name accuracy", "Arguments accuracy", "Success precision", "Success recall"]) {
      expect(headline).toContain(`<th scope="row">${label}</th>`);
    }
  });

  it("draws the α sweep with axes, legend and the chosen α, and the layer AUC with the best layer", () => {
    const sweeps = sectionOf(html, "sweeps");
    expect(sweeps.match(/<svg /g)).toHaveLength(2);
    expect(sweeps).toContain("<title>F1, precision, recall and false-positive rate against steering strength α</title>");
    expect(sweeps.match(/<path class="mark line"/g)).toHaveLength(6);
    for (const legend of ["F1", "Precision", "Recall", "FPR", "AUC", "shuffled labels"]) expect(sweeps).toMatch(new RegExp(`<text class="legend"[^>]*>${legend}</text>`));
    expect(sweeps).toContain("chosen α = 4</text>");
    // The sweep also ran at τ = 0.7; only the chosen τ is drawn.
    expect(sweeps).toContain("Shown at τ = 0.5; 2 point(s) at other τ values");
    expect(sweeps).toContain("best layer 14 (AUC 0.970)</text>");
    expect(sweeps).toContain(`<text class="axis-label" x="`);
    expect(sweeps).toContain(">α (steering strength)</text>");
    expect(sweeps).toContain(">layer</text>");
  });

  it("tabulates domains, ablations, logit shifts and the confusion matrix", () => {
    const domains = sectionOf(html, "domains");
    for (const d of ["calendar", "email", "math", "weather"]) expect(domains).toContain(`<th scope="row">${d}</th>`);
    expect(domains).toContain("60 / 60");
    const ablations = sectionOf(html, "ablations");
    expect(ablations).toContain("no gate (always +v)");
    expect(ablations).toContain("random vector, same norm");
    expect(ablations).toContain("ΔF1 vs steered");
    const shift = sectionOf(html, "logit-shift");
    expect(shift).toContain("<td class=\"num\">+2.960</td><td class=\"num\">\u22122.710</td><td class=\"num\">\u22120.050</td><td class=\"num\">1.1e-14</td>");
    const confusion = sectionOf(html, "confusion");
    expect(confusion).toContain("<th scope=\"col\">none</th>");
    expect(confusion).toMatch(/<td class="num heat" style="background-color: rgba\(0, 114, 178, 0\.\d\d\); color: #fff" title="87% of row">26<\/td>/);
  });

  it("names each logit-check token and where it comes from, escaped", () => {
    const report = fullReport();
    report.logit_shift = [
      { alpha: 1, plus: -0.3, minus: 0.065, random: 0.86, p_value: 1e-5, n: 200, token: "<tool_call>", token_source: "marker" },
      { alpha: 1, plus: -0.9, minus: 0.7, random: 0.1, p_value: 2e-4, n: 200, token: "```", token_source: "calls", share_of_calls: 0.97, share_of_others: 0.25 },
    ];
    const shift = sectionOf(renderHtmlReport(report), "logit-shift");
    expect(shift).toContain("<th scope=\"col\">token</th>");
    expect(shift).toContain("<td><code>&quot;&lt;tool_call&gt;&quot;</code> (marker)</td>");
    expect(shift).toContain("<td><code>&quot;```&quot;</code> (calls, opens 0.970 of calls, 0.250 of other replies)</td><td class=\"num\">1</td>");
    const markdown = renderMarkdownSummary(report);
    expect(markdown).toContain('Logit shift of "<tool_call>" (marker) at α = 1: +v');
    expect(markdown).toContain('Logit shift of "```" (calls, opens 0.970 of calls, 0.250 of other replies) at α = 1: +v');
  });

  it("draws the error rate per readout gap bucket as bars", () => {
    const gap = sectionOf(html, "gap");
    expect(gap.match(/<path class="mark"/g)).toHaveLength(5);
    expect(gap).toContain(">n=31</tspan>");
    expect(gap).toContain(">0–0.05</text>");
  });

  it("draws gap buckets whose call error rate is no round percentage (2/3, 1/7) and wide gaps", () => {
    const report = { ...fullReport(), gap_buckets: [{ low: 0.02, high: 0.31, n: 3, error_rate: 1 / 3, call_error_rate: 2 / 3 }, { low: 0.31, high: 1.18, n: 7, error_rate: 0, call_error_rate: 1 / 7 }] };
    const gap = sectionOf(renderHtmlReport(report), "gap");
    expect(gap).not.toContain("could not be rendered");
    expect(gap).toContain(">67%</tspan>");
    expect(gap).toContain(">14%</tspan>");
  });

  it("shows worked examples with a collapsed prompt, both outputs, verdicts and the gate", () => {
    const examples = sectionOf(html, "examples");
    expect(examples.match(/<article class="example">/g)).toHaveLength(3);
    expect(examples).toContain("<details><summary>Prompt (");
    expect(examples).toContain("&lt;|im_start|&gt;user\nDo I need an umbrella in Lyon tomorrow?");
    expect(examples).toContain("{&quot;name&quot;: &quot;get_weather&quot;, &quot;arguments&quot;: {&quot;city&quot;: &quot;Lyon&quot;}}");
    expect(examples).toContain('<li class="ok">triggered: yes</li>');
    expect(examples).toContain("wrong call decision");
    expect(examples).toContain("unterminated &lt;tool_call&gt; block");
    expect(examples).toContain("decision +1 (steer toward a call)");
    expect(examples).toContain("decision −1 (steer away from a call)");
  });

  it("ends with a reproducibility footer", () => {
    const footer = html.slice(html.indexOf("<footer>"));
    for (const value of ["0.1.0", "3.22.1", report.reproducibility.model_sha256!, "5f1c0a9e7d3b2c48", "sha256:9a4e1f0c2b7d", "2025-06-02T14:31:07Z", "llama-steer eval --model smollm2-135m-instruct-q4_1"]) {
      expect(footer).toContain(value);
    }
    expect(footer).toContain("<dt>Seed</dt><dd><code>7</code></dd>");
    expect(footer).toContain("<dt>val_fraction</dt><dd><code>0.2</code></dd>");
  });
});

describe("renderHtmlReport on untrusted text", () => {
  it("escapes model output so neither a script nor an attribute break-out survives", () => {
    const html = renderHtmlReport(fullReport());
    expect(html).not.toContain(HOSTILE_SCRIPT);
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;script&gt;console.error(&quot;unescaped model output ran&quot;)&lt;/script&gt;");
    expect(html).toContain("&quot;&gt;&lt;img src=x onerror=console.error(&quot;unescaped-attribute&quot;)&gt;");
  });

  it("escapes every string field of the report, not only the outputs", () => {
    const evil = `<script>alert(1)</script>"><img src=x onerror=alert(1)>'`;
    const report = fullReport();
    Object.assign(report, { model: evil, data: evil, split: evil });
    report.settings = { ...report.settings, format: evil, controller: evil, [evil]: evil };
    report.ablations = { [evil]: report.baseline };
    report.by_domain = { baseline: { [evil]: report.baseline } };
    report.confusion = { tools: [evil], counts: { [evil]: { [evil]: 3, none: 1 } } };
    report.examples = [{ ...report.examples![0], id: evil, domain: evil, expected: evil, prompt: evil, gate: { domain: evil, p: 0.5, gate: 0 } }];
    report.examples[0].steered_verdict.errors = [evil];
    report.reproducibility = { ...report.reproducibility, command: evil, dataset_hash: evil };
    const html = renderHtmlReport(report);
    checkTagNesting(html);
    expect(html).not.toMatch(/<script|<img|alert\(1\)<|'>/i);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&#39;");
  });

  it("replaces control characters in model output", () => {
    const report = fullReport();
    report.examples![0].baseline_output = "bell\u0007 escape\u001b[31m nul\u0000 tab\tok";
    const html = renderHtmlReport(report);
    expect(html).toContain("bell\uFFFD escape\uFFFD[31m nul\uFFFD tab\tok");
  });
});

describe("renderHtmlReport on partial reports", () => {
  it("renders a report with only the required keys: headline and footer, no empty sections", () => {
    const html = renderHtmlReport(minimalReport());
    checkTagNesting(html);
    expect([...html.matchAll(/<section id="([^"]+)"/g)].map((m) => m[1])).toEqual(["headline"]);
    expect(html).toContain("only the baseline is shown");
    expect(html).not.toContain("<svg");
    expect(html).toContain("<title>llama-steer eval: tiny-synthetic on tool-choice (val, n = 12)</title>");
    expect(html).toContain("00ff00ff00ff00ff");
    expect(html).not.toContain("Model SHA-256");
  });

  it("prints NaN, Infinity and null as a dash, breaks lines at missing points and never throws", () => {
    const html = renderHtmlReport(nanReport());
    checkTagNesting(html);
    expect(html).not.toContain("NaN");
    expect(html).not.toContain("Infinity");
    expect(html).not.toContain("could not be rendered");
    expect(sectionOf(html, "headline")).toContain('<th scope="row">F1</th><td class="num">—</td>');
    expect(sectionOf(html, "gap")).toContain("no finite data to plot");
    // Every layer's AUC is missing: the AUC line is gone, the shuffled control is still drawn.
    expect(sectionOf(html, "sweeps").match(/<path class="mark line"/g)).toHaveLength(5);
    expect(sectionOf(html, "logit-shift")).toContain("<td class=\"num\">—</td>");
  });

  it("renders the same after a JSON round trip, where NaN became null", () => {
    const report = JSON.parse(JSON.stringify(nanReport())) as EvalReport;
    expect(renderHtmlReport(report)).toBe(renderHtmlReport(nanReport()));
  });

  it("leaves out empty arrays and survives sections of the wrong shape", () => {
    const empty = { ...minimalReport(), sweep: [], layer_auc: [], gap_buckets: [], examples: [], ablations: {}, logit_shift: [], by_domain: { baseline: {} } };
    expect([...renderHtmlReport(empty).matchAll(/<section id="/g)]).toHaveLength(1);
    const garbage = { ...minimalReport(), baseline: null, steered: "x", sweep: "x", layer_auc: [null, 3], by_domain: 5, confusion: { tools: null, counts: 7 }, examples: [null, 1], logit_shift: "x", reproducibility: null, settings: null } as unknown as EvalReport;
    const html = renderHtmlReport(garbage);
    checkTagNesting(html);
    expect(html).not.toContain("could not be rendered");
    expect(renderHtmlReport({} as EvalReport)).toContain("<title>llama-steer eval: unknown model on unknown data (?, n = —)</title>");
    expect(renderHtmlReport(null as unknown as EvalReport)).toContain("unknown model");
  });
});

describe("chart ticks", () => {
  it("are round numbers covering the range", () => {
    expect(ticks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(ticks(0, 12, 6)).toEqual([0, 2, 4, 6, 8, 10, 12]);
    expect(ticks(0.4, 1, 5)).toEqual([0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    expect(ticks(3, 3, 5)).toEqual([3]);
    expect(ticks(NaN, 1, 5)).toEqual([]);
  });
});

describe("renderMarkdownSummary", () => {
  it("prints the headline table with deltas, the chosen α and τ, the best layer and the ablations", () => {
    const text = renderMarkdownSummary(fullReport());
    const f1 = (t: typeof BASELINE_TALLY) => (2 * t.tp) / (2 * t.tp + t.fp + t.fn);
    expect(text).toContain("## llama-steer eval: smollm2-135m-instruct-q4_1");
    expect(text).toContain("data necessity · split test · n = 240 · format hermes · controller asa · layer 14");
    expect(text).toMatch(new RegExp(`\\| F1 +\\| +${f1(BASELINE_TALLY).toFixed(3)} \\| +${f1(STEERED_TALLY).toFixed(3)} \\| +\\+${(f1(STEERED_TALLY) - f1(BASELINE_TALLY)).toFixed(3)} \\|`));
    expect(text).toContain("| Metric              | Baseline | Steered |      Δ |");
    expect(text).toContain("Chosen α = 4, τ = 0.5");
    expect(text).toContain("Best layer: 14 (AUC 0.970, shuffled control");
    expect(text).toContain("Logit shift at α = 4: +v +2.960, −v −2.710, random −0.050 (p = 1.1e-14, n = 240)");
    expect(text).toMatch(/- no gate \(always \+v\): F1 0\.\d{3} \([+−]0\.\d{3} vs baseline, [+−]0\.\d{3} vs steered\)/);
    expect(text.split("\n").filter((l) => l.startsWith("- "))).toHaveLength(3);
    // Columns are padded: every table row has the same width (14 headline metrics, the header and the rule).
    const rows = text.split("\n").filter((l) => l.startsWith("|"));
    expect(rows).toHaveLength(16);
    expect(new Set(rows.map((r) => r.length)).size).toBe(1);
  });

  it("has only the baseline column without a steered run, and dashes for NaN", () => {
    const minimal = renderMarkdownSummary(minimalReport());
    expect(minimal).toContain("| Metric              | Baseline |");
    expect(minimal).not.toContain("Chosen α");
    expect(minimal).not.toContain("Ablations");
    const nan = renderMarkdownSummary(nanReport());
    expect(nan).not.toContain("NaN");
    expect(nan).toMatch(/\| F1 +\| +— \| +0\.\d{3} \| +— \|/);
  });

  it("strips terminal escapes and pipes from names", () => {
    const report = { ...minimalReport(), model: "evil\u001b[2J|model", ablations: { "a|b\nc": minimalReport().baseline } };
    const text = renderMarkdownSummary(report);
    expect(text).not.toContain("\u001b");
    expect(text).toContain("evil [2J\\|model");
    expect(text).toContain("- a\\|b c: F1");
  });
});

describe("bar notes", () => {
  it("put each comma-separated part of a note on its own line above the bar, the last nearest the bar", () => {
    const svg = renderBarChart({
      title: "t",
      xLabel: "x",
      yLabel: "y",
      color: "#000",
      yDomain: [0, 1],
      bars: [
        { label: "a", value: 0, note: "n=12, calls wrong 100%" },
        { label: "b", value: 0.5, note: "n=3" },
      ],
    });
    const notes = [...svg.matchAll(/<text class="bar-note">(.*?)<\/text>/g)].map((m) => [...m[1].matchAll(/<tspan x="([\d.]+)" y="([\d.]+)">(.*?)<\/tspan>/g)]);
    expect(notes.map((spans) => spans.map((t) => t[3]))).toEqual([["n=12", "calls wrong 100%"], ["n=3"]]);
    const [first] = notes;
    expect(first[0][1]).toBe(first[1][1]);
    expect(Number(first[1][2]) - Number(first[0][2])).toBe(13);
  });
});

