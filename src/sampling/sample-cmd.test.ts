/** End-to-end tests of `toolflow sample` and `toolflow sample stats` (child processes; a few seconds). */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT, cliInProcess } from "../../test/support/cli.js";
import { buildToolGraph } from "../graph/index.js";
import { importTools, writeToolsJsonl } from "../tools/index.js";
import { readSamplesJsonl } from "./index.js";
import { makeGraph, preferentialGraph } from "../../test/support/sampling.js";


describe("toolflow sample (CLI)", () => {
  let dir = "";
  let graphPath = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "toolflow-sample-cli-"));
    graphPath = join(dir, "graph.json");
    await writeFile(graphPath, JSON.stringify(preferentialGraph(40, 2, 3, 5).toJSON()));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes samples atomically, prints stats to stderr, and is deterministic for a seed", async () => {
    const out = join(dir, "s.jsonl");
    const args = ["sample", graphPath, "--count", "25", "--size", "3-5", "--sampling", "balanced", "--seed", "7", "-o", out];
    const r = await cliInProcess(args);
    expect(r.stderr).toMatch(/coverage: \d+\/43 tools .*\d+\/40 non-isolated tools/);
    expect(r.stderr).toMatch(/gini of tool usage: 0\.\d{3} over non-isolated tools/);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    const samples = await readSamplesJsonl(out);
    expect(samples).toHaveLength(25);
    // the graph's 3 isolated tools: no walk reaches them, balanced draws each once, alone, and says so up front
    expect(r.stderr).toMatch(/warning: 3 of 43 tools have no edge to a tool of another function \(3 isolated, .*`balanced` draws each of them once/);
    const alone = samples.filter((s) => s.tools.length === 1);
    expect(alone.length).toBeGreaterThan(0);
    expect(new Set(alone.map((s) => s.tools[0])).size).toBe(alone.length);
    for (const s of alone) expect(s.tools[0]).toMatch(/^iso\d$/);
    for (const s of samples) {
      expect(s.strategy).toBe("balanced");
      if (s.tools.length === 1) continue;
      expect(s.tools.length).toBeGreaterThanOrEqual(3);
      expect(s.tools.length).toBeLessThanOrEqual(5);
    }
    const first = await readFile(out, "utf8");
    const again = await cliInProcess(args);
    expect(again.code).toBe(0);
    expect(await readFile(out, "utf8")).toBe(first);
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);

    const stats = await cliInProcess(["sample", "stats", out, "--graph", graphPath, "--json"]);
    expect(stats.code).toBe(0);
    const parsed = JSON.parse(stats.stdout) as { samples: number; coverage: { totalTools: number }; giniNonIsolated: number };
    expect(parsed.samples).toBe(25);
    expect(parsed.coverage.totalTools).toBe(43);
    expect(r.stderr).toContain(`gini of tool usage: ${parsed.giniNonIsolated.toFixed(3)}`);
  });

  it("--tools adds the producers parameters name and reports the counts", async () => {
    const { tools } = await importTools([join(PROJECT_ROOT, "examples/shop.openapi.yaml")]);
    const toolsPath = join(dir, "shop-tools.jsonl");
    const shopGraph = join(dir, "shop-graph.json");
    await writeToolsJsonl(toolsPath, tools);
    await writeFile(shopGraph, JSON.stringify((await buildToolGraph(tools)).toJSON()));
    const out = join(dir, "shop-samples.jsonl");
    const r = await cliInProcess(["sample", shopGraph, "--tools", toolsPath, "-n", "40", "--size", "1-2", "--seed", "3", "-o", out]);
    expect(r.code).toBe(0);
    const samples = await readSamplesJsonl(out);
    const added = samples.reduce((n, s) => n + (s.addedProducers?.length ?? 0), 0);
    const user = samples.reduce((n, s) => n + (s.userSupplied?.length ?? 0), 0);
    expect(added).toBeGreaterThan(0);
    expect(r.stderr).toContain(`producers named by parameters: ${added} added to`);
    expect(r.stderr).toContain(`${user} left for the user to supply`);
    const stats = await cliInProcess(["sample", "stats", out, "--json"]);
    expect(JSON.parse(stats.stdout)).toMatchObject({ producers: { added, userSupplied: user } });
  });

  it("writes to stdout without -o", async () => {
    const r = await cliInProcess(["sample", graphPath, "-n", "3", "--size", "2", "--sampling", "random", "--seed", "1", "-q"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { id: string; tools: string[] });
    expect(lines.map((l) => l.id)).toEqual(["sample-0", "sample-1", "sample-2"]);
    for (const l of lines) expect(l.tools).toHaveLength(2);
  });

  it.each([
    [["--size", "5-2"], /--size range is reversed \(5-2\)/],
    [["--size", "lots"], /--size must be a number or a range like 2-5/],
    [["--sampling", "zigzag"], /--sampling <strategy>' argument 'zigzag' is invalid\. Allowed choices are walk, random, balanced/],
    [["--seed", "-1"], /--seed: must be between 0 and 4294967295, got -1/],
    [["--count", "0"], /--count must be an integer >= 1/],
    [["--alpha", "2"], /--alpha applies to --sampling balanced only/],
  ])("exits 2 on bad options %j and writes no file", async (extra, why) => {
    const out = join(dir, "never.jsonl");
    const r = await cliInProcess(["sample", graphPath, ...(extra as string[]), "-o", out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(why as RegExp);
    expect(existsSync(out)).toBe(false);
  });

  it("exits 2 naming the file when the graph is missing or not a graph", async () => {
    const out = join(dir, "never.jsonl");
    const missing = await cliInProcess(["sample", join(dir, "no-such-graph.json"), "-o", out]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no-such-graph\.json: graph file not found/);
    const bad = join(dir, "bad-graph.json");
    await writeFile(bad, JSON.stringify({ nodes: [{ id: "a" }], edges: [] }));
    const invalid = await cliInProcess(["sample", bad, "-o", out]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/bad-graph\.json at \/nodes\/0\/name: not a toolflow graph/);
    const edgeless = join(dir, "edgeless.json");
    await writeFile(edgeless, JSON.stringify(makeGraph(["a", "b"], []).toJSON()));
    const noEdges = await cliInProcess(["sample", edgeless, "-o", out]);
    expect(noEdges.code).toBe(2);
    expect(noEdges.stderr).toMatch(/cannot walk: the graph has no edges/);
    expect(existsSync(out)).toBe(false);
  });

  it("sample stats exits 2 on a sample naming a tool the graph lacks", async () => {
    const samples = join(dir, "foreign.jsonl");
    await writeFile(samples, JSON.stringify({ id: "x", tools: ["t0", "zz"], edges: [], strategy: "walk", seed: 0, requestedSize: 2 }) + "\n");
    const r = await cliInProcess(["sample", "stats", samples, "--graph", graphPath]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/foreign\.jsonl: sample x uses tool "zz", which is not in the graph/);
  });
});
