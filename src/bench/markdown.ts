/** BENCHMARKS.md: the figures of one bench run, with the machine, model and command that produced them. */
import type { BenchReport } from "./run.js";

export function benchMarkdown(report: BenchReport, command: string): string {
  const rows = report.figures.map((f) => {
    const t = f.timing;
    const spread = t ? `${t.ratioMin.toFixed(3)}–${t.ratioMax.toFixed(3)}` : "";
    const times = t ? `${t.aMs.toFixed(0)} / ${t.bMs.toFixed(0)}` : "";
    const verdict = f.goal === undefined ? "" : f.value >= f.goal ? "met" : "**not met**";
    return `| \`${f.key}\` | ${f.value.toFixed(3)} | ${spread} | ${f.goal !== undefined ? `≥ ${f.goal}` : ""} ${verdict} | ${times} | ${f.detail} |`;
  });
  return [
    "# Benchmarks",
    "",
    "Ratios measured side by side in one process (the two variants alternate, A B A B …; the ratio is the",
    "median of the per-pair ratios). Absolute times on these shared machines are noise; ratios are not.",
    "",
    `- Command: \`${command}\``,
    `- Machine: ${report.machine}`,
    `- Model: \`${report.model}\``,
    `- Date: ${report.date}`,
    "",
    "| key | ratio (median) | min–max | goal | median ms (A / B) | what A and B are |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
}
