/**
 * The Node side of the report: following a run's files as they grow (torn last line, bad lines), the figures
 * taken from `toolflow stats`' own code, the report file (self-contained, sampled details), the view server's
 * endpoints, and the CLI's errors. The page itself is tested in chromium (browser.test.ts).
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { request } from "node:http";
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { DialogueRecordZ, RejectedRecordZ, type DialogueRecord, type RejectedRecord } from "../core/index.js";
import { datasetFigures } from "../data/index.js";
import { readDataset } from "../data/index.js";
import { summarizeRejections } from "../verify/index.js";
import { cliInProcess, PROJECT_ROOT, runCli } from "../../test/support/cli.js";
import { exampleToolsAndGraph, INVENTED, simRun } from "../../test/support/report-run.js";
import { tempDirForFile } from "../../test/support/tmp.js";
import { escapeHtml, pageCsp, renderPage, RunData, scriptJson, startRunViewer, writeHtmlReport, type DialogueDetail, type DialogueRow, type ReportSummary } from "./index.js";

const temp = tempDirForFile("toolflow-html-");
let run: string;
let acceptedLines: string[];
let accepted: DialogueRecord[];
let rejected: RejectedRecord[];

const lines = (path: string) => readFileSync(path, "utf8").split("\n").filter((l) => l.trim() !== "");

beforeAll(async () => {
  const inputs = await exampleToolsAndGraph(join(temp(), "in"));
  run = join(temp(), "run");
  await simRun({ ...inputs, out: run, count: 5, inventEvery: 3 });
  acceptedLines = lines(join(run, "dialogues.jsonl"));
  accepted = acceptedLines.map((l) => DialogueRecordZ.parse(JSON.parse(l)));
  rejected = lines(join(run, "rejected.jsonl")).map((l) => RejectedRecordZ.parse(JSON.parse(l)));
}, 60_000);

/** The JSON blocks of a report page. */
function blocks(html: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const m of html.matchAll(/<script type="application\/json" id="([^"]+)"[^>]*>([\s\S]*?)<\/script>/g)) out.set(m[1]!, JSON.parse(m[2]!));
  return out;
}

