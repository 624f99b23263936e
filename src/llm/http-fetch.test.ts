import { describe, it, expect, afterEach } from "vitest";
import net from "node:net";
import { nodeFetch } from "./http-fetch.js";

/** A raw TCP server: `onRequest` gets the socket and the first bytes of each request. */
let server: net.Server | undefined;
async function rawServer(onRequest: (socket: net.Socket, head: string) => void): Promise<string> {
  server = net.createServer((s) => s.once("data", (d) => onRequest(s, d.toString("utf8"))));
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", () => r()));
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/v1/chat/completions`;
}
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

describe("nodeFetch", () => {
  it("sends one request with the given headers and a byte-exact Content-Length; buffers any status", async () => {
    let head = "";
    const url = await rawServer((s, h) => {
      head = h;
      s.end('HTTP/1.1 429 Too Many Requests\r\nretry-after: 2\r\ncontent-length: 11\r\n\r\n{"error":1}');
    });
    const r = await nodeFetch(url, { method: "POST", headers: { authorization: "Bearer k" }, body: '{"q":"é"}' });
    expect(head.startsWith("POST /v1/chat/completions HTTP/1.1\r\n")).toBe(true);
    expect(head).toContain("authorization: Bearer k\r\n");
    expect(head).toContain("content-length: 10\r\n");
    expect(head.endsWith('\r\n\r\n{"q":"é"}')).toBe(true);
    expect([r.status, r.ok, r.headers.get("Retry-After")]).toEqual([429, false, "2"]);
    expect(await r.json()).toEqual({ error: 1 });
  });

  it("takes headers as a Headers object or as pairs, and answers text", async () => {
    const heads: string[] = [];
    const url = await rawServer((s, h) => {
      heads.push(h);
      s.end("HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok");
    });
    const a = await nodeFetch(url, { method: "POST", headers: new Headers({ "x-a": "1" }), body: "{}" });
    const b = await nodeFetch(new URL(url), { method: "POST", headers: [["x-b", "2"]], body: new Uint8Array([123, 125]) });
    expect([await a.text(), await b.text(), a.ok]).toEqual(["ok", "ok", true]);
    expect(heads[0]).toContain("x-a: 1\r\n");
    expect(heads[1]).toContain("x-b: 2\r\n");
  });

  it("rejects (does not hang) when the connection drops in the middle of the answer", async () => {
    const url = await rawServer((s) => {
      s.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"choices":');
      setTimeout(() => s.destroy(), 20);
    });
    const err = await nodeFetch(url, { method: "POST", body: "{}" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).not.toBe("AbortError");
  });

  it("rejects with an AbortError when the signal fires, before or during the request", async () => {
    const url = await rawServer(() => {}); // never answers
    const before = new AbortController();
    before.abort();
    await expect(nodeFetch(url, { method: "POST", body: "{}", signal: before.signal })).rejects.toMatchObject({ name: "AbortError" });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    const aborted = await nodeFetch(url, { method: "POST", body: "{}", signal: ac.signal }).catch((e: unknown) => e);
    expect((aborted as Error).name).toBe("AbortError");
  });
});
