/**
 * `toolflow report` and `toolflow view` on a 50,000-dialogue sim run: the report's size and the seconds to write
 * it, then in chromium (playwright-core) the time to first paint, to a drawn page, to the filtered list and to an
 * opened dialogue; the same for `view` (page served, 50k rows fetched from the server).
 *
 * The sim makes REPORT_BENCH_BASE dialogues (default 1,000) over the examples/ tools with a graph; they are
 * replicated with new ids (`<id>-r<k>`) to REPORT_BENCH_TOTAL (default 50,000) lines of a new run folder that
 * keeps the sim run's manifest (so the overview and the graph are there).
 *
 *   npx tsx bench/run.ts report
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { CHROMIUM, launchChromium, NO_CHROMIUM } from "../test/support/browser.js";
import { cli, replicate, simExampleRun } from "./replicate.js";


const ms = (x: number) => `${x.toFixed(0)} ms`;

/** Open a page and measure: first contentful paint, drawn (the overview), the list, a filter, an opened dialogue. */
async function measurePage(page: Page, url: string, label: string): Promise<void> {
  const t0 = Date.now();
  await page.goto(url, { timeout: 300_000 });
  // predicates as functions: the page's CSP has no 'unsafe-eval', and a string predicate is eval'd in the page
  await page.waitForFunction(() => (globalThis as { toolflowReport?: { ready?: boolean } }).toolflowReport?.ready === true, undefined, { timeout: 300_000 });
  const drawn = Date.now() - t0;
  const fcp = await page.evaluate("performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1");
  const readyAt = Number(await page.evaluate("window.toolflowReport.readyAt"));
  const rows = await page.evaluate("window.toolflowReport.rows");
  let t = Date.now();
  await page.click("button[data-tab=dialogues]");
  await page.locator("#dialogue-list li").first().waitFor();
  const list = Date.now() - t;
  const tool = await page.locator("#f-tool option").nth(1).getAttribute("value");
  t = Date.now();
  await page.selectOption("#f-tool", tool ?? "");
  await page.locator("#list-count").waitFor();
  const filter = Date.now() - t;
  await page.selectOption("#f-tool", "");
  // a dialogue far down the list: the last one with details (its data block is one of the last)
  const withDetails = (await page.locator("#f-status option[value=details]").count()) > 0;
  if (withDetails) await page.selectOption("#f-status", "details");
  const pages = Number(/of (\d+)/.exec(await page.locator(".pager span").innerText())?.[1] ?? "1");
  for (let i = 1; i < pages && i < 400; i++) await page.click(".pager button:has-text('next')");
  const item = page.locator("#dialogue-list li").last();
  const id = await item.getAttribute("data-id");
  const pos = await item.getAttribute("data-pos");
  t = Date.now();
  await item.click();
  await page.locator("#dialogue-title", { hasText: id ?? "" }).waitFor();
  await page.locator("#dialogue .msg").first().waitFor();
  const open = Date.now() - t;
  const calls = await page.locator("#dialogue .call").count();
  t = Date.now();
  await page.click("button[data-tab=plots]");
  await page.locator("#plot-tools svg path").nth(10).waitFor({ state: "attached" });
  const plots = Date.now() - t;
  console.log(
    `${label}: ${rows} rows; first contentful paint ${Number(fcp) < 0 ? "not reported" : ms(Number(fcp))}, overview painted ${ms(readyAt)} after navigation start (${ms(drawn)} as the test sees it); ` +
      `list ${ms(list)}, filter by tool ${ms(filter)}, dialogue ${id} (list position ${pos}) opened (${calls} calls) ${ms(open)}, plots ${ms(plots)}`,
  );
}

export async function run(): Promise<void> {
  const base = Number(process.env.REPORT_BENCH_BASE ?? 1000);
  const total = Number(process.env.REPORT_BENCH_TOTAL ?? 50000);
  const dir = mkdtempSync(join(tmpdir(), "report-bench-"));
  try {
    const { run: sim } = simExampleRun(dir, base, { graph: true });
    const big = join(dir, "big");
    mkdirSync(big);
    copyFileSync(join(sim, "manifest.json"), join(big, "manifest.json"));
    writeFileSync(join(big, "rejected.jsonl"), "");
    let t0 = performance.now();
    const n = await replicate(join(sim, "dialogues.jsonl"), join(big, "dialogues.jsonl"), total);
    console.log(`replicated to ${n} dialogues (${base} sim dialogues repeated with new ids): ${(statSync(join(big, "dialogues.jsonl")).size / 1e6).toFixed(0)} MB of dialogues.jsonl`);

    const out = join(dir, "report.html");
    t0 = performance.now();
    const r = cli(["report", big, "-o", out]);
    if (r.status !== 0) throw new Error(`report failed: ${r.stderr.slice(-800)}`);
    const seconds = (performance.now() - t0) / 1000;
    console.log(`toolflow report: ${(statSync(out).size / 1e6).toFixed(1)} MB in ${seconds.toFixed(1)} s (${r.stderr.trim().split("\n").pop()})`);

    if (!CHROMIUM) {
      console.log(`browser figures skipped: ${NO_CHROMIUM}`);
      return;
    }
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await measurePage(page, `file://${out}`, "report (file)");
      await page.close();
      const { startRunViewer } = await import("../src/html/index.js");
      t0 = performance.now();
      const viewer = await startRunViewer(big, { pollMs: 2000 });
      const listening = (performance.now() - t0) / 1000;
      await viewer.ready();
      console.log(`toolflow view: listening after ${listening.toFixed(1)} s; ${viewer.data.rows.length} dialogues read after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      try {
        const live = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
        await measurePage(live, viewer.url, "view (served)");
        await live.close();
      } finally {
        await viewer.close();
      }
    } finally {
      await browser.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