describe("RunData", () => {
  it("follows dialogues.jsonl as it grows (view): a torn last line waits for its end, a later bad line is left out and named", async () => {
    expect(accepted.length).toBe(5);
    expect(rejected.length).toBeGreaterThan(0);
    const dir = join(temp(), "follow");
    mkdirSync(dir);
    const file = join(dir, "dialogues.jsonl");
    const second = acceptedLines[1]!;
    writeFileSync(file, `${acceptedLines[0]}\n${second.slice(0, 100)}`);
    const data = await RunData.open(dir, { live: true });
    expect(data.rows.map((r) => r.id)).toEqual([accepted[0]!.id]);
    appendFileSync(file, `${second.slice(100)}\n`);
    expect(await data.refresh()).toBe(1);
    expect(data.rows.map((r) => r.id)).toEqual([accepted[0]!.id, accepted[1]!.id]);
    appendFileSync(file, `{"id": "broken"}\n`);
    await expect(data.refresh()).rejects.toThrow(`${file} line 3 at /index: not a valid toolflow dialogue record`); // before following: an error
    data.badLines = "skip"; // as view does once its first read is done
    appendFileSync(file, `{"id": "broken"}\n`);
    expect(await data.refresh()).toBe(0);
    expect(data.skippedLines).toBe(1);
    expect(data.summary().notes.join("\n")).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:4: not a valid toolflow dialogue record`));
    // a dialogue's details come from its line: messages as written, the system prompt kept once in the summary
    const d = (await data.detail(1))!;
    const rec = accepted[1]!;
    expect(d.id).toBe(rec.id);
    expect(d.messages.slice(1)).toEqual(rec.messages.slice(1));
    expect(data.summary().systemPrompts[d.systemPrompt!]).toBe(rec.messages[0]!.role === "system" ? rec.messages[0]!.content : undefined);
    expect(d.plan?.steps.map((s) => s.id)).toEqual(rec.plan?.steps.map((s) => s.id));
    expect(d.sources.length).toBeGreaterThan(0);
    expect(await data.detail(99)).toBeNull();
  });

  it("reads a whole run: every row, the stats figures of toolflow stats, and the rejections as verify counts them", async () => {
    const data = await RunData.open(run);
    const s = data.summary();
    expect(s.counts).toEqual({ accepted: accepted.length, rejected: rejected.length });
    expect(data.rows.map((r) => r.id)).toEqual([...accepted, ...rejected].map((r) => r.id));
    // the invented values are rejected by provenance (or, in a field with a format, as an unusable reply)
    const rejectedRows = data.rows.filter((r) => r.a === 0);
    expect(rejectedRows.every((r) => r.r.includes("provenance") || r.r.includes("generation"))).toBe(true);
    expect(rejectedRows.some((r) => r.r.includes("provenance"))).toBe(true);
    expect(s.figures).toEqual(await datasetFigures(readDataset(run)));
    expect(s.rejections).toEqual(summarizeRejections(rejected));
    expect(s.graph?.nodes.length).toBe(23);
    expect(s.manifest?.status).toBe("complete");
    // a row's calls and tools are the record's
    const r0 = data.rows[0]!;
    const calls = accepted[0]!.messages.flatMap((m) => (m.role === "assistant" ? (m.tool_calls ?? []) : []));
    expect(r0.c).toBe(calls.length);
    expect(new Set(r0.t.map((t) => s.toolNames[t]))).toEqual(new Set(calls.map((c) => c.function.name)));
    // a rejected record carries no tool specs: its sample (samples.jsonl) names them, the run's tools.jsonl gives them
    const pos = data.rows.findIndex((r) => r.a === 0);
    const d = (await data.detail(pos))!;
    const rec = rejected[0]!;
    expect(rec.tools).toBeUndefined();
    const sample = lines(join(run, "samples.jsonl")).map((l) => JSON.parse(l) as { id: string; tools: string[] }).find((x) => x.id === rec.sampleId)!;
    expect(d.tools).toEqual(sample.tools);
    expect(d.sources.some((x) => x.origin.kind === "ungrounded" && x.value === INVENTED)).toBe(true);
  });
});

describe("writeHtmlReport", () => {
  it("writes one self-contained page; beyond --max-details it embeds a seeded sample of details and says so", async () => {
    const out = join(temp(), "pages", "small.html");
    const r = await writeHtmlReport(run, out, { maxDetails: 2 });
    const html = readFileSync(out, "utf8");
    expect(r).toMatchObject({ dialogues: accepted.length + rejected.length, embedded: 2, bytes: Buffer.byteLength(html) });
    expect(readdirSync(join(temp(), "pages"))).toEqual(["small.html"]); // no temp file left beside it
    // nothing loaded from elsewhere
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|<img[^>]+src=|url\(\s*["']?https?:/i);
    const b = blocks(html);
    const summary = b.get("tf-summary") as ReportSummary;
    const rows = b.get("tf-rows") as DialogueRow[];
    expect(rows).toHaveLength(r.dialogues);
    expect(rows.filter((x) => x.d === 1)).toHaveLength(2);
    expect(summary.sample).toMatchObject({ total: r.dialogues, embedded: 2 });
    expect(summary.sample?.note).toContain(`2 of the ${r.dialogues} dialogues`);
    const details = [...b].filter(([k]) => k.startsWith("tf-d-")).flatMap(([, v]) => Object.entries(v as Record<string, DialogueDetail>));
    expect(details.map(([pos]) => Number(pos)).sort((a, b) => a - b)).toEqual(rows.flatMap((x, i) => (x.d ? [i] : [])));
    for (const [pos, d] of details) expect(d.id).toBe(rows[Number(pos)]!.id);
    // the same seed picks the same sample
    const again = await writeHtmlReport(run, join(temp(), "pages2", "again.html"), { maxDetails: 2 });
    const rowsAgain = blocks(readFileSync(again.out, "utf8")).get("tf-rows") as DialogueRow[];
    expect(rowsAgain.map((x) => x.d)).toEqual(rows.map((x) => x.d));
  });

  it("keeps data from closing its <script> element", () => {
    const evil = { text: "</script><script>alert(1)</script>\u2028<!--" };
    const s = scriptJson(evil);
    expect(s).not.toMatch(/<\/|<!--|\u2028/);
    expect(JSON.parse(s)).toEqual(evil);
  });

  it("escapes text for HTML (the page builder's one path for data), the title included", async () => {
    expect(escapeHtml(`<img src=x onerror="a()">&'`)).toBe("&lt;img src=x onerror=&quot;a()&quot;&gt;&amp;&#39;");
    const html = await renderPage(`t<img src=x onerror="window.__pwned=1"></title><script>window.__pwned=2</script>`);
    expect(html).toContain("<title>t&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;&lt;/title&gt;&lt;script&gt;window.__pwned=2&lt;/script&gt;</title>");
    expect(html).not.toContain("<img");
  });

  it("the page's policy allows exactly its own inline script and style, by their sha256", async () => {
    const html = await renderPage("t", { summary: {} as ReportSummary, rows: [], details: new Map() });
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? "";
    expect(csp).toBe(await pageCsp({ live: false }));
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    const head = html.slice(0, html.indexOf("<body>"));
    const styles = [...head.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]!);
    expect([scripts.length, styles.length]).toEqual([1, 1]);
    const sha = (t: string) => `'sha256-${createHash("sha256").update(t).digest("base64")}'`;
    const directive = (name: string) => csp.split("; ").find((d) => d.startsWith(`${name} `));
    expect(directive("script-src")).toBe(`script-src ${sha(scripts[0]!)}`);
    expect(directive("style-src")).toBe(`style-src ${sha(styles[0]!)}`);
    expect(directive("default-src")).toBe("default-src 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|connect-src/); // a report file fetches nothing
  });

  it("the browser side builds no HTML from strings: no innerHTML & co., every plot tooltip through tooltip()", () => {
    const dir = join(PROJECT_ROOT, "src", "html", "client");
    for (const f of readdirSync(dir).filter((x) => x.endsWith(".ts"))) {
      const text = readFileSync(join(dir, f), "utf8");
      expect(text, f).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|createContextualFragment|DOMParser|\.srcdoc|new Function|eval\(/);
      for (const m of text.matchAll(/tooltip:\s*([^\s,]+)/g)) expect(m[1], `${f}: ${m[0]}`).toMatch(/^tooltip\(/);
      // an echarts formatter returns an element, never an HTML string
      expect(text, f).not.toMatch(/formatter:(?![^\n]*\): HTMLElement =>)/);
    }
  });
});

