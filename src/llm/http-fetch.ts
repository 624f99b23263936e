/**
 * The `fetch` the openai client uses in the model layer (the default, `http: "node"`): built on node:http(s)
 * with keep-alive agents. Under high concurrency it costs the client about half the CPU of the global (undici)
 * fetch, which matters when thousands of requests run at C=64. Bodies are buffered and answered with a
 * lightweight Response (the model layer does not stream: do not use this fetch for streaming calls). Aborts
 * reject with an error named "AbortError", as the client expects, so its timeouts and user aborts keep working.
 */
import http from "node:http";
import https from "node:https";

const httpAgent = new http.Agent({ keepAlive: true, maxSockets: Infinity, keepAliveMsecs: 10_000 });
const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: Infinity, keepAliveMsecs: 10_000 });

function abortError(signal: AbortSignal | undefined | null): Error {
  const reason = signal?.reason;
  if (reason instanceof Error && reason.name === "AbortError") return reason;
  const e = new Error("The operation was aborted", { cause: reason });
  e.name = "AbortError";
  return e;
}

function headerRecord(h: RequestInit["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  if (typeof (h as Headers).forEach === "function" && !Array.isArray(h)) {
    (h as Headers).forEach((v, k) => (out[k] = v));
  } else if (Array.isArray(h)) {
    for (const [k, v] of h) if (k !== undefined && v !== undefined) out[k] = v;
  } else {
    for (const [k, v] of Object.entries(h as Record<string, string>)) if (v !== undefined) out[k] = v;
  }
  return out;
}

/** Response headers with the `get` lookup the openai client uses (node already lower-cases names). */
export class LiteHeaders {
  constructor(private readonly raw: http.IncomingHttpHeaders) {}
  get(name: string): string | null {
    const v = this.raw[name.toLowerCase()];
    return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
  }
  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }
  forEach(fn: (value: string, name: string) => void): void {
    for (const [k, v] of Object.entries(this.raw)) if (v !== undefined) fn(Array.isArray(v) ? v.join(", ") : v, k);
  }
  entries(): IterableIterator<[string, string]> {
    return this[Symbol.iterator]();
  }
  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (const [k, v] of Object.entries(this.raw)) if (v !== undefined) yield [k, Array.isArray(v) ? v.join(", ") : v];
  }
}

/**
 * The part of a fetch Response the openai client reads for non-streaming calls (status, ok, url, headers.get,
 * json(), text()). Building a full Response (web streams) for every answer costs more CPU than the rest of the
 * request; the model layer never streams, so this is enough.
 */
class LiteResponse {
  readonly ok: boolean;
  readonly body = null;
  readonly bodyUsed = false;
  readonly redirected = false;
  readonly type = "basic";
  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly headers: LiteHeaders,
    readonly url: string,
    private readonly bytes: Buffer,
  ) {
    this.ok = status >= 200 && status < 300;
  }
  async text(): Promise<string> {
    return this.bytes.toString("utf8");
  }
  async json(): Promise<unknown> {
    return JSON.parse(this.bytes.toString("utf8"));
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    return this.bytes.buffer.slice(this.bytes.byteOffset, this.bytes.byteOffset + this.bytes.byteLength) as ArrayBuffer;
  }
  clone(): LiteResponse {
    return new LiteResponse(this.status, this.statusText, this.headers, this.url, this.bytes);
  }
}

export const nodeFetch = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
  return new Promise<Response>((resolve, reject) => {
    const url = typeof input === "string" ? new URL(input) : input instanceof URL ? input : new URL(input.url);
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return reject(abortError(signal));
    const body = init.body;
    if (body !== undefined && body !== null && typeof body !== "string" && !(body instanceof Uint8Array)) {
      return reject(new TypeError("nodeFetch supports string or byte bodies only"));
    }
    const isHttps = url.protocol === "https:";
    const headers = headerRecord(init.headers);
    if (body !== undefined && body !== null) headers["content-length"] = String(Buffer.byteLength(body as string | Uint8Array));
    const req = (isHttps ? https : http).request(
      url,
      { method: init.method ?? "GET", headers, agent: isHttps ? httpsAgent : httpAgent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", (err) => reject(signal?.aborted ? abortError(signal) : err));
        res.on("end", () => {
          signal?.removeEventListener("abort", onAbort);
          const status = res.statusCode ?? 500;
          const response = new LiteResponse(status, res.statusMessage ?? "", new LiteHeaders(res.headers), url.href, Buffer.concat(chunks));
          resolve(response as unknown as Response);
        });
      },
    );
    const onAbort = () => {
      req.destroy(abortError(signal));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    req.on("error", (err) => {
      signal?.removeEventListener("abort", onAbort);
      reject(signal?.aborted ? abortError(signal) : err);
    });
    if (body !== undefined && body !== null) req.end(body as string | Uint8Array);
    else req.end();
  });
};
