/**
 * Live MCP servers as tool sources and executors, against the test shop (test/support/mcp-server.ts) over stdio
 * (a child process) and streamable HTTP (in process): listing keeps outputSchema, annotations and the server;
 * tools.jsonl round-trips them; the `mcp` executor returns the server's real answers and its error results.
 */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../test/support/cli.js";
import { startMcpHttpServer, type McpCallLog, type McpHttpServer } from "../../test/support/mcp-server.js";
import { tempDirForFile } from "../../test/support/tmp.js";
import { InputError, UsageError, type ToolSpec } from "../core/index.js";
import { Writable } from "node:stream";
import { DialogueRecordZ } from "../core/index.js";
import { buildToolGraph, writeGraph } from "../graph/index.js";
import { runSynth } from "../synth/index.js";
import { importTools, parseMcpSpec, readToolsJsonl, writeToolsJsonl } from "../tools/index.js";
import { createToolExecution } from "./index.js";
import { testSynthOptions } from "../../test/support/synth-options.js";

const SERVER_SCRIPT = resolve(PROJECT_ROOT, "test/support/mcp-server.ts");
const tmp = tempDirForFile("toolflow-mcp-");

/** `mcp+stdio:` spec that starts the test shop, logging its answers to `log`. */
export function stdioSpec(log: string): string {
  return `mcp+stdio:${process.execPath} --import tsx ${SERVER_SCRIPT} --stdio --log ${log}`;
}

async function readLog(file: string): Promise<McpCallLog[]> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as McpCallLog);
}

function tool(tools: ToolSpec[], name: string): ToolSpec {
  const t = tools.find((x) => x.name === name);
  if (!t) throw new Error(`no ${name}`);
  return t;
}

let http: McpHttpServer;
beforeAll(async () => {
  http = await startMcpHttpServer();
});
afterAll(async () => {
  await http.close();
});

describe("MCP server specs", () => {
  it("parses stdio command lines with quotes and HTTP URLs; refuses credentials and other schemes", () => {
    expect(parseMcpSpec(`mcp+stdio:node "my server.js" --flag 'a b'`)).toEqual({ transport: "stdio", command: "node", args: ["my server.js", "--flag", "a b"] });
    expect(parseMcpSpec("mcp+http://127.0.0.1:9/mcp")).toEqual({ transport: "http", url: "http://127.0.0.1:9/mcp" });
    expect(() => parseMcpSpec("mcp+http://user:pw@127.0.0.1/mcp")).toThrow(/credentials/);
    expect(() => parseMcpSpec("mcp+http://user:pw@127.0.0.1/mcp")).not.toThrow(/pw/);
    expect(() => parseMcpSpec("mcp+stdio:")).toThrow(InputError);
    expect(() => parseMcpSpec(`mcp+stdio:node "open`)).toThrow(/unclosed/);
  });
});

