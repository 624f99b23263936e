/**
 * The report page: one HTML file with its style, its data (JSON in `<script type="application/json">` blocks,
 * parsed only when needed) and its client script (src/html/client/, bundled with echarts and sigma by esbuild
 * when first needed, then kept). Nothing is fetched from the network; `toolflow view` serves the same page
 * without data blocks and the client asks the server instead. Data enters the HTML only through escape.ts, and the
 * page carries a Content-Security-Policy that lets only its own script and style run (`pageCsp`).
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ToolflowError, packagePath } from "../core/index.js";
import { escapeHtml, scriptJson } from "./escape.js";
import type { DialogueDetail, DialogueRow, ReportSummary } from "./types.js";

/** Dialogue details per embedded data block (the page parses one block when one of its dialogues is opened). */
export const DETAILS_PER_CHUNK = 200;

let bundled: Promise<string> | undefined;

/** Where the client's entry module is: beside this module under tsx/vitest, in the package's src/ from dist/. */
export function clientEntry(): string {
  const candidates = [fileURLToPath(new URL("./client/main.ts", import.meta.url)), packagePath("src", "html", "client", "main.ts")];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new ToolflowError(`the report page's client script is missing (looked at ${candidates.join(", ")})`, { code: "HTML_CLIENT_MISSING" });
  return found;
}

/** The client script, bundled (minified, one IIFE, every dependency inlined). Built once per process. */
export function clientBundle(): Promise<string> {
  bundled ??= (async () => {
    const esbuild = await import("esbuild");
    const result = await esbuild.build({
      entryPoints: [clientEntry()],
      bundle: true,
      format: "iife",
      platform: "browser",
      target: "es2020",
      minify: true,
      write: false,
      legalComments: "none",
      logLevel: "silent",
      define: { "process.env.NODE_ENV": '"production"' },
    });
    const out = result.outputFiles[0];
    if (!out) throw new ToolflowError("esbuild returned no output for the report client", { code: "HTML_BUNDLE_FAILED" });
    return out.text.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
  })();
  bundled.catch(() => (bundled = undefined));
  return bundled;
}

