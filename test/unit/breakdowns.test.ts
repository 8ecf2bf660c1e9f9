/** Breakdowns by source, category and label: the pure function, and both report renderers. */
import { describe, expect, it } from "vitest";
import { parseDataset } from "../../src/data/index.js";
import { breakdownMetrics } from "../../src/eval/breakdowns.js";
import type { EvalReport } from "../../src/eval/reportTypes.js";
import type { ToolCallParseResult } from "../../src/formats/index.js";
import { renderHtmlReport, renderMarkdownSummary } from "../../src/report/index.js";
import { minimalReport } from "../browser/reportFixtures.js";

const tool = { type: "function", function: { name: "accounts.reset", parameters: { type: "object", properties: { user: { type: "integer" } }, required: ["user"] } } };
const row = (id: string, label: string, needs: boolean) => ({
  id,
  domain: "helpdesk",
  source: "when2call",
  label,
  messages: [{ role: "user", content: id }],
  tools: [tool],
  needs_tool: needs,
  expected: needs ? { name: "accounts.reset", arguments: { user: 7 } } : null,
});
const samples = parseDataset([row("a", "tool_call", true), row("b", "tool_call", true), row("c", "direct", false), row("d", "cannot_answer", false)].map((r) => JSON.stringify(r)).join("\n"));
const called = (user: number): ToolCallParseResult => ({ triggered: true, calls: [{ name: "accounts.reset", arguments: { user } }], format_ok: true, tool_ok: true, args_ok: true, errors: [] });
const silent: ToolCallParseResult = { triggered: false, calls: [], format_ok: false, tool_ok: false, args_ok: false, errors: [] };

describe("breakdownMetrics", () => {
  const b = breakdownMetrics(samples, [{ parse: called(7) }, { parse: called(8) }, { parse: silent }, { parse: called(7) }]);

  it("groups by the fields samples carry and leaves the others out", () => {
    expect(Object.keys(b)).toEqual(["by_source", "by_label"]);
    expect(Object.keys(b.by_label!)).toEqual(["cannot_answer", "direct", "tool_call"]);
  });

  it("judges values from the samples' expected calls", () => {
    expect(b.by_label!.tool_call).toMatchObject({ n: 2, args_match_acc: 0.5, exact_success: 0.5, success_recall: 1 });
    expect(b.by_label!.direct.exact_success).toBe(1);
    expect(b.by_label!.cannot_answer.exact_success).toBe(0);
    expect(b.by_source!.when2call).toMatchObject({ n: 4, exact_success: 0.5 });
  });

  it("refuses misaligned inputs", () => {
    expect(() => breakdownMetrics(samples, [])).toThrow("breakdownMetrics: 4 samples but 0 outcomes");
  });

  it("shows in the HTML report and the Markdown summary", () => {
    const report: EvalReport = { ...minimalReport(), breakdowns: { baseline: b } };
    const html = renderHtmlReport(report);
    expect(html).toContain("By source, category and label");
    expect(html).toContain("Per label (e.g. the kind of answer expected).");
    expect(html).toContain('<th scope="row">cannot_answer</th>');
    expect(renderMarkdownSummary(report)).toContain("Exact success by label: cannot_answer 0.000 (n = 1), direct 1.000 (n = 1), tool_call 0.500 (n = 2)");
  });
});
