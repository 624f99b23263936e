/**
 * The `mcp` executor: calls a tool on the MCP server it was listed from (`source.mcp`), with the official SDK's
 * client. Connections are opened on first use (a stdio server is started then): one per server, or, for a call
 * with a `scope` (a dialogue of a server with `isolation: dialogue`), one per server and scope, a server process of
 * its own that `release(scope)` ends. A shared connection is reopened after it drops; a scoped one is not (the
 * dialogue's state went with the process): its next call fails the dialogue.
 *
 * The result is the tool's `structuredContent`, else its text content (parsed as JSON when it is JSON); a result
 * with other content (resource links, embedded resources, images, audio) becomes the list of its content blocks as
 * kept by `keepContent` (binary data replaced by media type and size). An error result (`isError`), an error the
 * server answers (unknown tool, bad arguments) and a timeout become {"error": ...}; a timeout or a lost connection
 * is retried first.
 */

/** The SDK's McpError codes used here (ErrorCode.ConnectionClosed / RequestTimeout), matched by value. */
const CONNECTION_CLOSED = -32000;
const REQUEST_TIMEOUT = -32001;

/** An McpError: the server (or the SDK) answered with a JSON-RPC error code. */
function mcpErrorCode(err: unknown): number | undefined {
  if (!(err instanceof Error) || err.name !== "McpError") return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === "number" ? code : undefined;
}
import type { McpServerRef, ToolContentPart, ToolSpec } from "../core/index.js";
import { TOOL_CONTENT_TEXT_LIMIT, UsageError } from "../core/index.js";
import { connectMcp, describeMcpServer, type McpConnection, type McpConnectOptions } from "../tools/index.js";
import { errorResult, ExecuteError, withRetries, type AttemptLimits, type Executor, type RealCall, type RealResult } from "./types.js";

function serverOf(tool: ToolSpec): McpServerRef {
  const ref = tool.source.mcp;
  if (!ref) throw new UsageError(`tool "${tool.name}" was not listed from a live MCP server (source ${tool.source.file}): it cannot use --execute mcp`);
  return ref;
}

