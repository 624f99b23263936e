/**
 * The `http` executor's URLs and failures: base URL + operation path joined with exactly one "/" (every mix of
 * trailing / leading slashes and a base path prefix; path parameters encoded), a base URL that cannot be used is a
 * usage error when execution is set up (naming the tool, where the URL came from and the URL), and the errors a
 * person can act on: "connection refused at http://127.0.0.1:PORT" (a port with nothing listening), an HTML error
 * page summarized to its status and title (a local server answering 502 with a page).
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ToolSpec } from "../core/index.js";
import { badBaseUrl, createToolExecution, ExecuteError, joinUrl, type ExecuteConfigInput } from "./index.js";

function httpTool(name: string, path: string, servers: string[], method = "GET"): ToolSpec {
  return {
    name,
    description: name,
    parameters: { type: "object", properties: { name: { type: "string" } } },
    source: {
      file: "fruit.yaml",
      pointer: `/paths/${path}`,
      format: "openapi",
      http: { method, path, servers, params: { name: { in: "path", name: "name" } } },
    },
  } as ToolSpec;
}

describe("joinUrl", () => {
  const cases: Array<[string, string, string]> = [
    ["http://h:1", "/api/fruit", "http://h:1/api/fruit"],
    ["http://h:1", "api/fruit", "http://h:1/api/fruit"],
    ["http://h:1/", "/api/fruit", "http://h:1/api/fruit"],
    ["http://h:1/", "api/fruit", "http://h:1/api/fruit"],
    ["http://h:1/v1", "/pets", "http://h:1/v1/pets"],
    ["http://h:1/v1", "pets", "http://h:1/v1/pets"],
    ["http://h:1/v1/", "/pets", "http://h:1/v1/pets"],
    ["http://h:1/v1/", "pets", "http://h:1/v1/pets"],
    ["http://h:1/v1//", "//pets", "http://h:1/v1/pets"],
    ["http://h:1/v1", "/", "http://h:1/v1/"],
  ];
  it.each(cases)("%s + %s = %s", (base, path, url) => {
    expect(joinUrl(base, path)).toBe(url);
  });
});

describe("badBaseUrl", () => {
  it("accepts http(s) URLs with or without a path prefix and a trailing slash", () => {
    for (const u of ["http://127.0.0.1:8080", "https://api.example.com/v1/", "http://localhost/api"]) expect(badBaseUrl(u)).toBeNull();
  });
  it("says why the others cannot be used", () => {
    expect(badBaseUrl("http://127.0.0.1:38203api")).toBe("not a valid absolute URL");
    expect(badBaseUrl("/v1")).toBe("not a valid absolute URL");
    expect(badBaseUrl("api.example.com/v1")).toBe("not a valid absolute URL");
    expect(badBaseUrl("ftp://example.com")).toMatch(/scheme is ftp/);
    expect(badBaseUrl("http://u:p@example.com")).toMatch(/credentials/);
    expect(badBaseUrl("http://example.com/v1?key=1")).toMatch(/query or fragment/);
    expect(badBaseUrl("https://{region}.example.com")).not.toBeNull();
  });
});

let html: Server;
let htmlBase: string;
let deadBase: string;
const seen: Array<{ method: string; url: string }> = [];
const PAGE = `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Upstream &amp; proxy: gateway error</title>
<style>body{font-family:sans-serif}</style></head><body><h1>502 Bad Gateway</h1>${"<p>lots of markup</p>".repeat(200)}</body></html>`;

beforeAll(async () => {
  html = createServer((req: IncomingMessage, res) => {
    seen.push({ method: req.method!, url: req.url! });
    if (req.url!.startsWith("/plain/")) {
      res.writeHead(503, { "content-type": "text/html" });
      res.end("<html><head><title>503 Service Unavailable</title></head><body>nginx</body></html>");
    } else if (req.url!.startsWith("/ok/")) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ path: req.url }));
    } else {
      res.writeHead(502, { "content-type": "text/html; charset=utf-8" });
      res.end(PAGE);
    }
  });
  await new Promise<void>((r) => html.listen(0, "127.0.0.1", r));
  htmlBase = `http://127.0.0.1:${(html.address() as AddressInfo).port}`;
  // a port that was just free: nothing listens on it
  const tmp = createServer();
  await new Promise<void>((r) => tmp.listen(0, "127.0.0.1", r));
  deadBase = `http://127.0.0.1:${(tmp.address() as AddressInfo).port}`;
  await new Promise<void>((r) => tmp.close(() => r()));
});
afterAll(async () => {
  await new Promise<void>((r) => html.close(() => r()));
});

const fast = (match: string, baseUrl?: string): ExecuteConfigInput =>
  ({ sources: [{ match, ...(baseUrl ? { baseUrl } : {}), retries: 0, retryDelayMs: 1 }] }) as ExecuteConfigInput;

describe("the http executor's URLs", () => {
  it("a path without a leading slash is joined to the server's URL (with and without its own prefix); path values are encoded", async () => {
    for (const base of [`${htmlBase}/ok`, `${htmlBase}/ok/`]) {
      for (const path of ["api/fruit/{name}", "/api/fruit/{name}"]) {
        const t = httpTool("getFruit", path, [base]);
        const ex = await createToolExecution([t], { execute: "http", config: fast("fruit.yaml") });
        expect(ex.plan[0]!.target).toBe(`GET ${htmlBase}/ok/api/fruit/{name}`);
        const out = await ex.hook({ tool: t, arguments: { name: "blood orange/ripe?" }, callId: "a" });
        expect(out).toMatchObject({ kind: "executed", ok: true, result: { path: "/ok/api/fruit/blood%20orange%2Fripe%3F" } });
        await ex.close();
      }
    }
  });

  it("a base URL that cannot be used is a usage error at setup naming the tool, where it came from and the URL", async () => {
    const fromDoc = httpTool("getFruit", "api/fruit/{name}", ["http://127.0.0.1:38203api"]);
    await expect(createToolExecution([fromDoc], { execute: "http" })).rejects.toMatchObject({
      code: "USAGE_ERROR",
      exitCode: 2,
      message: 'tool "getFruit": base URL "http://127.0.0.1:38203api" from the servers of fruit.yaml cannot be used: not a valid absolute URL; set baseUrl for it in --execute-config',
    });
    const relative = httpTool("getFruit", "/api/fruit/{name}", ["/v1"]);
    await expect(createToolExecution([relative], { execute: "http" })).rejects.toThrow(/base URL "\/v1" from the servers of fruit\.yaml/);
    const none = httpTool("getFruit", "/api/fruit/{name}", []);
    await expect(createToolExecution([none], { execute: "http" })).rejects.toThrow(/has no server URL/);
    // the config's baseUrl
    await expect(createToolExecution([relative], { execute: "http", config: fast("fruit.yaml", "localhost:8080/api") })).rejects.toMatchObject({
      code: "USAGE_ERROR",
      message: 'execute config: source "fruit.yaml": baseUrl "localhost:8080/api" cannot be used: its scheme is localhost, not http or https',
    });
    // the environment (baseUrlEnv)
    const cfg = { sources: [{ match: "getFruit", baseUrlEnv: "FRUIT_URL" }] } as ExecuteConfigInput;
    await expect(createToolExecution([relative], { execute: "http", config: cfg, env: { FRUIT_URL: "http//127.0.0.1:8080" } })).rejects.toMatchObject({
      code: "USAGE_ERROR",
      message: 'tool "getFruit": base URL "http//127.0.0.1:8080" from $FRUIT_URL (--execute-config source "getFruit") cannot be used: not a valid absolute URL',
    });
    await expect(createToolExecution([relative], { execute: "http", config: cfg, env: {} })).rejects.toThrow(/\$FRUIT_URL, which is not set/);
    const good = await createToolExecution([relative], { execute: "http", config: cfg, env: { FRUIT_URL: `${htmlBase}/ok/` } });
    expect(good.plan[0]!.target).toBe(`GET ${htmlBase}/ok/api/fruit/{name}`);
    // a tool that is simulated is not checked
    expect((await createToolExecution([fromDoc], { execute: "http,getFruit=simulate" })).plan[0]!.executor).toBe("simulate");
  });
});

describe("the http executor's failures", () => {
  it("connection refused says so, naming the server once", async () => {
    const t = httpTool("getFruit", "api/fruit/{name}", [`${deadBase}/v2`]);
    const ex = await createToolExecution([t], { execute: "http", config: fast("fruit.yaml") });
    const err = await ex.hook({ tool: t, arguments: { name: "kiwi" }, callId: "a" }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ExecuteError);
    const message = (err as ExecuteError).message;
    expect(message).toBe(`getFruit: connection refused at ${deadBase} (GET /v2/api/fruit/kiwi)`);
    expect(message).not.toContain("fetch failed");
    expect(message.split("127.0.0.1")).toHaveLength(2);
  });

  it("an HTML error page becomes its status and title, never the page", async () => {
    const t = httpTool("getFruit", "/api/fruit/{name}", [htmlBase]);
    const ex = await createToolExecution([t], { execute: "http", config: fast("fruit.yaml") });
    const n = seen.length;
    const out = await ex.hook({ tool: t, arguments: { name: "kiwi" }, callId: "a" });
    expect(out).toMatchObject({
      kind: "executed",
      ok: false,
      error: "HTTP 502 Bad Gateway: Upstream & proxy: gateway error",
      result: { error: "HTTP 502 Bad Gateway: Upstream & proxy: gateway error", status: 502 },
      execution: { mode: "executed", error: true },
    });
    expect(JSON.stringify(out)).not.toMatch(/<|lots of markup/);
    expect(seen.slice(n)).toEqual([{ method: "GET", url: "/api/fruit/kiwi" }]);
    // a title that only repeats the status line adds nothing
    const plain = httpTool("getPlain", "/plain/{name}", [htmlBase]);
    const ex2 = await createToolExecution([plain], { execute: "http", config: fast("fruit.yaml") });
    expect(await ex2.hook({ tool: plain, arguments: { name: "x" }, callId: "b" })).toMatchObject({
      ok: false,
      result: { error: "HTTP 503 Service Unavailable", status: 503 },
    });
  });
});
