/**
 * The `mcp` executor: calls a tool on the MCP server it was listed from (`source.mcp`), with the official SDK's
 * client; one connection per server, opened on first use (a stdio server is started then) and reopened after it
 * drops. The result is the tool's `structuredContent`, else its text content (parsed as JSON when it is JSON). An
 * error result (`isError`), an error the server answers (unknown tool, bad arguments) and a timeout become
 * {"error": ...}; a timeout or a lost connection is retried first.
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
import type { McpServerRef, ToolSpec } from "../core/index.js";
import { UsageError } from "../core/index.js";
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

export class McpExecutor implements Executor {
  readonly kind = "mcp" as const;
  private readonly connections = new Map<string, Promise<McpConnection>>();

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

  private connect(tool: ToolSpec, timeoutMs: number): Promise<McpConnection> {
    const ref = serverOf(tool);
    const key = describeMcpServer(ref);
    let conn = this.connections.get(key);
    if (!conn) {
      conn = connectMcp(ref, { timeoutMs, ...this.connectOptions(tool) });
      this.connections.set(key, conn);
      conn.catch(() => this.connections.delete(key));
    }
    return conn;
  }

  private async drop(tool: ToolSpec): Promise<void> {
    const key = describeMcpServer(serverOf(tool));
    const conn = this.connections.get(key);
    this.connections.delete(key);
    await conn?.then((c) => c.close()).catch(() => {});
  }

  async call(call: RealCall, limits: AttemptLimits): Promise<RealResult> {
    const name = call.tool.originalName ?? call.tool.name;
    const where = this.target(call.tool);
    return withRetries(
      async () => {
        let result: Awaited<ReturnType<McpConnection["client"]["callTool"]>>;
        try {
          const conn = await this.connect(call.tool, limits.timeoutMs);
          result = await conn.client.callTool({ name, arguments: call.arguments }, undefined, {
            timeout: limits.timeoutMs,
            ...(call.signal ? { signal: call.signal } : {}),
          });
        } catch (err) {
          if (call.signal?.aborted) throw call.signal.reason;
          const code = mcpErrorCode(err);
          if (code === REQUEST_TIMEOUT) {
            const msg = `timed out after ${limits.timeoutMs} ms`;
            return { retry: msg, fallback: errorResult(msg) };
          }
          if (code !== undefined && code !== CONNECTION_CLOSED) {
            // The server answered with an error (unknown tool, invalid arguments): a real error for the assistant.
            return { done: errorResult((err as Error).message, { code }) };
          }
          await this.drop(call.tool);
          const msg = `${where}: ${(err as Error).message}`;
          return { retry: msg, fatal: new ExecuteError(`${call.tool.name}: MCP call failed on ${msg}`, { cause: err }) };
        }
        const text = contentText(result.content);
        if (result.isError === true) return { done: errorResult(text || "the tool reported an error") };
        if (result.structuredContent !== undefined) return { done: { result: result.structuredContent, ok: true } };
        try {
          return { done: { result: JSON.parse(text), ok: true } };
        } catch {
          return { done: { result: text, ok: true } };
        }
      },
      limits,
      call.signal,
    );
  }

  async close(): Promise<void> {
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map((c) => c.then((x) => x.close()).catch(() => {})));
  }
}