describe("startRunViewer", () => {
  it("serves the page, the summary, rows after a position and one dialogue, on 127.0.0.1", async () => {
    const viewer = await startRunViewer(run, { pollMs: 100_000 });
    try {
      expect(viewer.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await fetch(viewer.url);
      expect(page.headers.get("content-type")).toContain("text/html");
      const html = await page.text();
      expect(html).toContain('id="tf-live"');
      expect(html).not.toContain('id="tf-rows"');
      const summary = (await (await fetch(`${viewer.url}api/summary`)).json()) as ReportSummary;
      expect(summary.live).toBe(true);
      expect(summary.counts).toEqual({ accepted: accepted.length, rejected: rejected.length });
      const rows = (await (await fetch(`${viewer.url}api/rows?from=2`)).json()) as { total: number; rows: DialogueRow[] };
      expect(rows.total).toBe(accepted.length + rejected.length);
      expect(rows.rows.map((r) => r.id)).toEqual([...accepted, ...rejected].slice(2).map((r) => r.id));
      const d = (await (await fetch(`${viewer.url}api/dialogue?pos=0`)).json()) as DialogueDetail;
      expect(d.id).toBe(accepted[0]!.id);
      expect(d.messages).toEqual(accepted[0]!.messages); // the live page gets the system prompt itself
      expect((await fetch(`${viewer.url}api/dialogue?pos=999`)).status).toBe(404);
      expect((await fetch(`${viewer.url}api/rows?from=-1`)).status).toBe(400);
      expect((await fetch(`${viewer.url}nope`)).status).toBe(404);
    } finally {
      await viewer.close();
    }
  });

  it("answers only requests whose Host is the address it bound (no DNS rebinding), every answer with the page's CSP", async () => {
    const viewer = await startRunViewer(run, { pollMs: 100_000 });
    /** GET with the given Host header (undefined: none at all). */
    const get = (path: string, host: string | undefined) =>
      new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((ok, fail) => {
        const req = request({ host: "127.0.0.1", port: viewer.port, path, setHost: host !== undefined, headers: host === undefined ? {} : { host } }, (res) => {
          let body = "";
          res.on("data", (b: Buffer) => (body += b.toString()));
          res.on("end", () => ok({ status: res.statusCode ?? 0, headers: res.headers, body }));
        });
        req.on("error", fail);
        req.end();
      });
    try {
      const port = viewer.port;
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) expect((await get("/api/summary", host)).status, host).toBe(200);
      // (without any Host, node's HTTP server itself answers 400 before the handler runs)
      for (const host of ["evil.example", `evil.example:${port}`, `127.0.0.1:${port + 1}`, "127.0.0.1", `127.0.0.1.nip.io:${port}`, undefined]) {
        const r = await get("/api/summary", host);
        expect(r.status, String(host)).toBe(host === undefined ? 400 : 421);
        expect(r.body).not.toContain("counts");
        expect((await get("/", host)).body).not.toContain("<html");
      }
      const page = await get("/", `127.0.0.1:${port}`);
      const csp = await pageCsp({ live: true, header: true });
      expect(page.headers["content-security-policy"]).toBe(csp);
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(page.headers["x-content-type-options"]).toBe("nosniff");
      // the page's own <meta> policy is the same one without frame-ancestors (a <meta> policy cannot carry it)
      expect(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(page.body)?.[1]).toBe(await pageCsp({ live: true }));
      expect((await get("/api/rows?from=0", `localhost:${port}`)).headers["content-security-policy"]).toBe(csp);
    } finally {
      await viewer.close();
    }
  });
});

