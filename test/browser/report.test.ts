/**
 * The HTML report in a real browser: Debian's headless Chromium loads it from a file:// URL and the
 * DevTools Protocol reports console errors, exceptions, failed loads and every network request.
 * Set REPORT_SCREENSHOT_DIR to keep the screenshots (CI artifacts); otherwise they go to a temp dir.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderHtmlReport } from "../../src/report/index.js";
import { CHROMIUM_PATH, HeadlessChromium, type PageInspection } from "./chromium.js";
import { HOSTILE_ATTRIBUTE, HOSTILE_SCRIPT, fullReport, minimalReport } from "./reportFixtures.js";

const chromiumInstalled = existsSync(CHROMIUM_PATH);

/** Measured in the page after load: what a reader would see, reduced to numbers the test can check. */
const PAGE_FACTS = `(() => {
  const charts = [...document.querySelectorAll("svg")];
  const drawn = charts.filter((svg) => [...svg.querySelectorAll("path.mark")].some((p) => {
    const box = p.getBBox();
    return (p.getAttribute("d") || "").trim() !== "" && (box.width > 0 || box.height > 0);
  }));
  return {
    title: document.title,
    lang: document.documentElement.lang,
    sections: [...document.querySelectorAll("section")].map((s) => s.id),
    charts: charts.length,
    drawnCharts: drawn.length,
    chartTitles: charts.map((svg) => svg.querySelector(":scope > title")?.textContent ?? ""),
    chartWidths: charts.map((svg) => Math.round(svg.getBoundingClientRect().width)),
    overflowingBy: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    scripts: document.scripts.length,
    images: document.images.length,
    outputs: [...document.querySelectorAll("pre.output")].map((pre) => pre.textContent),
    openDetails: [...document.querySelectorAll("details")].filter((d) => d.open).length,
    bodyText: document.body.innerText.length,
    // Pairs of labels in one chart whose boxes intersect (text drawn over text).
    overlappingLabels: charts.flatMap((svg) => {
      const boxes = [...svg.querySelectorAll("text")].map((t) => ({ text: t.textContent, box: t.getBoundingClientRect() }));
      const pairs = [];
      for (let i = 0; i < boxes.length; i++)
        for (let j = i + 1; j < boxes.length; j++) {
          const [a, b] = [boxes[i].box, boxes[j].box];
          if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) pairs.push(boxes[i].text + " / " + boxes[j].text);
        }
      return pairs;
    }),
  };
})()`;

interface PageFacts {
  title: string;
  lang: string;
  sections: string[];
  charts: number;
  drawnCharts: number;
  chartTitles: string[];
  chartWidths: number[];
  overflowingBy: number;
  scripts: number;
  images: number;
  outputs: string[];
  openDetails: number;
  bodyText: number;
  overlappingLabels: string[];
}

