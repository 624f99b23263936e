/**
 * Real tools end to end through the CLI, with the sim backend for the agents:
 *   - a live MCP server (test/support/mcp-server.ts over stdio): `tools import mcp+stdio:...`, `graph build`,
 *     `synth --execute mcp`; the dialogues' tool messages are the server's real answers (its own log), ids from
 *     one tool's answers feed the next calls, and no write ran;
 *   - a local HTTP API described by an OpenAPI document (test/support/pets-api.ts): `synth --execute http` with
 *     the auth header's value from the environment; the server saw it, no file the run wrote holds it, and the
 *     write operation was never sent; `--dry-run` lists what would be called, where.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DialogueRecord, ToolExecution } from "../../src/core/index.js";
import { cliInProcess, PROJECT_ROOT, runCli } from "../support/cli.js";
import type { McpCallLog } from "../support/mcp-server.js";
import { petsOpenApi, startPetsApi, type PetsApi } from "../support/pets-api.js";
import { tempDirForFile } from "../support/tmp.js";
import { filesUnder, readAccepted, reverify } from "./support/run-files.js";

const tmp = tempDirForFile("toolflow-e2e-execute-");
const SERVER_SCRIPT = resolve(PROJECT_ROOT, "test/support/mcp-server.ts");

function readJsonl<T>(file: string): T[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as T);
}

/** Each tool message of a record with its call (tool, arguments) and how it was made. */
function toolMessages(d: DialogueRecord): Array<{ tool: string; args: Record<string, unknown>; content: string; how: ToolExecution | null }> {
  const calls = new Map<string, { name: string; arguments: string }>();
  const out: Array<{ tool: string; args: Record<string, unknown>; content: string; how: ToolExecution | null }> = [];
  d.messages.forEach((m, i) => {
    if (m.role === "assistant") for (const c of m.tool_calls ?? []) calls.set(c.id, c.function);
    if (m.role === "tool") {
      const call = calls.get(m.tool_call_id)!;
      out.push({ tool: call.name, args: JSON.parse(call.arguments) as Record<string, unknown>, content: m.content, how: d.execution?.[i] ?? null });
    }
  });
  return out;
}

describe("synth --execute mcp (a live MCP server over stdio)", () => {
  it("imports the server, builds the graph, and the dialogues' tool messages are the server's real answers", async () => {
    const dir = tmp();
    const log = join(dir, "mcp-calls.jsonl");
    const tools = join(dir, "shop-tools.jsonl");
    const graph = join(dir, "shop-graph.json");
    const out = join(dir, "shop-run");
    const imp = await cliInProcess(["tools", "import", `mcp+stdio:${process.execPath} --import tsx ${SERVER_SCRIPT} --stdio --log ${log}`, "-o", tools]);
    expect(imp.stderr).toMatch(/mcp \(mcp-stdio\), 5 tools/);
    expect(imp.code).toBe(0);
    const g = await cliInProcess(["graph", "build", tools, "-o", graph]);
    expect(g.code).toBe(0);
    const edges = (JSON.parse(readFileSync(graph, "utf8")) as { edges: Array<{ source: string; target: string; kind: string }> }).edges;
    expect(edges.some((e) => e.kind === "P-R" && e.source === "search_products" && e.target === "get_product")).toBe(true);

    const r = await runCli(
      ["synth", "--tools", tools, "--graph", graph, "--count", "4", "--llm", "sim", "--seed", "5", "--size", "2-3", "--concurrency", "2", "--out", out, "--execute", "mcp"],
      { timeoutMs: 120_000 },
    );
    expect(r.stderr).toMatch(/synth: complete: 4\/4 accepted/);
    expect(r.stderr).toMatch(/search_products\s+mcp\s+calls mcp\+stdio:/);
    expect(r.code).toBe(0);

    const served = readJsonl<McpCallLog>(log);
    const records = readAccepted(out);
    expect(reverify(records)).toEqual([]);
    let executed = 0;
    let chained = 0;
    for (const d of records) {
      expect(d.execution).toHaveLength(d.messages.length);
      const ids = new Set<string>();
      for (const t of toolMessages(d)) {
        expect(t.how).not.toBeNull();
        if (t.how!.mode !== "executed") {
          // only the writes are simulated, and the record says why
          expect(["place_order", "delete_product"]).toContain(t.tool);
          expect(t.how!.note).toMatch(/--allow-writes/);
          continue;
        }
        executed++;
        const match = served.find((s) => s.tool === t.tool && JSON.stringify(s.arguments) === JSON.stringify(t.args));
        expect(match, `${t.tool}(${JSON.stringify(t.args)}) reached the server`).toBeDefined();
        expect(t.content).toBe(JSON.stringify(match!.isError ? { error: match!.result } : match!.result));
        if (typeof t.args.product_id === "string" && ids.has(t.args.product_id)) chained++;
        for (const m of t.content.matchAll(/prd-[0-9a-f]{6}/g)) ids.add(m[0]);
      }
    }
    expect(executed).toBeGreaterThanOrEqual(4);
    expect(chained).toBeGreaterThanOrEqual(1);
    // the manifest and the closing line count the same tool messages
    const simulated = records.flatMap(toolMessages).filter((t) => t.how?.mode === "simulated").length;
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as { execution?: { executed: number; simulated: number } };
    expect(manifest.execution).toMatchObject({ executed, simulated });
    expect(r.stderr).toContain(`synth: tool messages of accepted dialogues: ${executed} executed on their servers`);
    expect(served.map((s) => s.tool)).not.toContain("place_order");
    expect(served.map((s) => s.tool)).not.toContain("delete_product");
  });
});