describe("unreadable input (report and view, as toolflow stats)", () => {
  /** A run folder holding the first two accepted lines, then `tail` (raw bytes). */
  function runWith(name: string, tail: Buffer | string): string {
    const dir = join(temp(), name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "dialogues.jsonl"), Buffer.concat([Buffer.from(`${acceptedLines[0]}\n${acceptedLines[1]}\n`), Buffer.from(tail)]));
    return dir;
  }

  it("a bad line is exit 2 naming file and line, and the previous report stays; --skip-bad-lines counts it on the page and in the summary", async () => {
    const out = join(temp(), "kept.html");
    const good = await cliInProcess(["report", runWith("good", ""), "-o", out]);
    expect(good.code, good.stderr).toBe(0);
    const before = readFileSync(out, "utf8");
    const cases: Array<[string, Buffer | string, RegExp]> = [
      ["garbage", "this is not json\n", /dialogues\.jsonl line 3: invalid JSON/],
      ["wrong-format", `${JSON.stringify({ messages: [{ role: "user", content: "hi" }] })}\n`, /dialogues\.jsonl line 3 at \/id: not a valid toolflow dialogue record/],
      ["not-utf8", Buffer.concat([Buffer.from('{"id": "x'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]), /dialogues\.jsonl line 3: not UTF-8: byte 0xff at byte offset 9 of the line/],
      ["cut", acceptedLines[2]!.slice(0, 200), /dialogues\.jsonl line 3: the file ends in the middle of this line/],
    ];
    for (const [name, tail, message] of cases) {
      const r = await cliInProcess(["report", runWith(name, tail), "-o", out]);
      expect(r.code, name).toBe(2);
      expect(r.stderr, name).toMatch(message);
      expect(readFileSync(out, "utf8"), name).toBe(before);
    }
    const skip = await cliInProcess(["report", runWith("skip", `garbage\n${acceptedLines[2]}\n{"id": 1}\n`), "-o", out, "--skip-bad-lines"]);
    expect(skip.code, skip.stderr).toBe(0);
    expect(skip.stderr).toMatch(/report: 3 dialogues \(3 accepted, 0 rejected\), 2 unreadable line\(s\) left out, /);
    const summary = blocks(readFileSync(out, "utf8")).get("tf-summary") as ReportSummary;
    expect(summary.skippedLines).toBe(2);
    expect(summary.notes[0]).toMatch(/^2 unreadable line\(s\) left out \(--skip-bad-lines\)/);
    expect(summary.notes.slice(1).map((n) => /:(\d+): /.exec(n)?.[1])).toEqual(["3", "5"]);
    // a file without its last newline whose last line is whole is read
    const whole = await cliInProcess(["report", runWith("no-newline", acceptedLines[2]!), "-o", out]);
    expect(whole.code, whole.stderr).toBe(0);
    expect(whole.stderr).toContain("3 dialogues");
  });

  it("an empty run, one whose every line is unreadable, or a folder where a run file should be, is exit 2 and writes nothing", async () => {
    const empty = join(temp(), "empty-run");
    mkdirSync(empty);
    writeFileSync(join(empty, "dialogues.jsonl"), "");
    const out = join(temp(), "empty.html");
    const r = await cliInProcess(["report", empty, "-o", out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${empty}: no dialogues to report`);
    const garbage = join(temp(), "garbage-run");
    mkdirSync(garbage);
    writeFileSync(join(garbage, "dialogues.jsonl"), "a\nb\n");
    const g = await cliInProcess(["report", garbage, "-o", out, "--skip-bad-lines"]);
    expect(g.code).toBe(2);
    expect(g.stderr).toContain("every line was unreadable (2 left out)");
    const folder = join(temp(), "folder-run");
    mkdirSync(join(folder, "dialogues.jsonl"), { recursive: true });
    const f = await cliInProcess(["report", folder, "-o", out]);
    expect(f.code).toBe(2);
    expect(f.stderr).toContain(`${join(folder, "dialogues.jsonl")}: not a file`);
    expect(existsSync(out)).toBe(false);
  });

  it("view: a broken --graph is an error before serving; an unreadable line stops it (exit 2) unless --skip-bad-lines", async () => {
    const broken = join(temp(), "broken-graph.json");
    writeFileSync(broken, '{"nodes": [');
    await expect(startRunViewer(run, { graph: broken })).rejects.toThrow(broken);
    const notGraph = join(temp(), "not-graph.json");
    writeFileSync(notGraph, '{"nodes": 3}');
    const v = await cliInProcess(["view", run, "--graph", notGraph]);
    expect(v.code).toBe(2);
    expect(v.stderr).toContain(`${notGraph} at /nodes: not a toolflow graph.json`);
    const bad = runWith("view-bad", "not json\n");
    const r = await cliInProcess(["view", bad, "--port", "0"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/dialogues\.jsonl line 3: invalid JSON/);
    const viewer = await startRunViewer(bad, { skipBadLines: true, pollMs: 100_000 });
    try {
      await viewer.ready();
      expect(viewer.data.rows).toHaveLength(2);
      expect(viewer.data.skippedLines).toBe(1);
    } finally {
      await viewer.close();
    }
  });
});

describe("toolflow report / view (CLI)", () => {
  it("view prints its URL, serves the run, and stops on SIGTERM", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", join(PROJECT_ROOT, "src/cli/main.ts"), "view", run, "--port", "0"], { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    try {
      let stdout = "";
      const url = await new Promise<string>((ok, fail) => {
        child.stdout.on("data", (b: Buffer) => {
          stdout += b.toString();
          const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(stdout);
          if (m) ok(m[0]);
        });
        child.once("exit", (code) => fail(new Error(`view exited (${code}) before printing its URL`)));
      });
      const summary = (await (await fetch(`${url}api/summary`)).json()) as ReportSummary;
      expect(summary.counts).toEqual({ accepted: accepted.length, rejected: rejected.length });
      const exited = new Promise<number | null>((ok) => child.once("exit", (code) => ok(code)));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 30_000);

  it("view on a port in use says so and exits (nothing left running)", async () => {
    const busy = createServer();
    await new Promise<void>((ok) => busy.listen(0, "127.0.0.1", ok));
    const port = (busy.address() as AddressInfo).port;
    try {
      const r = await runCli(["view", run, "--port", String(port)], { timeoutMs: 30_000 });
      expect(r.signal, "view hung after failing to listen").toBe(null);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`cannot listen on 127.0.0.1:${port}`);
    } finally {
      busy.close();
    }
  }, 40_000);

  it("writes the report and says how big it is; a missing folder or judge output is an error naming it", async () => {
    const out = join(temp(), "cli.html");
    const ok = await cliInProcess(["report", run, "-o", out]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(new RegExp(`report: ${accepted.length + rejected.length} dialogues \\(${accepted.length} accepted, ${rejected.length} rejected\\), [\\d.]+ MB -> `));
    expect(existsSync(out)).toBe(true);
    const missing = join(temp(), "no-such-run");
    const bad = await cliInProcess(["report", missing, "-o", join(temp(), "x.html")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(missing);
    const notRun = await cliInProcess(["report", join(temp(), "in"), "-o", join(temp(), "z.html")]);
    expect(notRun.code).toBe(2);
    expect(notRun.stderr).toMatch(/not a synth run folder/);
    const noJudge = await cliInProcess(["report", run, "--judge", join(temp(), "in"), "-o", join(temp(), "y.html")]);
    expect(noJudge.code).toBe(2);
    expect(noJudge.stderr).toMatch(/no judge\.jsonl or summary\.json/);
    expect(["x.html", "y.html", "z.html"].filter((f) => existsSync(join(temp(), f)))).toEqual([]);
  });
});