describe.skipIf(!chromiumInstalled && !process.env.CI)("HTML report in headless Chromium", () => {
  let browser: HeadlessChromium | undefined;
  let workDir: string;
  const screenshotDir = process.env.REPORT_SCREENSHOT_DIR;

  beforeAll(async () => {
    if (!chromiumInstalled) throw new Error(`${CHROMIUM_PATH} not found; CI must install it first (scripts/install-chromium.sh).`);
    workDir = mkdtempSync(join(tmpdir(), "llama-steer-report-"));
    if (screenshotDir) mkdirSync(screenshotDir, { recursive: true });
    browser = await HeadlessChromium.launch();
  });

  afterAll(async () => {
    await browser?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  async function open(name: string, html: string, width = 1280): Promise<PageInspection & { facts: PageFacts }> {
    const file = join(workDir, `${name}.html`);
    writeFileSync(file, html);
    const inspection = await browser!.inspect(pathToFileURL(file).href, { width, height: 900 }, PAGE_FACTS);
    writeFileSync(join(screenshotDir ?? workDir, `${name}.png`), inspection.screenshot);
    return { ...inspection, facts: inspection.evaluation as PageFacts };
  }

  // Several tests look at the same rendering of the full report; load it once.
  let fullReportPage: ReturnType<typeof open> | undefined;
  const openFullReport = () => (fullReportPage ??= open("full-report", renderHtmlReport(fullReport())));

  function expectQuietOffline(page: PageInspection, fileName: string): void {
    expect(page.consoleErrors).toEqual([]);
    expect(page.exceptions).toEqual([]);
    expect(page.logErrors).toEqual([]);
    // The document is the only thing the page loads.
    expect(page.requests).toHaveLength(1);
    expect(page.requests[0]).toMatch(new RegExp(`^file://.*/${fileName}$`));
  }

  it("catches console errors, exceptions, failed loads and network requests when a page has them", async () => {
    // The detector must see each kind of failure, or the clean result on the report would mean nothing.
    const page = await open(
      "broken",
      `<!DOCTYPE html><html lang="en"><head><title>broken</title></head><body><p>x</p>
<script>console.error("deliberate console error")</script>
<script>throw new Error("deliberate exception")</script>
<img src="missing-image.png" alt="">
<img src="http://127.0.0.1:9/unreachable.png" alt=""></body></html>`,
    );
    expect(page.consoleErrors).toEqual(["deliberate console error"]);
    expect(page.exceptions.join("\n")).toContain("deliberate exception");
    expect(page.logErrors.join("\n")).toMatch(/Failed to load resource.*missing-image\.png/);
    expect(page.requests).toContain("http://127.0.0.1:9/unreachable.png");
  });

  it("renders the full report offline, without errors, with every chart drawn", async () => {
    const page = await openFullReport();
    expectQuietOffline(page, "full-report.html");
    const facts = page.facts;
    expect(facts.title).toBe("llama-steer eval: smollm2-135m-instruct-q4_1 on necessity (test, n = 240)");
    expect(facts.lang).toBe("en");
    expect(facts.sections).toEqual(["headline", "sweeps", "domains", "ablations", "logit-shift", "confusion", "gap", "examples"]);
    expect(facts.charts).toBe(3);
    expect(facts.drawnCharts).toBe(3);
    expect(facts.chartTitles.every((t) => t.length > 10)).toBe(true);
    for (const width of facts.chartWidths) expect(width).toBeGreaterThanOrEqual(400);
    expect(facts.overflowingBy).toBeLessThanOrEqual(0);
    expect(facts.overlappingLabels).toEqual([]);
    expect(facts.openDetails).toBe(0);
    expect(facts.bodyText).toBeGreaterThan(2000);
    expect(page.screenshot.length).toBeGreaterThan(10 * 1024);
  });

  it("shows hostile model output as text: no script ran, no image was created", async () => {
    const page = await openFullReport();
    expect(page.facts.scripts).toBe(0);
    expect(page.facts.images).toBe(0);
    expect(page.facts.outputs.join("\n")).toContain(HOSTILE_SCRIPT);
    expect(page.facts.outputs.join("\n")).toContain(HOSTILE_ATTRIBUTE);
    expect(page.consoleErrors).toEqual([]);
  });

  it("fits a narrow window without sideways page scrolling", async () => {
    const page = await open("full-report-narrow", renderHtmlReport(fullReport()), 720);
    expectQuietOffline(page, "full-report-narrow.html");
    expect(page.facts.overflowingBy).toBeLessThanOrEqual(0);
    expect(page.facts.drawnCharts).toBe(3);
  });

  it("renders a report with only the required keys", async () => {
    const page = await open("minimal-report", renderHtmlReport(minimalReport()));
    expectQuietOffline(page, "minimal-report.html");
    expect(page.facts.sections).toEqual(["headline"]);
    expect(page.facts.charts).toBe(0);
    expect(page.screenshot.length).toBeGreaterThan(10 * 1024);
  });
});
