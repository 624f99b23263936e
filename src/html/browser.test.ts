/**
 * The report page and the live view in a real browser (playwright-core driving the system's chromium): a small sim
 * run (with rejected dialogues and judge results) made once, its report opened from disk, and `view` following a
 * synth that starts after the page was opened. Screenshots go to test-artifacts/.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DialogueRecordZ, RejectedRecordZ, ToolGraphJsonZ, type DialogueRecord, type RejectedRecord } from "../core/index.js";
import type { ModelMiddleware } from "../llm/index.js";
import { artifactPath, CHROMIUM, cspViolations, launchChromium, NO_CHROMIUM, recordCspViolations, waitForReport } from "../../test/support/browser.js";
import { cliInProcess } from "../../test/support/cli.js";
import { exampleToolsAndGraph, hostileRunCopy, INVENTED, judgeRun, SCRIPT_PAYLOAD, simRun } from "../../test/support/report-run.js";
import { tempDirForFile } from "../../test/support/tmp.js";
import { pageCsp, startRunViewer } from "./index.js";

const temp = tempDirForFile("toolflow-report-browser-");
let browser: Browser;
let inputs: { tools: string; graph: string };
let run: string;
let report: string;
let accepted: DialogueRecord[];
let rejected: RejectedRecord[];

const readLines = <T>(path: string, parse: (v: unknown) => T): T[] =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => parse(JSON.parse(l)));

if (!CHROMIUM) console.warn(`browser tests skipped: ${NO_CHROMIUM}`);

describe.skipIf(!CHROMIUM)("the HTML report and the live view in chromium", () => {
  beforeAll(async () => {
    inputs = await exampleToolsAndGraph(join(temp(), "in"));
    run = join(temp(), "run");
    await simRun({ ...inputs, out: run, count: 10, inventEvery: 4 });
    await judgeRun(run);
    accepted = readLines(join(run, "dialogues.jsonl"), (v) => DialogueRecordZ.parse(v));
    rejected = readLines(join(run, "rejected.jsonl"), (v) => RejectedRecordZ.parse(v));
    report = join(temp(), "report.html");
    const r = await cliInProcess(["report", run, "-o", report]);
    expect(r.code, r.stderr).toBe(0);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  async function openReport(): Promise<{ page: Page; requests: string[]; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on("request", (req) => requests.push(req.url()));
    page.on("pageerror", (e) => errors.push(e.message));
    await recordCspViolations(page);
    await page.goto(`file://${report}`);
    await waitForReport(page);
    return { page, requests, errors };
  }

  it("the run made what the tests need: accepted and rejected dialogues, judge results", () => {
    expect(accepted).toHaveLength(10);
    expect(rejected.length).toBeGreaterThan(0);
    // the invented values are rejected by provenance (or, in a field with a format, as an unusable reply)
    expect(rejected.every((r) => r.rejectedBy.some((b) => b.check === "provenance" || b.check === "generation"))).toBe(true);
    expect(rejected.some((r) => r.rejectedBy.some((b) => b.check === "provenance"))).toBe(true);
  });

  it("opens from disk without any network request and shows the run's counts and rejection reasons", async () => {
    const { page, requests, errors } = await openReport();
    expect(requests.filter((u) => !u.startsWith("file://"))).toEqual([]);
    expect(errors).toEqual([]);
    const cards = await page.locator(".card").allInnerTexts();
    expect(cards[0]).toContain(String(accepted.length));
    expect(cards[1]).toContain(String(rejected.length));
    await expect.poll(() => page.locator("#rejections").innerText()).toContain("provenance");
    expect(await page.locator("#judge").innerText()).toMatch(/naturalness[\s\S]*round-trip agreement/);
    expect(await page.locator("#sim-note").innerText()).toContain("not real data");
    await page.screenshot({ path: artifactPath("report-overview.png"), fullPage: true });
    await page.close();
  });

  it("draws every plot as a non-empty SVG", async () => {
    const { page, errors } = await openReport();
    await page.click("button[data-tab=plots]");
    for (const id of ["plot-tools", "plot-kinds", "plot-calls", "plot-length", "plot-judge", "plot-usage", "plot-rejections"]) {
      await expect.poll(() => page.locator(`#${id} svg path`).count(), { message: id }).toBeGreaterThan(3);
    }
    // the tool-usage plot names the most used tool of the run's accepted dialogues
    const use = new Map<string, number>();
    for (const d of accepted) for (const m of d.messages) if (m.role === "assistant") for (const c of m.tool_calls ?? []) use.set(c.function.name, (use.get(c.function.name) ?? 0) + 1);
    const top = [...use].sort((a, b) => b[1] - a[1])[0]![0];
    expect(await page.locator("#plot-tools svg").innerHTML()).toContain(top);
    expect(errors).toEqual([]);
    expect(await cspViolations(page)).toEqual([]); // echarts draws under the page's policy
    await page.screenshot({ path: artifactPath("report-plots.png"), fullPage: true });
    await page.close();
  });

  it("filters change the list: rejected only, by tool, by step kind, by judge score", async () => {
    const { page } = await openReport();
    await page.click("button[data-tab=dialogues]");
    const items = page.locator("#dialogue-list li");
    expect(await items.count()).toBe(accepted.length + rejected.length);
    await page.selectOption("#f-status", "0");
    expect(await items.count()).toBe(rejected.length);
    expect(new Set(await items.evaluateAll((els) => els.map((e) => e.getAttribute("data-id"))))).toEqual(new Set(rejected.map((r) => r.id)));
    await page.selectOption("#f-status", "");
    const tool = accepted[0]!.messages.flatMap((m) => (m.role === "assistant" ? (m.tool_calls ?? []) : []))[0]!.function.name;
    await page.selectOption("#f-tool", { label: tool });
    const calling = [...accepted, ...rejected].filter((d) => (d.messages ?? []).some((m) => m.role === "assistant" && (m.tool_calls ?? []).some((c) => c.function.name === tool)));
    expect(await items.count()).toBe(calling.length);
    expect(await page.locator("#list-count").innerText()).toBe(`${calling.length} of ${accepted.length + rejected.length} dialogues`);
    await page.selectOption("#f-tool", "");
    // by step kind
    const chained = [...accepted, ...rejected].filter((d) => d.plan?.steps.some((s) => s.kind === "chained"));
    await page.selectOption("#f-kind", { label: "chained" });
    expect(await items.count()).toBe(chained.length);
    await page.selectOption("#f-kind", "");
    // by judge score (the mean of a dialogue's criteria in judge.jsonl; rejected dialogues were not judged)
    const means = readLines(join(run, "judge", "judge.jsonl"), (v) => v as { judge?: { scores: Record<string, number> } }).flatMap((l) => {
      const xs = Object.values(l.judge?.scores ?? {});
      return xs.length ? [xs.reduce((a, b) => a + b, 0) / xs.length] : [];
    });
    await page.selectOption("#f-judge", "3");
    expect(await items.count()).toBe(means.filter((m) => m >= 3 && m < 4).length);
    await page.selectOption("#f-judge", "none");
    expect(await items.count()).toBe(accepted.length + rejected.length - means.length);
    await page.close();
  });

  it("opens a dialogue with its calls, plan (ticked) and the provenance of each argument", async () => {
    const { page } = await openReport();
    await page.click("button[data-tab=dialogues]");
    // an accepted dialogue with a chained call: an argument taken from a tool result
    const d = accepted.find((x) => x.plan?.steps.some((s) => s.kind === "chained"))!;
    await page.click(`#dialogue-list li[data-id="${d.id}"]`);
    await expect.poll(() => page.locator("#dialogue-title").innerText()).toContain(d.id);
    const calls = d.messages.flatMap((m) => (m.role === "assistant" ? (m.tool_calls ?? []) : []));
    expect(await page.locator("#dialogue .call").count()).toBe(calls.length);
    expect(await page.locator("#plan li").count()).toBe(d.plan!.steps.length);
    expect(await page.locator('#plan li[data-done="1"]').count()).toBe(d.plan!.steps.length);
    expect(await page.locator('#checks .badge:text("passed")').count()).toBe(3);
    const fromTool = page.locator('#dialogue tr.arg[data-origin="message"]', { hasText: "← tool result" }).first();
    const label = await fromTool.locator(".org").innerText();
    const source = Number(/#(\d+)/.exec(label)![1]);
    expect(d.messages[source]!.role).toBe("tool");
    const value = JSON.parse(await fromTool.locator("td").nth(1).innerText()) as unknown;
    expect(d.messages[source]!.role === "tool" && d.messages[source]!.content).toContain(String(value));
    await fromTool.hover();
    await expect.poll(() => page.locator(`.msg[data-msg="${source}"]`).getAttribute("class")).toContain("src");
    expect(await page.locator(`.msg[data-msg="${source}"] mark`).count()).toBeGreaterThan(0);
    await page.screenshot({ path: artifactPath("report-dialogue.png"), fullPage: true });

    // a rejected one shows its finding and the invented argument as ungrounded
    const r = rejected[0]!;
    await page.click(`#dialogue-list li[data-id="${r.id}"]`);
    await expect.poll(() => page.locator("#dialogue-title").innerText()).toContain(r.id);
    expect(await page.locator("#dialogue .note", { hasText: "rejected by provenance" }).count()).toBe(1);
    const bad = page.locator('#dialogue tr.arg[data-origin="ungrounded"]');
    expect(await bad.count()).toBeGreaterThan(0);
    expect(await bad.first().innerText()).toContain(INVENTED);
    await page.screenshot({ path: artifactPath("report-rejected.png"), fullPage: true });
    await page.close();
  });

  it("shows how each tool message was made (--execute) and the assistant's reasoning (--keep-reasoning)", async () => {
    // the run's records as a --execute --keep-reasoning run writes them: execution and reasoning parallel to messages
    const d = accepted.find((x) => x.messages.filter((m) => m.role === "tool").length >= 2)!;
    const tools = d.messages.flatMap((m, i) => (m.role === "tool" ? [i] : []));
    const firstAssistant = d.messages.findIndex((m) => m.role === "assistant");
    const target = "GET http://127.0.0.1:9/v1/things";
    const marked = {
      ...d,
      execution: d.messages.map((_m, i) =>
        i === tools[0] ? { mode: "executed" as const, executor: "http", target } : tools.includes(i) ? { mode: "simulated" as const } : null,
      ),
      reasoning: d.messages.map((_m, i) => (i === firstAssistant ? "The user wants it; call the tool first." : null)),
    };
    const dir = join(temp(), "run-exec");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "dialogues.jsonl"), JSON.stringify(DialogueRecordZ.parse(marked)) + "\n");
    writeFileSync(join(dir, "manifest.json"), readFileSync(join(run, "manifest.json")));
    const out = join(temp(), "report-exec.html");
    const r = await cliInProcess(["report", dir, "-o", out]);
    expect(r.code, r.stderr).toBe(0);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`file://${out}`);
    await waitForReport(page);
    await page.click("button[data-tab=dialogues]");
    await page.click(`#dialogue-list li[data-id="${d.id}"]`);
    await expect.poll(() => page.locator("#dialogue-title").innerText()).toContain(d.id);
    const executed = page.locator(`.msg[data-msg="${tools[0]}"] [data-exec=executed]`);
    expect(await executed.innerText()).toBe(`executed (http): ${target}`);
    expect(await page.locator("#dialogue [data-exec=simulated]").count()).toBe(tools.length - 1);
    expect(await page.locator(`.msg[data-msg="${firstAssistant}"] details.reasoning`).textContent()).toContain("call the tool first");
    await page.close();
  });

  it("the graph view draws with WebGL, shows an edge's field pairs on hover, finds a tool by search and lists the dialogues that call it", async () => {
    const { page, errors } = await openReport();
    await page.click("button[data-tab=graph]");
    await expect.poll(() => page.locator("#graph canvas").count()).toBeGreaterThan(0);
    expect(await page.locator("#graph .note").count()).toBe(0); // no "cannot be drawn" note: WebGL works
    await page.waitForTimeout(300);

    // hover the middle of the edge farthest from every other tool and edge: the tip shows its field pairs
    const g = ToolGraphJsonZ.parse(JSON.parse(readFileSync(inputs.graph, "utf8")));
    const at = new Map((await page.evaluate("window.toolflowGraph.nodes()") as Array<{ name: string; x: number; y: number }>).map((n) => [n.name, n]));
    const name = (id: string) => g.nodes.find((n) => n.id === id)!.name;
    const segs = g.edges.map((e) => ({ e, a: at.get(name(e.source))!, b: at.get(name(e.target))! }));
    const distToSeg = (p: { x: number; y: number }, a: { x: number; y: number }, b: { x: number; y: number }) => {
      const dx = b.x - a.x, dy = b.y - a.y;
      const t = Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / (dx * dx + dy * dy || 1)));
      return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
    };
    const samePair = (x: (typeof segs)[number], y: (typeof segs)[number]) => new Set([x.e.source, x.e.target, y.e.source, y.e.target]).size === 2;
    const scored = segs.map((s) => {
      const mid = { x: (s.a.x + s.b.x) / 2, y: (s.a.y + s.b.y) / 2 };
      const clear = Math.min(...[...at.values()].map((n) => Math.hypot(n.x - mid.x, n.y - mid.y)), ...segs.filter((o) => !samePair(o, s)).map((o) => distToSeg(mid, o.a, o.b)));
      return { s, mid, clear };
    });
    const best = scored.sort((x, y) => y.clear - x.clear)[0]!;
    expect(best.clear).toBeGreaterThan(8);
    await page.mouse.move(best.mid.x, best.mid.y);
    await expect.poll(() => page.locator("#graph-tip").isVisible()).toBe(true);
    const tipText = await page.locator("#graph-tip").innerText();
    const ev = best.s.e.evidence[0]!;
    expect(tipText).toContain(`${best.s.e.kind}: ${name(best.s.e.source)} → ${name(best.s.e.target)}`);
    expect(tipText).toContain(`${ev.sourceField} ↔ ${ev.targetField}`);
    await page.screenshot({ path: artifactPath("report-graph-hover.png") });
    await page.mouse.move(5, 5);

    // clicking a tool lists the dialogues that call it
    const clicked = [...at.values()].sort((a, b) => b.x - a.x)[0]!; // the right-most tool: nothing drawn over it
    await page.mouse.click(clicked.x, clicked.y);
    await expect.poll(() => page.locator("#tool-name").innerText()).toBe(clicked.name);
    const tool = accepted[0]!.messages.flatMap((m) => (m.role === "assistant" ? (m.tool_calls ?? []) : []))[0]!.function.name;
    await page.fill("#tool-search", tool);
    await page.press("#tool-search", "Enter");
    await expect.poll(() => page.locator("#tool-name").innerText()).toBe(tool);
    const calling = [...accepted, ...rejected].filter((d) => (d.messages ?? []).some((m) => m.role === "assistant" && (m.tool_calls ?? []).some((c) => c.function.name === tool)));
    expect(await page.locator("#tool-dialogues li").count()).toBe(calling.length);
    await page.fill("#tool-search", "no_such_tool_here");
    await page.press("#tool-search", "Enter");
    expect(await page.locator("#graph-status").innerText()).toContain("No tool named");
    await page.waitForTimeout(400); // the camera moves to the tool
    await page.screenshot({ path: artifactPath("report-graph.png") });
    // a listed dialogue opens in the browser
    await page.fill("#tool-search", tool);
    await page.press("#tool-search", "Enter");
    await page.locator("#tool-dialogues li").first().click();
    await expect.poll(() => page.locator("#dialogue-title").innerText()).toContain(calling[0]!.id); // the list is in the run's file order
    expect(errors).toEqual([]);
    expect(await cspViolations(page)).toEqual([]); // sigma and the layout run under the page's policy
    await page.close();
  });

  it("a run whose every free-text field holds a script payload: hovering every plot, drawing the graph and opening dialogues runs no script and breaks no policy", async () => {
    const dir = join(temp(), "run-hostile");
    hostileRunCopy(run, inputs.graph, dir);
    const out = join(temp(), "report-hostile.html");
    const r = await cliInProcess(["report", dir, "-o", out, "--graph", join(dir, "graph.json"), "--title", `title${SCRIPT_PAYLOAD}`]);
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(out, "utf8");
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
    expect(csp).toBe(await pageCsp({ live: false }));
    expect(csp).toMatch(/^default-src 'none'; script-src 'sha256-[^']+'; style-src 'sha256-[^']+';/);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    // every CSP violation of the page (an element or handler smuggled in by the data would cause one, as would a
    // library or our own script needing more than the policy gives)
    await recordCspViolations(page);
    await page.goto(`file://${out}`);
    await waitForReport(page);
    expect(await page.title()).toBe(`title${SCRIPT_PAYLOAD}`);
    expect(await page.locator("#judge").innerText()).toContain(`naturalness${SCRIPT_PAYLOAD}`);

    // hover a bar of every plot: each tooltip shows the data's names as text
    await page.click("button[data-tab=plots]");
    const tips: Record<string, string> = {};
    for (const id of ["plot-tools", "plot-kinds", "plot-calls", "plot-length", "plot-judge", "plot-usage", "plot-rejections"]) {
      // the tallest (or widest) bar
      const bars = page.locator(`#${id} svg path[fill="#2f6fde"]`);
      await bars.first().waitFor({ state: "attached" });
      await page.locator(`#${id}`).scrollIntoViewIfNeeded();
      const boxes = await bars.evaluateAll((els) => els.map((e) => (e as unknown as { getBoundingClientRect(): { x: number; y: number; width: number; height: number } }).getBoundingClientRect()));
      const box = boxes.map((b) => ({ x: b.x, y: b.y, width: b.width, height: b.height })).sort((a, b) => b.width * b.height - a.width * a.height)[0]!;
      expect(box.width * box.height, id).toBeGreaterThan(0);
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await expect.poll(() => page.locator(`#${id} .tip`).isVisible(), { message: `${id} ${JSON.stringify(box)} ${errors.join("; ")}` }).toBe(true);
      tips[id] = await page.locator(`#${id} .tip`).innerText();
      await page.mouse.move(2, 2);
    }
    expect(["naturalness", "coherence", "helpfulness", "accuracy"].map((c) => c + SCRIPT_PAYLOAD)).toContain(tips["plot-judge"]!.split("\n")[0]);
    expect(tips["plot-tools"]).toContain(SCRIPT_PAYLOAD); // a tool name
    expect(tips["plot-rejections"]).toContain(SCRIPT_PAYLOAD); // a check name
    expect(tips["plot-usage"]).toContain(SCRIPT_PAYLOAD); // a role

    // the graph (tool names as sigma's canvas labels and in the search list)
    await page.click("button[data-tab=graph]");
    await expect.poll(() => page.locator("#graph canvas").count()).toBeGreaterThan(0);
    expect(await page.locator("#tool-names option").first().getAttribute("value")).toContain(SCRIPT_PAYLOAD);

    // the dialogue browser: an accepted and a rejected dialogue, with plan, checks, judge and provenance
    await page.click("button[data-tab=dialogues]");
    for (const status of ["1", "0"]) {
      await page.selectOption("#f-status", status);
      await page.locator("#dialogue-list li").first().click();
      await expect.poll(() => page.locator("#dialogue-title").innerText()).toContain(SCRIPT_PAYLOAD);
      await page.locator("#dialogue tr.arg").first().hover();
    }
    expect(await page.locator("#dialogue").innerText()).toContain(`rejected by provenance${SCRIPT_PAYLOAD}`);

    const state = await page.evaluate(() => {
      const g = globalThis as unknown as { __pwned?: unknown; document: { querySelectorAll(s: string): { length: number } } };
      return {
        pwned: g.__pwned,
        images: g.document.querySelectorAll("img").length,
        scripts: g.document.querySelectorAll("script:not([type='application/json'])").length,
      };
    });
    expect(state).toEqual({ pwned: undefined, images: 0, scripts: 1 });
    expect(await cspViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("view follows a synth that starts after the page was opened", async () => {
    const live = join(temp(), "live");
    mkdirSync(live);
    const viewer = await startRunViewer(live, { pollMs: 150, graph: inputs.graph });
    let open: () => void = () => {};
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await recordCspViolations(page);
    try {
      await page.goto(viewer.url);
      await waitForReport(page);
      await page.click("button[data-tab=dialogues]");
      expect(await page.locator("#list-count").innerText()).toBe("0 of 0 dialogues");
      // a synth that holds before its second dialogue until the page has shown the first
      const gate = new Promise<void>((r) => (open = r));
      let plans = 0;
      const held: ModelMiddleware = {
        name: "held",
        chat: async ({ request, next }) => {
          if (request.role === "planner" && ++plans === 2) await gate;
          return next(request);
        },
      };
      let finished = false;
      const synth = simRun({ ...inputs, out: live, count: 4, seed: 3, middleware: [held] }).then(() => (finished = true));
      await page.locator("#dialogue-list li").first().waitFor({ timeout: 60_000 });
      expect(finished).toBe(false); // shown while the run is still writing
      expect(await page.locator("#dialogue-list li").count()).toBe(1);
      const first = readLines(join(live, "dialogues.jsonl"), (v) => DialogueRecordZ.parse(v))[0]!;
      await page.click(`#dialogue-list li[data-id="${first.id}"]`);
      await expect.poll(() => page.locator("#dialogue-title").innerText()).toContain(first.id);
      const calls = first.messages.flatMap((m) => (m.role === "assistant" ? (m.tool_calls ?? []) : []));
      expect(await page.locator("#dialogue .call").count()).toBe(calls.length);
      await page.screenshot({ path: artifactPath("view-live.png"), fullPage: true });
      open();
      await synth;
      await expect.poll(() => page.locator("#list-count").innerText(), { timeout: 10_000 }).toBe("4 of 4 dialogues");
      expect(await page.locator("#live").innerText()).toContain("4 accepted");
      expect(await cspViolations(page)).toEqual([]); // the live page fetches under its policy (header and <meta>)
    } finally {
      open(); // never leave the synth held
      await page.close();
      await viewer.close();
    }
  }, 90_000);
});