describe("synth --execute http (a local API and its OpenAPI document)", () => {
  const TOKEN = "e2e-pets-token-91c2d";
  let api: PetsApi;
  beforeAll(async () => {
    api = await startPetsApi({ token: TOKEN });
  });
  afterAll(async () => {
    await api.close();
  });

  it("sends the auth header from the environment, writes it nowhere, never sends the write, and the dry run lists the calls", async () => {
    const dir = join(tmp(), "pets");
    const doc = join(tmp(), "pets.json");
    writeFileSync(doc, JSON.stringify(petsOpenApi(api.baseUrl)));
    const config = join(tmp(), "execute.yaml");
    writeFileSync(config, `sources:\n  - match: pets.json\n    auth: {header: Authorization, env: PETS_TOKEN, prefix: "Bearer "}\n    retries: 0\n`);
    const tools = join(tmp(), "pets-tools.jsonl");
    expect((await cliInProcess(["tools", "import", doc, "-o", tools])).code).toBe(0);
    const execute = "http,slowCall=simulate,flakyCall=simulate";
    const common = ["synth", "--tools", tools, "--count", "4", "--llm", "sim", "--seed", "3", "--size", "2-3", "--out", dir, "--execute", execute, "--execute-config", config];

    const dry = await runCli([...common, "--dry-run"], { env: { PETS_TOKEN: TOKEN } });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`createPet\\s+http\\s+would call POST ${api.baseUrl}/pets \\[write\\]`));
    expect(dry.stdout).toMatch(new RegExp(`getPet\\s+http\\s+calls GET ${api.baseUrl}/pets/\\{petId\\}`));
    expect(dry.stdout).toMatch(/slowCall\s+simulate/);
    expect(api.requests).toHaveLength(0); // a dry run calls nothing

    const noEnv = await runCli(common, { env: { PETS_TOKEN: undefined } });
    expect(noEnv.code).toBe(2);
    expect(noEnv.stderr).toMatch(/\$PETS_TOKEN, which is not set/);

    const r = await runCli(common, { env: { PETS_TOKEN: TOKEN }, timeoutMs: 120_000 });
    expect(r.stderr).toMatch(/synth: complete: 4\/4 accepted/);
    expect(r.code).toBe(0);
    expect(r.stderr + r.stdout).not.toContain(TOKEN);

    // the server saw the token on every request, and no write
    expect(api.requests.length).toBeGreaterThan(0);
    for (const q of api.requests) expect(q.authorization).toBe(`Bearer ${TOKEN}`);
    expect(api.requests.filter((q) => q.method !== "GET")).toEqual([]);

    // the tool messages of executed calls are the server's answers
    const records = readAccepted(dir);
    let executed = 0;
    for (const d of records) {
      for (const t of toolMessages(d)) {
        if (t.how?.mode !== "executed") continue;
        executed++;
        expect(api.requests.some((q) => JSON.stringify(q.status >= 400 ? undefined : q.response) === t.content || (q.status >= 400 && t.content.includes(`HTTP ${q.status}`)))).toBe(true);
      }
    }
    expect(executed).toBeGreaterThan(0);

    // no file written by the run (or the import) holds the secret
    const written = [...filesUnder(dir), tools, config];
    expect(written.length).toBeGreaterThanOrEqual(4);
    for (const f of written) expect(readFileSync(f).includes(TOKEN), f).toBe(false);
  });

  it("a base URL that cannot be used (the document's servers, the config's baseUrl) stops synth at the start: exit 2, naming it", async () => {
    const dir = join(tmp(), "bad-url");
    const doc = join(tmp(), "pets-bad.json");
    const spec = petsOpenApi(api.baseUrl) as { servers: Array<{ url: string }> };
    spec.servers = [{ url: "http://127.0.0.1:38203api" }];
    writeFileSync(doc, JSON.stringify(spec));
    const tools = join(tmp(), "pets-bad-tools.jsonl");
    expect((await cliInProcess(["tools", "import", doc, "-o", tools])).code).toBe(0);
    const common = ["synth", "--tools", tools, "--count", "2", "--llm", "sim", "--seed", "3", "--size", "2-3", "--out", dir, "--execute", "http"];
    const n = api.requests.length;

    const fromDoc = await runCli(common);
    expect(fromDoc.code).toBe(2);
    expect(fromDoc.stderr).toMatch(/tool "\w+": base URL "http:\/\/127\.0\.0\.1:38203api" from the servers of pets-bad\.json cannot be used: not a valid absolute URL/);
    expect(fromDoc.stderr).not.toMatch(/cannot reach|fetch failed/);

    const config = join(tmp(), "execute-bad.yaml");
    writeFileSync(config, `sources:\n  - match: pets-bad.json\n    baseUrl: "127.0.0.1:8080/v1"\n`);
    const fromConfig = await runCli([...common, "--execute-config", config]);
    expect(fromConfig.code).toBe(2);
    expect(fromConfig.stderr).toContain('source "pets-bad.json": baseUrl "127.0.0.1:8080/v1" cannot be used');
    expect(fromConfig.stderr).toContain("execute-bad.yaml");

    expect(api.requests.length).toBe(n); // nothing was called
    // no dialogue was written: synth removes the --out folder it made when an input turns out bad
    expect(existsSync(dir) ? filesUnder(dir).filter((f) => f.endsWith(".jsonl")) : []).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  });
});
