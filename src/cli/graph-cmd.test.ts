import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ToolGraphJsonZ } from "../core/index.js";
import { cliInProcess, runCli, SHARED_DATA } from "../../test/support/cli.js";
import { startOpenAIServer, type OpenAIServer } from "../../test/support/openai-server.js";

let dir: string;
let tools: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "toolflow-graph-cli-"));
  tools = join(dir, "tools.jsonl");
  const r = await cliInProcess(["tools", "import", join(SHARED_DATA, "bfcl/multi_turn_func_doc/travel_booking.json"), "-o", tools]);
  expect(r.code).toBe(0);
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("toolflow graph build / stats", () => {
  it("builds graph.json with P-R evidence, reports hubs on stderr, and describes it with stats", async () => {
    const out = join(dir, "graph.json");
    const r = await cliInProcess(["graph", "build", tools, "-o", out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/18 tools, \d+ P-P \+ \d+ P-R edges \(lexical, threshold 0.4\)/);
    expect(r.stderr).toMatch(/highest-degree tools: book_flight/);
    const g = ToolGraphJsonZ.parse(JSON.parse(await readFile(out, "utf8")));
    expect(g.edges.find((e) => e.kind === "P-R" && e.source === "authenticate_travel" && e.target === "book_flight")?.evidence[0]?.sourceField).toBe(
      "access_token",
    );

    const text = await cliInProcess(["graph", "stats", out]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^nodes: 18$/m);
    expect(text.stdout).toMatch(/isolated tools: \d+ \(.*compute_exchange_rate/);
    const js = await cliInProcess(["graph", "stats", out, "--json", "--top", "3"]);
    const stats = JSON.parse(js.stdout) as { nodes: number; edges: { "P-R": number }; topHubs: unknown[] };
    expect(stats.nodes).toBe(18);
    expect(stats.edges["P-R"]).toBe(g.edges.filter((e) => e.kind === "P-R").length);
    expect(stats.topHubs).toHaveLength(3);
  }, 120_000);

  it("writes GEXF and DOT by extension or --format, and --exact gives the same edges", async () => {
    const r1 = await cliInProcess(["graph", "build", tools, "-o", join(dir, "g.gexf"), "-q"]);
    expect(r1.code).toBe(0);
    expect(r1.stderr).toBe("");
    expect(await readFile(join(dir, "g.gexf"), "utf8")).toContain("<gexf");
    const r2 = await cliInProcess(["graph", "build", tools, "--format", "dot", "-q"]);
    expect(r2.stdout).toContain('"authenticate_travel" -> "book_flight"');
    const a = await cliInProcess(["graph", "build", tools, "-q", "--threshold", "0.5"]);
    const b = await cliInProcess(["graph", "build", tools, "-q", "--threshold", "0.5", "--exact"]);
    expect(JSON.parse(a.stdout).edges).toEqual(JSON.parse(b.stdout).edges);
    expect(JSON.parse(b.stdout).meta).toMatchObject({ exact: true, threshold: 0.5 });
  }, 120_000);

  it("prints progress lines with counts on stderr for a large collection", async () => {
    const big = join(dir, "big.jsonl");
    const lines: string[] = [];
    for (let i = 0; i < 2100; i++) {
      lines.push(
        JSON.stringify({
          name: `tool_${i}`,
          description: "",
          parameters: { type: "object", properties: { [`item${i % 50}_code`]: { type: "string", description: `Code of item ${i % 50}` } } },
          source: { file: "big.jsonl", pointer: "", line: i + 1, format: "toolspec" },
        }),
      );
    }
    await writeFile(big, lines.join("\n") + "\n");
    const r = await cliInProcess(["graph", "build", big, "-o", join(dir, "big-graph.json")]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/toolflow graph: fields 2100\/2100/);
    expect(r.stderr).toMatch(/toolflow graph: similarity join \d+\/\d+/);
    expect(r.stderr).toMatch(/toolflow graph: edges \d+\/\d+/);
    expect(r.stderr).toMatch(/2100 tools, \d+ P-P \+ 0 P-R edges/);
    const quiet = await cliInProcess(["graph", "build", big, "-o", join(dir, "big-graph.json"), "-q"]);
    expect(quiet.stderr).toBe("");
  }, 120_000);

  it("exits 2 on bad input or options, naming the file or option, and leaves no output file", async () => {
    const bad = join(dir, "bad.jsonl");
    await writeFile(bad, '{"name": "x"}\n');
    const out = join(dir, "never.json");
    const r = await cliInProcess(["graph", "build", bad, "-o", out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("bad.jsonl");
    const t = await cliInProcess(["graph", "build", tools, "-o", out, "--threshold", "1.5"]);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/--threshold must be a number in \(0, 1\]/);
    const e = await cliInProcess(["graph", "build", tools, "-o", out, "--embedder", "word2vec"]);
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/unknown embedder "word2vec"/);
    const s = await cliInProcess(["graph", "stats", bad]);
    expect(s.code).toBe(2);
    expect((await readdir(dir)).filter((f) => f.startsWith("never"))).toEqual([]);
  }, 120_000);

  it("builds with an OpenAI-compatible embeddings endpoint, the key from the environment", async () => {
    const server: OpenAIServer = await startOpenAIServer({ apiKey: "sk-cli-embed-key-123456", embeddingDimension: 16 });
    try {
      const env = { TOOLFLOW_EMBED_KEY: "sk-cli-embed-key-123456" };
      const args = ["graph", "build", tools, "--embedder", "openai", "--embedding-model", "m", "--base-url", server.baseURL];
      const cacheDir = join(dir, "cache");
      const r = await runCli([...args, "--api-key-env", "TOOLFLOW_EMBED_KEY", "--cache-dir", cacheDir, "-o", join(dir, "o.json")], { env });
      expect(r.code).toBe(0);
      expect(r.stderr).toContain("openai:m, threshold 0.82");
      const n = server.count();
      expect(n).toBeGreaterThan(0);
      const again = await runCli([...args, "--api-key-env", "TOOLFLOW_EMBED_KEY", "--cache-dir", cacheDir, "-o", join(dir, "o2.json")], { env });
      expect(again.code).toBe(0);
      expect(server.count()).toBe(n);
      const noKey = await cliInProcess([...args, "--api-key-env", "NOT_SET_ANYWHERE", "--no-cache", "-o", join(dir, "o3.json")]);
      expect(noKey.code).toBe(1);
      expect(noKey.stderr).toMatch(/HTTP 401/);
      expect(noKey.stderr).not.toContain("sk-cli-embed-key-123456");
    } finally {
      await server.close();
    }
  }, 120_000);
});
