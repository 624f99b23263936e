import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ToolflowError } from "../../core/index.js";
import { startOpenAIServer, type OpenAIServer } from "../../../test/support/openai-server.js";
import { buildToolGraph } from "../builder.js";
import { tool } from "../../../test/support/graph.js";
import { OpenAIEmbedder } from "./openai.js";

const KEY = "sk-test-graph-embedder-0123456789";

let server: OpenAIServer;
let dir: string;
beforeEach(async () => {
  server = await startOpenAIServer({ apiKey: KEY, embeddingDimension: 32 });
  dir = await mkdtemp(join(tmpdir(), "toolflow-embed-"));
});
afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const tools = [
  tool("login", [["username", "User name"]], [["session_token", "Session token"]]),
  tool("list_orders", [["session_token", "Session token"], ["status", "Order status"]], [["order_id", "Order id"]]),
  tool("cancel_order", [["session_token", "Session token"], ["order_id", "Order id"]]),
  tool("weather", [["city", "City"]], [["forecast", "Forecast"]]),
];

function embeddingRequests(s: OpenAIServer) {
  return s.requests.filter((r) => r.path.endsWith("/embeddings"));
}

describe("OpenAIEmbedder", () => {
  it("embeds fields in batches through /v1/embeddings and builds the graph from the vectors", async () => {
    const embedder = new OpenAIEmbedder({ model: "test-embed", baseURL: server.baseURL, apiKey: KEY, batchSize: 4, cacheDir: dir });
    const g = await buildToolGraph(tools, { embedder, threshold: 0.99 });
    await embedder.close();
    // 6 distinct field texts -> batches of 4 and 2, each text sent once
    const reqs = embeddingRequests(server);
    const sizes = reqs.map((r) => ((r.body as { input: string[] }).input).length).sort();
    expect(sizes).toEqual([2, 4]);
    const sent = reqs.flatMap((r) => (r.body as { input: string[] }).input);
    expect(new Set(sent).size).toBe(sent.length);
    expect(reqs.every((r) => r.authorized)).toBe(true);
    expect(reqs.flatMap((r) => (r.body as { input: string[] }).input)).toContain("session_token: Session token");
    // the server's vectors are hashes of the text: only identical texts are similar, which is what joins here
    expect(g.edgesBetween("login", "list_orders").find((e) => e.kind === "P-R")?.evidence[0]?.sourceField).toBe("session_token");
    expect(g.edgesBetween("list_orders", "cancel_order").some((e) => e.kind === "P-R" && e.source === "list_orders")).toBe(true);
    expect(g.neighbors("weather")).toEqual([]);
    expect(g.meta).toMatchObject({ embedder: "openai:test-embed", joinMethod: "simhash-lsh" });
  });

  it("serves a second build from the disk cache without any request, and never stores the key", async () => {
    const first = new OpenAIEmbedder({ model: "test-embed", baseURL: server.baseURL, apiKey: KEY, batchSize: 4, cacheDir: dir });
    const g1 = await buildToolGraph(tools, { embedder: first, threshold: 0.99 });
    await first.close();
    const before = server.count();
    expect(before).toBeGreaterThan(0);

    const second = new OpenAIEmbedder({ model: "test-embed", baseURL: server.baseURL, apiKey: KEY, batchSize: 4, cacheDir: dir });
    const g2 = await buildToolGraph(tools, { embedder: second, threshold: 0.99 });
    expect(server.count()).toBe(before);
    expect(second.requests).toBe(0);
    expect(second.cacheHits).toBe(6);
    await second.close();
    expect(g2.toJSON().edges).toEqual(g1.toJSON().edges);

    // a different model is a different cache entry
    const other = new OpenAIEmbedder({ model: "other-embed", baseURL: server.baseURL, apiKey: KEY, cacheDir: dir });
    await other.embedTexts(["session_token: Session token"]);
    expect(other.requests).toBe(1);
    await other.close();

    for (const f of await readdir(dir)) {
      const bytes = await readFile(join(dir, f));
      expect(bytes.includes(Buffer.from(KEY))).toBe(false);
    }
    expect(JSON.stringify(g1.meta)).not.toContain(KEY);
  });

  it("keys its disk cache as before: SHA-256 of [base URL, model, dimensions, text]", async () => {
    const embedder = new OpenAIEmbedder({ model: "test-embed", baseURL: server.baseURL, apiKey: KEY, cacheDir: dir });
    await embedder.embedTexts(["city: City"]);
    await embedder.close();
    const key = createHash("sha256").update(JSON.stringify([server.baseURL, "test-embed", null, "city: City"])).digest("hex");
    const db = new Database(join(dir, "embeddings.sqlite"), { readonly: true });
    try {
      expect(db.prepare("SELECT dim FROM embeddings WHERE key = ?").get(key)).toEqual({ dim: 32 });
    } finally {
      db.close();
    }
  });

  it("retries a busy server (maxRetries) and then gives up with a ToolflowError naming the status", async () => {
    let n = 0;
    const busy = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        n++;
        if (n === 1 || n >= 3) return void res.writeHead(503, { "content-type": "application/json" }).end('{"error":{"message":"busy"}}');
        const vec = Buffer.from(new Float32Array([3, 4]).buffer).toString("base64"); // the client asks for base64
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data: [{ index: 0, embedding: vec }] }));
      });
    });
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
    try {
      const baseURL = `http://127.0.0.1:${(busy.address() as AddressInfo).port}/v1`;
      const embedder = new OpenAIEmbedder({ model: "m", baseURL, apiKey: KEY, maxRetries: 1, cacheDir: null });
      const [v] = await embedder.embedTexts(["a"]);
      expect(Array.from(v!)).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]); // unit length
      expect(n).toBe(2);
      const err = await embedder.embedTexts(["b"]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ToolflowError);
      expect((err as ToolflowError).code).toBe("EMBEDDING_FAILED");
      expect((err as Error).message).toMatch(/^embedding request to http:\/\/127\.0\.0\.1:\d+\/v1 failed \(HTTP 503\)/);
      expect(n).toBe(4); // one retry
    } finally {
      busy.close();
    }
  }, 20_000);

  it("fails with a ToolflowError that does not show the key when the server refuses it", async () => {
    const wrongKey = "sk-wrong-key-abcdefghijklmnop";
    const embedder = new OpenAIEmbedder({ model: "test-embed", baseURL: server.baseURL, apiKey: wrongKey, maxRetries: 0, cacheDir: null });
    const err = await buildToolGraph(tools, { embedder }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolflowError);
    expect((err as Error).message).toMatch(/HTTP 401/);
    expect((err as Error).message).not.toContain(wrongKey);
    expect(String((err as Error).cause)).not.toContain(wrongKey);
  });
});
