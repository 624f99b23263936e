/**
 * The `http` executor: calls the OpenAPI operation behind a tool (`source.http`: method, path, where each
 * parameter goes) on its server. Path parameters are filled in, query / header / cookie parameters sent as such,
 * body parameters as one body: JSON, or form-encoded / multipart when that is the operation's media type
 * (`source.http.bodyType`). The auth header's value comes from the environment (named in the execute
 * config) and is only ever put on the request: an answer that echoes it, in any encoding (src/llm/secret-forms.ts),
 * has it replaced by "[REDACTED]" before it is read. 4xx / 5xx answers and timeouts become {"error": ...} results;
 * timeouts, network errors, 429 and 5xx are retried first.
 */
import type { HttpOperationRef, ToolSpec } from "../core/index.js";
import { UsageError } from "../core/index.js";
import { redactKnown } from "../llm/index.js";
import { errorResult, ExecuteError, withRetries, type AttemptLimits, type Executor, type RealCall, type RealResult } from "./types.js";

/** Per tool: the base URL and the auth header (name and value) to send. */
export interface HttpEndpoint {
  baseUrl: string;
  /** `secret`: the value without its prefix (the environment variable's value), when there is one. */
  auth?: { header: string; value: string; secret?: string };
}

const READ_METHODS = new Set(["GET", "HEAD"]);

function operationOf(tool: ToolSpec): HttpOperationRef {
  const op = tool.source.http;
  if (!op) throw new UsageError(`tool "${tool.name}" has no OpenAPI operation to call (source ${tool.source.file}): it cannot use --execute http`);
  return op;
}

function scalar(v: unknown): string {
  return typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v);
}

/** The message of an error answer: its `message` / `error` / `detail` field, else the start of its text. */
function errorDetail(body: unknown, text: string): string {
  if (body && typeof body === "object" && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    for (const k of ["message", "error", "detail", "title"]) {
      const v = b[k];
      if (typeof v === "string" && v.trim() !== "") return v.trim();
      if (v && typeof v === "object" && typeof (v as Record<string, unknown>).message === "string") return (v as { message: string }).message;
    }
  }
  return text.trim().slice(0, 300);
}

/**
 * A server URL plus an operation path: exactly one "/" between them, whether the base ends with one or not (and
 * keeps its own path prefix, e.g. /v1) and whether the path starts with one or not (`api/fruit/{name}`).
 */
export function joinUrl(baseUrl: string, path: string): string {
  const base = baseUrl.replace(/\/+$/, "");
  const rest = path.replace(/^\/+/, "");
  return rest === "" && !path.startsWith("/") ? base : `${base}/${rest}`;
}

/** Ports fetch refuses to connect to (the Fetch standard's "bad port" list). */
const FETCH_BAD_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113,
  115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556,
  563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667,
  6668, 6669, 6679, 6697, 10080,
]);

/**
 * Why a base URL cannot be used (null when it can): not a URL, not http(s), no host, credentials in it, a query or
 * fragment (operation paths are appended to it), an unfilled server variable, or a port fetch never connects to.
 */
export function badBaseUrl(baseUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return "not a valid absolute URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `its scheme is ${url.protocol.replace(/:$/, "")}, not http or https`;
  if (url.hostname === "") return "it has no host";
  if (url.username || url.password) return "it holds credentials (name an environment variable under auth instead)";
  if (url.search || url.hash || baseUrl.includes("?") || baseUrl.includes("#")) return "it has a query or fragment (operation paths are appended to it)";
  if (/[{}]/.test(baseUrl)) return "it has an unfilled {variable}";
  if (url.port !== "" && FETCH_BAD_PORTS.has(Number(url.port))) return `fetch never connects to port ${url.port} (https://fetch.spec.whatwg.org/#bad-port)`;
  return null;
}

const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  UND_ERR_SOCKET: "connection closed",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
};