/** The text of an MCP result's content blocks. */
function contentText(content: unknown): string {
  if (!Array.isArray(content)) return "";
  return content
    .map((c) => (c && typeof c === "object" && (c as { type?: unknown }).type === "text" ? String((c as { text?: unknown }).text ?? "") : ""))
    .filter((t) => t !== "")
    .join("\n");
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
/** Bytes of base64 data (without decoding it). */
const base64Bytes = (data: unknown): number => (typeof data === "string" ? Buffer.byteLength(data, "base64") : 0);
const NOT_KEPT = "binary data not kept";

/**
 * An MCP result's content blocks as a record keeps them (ToolContentPartZ): text as it is, resource links with their
 * URI and metadata, embedded text resources cut at TOOL_CONTENT_TEXT_LIMIT characters, and for images, audio and
 * blob resources only the media type and size. Blocks of unknown types are left out.
 */
export function keepContent(content: unknown): ToolContentPart[] {
  if (!Array.isArray(content)) return [];
  const out: ToolContentPart[] = [];
  for (const raw of content) {
    if (!raw || typeof raw !== "object") continue;
    const c = raw as Record<string, unknown>;
    switch (c.type) {
      case "text":
        out.push({ type: "text", text: String(c.text ?? "") });
        break;
      case "resource_link": {
        const uri = str(c.uri);
        if (uri === undefined) break;
        const part: ToolContentPart = { type: "resource_link", uri };
        for (const k of ["name", "title", "description", "mimeType"] as const) {
          const v = str(c[k]);
          if (v !== undefined) part[k] = v;
        }
        if (typeof c.size === "number") part.size = c.size;
        out.push(part);
        break;
      }
      case "resource": {
        const r = (c.resource && typeof c.resource === "object" ? c.resource : {}) as Record<string, unknown>;
        const part: Extract<ToolContentPart, { type: "resource" }> = { type: "resource", uri: str(r.uri) ?? "" };
        const mimeType = str(r.mimeType);
        if (mimeType !== undefined) part.mimeType = mimeType;
        if (typeof r.text === "string") {
          part.text = r.text.length > TOOL_CONTENT_TEXT_LIMIT ? r.text.slice(0, TOOL_CONTENT_TEXT_LIMIT) : r.text;
          if (r.text.length > TOOL_CONTENT_TEXT_LIMIT) {
            part.truncated = r.text.length;
            part.note = `text cut at ${TOOL_CONTENT_TEXT_LIMIT} of ${r.text.length} characters`;
          }
        } else {
          part.size = base64Bytes(r.blob);
          part.note = NOT_KEPT;
        }
        out.push(part);
        break;
      }
      case "image":
      case "audio":
        out.push({ type: c.type, mimeType: str(c.mimeType) ?? "application/octet-stream", size: base64Bytes(c.data), note: NOT_KEPT });
        break;
      default:
        break;
    }
  }
  return out;
}

/** The value of a successful MCP result, and its kept content blocks when it has content other than text. */
export function mcpResultValue(result: { content?: unknown; structuredContent?: unknown }): { value: unknown; content?: ToolContentPart[] } {
  const parts = keepContent(result.content);
  const rich = parts.some((p) => p.type !== "text");
  const content = rich ? { content: parts } : {};
  if (result.structuredContent !== undefined) return { value: result.structuredContent, ...content };
  if (rich) return { value: parts, ...content };
  const text = contentText(result.content);
  try {
    return { value: JSON.parse(text) };
  } catch {
    return { value: text };
  }
}

export class McpExecutor implements Executor {
  readonly kind = "mcp" as const;
  private readonly connections = new Map<string, Promise<McpConnection>>();
  /** Scoped connections whose process ended: the dialogue's state is gone, its calls fail. */
  private readonly lost = new Set<string>();

  /** `connectOptions(tool)`: HTTP headers (auth) for streamable-HTTP servers, environment for stdio servers. */
  constructor(private readonly connectOptions: (tool: ToolSpec) => Omit<McpConnectOptions, "timeoutMs"> = () => ({})) {}

  target(tool: ToolSpec): string {
    return describeMcpServer(serverOf(tool));
  }

  /** Destructive, or not annotated read-only. */
  isWrite(tool: ToolSpec): boolean {
    const a = tool.annotations;
    return a?.destructiveHint === true || a?.readOnlyHint !== true;
  }

  /** Server processes (or sessions) open now, shared and scoped (tests: nothing is left after `release` / `close`). */
  get openConnections(): number {
    return this.connections.size;
  }

  private key(tool: ToolSpec, scope: string | undefined): string {
    const server = describeMcpServer(serverOf(tool));
    return scope === undefined ? server : `${scope}\u0000${server}`;
  }

  private connect(tool: ToolSpec, scope: string | undefined, timeoutMs: number): Promise<McpConnection> {
    const key = this.key(tool, scope);
    if (this.lost.has(key)) {
      return Promise.reject(
        new ExecuteError(`${tool.name}: the dialogue's own server process (${this.target(tool)}) ended, and its state with it; the dialogue cannot go on`),
      );
    }
    let conn = this.connections.get(key);
    if (!conn) {
      conn = connectMcp(serverOf(tool), { timeoutMs, ...this.connectOptions(tool) });
      this.connections.set(key, conn);
      conn.catch(() => {
        if (this.connections.get(key) === conn) this.connections.delete(key);
      });
    }
    return conn;
  }

  private async drop(tool: ToolSpec, scope: string | undefined): Promise<void> {
    const key = this.key(tool, scope);
    const conn = this.connections.get(key);
    this.connections.delete(key);
    // a scoped process that had started and then went away took the dialogue's state with it
    if (scope !== undefined && conn && (await conn.then(() => true, () => false))) this.lost.add(key);
    await conn?.then((c) => c.close()).catch(() => {});
  }

  async call(call: RealCall, limits: AttemptLimits): Promise<RealResult> {
    const name = call.tool.originalName ?? call.tool.name;
    const where = this.target(call.tool);
    return withRetries(
      async () => {
        let result: Awaited<ReturnType<McpConnection["client"]["callTool"]>>;
        try {
          const conn = await this.connect(call.tool, call.scope, limits.timeoutMs);
          result = await conn.client.callTool({ name, arguments: call.arguments }, undefined, {
            timeout: limits.timeoutMs,
            ...(call.signal ? { signal: call.signal } : {}),
          });
        } catch (err) {
          if (call.signal?.aborted) throw call.signal.reason;
          if (err instanceof ExecuteError) throw err; // a scoped process that is gone: no retry brings its state back
          const code = mcpErrorCode(err);
          if (code === REQUEST_TIMEOUT) {
            const msg = `timed out after ${limits.timeoutMs} ms`;
            return { retry: msg, fallback: errorResult(msg) };
          }
          if (code !== undefined && code !== CONNECTION_CLOSED) {
            // The server answered with an error (unknown tool, invalid arguments): a real error for the assistant.
            return { done: errorResult((err as Error).message, { code }) };
          }
          await this.drop(call.tool, call.scope);
          const msg = `${where}: ${(err as Error).message}`;
          return { retry: msg, fatal: new ExecuteError(`${call.tool.name}: MCP call failed on ${msg}`, { cause: err }) };
        }
        if (result.isError === true) return { done: errorResult(contentText(result.content) || "the tool reported an error") };
        const { value, content } = mcpResultValue(result as { content?: unknown; structuredContent?: unknown });
        return { done: { result: value, ok: true, ...(content ? { content } : {}) } };
      },
      limits,
      call.signal,
    );
  }

  /** End the connections (server processes) of one scope; waits until they are closed. */
  async release(scope: string): Promise<void> {
    const prefix = `${scope}\u0000`;
    const mine = [...this.connections.entries()].filter(([k]) => k.startsWith(prefix));
    for (const [k] of mine) this.connections.delete(k);
    for (const k of [...this.lost]) if (k.startsWith(prefix)) this.lost.delete(k);
    await Promise.all(mine.map(([, c]) => c.then((x) => x.close()).catch(() => {})));
  }

  async close(): Promise<void> {
    const all = [...this.connections.values()];
    this.connections.clear();
    this.lost.clear();
    await Promise.all(all.map((c) => c.then((x) => x.close()).catch(() => {})));
  }
}
