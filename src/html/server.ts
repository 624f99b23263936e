/**
 * `toolflow view DIR`: the report page served on 127.0.0.1, following the run as it writes. The page asks for
 * the summary, the list rows after the ones it has, and a dialogue's details when opened; the server re-reads the
 * run's files (only what was appended) every `pollMs`.
 *
 * Only requests addressed to the bound address are answered: a Host header other than `127.0.0.1:PORT` or
 * `localhost:PORT` gets 421 (a web page whose DNS name is rebound to 127.0.0.1 sends its own name as Host, so it
 * cannot read the run). Every answer carries the page's Content-Security-Policy (with `frame-ancestors 'none'`),
 * `nosniff` and no referrer.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { ToolflowError } from "../core/index.js";
import { pageCsp, renderPage } from "./page.js";
import { RunData, type RunDataOptions } from "./run-data.js";

export interface RunViewerOptions extends RunDataOptions {
  /** Port on 127.0.0.1 (default 0: a free one). */
  port?: number;
  /** How often the run's files are re-read (default 1000 ms). */
  pollMs?: number;
  onError?: (err: unknown) => void;
}

export interface RunViewer {
  url: string;
  port: number;
  data: RunData;
  /**
   * Resolves when the run's files have been read up to now (the first read, then each poll). Rejects when the
   * first read failed (an unreadable line without --skip-bad-lines, a broken judge or graph file): the run
   * cannot be shown as it is, and the caller should stop.
   */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** Headers of every answer (the CSP is the page's own, set once the page is built). */
const SECURITY_HEADERS: Record<string, string> = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-resource-policy": "same-origin",
  "x-frame-options": "DENY",
};

function send(res: ServerResponse, status: number, type: string, body: string, csp: string): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store", "content-security-policy": csp, ...SECURITY_HEADERS });
  res.end(body);
}

/** The Host values a request to the server may carry: the address it bound, by IP or as localhost, with the port. */
export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
}

/** Serve the run in `dir`; resolves once listening. */
export async function startRunViewer(dir: string, options: RunViewerOptions = {}): Promise<RunViewer> {
  const title = options.title ?? `toolflow view: ${resolve(dir)}`;
  const data = await RunData.open(dir, { ...options, title, live: true, readNow: false });
  const page = await renderPage(title);
  const csp = await pageCsp({ live: true, header: true });
  const json = (res: ServerResponse, status: number, value: unknown) => send(res, status, "application/json; charset=utf-8", JSON.stringify(value), csp);
  let hosts = new Set<string>();
  // the first read of a large run takes a while: serve at once, and answer data requests when it is done. Once it
  // has read the run as it was, lines the run appends later that cannot be read are left out and named on the page
  // (a server following a run does not stop on them).
  let firstReadFailed: unknown;
  let reading: Promise<unknown> = data.refresh().then(
    () => (data.badLines = "skip"),
    (err: unknown) => {
      firstReadFailed = err;
      options.onError?.(err);
    },
  );
  const refresh = () => {
    reading = reading.then(() => data.refresh()).catch((err: unknown) => options.onError?.(err));
    return reading;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const host = (req.headers.host ?? "").toLowerCase();
    if (!hosts.has(host)) return json(res, 421, { error: `this server answers only requests to ${[...hosts].join(" or ")} (Host was ${JSON.stringify(req.headers.host ?? "")})` });
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.method !== "GET") return json(res, 405, { error: "only GET" });
    if (url.pathname === "/") return send(res, 200, "text/html; charset=utf-8", page, csp);
    if (url.pathname === "/api/summary") {
      await reading;
      return json(res, 200, data.summary());
    }
    if (url.pathname === "/api/rows") {
      await reading;
      const from = Number(url.searchParams.get("from") ?? "0");
      if (!Number.isInteger(from) || from < 0) return json(res, 400, { error: "from: a whole number >= 0" });
      return json(res, 200, { total: data.rows.length, rows: data.rows.slice(from) });
    }
    if (url.pathname === "/api/dialogue") {
      const pos = Number(url.searchParams.get("pos"));
      if (!Number.isInteger(pos) || pos < 0) return json(res, 400, { error: "pos: a whole number >= 0" });
      const d = await data.detail(pos);
      if (!d) return json(res, 404, { error: `no dialogue at position ${pos}` });
      // the live page does not keep the table of system prompts: send the text itself
      if (d.systemPrompt !== null && d.messages[0]?.role === "system") {
        d.messages[0] = { role: "system", content: data.prompts[d.systemPrompt] ?? "" };
        d.systemPrompt = null;
      }
      return json(res, 200, d);
    }
    return json(res, 404, { error: `no such page: ${url.pathname}` });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.onError?.(err);
      if (!res.headersSent) json(res, 500, { error: err instanceof Error ? err.message : String(err) });
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      fail(new ToolflowError(`cannot listen on 127.0.0.1:${options.port ?? 0}: ${err.message}`, { code: "VIEW_LISTEN_FAILED", cause: err })),
    );
    server.listen(options.port ?? 0, "127.0.0.1", () => ok());
  });
  // polled only once listening: a port in use must not leave a timer that keeps the process alive
  const timer = setInterval(refresh, options.pollMs ?? 1000);
  const port = (server.address() as AddressInfo).port;
  hosts = allowedHosts(port);
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    data,
    ready: async () => {
      await reading;
      if (firstReadFailed !== undefined) throw firstReadFailed;
    },
    close: async () => {
      clearInterval(timer);
      await reading;
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