describe("importing a live MCP server", () => {
  it("over stdio: every tool with its outputSchema as returns, annotations and the server as source; tools.jsonl keeps them", async () => {
    const log = join(tmp(), "stdio-import.log");
    const spec = stdioSpec(log);
    const { tools, report } = await importTools([spec]);
    expect(tools.map((t) => t.name).sort()).toEqual(["check_stock", "delete_product", "get_product", "place_order", "search_products"]);
    expect(report.files[0]).toMatchObject({ format: "mcp", variant: "mcp-stdio", toolsRead: 5 });
    const search = tool(tools, "search_products");
    expect(search.returns).toMatchObject({ type: "object", properties: { products: { type: "array" } } });
    expect(search.parameters.required).toEqual(["query"]);
    expect(search.annotations).toEqual({ readOnlyHint: true, openWorldHint: false });
    expect(tool(tools, "delete_product").annotations).toEqual({ destructiveHint: true, readOnlyHint: false });
    expect(tool(tools, "place_order").annotations).toBeUndefined();
    expect(search.source).toMatchObject({ format: "mcp", mcp: { transport: "stdio", command: process.execPath, args: ["--import", "tsx", SERVER_SCRIPT, "--stdio", "--log", log] } });
    expect(search.source.file).toMatch(/^mcp\+stdio:/);

    const file = join(tmp(), "tools.jsonl");
    await writeToolsJsonl(file, tools);
    const back = await readToolsJsonl(file);
    expect(back).toEqual(tools);
    // re-importing tools.jsonl keeps the server and the annotations
    const again = await importTools([file]);
    expect(tool(again.tools, "delete_product").annotations).toEqual({ destructiveHint: true, readOnlyHint: false });
    expect(tool(again.tools, "get_product").source.mcp).toEqual(search.source.mcp);
    expect(await readLog(log)).toEqual([]); // listing calls no tool
  });

  it("a stdio server sees only the environment it is given (--mcp-env, config env), and the values are kept out of results", async () => {
    const log = join(tmp(), "stdio-env.log");
    process.env.SHOP_NAME = "Corner Shop 4471";
    try {
      // toolflow's own environment does not reach the server unless named
      expect((await importTools([stdioSpec(log)])).tools.map((t) => t.name)).not.toContain("shop_info");
    } finally {
      delete process.env.SHOP_NAME;
    }
    const { tools } = await importTools([stdioSpec(log)], { mcpEnv: { SHOP_NAME: "Corner Shop 4471" } });
    expect(tools.map((t) => t.name)).toContain("shop_info");
    expect(JSON.stringify(tools)).not.toContain("Corner Shop");
    const config = { sources: [{ match: tools[0]!.source.file, env: ["SHOP_NAME"] }] };
    await expect(createToolExecution(tools, { execute: "mcp", config, env: {} })).rejects.toThrow(/\$SHOP_NAME to its MCP server, but it is not set/);
    const ex = await createToolExecution(tools, { execute: "mcp", config, env: { SHOP_NAME: "Corner Shop 4471" } });
    try {
      const out = await ex.hook({ tool: tool(tools, "shop_info"), arguments: {}, callId: "a" });
      expect(out).toMatchObject({ kind: "executed", ok: true, result: { shop: "[REDACTED]" } });
      expect((await readLog(log)).at(-1)).toMatchObject({ tool: "shop_info", result: { shop: "Corner Shop 4471" } });
    } finally {
      await ex.close();
    }
  });

  it("over streamable HTTP, and a server that is not there is an InputError naming it", async () => {
    const { tools, report } = await importTools([`mcp+${http.url}`]);
    expect(report.files[0]!.variant).toBe("mcp-http");
    expect(tool(tools, "get_product").source.mcp).toEqual({ transport: "http", url: http.url });
    expect(tool(tools, "get_product").returns).toMatchObject({ required: expect.arrayContaining(["product_id", "name"]) });
    const err = await importTools(["mcp+http://127.0.0.1:9/mcp"], { mcpTimeoutMs: 3000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/mcp\+http:\/\/127\.0\.0\.1:9\/mcp/);
  });
});

describe("the mcp executor", () => {
  it("returns the server's real answers (stdio), passes ids between tools, and turns error results into tool errors", async () => {
    const log = join(tmp(), "stdio-exec.log");
    const { tools } = await importTools([stdioSpec(log)]);
    const ex = await createToolExecution(tools, { execute: "mcp" });
    try {
      const found = await ex.hook({ tool: tool(tools, "search_products"), arguments: { query: "kettle" }, callId: "c1" });
      expect(found.kind).toBe("executed");
      if (found.kind !== "executed") return;
      expect(found.ok).toBe(true);
      expect(found.execution).toEqual({ mode: "executed", executor: "mcp", target: tools[0]!.source.file });
      const id = (found.result as { products: Array<{ product_id: string }> }).products[0]!.product_id;
      const detail = await ex.hook({ tool: tool(tools, "get_product"), arguments: { product_id: id }, callId: "c2" });
      const bad = await ex.hook({ tool: tool(tools, "check_stock"), arguments: { product_id: "nope" }, callId: "c3" });
      const entries = await readLog(log);
      expect(entries.map((e) => e.tool)).toEqual(["search_products", "get_product", "check_stock"]);
      expect(found.result).toEqual(entries[0]!.result);
      expect(detail).toMatchObject({ kind: "executed", ok: true, result: entries[1]!.result });
      expect(bad).toMatchObject({ kind: "executed", ok: false, result: { error: 'no product with id "nope"' }, execution: { error: true } });
      // writes are refused without --allow-writes: simulated, and the record says why
      const order = await ex.hook({ tool: tool(tools, "place_order"), arguments: { product_id: id, quantity: 1 }, callId: "c4" });
      expect(order).toEqual({ kind: "simulate", execution: { mode: "simulated", executor: "mcp", note: expect.stringMatching(/--allow-writes/) } });
      expect((await readLog(log)).map((e) => e.tool)).not.toContain("place_order");
      expect(ex.plan.filter((r) => r.write).map((r) => r.tool).sort()).toEqual(["delete_product", "place_order"]);
    } finally {
      await ex.close();
    }
  });

  it("over HTTP with --allow-writes, an auth header from the environment, and a tool the server does not know", async () => {
    const { tools } = await importTools([`mcp+${http.url}`]);
    // writes on a server toolflow reaches over HTTP need isolation: shared (it cannot start one per dialogue)
    const config = { sources: [{ match: `mcp+${http.url}`, isolation: "shared" as const, auth: { header: "Authorization", env: "SHOP_TOKEN", prefix: "Bearer " } }] };
    await expect(createToolExecution(tools, { execute: "mcp", config, env: {} })).rejects.toThrow(/\$SHOP_TOKEN, which is not set/);
    const ex = await createToolExecution(tools, { execute: "mcp", config, env: { SHOP_TOKEN: "shop-secret-1" }, allowWrites: true });
    try {
      const before = http.calls.length;
      const order = await ex.hook({ tool: tool(tools, "place_order"), arguments: { product_id: "prd-00abcd", quantity: 2 }, callId: "c1" });
      expect(order).toMatchObject({ kind: "executed", ok: true, result: http.calls[before]!.result });
      expect(http.authHeaders).toContain("Bearer shop-secret-1");
      const ghost = { ...tool(tools, "get_product"), name: "ghost", originalName: undefined } as ToolSpec;
      const missing = await ex.hook({ tool: ghost, arguments: {}, callId: "c2" });
      expect(missing.kind).toBe("simulate"); // not in the plan: simulated
    } finally {
      await ex.close();
    }
  });

  it("a call that outlasts its timeout is retried, then becomes the tool's error; an unreachable server rejects", async () => {
    const slow = await startMcpHttpServer({ slow: true });
    try {
      const { tools } = await importTools([`mcp+${slow.url}`]);
      const config = { defaults: { timeoutMs: 150, retries: 1, retryDelayMs: 10 } };
      const ex = await createToolExecution(tools, { execute: "mcp", config });
      const out = await ex.hook({ tool: tool(tools, "slow_echo"), arguments: { text: "hi", delay_ms: 600 }, callId: "a" });
      expect(out).toMatchObject({ kind: "executed", ok: false, result: { error: "timed out after 150 ms" }, execution: { error: true } });
      const quick = await ex.hook({ tool: tool(tools, "slow_echo"), arguments: { text: "hi", delay_ms: 0 }, callId: "b" });
      expect(quick).toMatchObject({ ok: true, result: { text: "hi" } });
      await ex.close();
      await new Promise((r) => setTimeout(r, 700)); // both slow attempts reach the server's log
      expect(slow.calls.filter((c) => c.tool === "slow_echo" && c.arguments.delay_ms === 600)).toHaveLength(2);

      const gone = tools.map((t) => ({ ...t, source: { ...t.source, mcp: { transport: "http" as const, url: "http://127.0.0.1:9/mcp" } } }));
      const dead = await createToolExecution(gone, { execute: "mcp", config });
      await expect(dead.hook({ tool: tool(gone, "get_product"), arguments: { product_id: "prd-000000" }, callId: "c" })).rejects.toMatchObject({
        code: "EXECUTE_FAILED",
        message: expect.stringMatching(/get_product: MCP call failed on mcp\+http:\/\/127\.0\.0\.1:9\/mcp/),
      });
      await dead.close();
    } finally {
      await slow.close();
    }
  });

  it("--execute names: unknown executors, names that fit no tool, and http for an MCP tool are usage errors", async () => {
    const { tools } = await importTools([`mcp+${http.url}`]);
    await expect(createToolExecution(tools, { execute: "rpc" })).rejects.toThrow(UsageError);
    await expect(createToolExecution(tools, { execute: "nosuch=mcp" })).rejects.toThrow(/"nosuch" is neither a tool name nor a tool source/);
    await expect(createToolExecution(tools, { execute: "get_product=http" })).rejects.toThrow(/not an OpenAPI operation/);
    const ex = await createToolExecution(tools, { execute: "mcp,get_product=simulate" });
    expect(ex.plan.find((r) => r.tool === "get_product")!.executor).toBe("simulate");
    expect(ex.plan.find((r) => r.tool === "check_stock")!.executor).toBe("mcp");
    await ex.close();
  });
});

describe("synth --execute mcp over streamable HTTP (in process)", () => {
  it("imports, builds the graph, synthesizes, and every executed tool message is the server's answer", async () => {
    const dir = join(tmp(), "http-synth");
    const toolsFile = join(tmp(), "http-tools.jsonl");
    const graphFile = join(tmp(), "http-graph.json");
    const { tools } = await importTools([`mcp+${http.url}`]);
    await writeToolsJsonl(toolsFile, tools);
    const graph = await buildToolGraph(tools);
    expect(graph.toJSON().edges.some((e) => e.kind === "P-R" && e.source === "search_products" && e.target === "check_stock")).toBe(true);
    await writeGraph(graph, graphFile);
    const before = http.calls.length;
    const quiet = new Writable({ write: (_c, _e, cb) => cb() });
    const summary = await runSynth(
      testSynthOptions({ tools: toolsFile, graph: graphFile, count: 3, seed: 9, out: dir, size: { min: 2, max: 3 }, execute: "mcp" }),
      { stderr: quiet, tty: false, env: {} },
    );
    expect(summary.manifest.counts.accepted).toBe(3);
    const served = http.calls.slice(before);
    const records = (await readFile(join(dir, "dialogues.jsonl"), "utf8")).trim().split("\n").map((l) => DialogueRecordZ.parse(JSON.parse(l)));
    let executed = 0;
    for (const d of records) {
      const calls = new Map(d.messages.flatMap((m) => (m.role === "assistant" ? (m.tool_calls ?? []) : [])).map((c) => [c.id, c.function]));
      d.messages.forEach((m, i) => {
        if (m.role !== "tool") return;
        const how = d.execution![i]!;
        if (how.mode !== "executed") return expect(["place_order", "delete_product"]).toContain(m.name);
        executed++;
        const call = calls.get(m.tool_call_id)!;
        const entry = served.find((s) => s.tool === call.name && JSON.stringify(s.arguments) === call.arguments);
        expect(entry, call.name).toBeDefined();
        expect(m.content).toBe(JSON.stringify(entry!.isError ? { error: entry!.result } : entry!.result));
      });
    }
    expect(executed).toBeGreaterThanOrEqual(3);
    expect(served.map((c) => c.tool)).not.toContain("place_order");
  });
});
