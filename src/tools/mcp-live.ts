/**
 * Live MCP servers as tool sources: `mcp+stdio:CMD ARGS` (a server started as a child process, spoken to over its
 * stdin/stdout) and `mcp+http://host/path` / `mcp+https://...` (streamable HTTP). The tools are listed with the
 * official MCP TypeScript SDK (`tools/list`, every page); each keeps its `outputSchema` as `returns`, its
 * annotations (read-only, destructive, ...) and the server as `source.mcp`, so the `mcp` executor can reach it
 * when dialogues are synthesized. Nothing secret is recorded: no environment, URLs without user-info.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InputError, ToolAnnotationsZ, packageVersion, stripUrlCredentials, type McpServerRef } from "../core/index.js";
import { mcpToolToDraft } from "./formats/mcp.js";
import type { ToolDraft } from "./types.js";

/** True for an import input that names a live MCP server rather than a file. */
export function isMcpSpec(input: string): boolean {
  return /^mcp\+(stdio:|https?:\/\/)/.test(input);
}

/** Split a command line into words: whitespace separates, '...' and "..." group, backslash escapes. */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let cur = "";
  let has = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === "\\" && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (c === "\\" && i + 1 < line.length) {
      cur += line[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur !== "") words.push(cur);
      cur = "";
      has = false;
    } else cur += c;
  }
  if (quote) throw new Error(`unclosed ${quote} quote`);
  if (has || cur !== "") words.push(cur);
  return words;
}

/** Parse `mcp+stdio:CMD ARGS` / `mcp+http(s)://...` into a server reference (UsageError-free: InputError naming it). */
export function parseMcpSpec(spec: string): McpServerRef {
  if (spec.startsWith("mcp+stdio:")) {
    let words: string[];
    try {
      words = splitCommandLine(spec.slice("mcp+stdio:".length));
    } catch (err) {
      throw new InputError((err as Error).message, { file: spec });
    }
    const [command, ...args] = words;
    if (command === undefined || command === "") throw new InputError("no command after mcp+stdio:", { file: spec });
    return { transport: "stdio", command, args };
  }
  if (/^mcp\+https?:\/\//.test(spec)) {
    let url: URL;
    try {
      url = new URL(spec.slice("mcp+".length));
    } catch {
      throw new InputError("not a valid URL", { file: spec });
    }
    if (url.username || url.password) {
      throw new InputError("credentials in the URL are not supported (they would be stored)", { file: stripUrlCredentials(spec) });
    }
    return { transport: "http", url: url.href }; // no user-info: refused above (credentials never reach tools.jsonl)
  }
  throw new InputError(`expected mcp+stdio:"CMD ARGS" or mcp+http(s)://host/path`, { file: spec });
}

/** How a server reference is written in messages and in `source.file`. */
export function describeMcpServer(ref: McpServerRef): string {
  if (ref.transport === "http") return `mcp+${ref.url}`;
  return `mcp+stdio:${[ref.command, ...ref.args].map((w) => (/[\s"'\\]/.test(w) || w === "" ? JSON.stringify(w) : w)).join(" ")}`;
}

/** An open MCP client session. */
export interface McpConnection {
  client: Client;
  close(): Promise<void>;
}

/** Connect to an MCP server (starts the stdio child). The caller closes it. */
export interface McpConnectOptions {
  timeoutMs?: number;
  /** HTTP headers for a streamable-HTTP server (e.g. auth). */
  headers?: Record<string, string>;
  /**
   * Environment variables for a stdio server, added to the SDK's safe default set (PATH, HOME, ...): a server
   * started by toolflow sees nothing else of toolflow's environment. Never stored.
   */
  env?: Record<string, string>;
}

export async function connectMcp(ref: McpServerRef, options: McpConnectOptions = {}): Promise<McpConnection> {
  // The SDK is loaded on first use: most commands never speak MCP.
  const { Client } = await import("@modelcontextprotocol/sdk/client/index.js");
  const client = new Client({ name: "toolflow", version: packageVersion() });
  const stdio = ref.transport === "stdio" ? await import("@modelcontextprotocol/sdk/client/stdio.js") : undefined;
  const transport =
    ref.transport === "stdio"
      ? new stdio!.StdioClientTransport({
          command: ref.command,
          args: ref.args,
          stderr: "inherit",
          ...(options.env ? { env: { ...stdio!.getDefaultEnvironment(), ...options.env } } : {}),
        })
      : new (await import("@modelcontextprotocol/sdk/client/streamableHttp.js")).StreamableHTTPClientTransport(new URL(ref.url), options.headers ? { requestInit: { headers: options.headers } } : undefined);
  try {
    await client.connect(transport, { timeout: options.timeoutMs ?? 30_000 });
  } catch (err) {
    await client.close().catch(() => {});
    throw new InputError(`cannot connect to the MCP server: ${(err as Error).message}`, {
      file: describeMcpServer(ref),
      code: "MCP_CONNECT",
      cause: err,
    });
  }
  return { client, close: () => client.close() };
}

/** List every tool of a live MCP server as drafts (source.file is the server as written by describeMcpServer). */
export async function listMcpTools(spec: string, options: McpConnectOptions = {}): Promise<ToolDraft[]> {
  const ref = parseMcpSpec(spec);
  const where = describeMcpServer(ref);
  const conn = await connectMcp(ref, options);
  try {
    const drafts: ToolDraft[] = [];
    let cursor: string | undefined;
    let page = 0;
    do {
      let result: Awaited<ReturnType<typeof conn.client.listTools>>;
      try {
        result = await conn.client.listTools(cursor ? { cursor } : {}, { timeout: options.timeoutMs ?? 30_000 });
      } catch (err) {
        throw new InputError(`tools/list failed: ${(err as Error).message}`, { file: where, cause: err });
      }
      for (const tool of result.tools) {
        const i = drafts.length;
        const draft = mcpToolToDraft(tool, { file: where, pointer: `/tools/${i}` });
        draft.mcp = ref;
        const ann = ToolAnnotationsZ.safeParse(tool.annotations ?? {});
        if (ann.success && Object.keys(ann.data).length > 0) draft.annotations = ann.data;
        drafts.push(draft);
      }
      cursor = result.nextCursor;
      if (++page > 1000) throw new InputError("tools/list did not end after 1000 pages", { file: where });
    } while (cursor);
    return drafts;
  } finally {
    await conn.close().catch(() => {});
  }
}
