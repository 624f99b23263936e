import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseGexf } from "graphology-gexf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../core/index.js";
import { GraphClass } from "./graphology.js";
import { graphFormatFor, toDot, toGexf, writeGraph } from "./export.js";
import { degreeHistogram, formatGraphStats, graphStats } from "./stats.js";
import { ToolGraph } from "./tool-graph.js";

const json = {
  nodes: [
    { id: "login", name: "login", category: "auth" },
    { id: "orders", name: "orders" },
    { id: "cancel", name: "cancel" },
    { id: 'we"ird', name: 'we"ird' },
    { id: "alone", name: "alone" },
  ],
  edges: [
    { source: "login", target: "orders", kind: "P-R" as const, weight: 0.8, evidence: [{ sourceField: "token", targetField: "token", similarity: 0.8 }] },
    { source: "orders", target: "cancel", kind: "P-R" as const, weight: 0.9, evidence: [{ sourceField: "items[].order_id", targetField: "order_id", similarity: 0.9 }] },
    { source: "orders", target: "cancel", kind: "P-P" as const, weight: 0.7, evidence: [{ sourceField: "token", targetField: "token", similarity: 0.7 }] },
    { source: "cancel", target: 'we"ird', kind: "P-P" as const, weight: 0.5, evidence: [{ sourceField: "a", targetField: "b", similarity: 0.5 }] },
  ],
  meta: { threshold: 0.5 },
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "toolflow-graph-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("graph export", () => {
  it("writes GEXF that Gephi's format parser reads back with kinds, directions and evidence", () => {
    const g = ToolGraph.fromJSON(json);
    const back = parseGexf(GraphClass, toGexf(g));
    expect(back.order).toBe(5);
    expect(back.size).toBe(4);
    expect(back.hasDirectedEdge("login", "orders")).toBe(true);
    expect(back.hasUndirectedEdge("orders", "cancel")).toBe(true);
    const attrs = back.getEdgeAttributes(back.directedEdge("orders", "cancel"));
    expect(attrs).toMatchObject({ kind: "P-R", weight: 0.9 });
    expect(String(attrs.evidence)).toContain("items[].order_id ~ order_id");
    expect(back.getNodeAttribute("login", "category")).toBe("auth");
  });

  it("writes DOT with arrows for P-R, no arrow for P-P, and escaped names", () => {
    const dot = toDot(ToolGraph.fromJSON(json));
    expect(dot).toMatch(/^digraph "toolgraph" \{/);
    expect(dot).toContain('"login" -> "orders" [kind="P-R"');
    expect(dot).toMatch(/"orders" -> "cancel" \[dir=none, style=dashed, kind="P-P"/);
    expect(dot).toContain('"we\\"ird"');
    expect(dot.trim().endsWith("}")).toBe(true);
  });

  it("picks the format from --format or the extension, and writes atomically", async () => {
    expect(graphFormatFor("g.gexf")).toBe("gexf");
    expect(graphFormatFor("g.dot")).toBe("dot");
    expect(graphFormatFor("g.json")).toBe("json");
    expect(graphFormatFor("g.out", "DOT")).toBe("dot");
    expect(() => graphFormatFor("g.json", "png")).toThrow(UsageError);
    const g = ToolGraph.fromJSON(json);
    const path = join(dir, "graph.json");
    expect(await writeGraph(g, path)).toBe("json");
    const text = await readFile(path, "utf8");
    expect(text).toBe(JSON.stringify(g.toJSON()) + "\n");
    expect(ToolGraph.fromJSON(JSON.parse(text)).size).toBe(4);
    await writeGraph(g, join(dir, "graph.gexf"));
    expect(await readdir(dir)).toEqual(["graph.gexf", "graph.json"]);
  });

  it("streams a large graph.json identical to JSON.stringify", async () => {
    const nodes = Array.from({ length: 12_000 }, (_, i) => ({ id: `t${i}`, name: `t${i}` }));
    const edges = Array.from({ length: 11_999 }, (_, i) => ({
      source: `t${i}`,
      target: `t${i + 1}`,
      kind: "P-P" as const,
      weight: 0.5,
      evidence: [{ sourceField: "x", targetField: "x", similarity: 0.5 }],
    }));
    const g = ToolGraph.fromParts(nodes, edges, { n: 1 });
    const path = join(dir, "big.json");
    await writeGraph(g, path);
    expect(await readFile(path, "utf8")).toBe(JSON.stringify({ nodes, edges, meta: { n: 1 } }) + "\n");
  });
});

describe("graphStats", () => {
  it("counts edges by kind, components, isolated tools, degrees and hubs", () => {
    const s = graphStats(ToolGraph.fromJSON(json));
    expect(s.nodes).toBe(5);
    expect(s.edges).toEqual({ total: 4, "P-P": 2, "P-R": 2 });
    expect(s.components).toMatchObject({ count: 2, largest: 4, largestShare: 0.8 });
    expect(s.isolated).toEqual({ count: 1, tools: ["alone"] });
    // cancel: orders (P-P and P-R in, one neighbour) + we"ird
    expect(s.topHubs[0]).toEqual({ id: "cancel", degree: 2, pp: 2, prOut: 0, prIn: 1 });
    expect(s.degree).toMatchObject({ min: 0, max: 2, median: 1 });
    const text = formatGraphStats(s);
    expect(text).toContain("edges: 4 (P-P 2, P-R 2)");
    expect(text).toContain("isolated tools: 1 (alone)");
  });

  it("bins degrees by powers of two", () => {
    expect(degreeHistogram([0, 0, 1, 2, 3, 4, 5, 8, 9, 100])).toEqual([
      { range: "0", count: 2 },
      { range: "1", count: 1 },
      { range: "2", count: 1 },
      { range: "3-4", count: 2 },
      { range: "5-8", count: 2 },
      { range: "9-16", count: 1 },
      { range: "65-128", count: 1 },
    ]);
  });

  it("rejects duplicate and self edges in graph.json", () => {
    const dup = { ...json, edges: [json.edges[0], json.edges[0]] };
    expect(() => ToolGraph.fromJSON(dup, "g.json")).toThrow(/g\.json at \/edges\/1: duplicate P-R edge login -> orders/);
    const self = { ...json, edges: [{ ...json.edges[0], target: "login" }] };
    expect(() => ToolGraph.fromJSON(self, "g.json")).toThrow(/itself/);
  });
});