/** A CSP source that allows exactly one inline script or style element: `'sha256-…'` of its text. */
export function cspHash(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

/**
 * The page's Content-Security-Policy. Nothing loads from anywhere (`default-src 'none'`); the one inline script
 * (the client bundle) and the one inline style element run by their hashes, so an element or handler that data
 * might smuggle in never runs (no `'unsafe-inline'`, no `'unsafe-eval'`: echarts, sigma and graphology need
 * neither). Style attributes are refused too: the client and the libraries set styles through the CSSOM
 * (`el.style.x = …`), which CSP does not govern. Images only as data: URLs (none are used today). The live page
 * of `toolflow view` may fetch from its own server (`connect-src 'self'`); the server also sends the policy as a
 * header with `frame-ancestors 'none'` (which a `<meta>` policy cannot carry).
 */
export async function pageCsp(options: { live: boolean; header?: boolean }): Promise<string> {
  const script = await clientBundle();
  return [
    "default-src 'none'",
    `script-src ${cspHash(script)}`,
    `style-src ${cspHash(PAGE_CSS)}`,
    "img-src data:",
    ...(options.live ? ["connect-src 'self'"] : []),
    "base-uri 'none'",
    "form-action 'none'",
    ...(options.header ? ["frame-ancestors 'none'"] : []),
  ].join("; ");
}

export interface PageData {
  summary: ReportSummary;
  rows: DialogueRow[];
  /** Details by list position (the embedded ones). */
  details: Map<number, DialogueDetail>;
}

/** The whole page. Without `data` it is the live page of `toolflow view` (the client fetches /api/...). */
export async function renderPage(title: string, data?: PageData): Promise<string> {
  const script = await clientBundle();
  const csp = await pageCsp({ live: !data });
  const parts: string[] = [];
  parts.push(
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8">`,
    // our own text (no data; no `"`, `<` or `&` in it), written as is so that the policy reads the same in the file
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<title>${escapeHtml(title)}</title><style>${PAGE_CSS}</style></head><body>`,
    `<div id="app"><p class="loading">Loading the report…</p><noscript>This report needs JavaScript.</noscript></div>`,
  );
  if (data) {
    parts.push(`<script type="application/json" id="tf-summary">${scriptJson(data.summary)}</script>`);
    parts.push(`<script type="application/json" id="tf-rows" data-per-chunk="${DETAILS_PER_CHUNK}">${scriptJson(data.rows)}</script>`);
    const chunks = new Map<number, Record<number, DialogueDetail>>();
    for (const [pos, d] of data.details) {
      const c = Math.floor(pos / DETAILS_PER_CHUNK);
      const chunk = chunks.get(c) ?? {};
      chunk[pos] = d;
      chunks.set(c, chunk);
    }
    for (const [c, chunk] of [...chunks].sort((a, b) => a[0] - b[0])) {
      parts.push(`<script type="application/json" id="tf-d-${c}">${scriptJson(chunk)}</script>`);
    }
  } else {
    parts.push(`<script type="application/json" id="tf-live">true</script>`);
  }
  parts.push(`<script>${script}</script></body></html>\n`);
  return parts.join("\n");
}

const PAGE_CSS = `
:root{--fg:#1d2330;--muted:#667085;--line:#e3e6ec;--bg:#f7f8fa;--acc:#2f6fde;--ok:#1a7f37;--bad:#c2302a;--warn:#b7791f;--pp:#2f6fde;--pr:#e07b1a}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;align-items:center;gap:16px;padding:10px 20px;background:#fff;border-bottom:1px solid var(--line)}
header h1{font-size:16px;margin:0;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;max-width:45vw}
nav button{border:0;background:none;padding:6px 12px;border-radius:6px;cursor:pointer;font:inherit;color:var(--muted)}
nav button.on{background:#e8efff;color:var(--acc);font-weight:600}
.live{font-size:12px;color:var(--ok)}.live.off{color:var(--muted)}
main{padding:16px 20px}section{display:none}section.on{display:block}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px;margin-bottom:14px}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 12px}.card b{display:block;font-size:20px}.card span{color:var(--muted);font-size:12px}
.panel{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 14px;margin-bottom:14px}
.panel h2{font-size:14px;margin:0 0 8px}.grid2{display:grid;grid-template-columns:1fr 1fr;gap:14px}
table.kv{border-collapse:collapse;width:100%}table.kv td,table.kv th{padding:3px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top;font-size:13px}
table.kv th{color:var(--muted);font-weight:500;width:38%}table.kv.cols th{width:auto}ul.parts{margin:2px 0 4px;padding-left:18px;font-size:12px}
.note{background:#fff8e6;border:1px solid #f1d9a0;border-radius:6px;padding:8px 10px;margin-bottom:12px}
section.on.plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:14px;align-items:start}.plot{height:340px;margin:0}
#graph-wrap{display:grid;grid-template-columns:1fr 320px;gap:14px}#graph{height:640px;background:#fff;border:1px solid var(--line);border-radius:8px;position:relative}
#graph-tip{position:absolute;pointer-events:none;background:#1d2330;color:#fff;padding:6px 8px;border-radius:6px;font-size:12px;display:none;z-index:3;max-width:320px}
.legend i{display:inline-block;width:18px;height:3px;vertical-align:middle;margin:0 4px 0 10px}
#browser{display:grid;grid-template-columns:360px minmax(0,1fr);gap:14px;align-items:start}
.filters{display:grid;grid-template-columns:1fr 1fr;gap:6px;margin-bottom:8px}.filters label{font-size:12px;color:var(--muted)}
.filters select,.filters input{width:100%;font:inherit;padding:3px}
ul.list{list-style:none;margin:0;padding:0;max-height:70vh;overflow:auto;border:1px solid var(--line);border-radius:6px;background:#fff}
ul.list li{padding:6px 10px;border-bottom:1px solid var(--line);cursor:pointer}ul.list li:hover{background:#f2f5fb}ul.list li.sel{background:#e8efff}
ul.list li small{color:var(--muted);display:block;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.pager{display:flex;gap:8px;align-items:center;margin-top:6px}
.badge{display:inline-block;font-size:11px;padding:0 6px;border-radius:9px;border:1px solid var(--line);margin-right:4px}
.badge.ok{color:var(--ok);border-color:#a6d8b2}.badge.bad{color:var(--bad);border-color:#efb1ad}.badge.warn{color:var(--warn);border-color:#ecd29a}
#dialogue{display:grid;grid-template-columns:minmax(0,1fr) 300px;gap:14px}
.chat .msg{border-radius:8px;padding:8px 10px;margin:6px 0;border:1px solid var(--line);background:#fff;white-space:pre-wrap;overflow-wrap:anywhere}
.chat .msg.user{background:#eef4ff;margin-right:15%}.chat .msg.assistant{margin-left:15%}.chat .msg.tool{background:#f6f6f1;font-family:ui-monospace,monospace;font-size:12px;margin-left:15%}
.chat .msg.system{color:var(--muted);font-size:12px}.chat .msg.src{outline:3px solid #f0b429}
.who{font-size:11px;color:var(--muted);display:block;margin-bottom:2px;white-space:normal}
.call{font-family:ui-monospace,monospace;font-size:12px;background:#f3f0ff;border-radius:6px;padding:6px 8px;margin-top:6px;white-space:normal}
.args{border-collapse:collapse;margin-top:4px}.args td{padding:1px 6px;vertical-align:top}
.exec{font-family:system-ui;font-size:11px;margin:2px 0 4px;color:var(--muted)}.exec.executed{color:var(--ok);font-weight:600}
.reasoning{font-size:12px;color:var(--muted);margin-bottom:4px;white-space:pre-wrap}
.arg{cursor:pointer}.arg:hover td{background:#fff3c4}.org{font-family:system-ui;font-size:11px}.org.ungrounded{color:var(--bad);font-weight:600}
mark{background:#ffe58f;padding:0 1px}
.tip b{display:block;margin-bottom:2px}.tip i.dot{display:inline-block;width:8px;height:8px;border-radius:4px;margin-right:6px}
.plan ol{padding-left:18px;margin:4px 0}.plan li{margin:4px 0}.tick{font-weight:700;color:var(--ok)}.tick.no{color:var(--bad)}
.checks li{margin:3px 0}.muted{color:var(--muted)}.loading{color:var(--muted);padding:20px}
`;
