/**
 * The HTML report of a run (`toolflow report`: one self-contained file) and its live view (`toolflow view`:
 * the same page served on 127.0.0.1, following a run as it writes). See docs/report.md.
 */
export { writeHtmlReport, DEFAULT_MAX_DETAILS, type HtmlReportOptions, type HtmlReportResult } from "./report.js";
export { startRunViewer, type RunViewer, type RunViewerOptions } from "./server.js";
export { RunData, findJudgeDir, type RunDataOptions } from "./run-data.js";
export { clientBundle, cspHash, pageCsp, renderPage, DETAILS_PER_CHUNK, type PageData } from "./page.js";
export { escapeHtml, scriptJson } from "./escape.js";
export type { DialogueDetail, DialogueRow, PlanStepView, ReportGraph, ReportJudge, ReportSummary } from "./types.js";