/** What went wrong when fetch could not get an answer: "connection refused", "host not found", else the cause's message. */
function networkReason(err: unknown): string {
  const seen = new Set<unknown>();
  let e: unknown = err;
  let deepest = "";
  while (e && typeof e === "object" && !seen.has(e)) {
    seen.add(e);
    const o = e as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    if (typeof o.code === "string" && NETWORK_ERRORS[o.code]) return NETWORK_ERRORS[o.code]!;
    if (Array.isArray(o.errors)) {
      for (const inner of o.errors as Array<{ code?: unknown }>) {
        if (typeof inner?.code === "string" && NETWORK_ERRORS[inner.code]) return NETWORK_ERRORS[inner.code]!;
      }
    }
    if (typeof o.message === "string" && o.message !== "" && o.message !== "fetch failed") deepest = o.message;
    e = o.cause;
  }
  return deepest || "no answer";
}

function decodeEntities(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&(amp|lt|gt|quot|#39|apos|nbsp);/g, (m, n: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'", apos: "'", nbsp: " " })[n] ?? m);
}

/** An HTML page's title (else its first heading), as plain text; null when the text is not an HTML page. */
export function htmlSummary(text: string, contentType: string | null): string | null {
  const isHtml = /html/i.test(contentType ?? "") || /^\s*(<!doctype html|<html|<head|<body)/i.test(text);
  if (!isHtml) return null;
  const m = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(text) ?? /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(text);
  const plain = m ? decodeEntities(m[1]!.replace(/<[^>]*>/g, " ")).replace(/\s+/g, " ").trim().slice(0, 200) : "";
  return plain;
}

/** The text says no more than the status line (e.g. "502 Bad Gateway", "Bad Gateway", "Error 502"). */
function sameAsStatus(text: string, status: number, statusText: string): boolean {
  let rest = text.toLowerCase().split(String(status)).join(" ");
  if (statusText) rest = rest.split(statusText.toLowerCase()).join(" ");
  return rest.replace(/\b(http|error)\b/g, " ").replace(/[^a-z0-9]+/g, "") === "";
}

export class HttpExecutor implements Executor {
  readonly kind = "http" as const;

  constructor(private readonly endpoints: (tool: ToolSpec) => HttpEndpoint) {}

  target(tool: ToolSpec): string {
    const op = operationOf(tool);
    return `${op.method} ${joinUrl(this.endpoints(tool).baseUrl, op.path)}`;
  }

  isWrite(tool: ToolSpec): boolean {
    return !READ_METHODS.has(operationOf(tool).method.toUpperCase());
  }

  /** The request a call makes (exported for tests through `call`; never logged: it carries the auth header). */
  private request(call: RealCall): { url: string; init: RequestInit & { headers: Record<string, string> } } {
    const op = operationOf(call.tool);
    const endpoint = this.endpoints(call.tool);
    let path = op.path;
    const query = new URLSearchParams();
    const headers: Record<string, string> = { accept: "application/json" };
    const cookies: string[] = [];
    let body: unknown;
    const bodyProps: Record<string, unknown> = {};
    let hasBody = false;
    for (const [key, value] of Object.entries(call.arguments)) {
      if (value === undefined) continue;
      const where = op.params[key];
      if (!where) {
        // An argument the operation does not name: sent in the body of a write, the query of a read.
        if (READ_METHODS.has(op.method)) query.append(key, scalar(value));
        else {
          bodyProps[key] = value;
          hasBody = true;
        }
        continue;
      }
      switch (where.in) {
        case "path":
          path = path.split(`{${where.name}}`).join(encodeURIComponent(scalar(value)));
          break;
        case "query":
          if (Array.isArray(value)) for (const v of value) query.append(where.name, scalar(v));
          else query.append(where.name, scalar(value));
          break;
        case "header":
          headers[where.name.toLowerCase()] = scalar(value);
          break;
        case "cookie":
          cookies.push(`${where.name}=${encodeURIComponent(scalar(value))}`);
          break;
        case "body":
          if (op.bodyParam === key) body = value;
          else bodyProps[where.name] = value;
          hasBody = true;
          break;
      }
    }
    const missing = /\{([^}]+)\}/.exec(path);
    if (missing) throw new ExecuteError(`${call.tool.name}: path parameter "${missing[1]}" has no value`);
    if (cookies.length > 0) headers.cookie = cookies.join("; ");
    if (endpoint.auth) headers[endpoint.auth.header.toLowerCase()] = endpoint.auth.value;
    const init: RequestInit & { headers: Record<string, string> } = { method: op.method, headers };
    if (hasBody) {
      const value = body !== undefined ? body : bodyProps;
      const isObject = value !== null && typeof value === "object" && !Array.isArray(value);
      if (op.bodyType === "application/x-www-form-urlencoded" && isObject) {
        headers["content-type"] = op.bodyType;
        init.body = new URLSearchParams(Object.entries(value as Record<string, unknown>).map(([k, v]): [string, string] => [k, scalar(v)])).toString();
      } else if (op.bodyType === "multipart/form-data" && isObject) {
        const form = new FormData(); // fetch sets the content type with its boundary
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) form.append(k, scalar(v));
        init.body = form;
      } else {
        headers["content-type"] = op.bodyType && /json/i.test(op.bodyType) ? op.bodyType : "application/json";
        init.body = JSON.stringify(value);
      }
    }
    const qs = query.toString();
    return { url: `${joinUrl(endpoint.baseUrl, path)}${qs ? `?${qs}` : ""}`, init };
  }

  async call(call: RealCall, limits: AttemptLimits): Promise<RealResult> {
    const { url, init } = this.request(call);
    const parsed = new URL(url);
    // The server once (its origin), then the request: "connection refused at http://127.0.0.1:9 (GET /v1/pets/1)".
    const request = `${init.method} ${parsed.pathname}`;
    return withRetries(
      async () => {
        const timeout = AbortSignal.timeout(limits.timeoutMs);
        const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
        let res: Response;
        let text: string;
        let statusText: string;
        try {
          res = await fetch(url, { ...init, signal });
          // The server's words without the secret it was sent, before anything cuts or parses them.
          const secret = this.endpoints(call.tool).auth;
          const scrub = (t: string) => (secret ? redactKnown(t, [secret.secret ?? secret.value]) : redactKnown(t));
          text = scrub(await res.text());
          statusText = scrub(res.statusText);
        } catch (err) {
          if (call.signal?.aborted) throw call.signal.reason;
          if (timeout.aborted) {
            const msg = `timed out after ${limits.timeoutMs} ms`;
            return { retry: msg, fallback: errorResult(msg) };
          }
          const reason = networkReason(err);
          // fetch will not connect to some ports at all (e.g. 9, 25, 6000): https://fetch.spec.whatwg.org/#bad-port
          const msg = `${reason === "bad port" ? "a port fetch never connects to" : reason} at ${parsed.origin} (${request})`;
          return { retry: msg, fatal: new ExecuteError(`${call.tool.name}: ${msg}`, { cause: err }) };
        }
        let body: unknown = text;
        try {
          body = text.trim() === "" ? {} : JSON.parse(text);
        } catch {
          /* a text answer stays text */
        }
        if (res.status >= 400) {
          const html = typeof body === "string" ? htmlSummary(text, res.headers.get("content-type")) : null;
          let detail = html ?? errorDetail(body, text);
          // a page titled "502 Bad Gateway" adds nothing to the status line
          if (html !== null && sameAsStatus(detail, res.status, statusText)) detail = "";
          const out = errorResult(`HTTP ${res.status}${statusText ? ` ${statusText}` : ""}${detail ? `: ${detail}` : ""}`, { status: res.status });
          if (res.status === 429 || res.status >= 500) return { retry: `HTTP ${res.status}`, fallback: out };
          return { done: out };
        }
        return { done: { result: body, ok: true } };
      },
      limits,
      call.signal,
    );
  }

  async close(): Promise<void> {}
}
