/**
 * The `http` executor: calls the OpenAPI operation behind a tool (`source.http`: method, path, where each
 * parameter goes) on its server. Path parameters are filled in, query / header / cookie parameters sent as such,
 * body parameters as one body: JSON, or form-encoded / multipart when that is the operation's media type
 * (`source.http.bodyType`). The auth header's value comes from the environment (named in the execute
 * config) and is only ever put on the request. 4xx / 5xx answers and timeouts become {"error": ...} results;
 * timeouts, network errors, 429 and 5xx are retried first.
 */
import type { HttpOperationRef, ToolSpec } from "../core/index.js";
import { UsageError } from "../core/index.js";
import { errorResult, ExecuteError, withRetries, type AttemptLimits, type Executor, type RealCall, type RealResult } from "./types.js";

/** Per tool: the base URL and the auth header (name and value) to send. */
export interface HttpEndpoint {
  baseUrl: string;
  auth?: { header: string; value: string };
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

export class HttpExecutor implements Executor {
  readonly kind = "http" as const;

  constructor(private readonly endpoints: (tool: ToolSpec) => HttpEndpoint) {}

  target(tool: ToolSpec): string {
    const op = operationOf(tool);
    return `${op.method} ${this.endpoints(tool).baseUrl.replace(/\/+$/, "")}${op.path}`;
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
    return { url: `${endpoint.baseUrl.replace(/\/+$/, "")}${path}${qs ? `?${qs}` : ""}`, init };
  }

  async call(call: RealCall, limits: AttemptLimits): Promise<RealResult> {
    const { url, init } = this.request(call);
    const label = `${init.method} ${url.split("?")[0]}`;
    return withRetries(
      async () => {
        const timeout = AbortSignal.timeout(limits.timeoutMs);
        const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
        let res: Response;
        let text: string;
        try {
          res = await fetch(url, { ...init, signal });
          text = await res.text();
        } catch (err) {
          if (call.signal?.aborted) throw call.signal.reason;
          if (timeout.aborted) {
            const msg = `timed out after ${limits.timeoutMs} ms`;
            return { retry: msg, fallback: errorResult(msg) };
          }
          const msg = `${label}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`;
          return { retry: msg, fatal: new ExecuteError(`${call.tool.name}: cannot reach ${msg}`, { cause: err }) };
        }
        let body: unknown = text;
        try {
          body = text.trim() === "" ? {} : JSON.parse(text);
        } catch {
          /* a text answer stays text */
        }
        if (res.status >= 400) {
          const detail = errorDetail(body, text);
          const out = errorResult(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}${detail ? `: ${detail}` : ""}`, { status: res.status });
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
