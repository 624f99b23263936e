import { describe, it, expect, afterEach } from "vitest";
import net from "node:net";
import { HttpTimeoutError, postBuffered, postTarget } from "./http-fetch.js";

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

describe("postBuffered", () => {
  it("sends one POST with the given headers and a byte-exact Content-Length; buffers any status", async () => {
    let head = "";
    const url = await rawServer((s, h) => {
      head = h;
      s.end('HTTP/1.1 429 Too Many Requests\r\nretry-after: 2\r\ncontent-length: 11\r\n\r\n{"error":1}');
    });
    const r = await postBuffered(postTarget(url), { authorization: "Bearer k" }, '{"q":"é"}', { timeoutMs: 2000 });
    expect(head.startsWith("POST /v1/chat/completions HTTP/1.1\r\n")).toBe(true);
    expect(head).toContain("authorization: Bearer k\r\n");
    expect(head).toContain("Content-Length: 10\r\n");
    expect(head.endsWith('\r\n\r\n{"q":"é"}')).toBe(true);
    expect([r.status, r.text, r.headers.get("Retry-After")]).toEqual([429, '{"error":1}', "2"]);
  });

  it("rejects (does not hang) when the connection drops in the middle of the answer", async () => {
    const url = await rawServer((s) => {
      s.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"choices":');
      setTimeout(() => s.destroy(), 20);
    });
    const err = await postBuffered(postTarget(url), {}, "{}", { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(HttpTimeoutError);
  });

  it("times out with HttpTimeoutError, and aborts with an AbortError", async () => {
    const url = await rawServer(() => {}); // never answers
    const t0 = performance.now();
    const timedOut = await postBuffered(postTarget(url), {}, "{}", { timeoutMs: 80 }).catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(HttpTimeoutError);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(75);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    const aborted = await postBuffered(postTarget(url), {}, "{}", { timeoutMs: 5000, signal: ac.signal }).catch((e: unknown) => e);
    expect((aborted as Error).name).toBe("AbortError");
  });
});
