/**
 * The report page's script (bundled by esbuild into the page; see src/html/page.ts). Tabs: Overview (painted
 * first), Plots and Graph (drawn the first time they are shown), Dialogues. In the live view it asks the server
 * for new rows every second and for the summary every few seconds.
 */
import type { DialogueRow, ReportSummary } from "../types.js";
import { renderBrowser, type Browser } from "./browser.js";
import { h, num } from "./dom.js";
import { renderGraph } from "./graph.js";
import { renderOverview } from "./overview.js";
import { renderPlots } from "./plots.js";
import { openSource } from "./source.js";

const TABS = ["overview", "plots", "graph", "dialogues"] as const;
type Tab = (typeof TABS)[number];

declare global {
  interface Window {
    /** State for tests and the curious: set once the page is drawn. */
    toolflowReport?: { ready: boolean; rows: number; tab: Tab; firstPaintMs: number; readyAt: number };
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const app = document.getElementById("app")!;
  const source = openSource();
  let summary: ReportSummary = await source.summary();
  const rows: DialogueRow[] = (await source.rows(0)).rows;

  const sections = Object.fromEntries(TABS.map((t) => [t, h("section", { id: `tab-${t}` })])) as Record<Tab, HTMLElement>;
  const drawn = new Set<Tab>();
  const buttons = TABS.map((t) => h("button", { "data-tab": t, onclick: () => show(t) }, t[0]!.toUpperCase() + t.slice(1)));
  const liveBadge = h("span", { class: "live", id: "live" }, source.live ? "● live" : "");
  const title = h("h1", {}, summary.title);
  app.replaceChildren(h("header", {}, title, h("nav", {}, ...buttons), liveBadge), h("main", {}, ...TABS.map((t) => sections[t])));

  let browser: Browser | null = null;
  let current: Tab = "overview";
  let graph: ReturnType<typeof renderGraph> | null = null;

  const draw = (t: Tab) => {
    if (t === "overview") sections.overview.replaceChildren(renderOverview(summary));
    else if (t === "plots") renderPlots(sections.plots, summary, rows);
    else if (t === "graph") graph = renderGraph(sections.graph, summary, () => rows, (pos) => void openDialogue(pos), () => summary.toolNames);
    else if (t === "dialogues") {
      if (browser) browser.update();
      else browser = renderBrowser(sections.dialogues, summary, () => rows, source);
    }
    drawn.add(t);
  };
  function show(t: Tab): void {
    current = t;
    for (const x of TABS) sections[x].classList.toggle("on", x === t);
    for (const b of buttons) b.classList.toggle("on", b.dataset.tab === t);
    if (!drawn.has(t)) draw(t);
    if (window.toolflowReport) window.toolflowReport.tab = t;
    history.replaceState(null, "", `#${t}`);
  }
  async function openDialogue(pos: number): Promise<void> {
    show("dialogues");
    await browser!.open(pos);
  }

  const initial = (location.hash.slice(1) as Tab) || "overview";
  show(TABS.includes(initial) ? initial : "overview");
  requestAnimationFrame(() => {
    window.toolflowReport = { ready: true, rows: rows.length, tab: current, firstPaintMs: performance.now() - started, readyAt: performance.now() };
  });

  if (!source.live) return;
  let polls = 0;
  const poll = async () => {
    try {
      const more = await source.rows(rows.length);
      if (more.total < rows.length) location.reload(); // the run started over
      const added = more.rows.length > 0;
      if (added) rows.push(...more.rows);
      if (added || ++polls % 5 === 0) {
        const next = await source.summary();
        const stamp = (x: ReportSummary) => JSON.stringify([x.counts, x.manifest?.updatedAt ?? null, x.notes.length, x.judge?.dialogues ?? null]);
        if (added || stamp(next) !== stamp(summary)) {
          summary = next;
          browser?.setSummary(summary);
          // overview and plots are redrawn (now if shown, else when next shown); the graph keeps its layout and selection
          drawn.delete("overview");
          drawn.delete("plots");
          if (current === "overview" || current === "plots") draw(current);
          if (browser) browser.update();
        }
      }
      liveBadge.className = "live";
      liveBadge.textContent = `● live: ${num(summary.counts.accepted)} accepted, ${num(summary.counts.rejected)} rejected`;
      if (window.toolflowReport) window.toolflowReport.rows = rows.length;
    } catch (err) {
      liveBadge.className = "live off";
      liveBadge.textContent = `○ not following (${(err as Error).message})`;
    }
    setTimeout(() => void poll(), 1000);
  };
  setTimeout(() => void poll(), 1000);
  void graph;
}

main().catch((err: unknown) => {
  const app = document.getElementById("app");
  if (app) app.replaceChildren(h("div", { class: "note" }, `The report could not be drawn: ${(err as Error).message}`));
  console.error(err);
});
