/**
 * The report's stylesheet, inlined into the page so it opens offline and as a single file.
 * System font stacks only: a web font would be a network request.
 */
export const REPORT_CSS = `
:root { color-scheme: light; --fg: #1b1f24; --muted: #57606a; --border: #d0d7de; --soft: #f6f8fa; --better: #1a7f37; --worse: #cf222e; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 40px; }
h1 { font-size: 1.6rem; margin: 0 0 .2rem; }
h1 .product { color: var(--muted); font-weight: 500; }
h2 { font-size: 1.25rem; margin: 2.2rem 0 .6rem; padding-bottom: .3rem; border-bottom: 1px solid var(--border); }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace; }
.subtitle { margin: 0; color: var(--muted); }
.subtitle code { color: var(--fg); overflow-wrap: anywhere; }
.settings { margin: .4rem 0 0; font-size: 14px; }
nav ul { list-style: none; padding: 0; margin: 1rem 0 0; display: flex; flex-wrap: wrap; gap: 6px 14px; font-size: 14px; }
nav a { color: #0969da; text-decoration: none; }
nav a:hover { text-decoration: underline; }
table { border-collapse: collapse; font-size: 14px; margin: .3rem 0; }
caption { caption-side: top; text-align: left; color: var(--muted); font-size: 13px; padding-bottom: .4rem; max-width: 72ch; }
th, td { border: 1px solid var(--border); padding: 4px 10px; }
thead th { background: var(--soft); font-weight: 600; }
tbody th { text-align: left; font-weight: 500; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.counts th, tr.counts td { color: var(--muted); font-size: 13px; }
.delta.better { color: var(--better); font-weight: 600; }
.delta.worse { color: var(--worse); font-weight: 600; }
.scroll { overflow-x: auto; }
table.domains th, table.domains td { padding: 3px 7px; }
table.confusion td.heat { min-width: 3.2em; text-align: center; }
table.confusion td.zero { color: #b0b7bf; }
.note, .empty { color: var(--muted); font-style: italic; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 20px 28px; }
figure { margin: 0; }
figcaption { color: var(--muted); font-size: 13px; margin-top: .2rem; }
svg.chart { display: block; width: 100%; max-width: 620px; height: auto; }
svg.chart text { font-family: inherit; font-size: 12px; fill: #30363d; }
svg.chart .tick.y { text-anchor: end; }
svg.chart .tick.x { text-anchor: middle; }
svg.chart .axis-label { text-anchor: middle; font-size: 13px; fill: #444c56; }
svg.chart .grid { stroke: #e7eaee; }
svg.chart .axis { stroke: #6e7781; }
svg.chart .mark.line { fill: none; stroke-width: 2.2; stroke-linejoin: round; }
svg.chart .legend-swatch { stroke-width: 3; }
svg.chart .chosen { stroke: #24292f; stroke-width: 1.2; stroke-dasharray: 4 3; }
svg.chart .chosen-label { font-weight: 600; text-anchor: middle; }
svg.chart .bar-note { text-anchor: middle; font-size: 11px; fill: #57606a; }
pre { margin: .3rem 0; padding: 8px 10px; max-height: 22em; overflow: auto; white-space: pre-wrap; overflow-wrap: anywhere; background: var(--soft); border: 1px solid var(--border); border-radius: 6px; font-size: 12.5px; line-height: 1.45; }
.example { margin: 16px 0; padding: 12px 16px; border: 1px solid var(--border); border-radius: 8px; }
.example h3 { margin: 0 0 .4rem; font-size: 1rem; }
.example summary { cursor: pointer; color: var(--muted); font-size: 14px; }
.tag { display: inline-block; margin-left: 6px; padding: 0 8px; border-radius: 10px; background: #eef1f4; font-size: 12px; font-weight: 400; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
@media (max-width: 760px) { .pair { grid-template-columns: 1fr; } }
.panel { min-width: 0; }
.panel h4 { margin: .6rem 0 .2rem; font-size: .95rem; }
.panel h4 span { margin-left: 6px; font-size: 12px; font-weight: 500; }
.verdict { display: flex; flex-wrap: wrap; gap: 6px; margin: .3rem 0; padding: 0; list-style: none; }
.verdict li { padding: 1px 8px; border: 1px solid var(--border); border-radius: 10px; font-size: 12px; }
.ok { color: var(--better); }
.bad { color: var(--worse); }
.verdict li.ok { background: #dafbe1; border-color: #aceebb; }
.verdict li.bad { background: #ffebe9; border-color: #ffcecb; }
.errors { margin: .2rem 0; padding-left: 1.2rem; color: var(--worse); font-size: 13px; }
.gate { margin: .5rem 0 0; font-size: 14px; }
footer { margin-top: 2.5rem; color: var(--muted); font-size: 13px; }
footer h2 { color: var(--fg); }
footer dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: .4rem 0; }
footer dt { font-weight: 600; }
footer dd { margin: 0; overflow-wrap: anywhere; }
footer summary { cursor: pointer; margin-top: .6rem; }
@media print { nav { display: none; } pre { max-height: none; } }
`;
