/**
 * A small MCP server for the tests (the official SDK's McpServer), over stdio (run this file with
 * `node --import tsx test/support/mcp-server.ts --stdio [--log FILE]`) or streamable HTTP on 127.0.0.1
 * (`startMcpHttpServer()`, in process). A shop whose tools depend on each other: `search_products` returns
 * product ids that `get_product` and `check_stock` take. Answers are deterministic (derived from the arguments), so
 * two server processes agree. `delete_product` is annotated destructive and `place_order` is not annotated
 * read-only: both are writes. Every call is logged ({tool, arguments, isError, result}) to the `--log` JSONL file
 * or the HTTP server's `calls`, so a test can compare the dialogues' tool messages with the server's real answers.
 */
import { createHash } from "node:crypto";
import { appendFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";

export interface McpCallLog {
  tool: string;
  arguments: Record<string, unknown>;
  isError: boolean;
  /** structuredContent of a result, or the error text. */
  result: unknown;
}

const NAMES = ["kettle", "teapot", "mug", "grinder", "scale", "filter", "carafe", "press"];

function hash(text: string): number {
  return createHash("sha256").update(text).digest().readUInt32BE(0);
}

/** A product id's details (any well-formed id exists; the details follow from it). */
function product(id: string) {
  const h = hash(id);
  return { product_id: id, name: `${NAMES[h % NAMES.length]} ${id.slice(-3)}`, price: 5 + (h % 9000) / 100 };
}

const ID = /^prd-[0-9a-f]{6}$/;

/** `slow`: also a `slow_echo` tool that answers after `delay_ms` (for timeout tests; off by default). */
export function createShopServer(log: (entry: McpCallLog) => void, options: { slow?: boolean } = {}): McpServer {
  const server = new McpServer({ name: "test-shop", version: "1.0.0" });
  const answer = (tool: string, args: Record<string, unknown>, result: Record<string, unknown>) => {
    log({ tool, arguments: args, isError: false, result });
    return { content: [{ type: "text" as const, text: JSON.stringify(result) }], structuredContent: result };
  };
  const fail = (tool: string, args: Record<string, unknown>, message: string) => {
    log({ tool, arguments: args, isError: true, result: message });
    return { content: [{ type: "text" as const, text: message }], isError: true };
  };

  server.registerTool(
    "search_products",
    {
      description: "Search the shop's catalogue; returns matching products with their product ids.",
      inputSchema: { query: z.string().describe("What to look for, e.g. 'kettle'"), limit: z.number().int().min(1).max(5).optional() },
      outputSchema: {
        products: z.array(z.object({ product_id: z.string(), name: z.string(), price: z.number() })),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args) => {
      const n = args.limit ?? 2;
      const products = Array.from({ length: n }, (_, i) => product(`prd-${(hash(`${args.query}#${i}`) & 0xffffff).toString(16).padStart(6, "0")}`));
      return answer("search_products", args, { products });
    },
  );
  server.registerTool(
    "get_product",
    {
      description: "Details of one product by its product id.",
      inputSchema: { product_id: z.string().describe("A product id from search_products, e.g. prd-0a1b2c") },
      outputSchema: { product_id: z.string(), name: z.string(), price: z.number(), description: z.string() },
      annotations: { readOnlyHint: true },
    },
    async (args) => {
      if (!ID.test(args.product_id)) return fail("get_product", args, `no product with id "${args.product_id}"`);
      const p = product(args.product_id);
      return answer("get_product", args, { ...p, description: `A ${p.name.split(" ")[0]} from the test shop.` });
    },
  );
  server.registerTool(
    "check_stock",
    {
      description: "How many units of a product are in stock, by product id.",
      inputSchema: { product_id: z.string().describe("A product id from search_products") },
      outputSchema: { product_id: z.string(), in_stock: z.number().int() },
      annotations: { readOnlyHint: true },
    },
    async (args) => {
      if (!ID.test(args.product_id)) return fail("check_stock", args, `no product with id "${args.product_id}"`);
      return answer("check_stock", args, { product_id: args.product_id, in_stock: hash(args.product_id) % 40 });
    },
  );
  server.registerTool(
    "place_order",
    {
      description: "Order units of a product by product id.",
      inputSchema: { product_id: z.string(), quantity: z.number().int().min(1) },
      outputSchema: { order_id: z.string(), product_id: z.string(), quantity: z.number().int() },
    },
    async (args) => answer("place_order", args, { order_id: `ord-${hash(JSON.stringify(args)) % 100000}`, ...args }),
  );
  server.registerTool(
    "delete_product",
    {
      description: "Remove a product from the catalogue by product id.",
      inputSchema: { product_id: z.string() },
      annotations: { destructiveHint: true, readOnlyHint: false },
    },
    async (args) => answer("delete_product", args, { deleted: args.product_id }),
  );
  // Only when the server was given SHOP_NAME (tests of the environment passed to stdio servers).
  const shopName = process.env.SHOP_NAME;
  if (shopName) {
    server.registerTool(
      "shop_info",
      { description: "The shop's name.", inputSchema: {}, annotations: { readOnlyHint: true } },
      async () => answer("shop_info", {}, { shop: shopName }),
    );
  }
  if (options.slow) {
    server.registerTool(
      "slow_echo",
      {
        description: "Echo a text after a delay.",
        inputSchema: { text: z.string(), delay_ms: z.number().int().min(0) },
        annotations: { readOnlyHint: true },
      },
      async (args) => {
        await new Promise((r) => setTimeout(r, args.delay_ms));
        return answer("slow_echo", args, { text: args.text });
      },
    );
  }
  return server;
}

export interface McpHttpServer {
  url: string;
  calls: McpCallLog[];
  /** Authorization headers the server received (for auth tests). */
  authHeaders: string[];
  close(): Promise<void>;
}

/** The shop over streamable HTTP (stateless: one server and transport per request) on a free 127.0.0.1 port. */
export async function startMcpHttpServer(options: { slow?: boolean } = {}): Promise<McpHttpServer> {
  const calls: McpCallLog[] = [];
  const authHeaders: string[] = [];
  const http: Server = createServer(async (req, res) => {
    if (typeof req.headers.authorization === "string") authHeaders.push(req.headers.authorization);
    if (req.url !== "/mcp") {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const body: unknown = text ? JSON.parse(text) : undefined;
    const server = createShopServer((e) => calls.push(e), options);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  const port = (http.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    calls,
    authHeaders,
    close: () =>
      new Promise<void>((r) => {
        http.closeAllConnections();
        http.close(() => r());
      }),
  };
}

async function main(argv: string[]): Promise<void> {
  const at = argv.indexOf("--log");
  const logFile = at >= 0 ? argv[at + 1] : undefined;
  const server = createShopServer((e) => {
    if (logFile) appendFileSync(logFile, JSON.stringify(e) + "\n");
  });
  await server.connect(new StdioServerTransport());
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv.includes("--stdio")) {
  void main(process.argv.slice(2));
}
