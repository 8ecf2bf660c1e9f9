/** Renderers for eval reports: a self-contained HTML page and a terminal Markdown summary. */
export { renderHtmlReport } from "./html.js";
export { renderMarkdownSummary } from "./markdown.js";
