/**
 * graphStats: what a tool graph looks like, to judge whether sampling on it will work: edges by kind, connected
 * components (P-R direction ignored), degree distribution, isolated tools, and the hubs with most neighbours.
 */
import { connectedComponents } from "graphology-components";
import type { ToolGraph } from "./tool-graph.js";

export interface GraphHub {
  id: string;
  /** Distinct neighbours, any edge kind or direction. */
  degree: number;
  /** P-P neighbours; P-R consumers (out) and producers (in). */
  pp: number;
  prOut: number;
  prIn: number;
}

export interface GraphStats {
  nodes: number;
  edges: { total: number; "P-P": number; "P-R": number };
  components: { count: number; largest: number; largestShare: number; sizes: Array<{ size: number; count: number }> };
  degree: { min: number; max: number; mean: number; median: number; p90: number; p99: number; histogram: Array<{ range: string; count: number }> };
  isolated: { count: number; tools: string[] };
  topHubs: GraphHub[];
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** Degree histogram bins: 0, 1, 2, 3-4, 5-8, 9-16, ... (powers of two). */
export function degreeHistogram(degrees: readonly number[]): Array<{ range: string; count: number }> {
  const bins = new Map<number, number>();
  for (const d of degrees) {
    const bin = d <= 2 ? d : Math.ceil(Math.log2(d)) + 1;
    bins.set(bin, (bins.get(bin) ?? 0) + 1);
  }
  return [...bins.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([bin, count]) => ({ range: bin <= 2 ? String(bin) : `${2 ** (bin - 2) + 1}-${2 ** (bin - 1)}`, count }));
}

export function graphStats(tg: ToolGraph, options: { topHubs?: number; isolatedListed?: number } = {}): GraphStats {
  const g = tg.graph;
  let pp = 0;
  let pr = 0;
  g.forEachEdge((_e, attrs) => {
    if (attrs.kind === "P-P") pp++;
    else pr++;
  });
  const hubs: GraphHub[] = [];
  const isolated: string[] = [];
  g.forEachNode((id) => {
    const all = new Set<string>();
    const ppN = new Set<string>();
    const outN = new Set<string>();
    const inN = new Set<string>();
    g.forEachUndirectedNeighbor(id, (n) => {
      ppN.add(n);
      all.add(n);
    });
    g.forEachOutNeighbor(id, (n) => {
      outN.add(n);
      all.add(n);
    });
    g.forEachInNeighbor(id, (n) => {
      inN.add(n);
      all.add(n);
    });
    if (all.size === 0) isolated.push(id);
    hubs.push({ id, degree: all.size, pp: ppN.size, prOut: outN.size, prIn: inN.size });
  });
  const degrees = hubs.map((h) => h.degree).sort((a, b) => a - b);
  const comps = g.order === 0 ? [] : connectedComponents(g);
  const sizeCount = new Map<number, number>();
  let largest = 0;
  for (const c of comps) {
    sizeCount.set(c.length, (sizeCount.get(c.length) ?? 0) + 1);
    if (c.length > largest) largest = c.length;
  }
  hubs.sort((a, b) => b.degree - a.degree || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const sum = degrees.reduce((s, d) => s + d, 0);
  return {
    nodes: g.order,
    edges: { total: g.size, "P-P": pp, "P-R": pr },
    components: {
      count: comps.length,
      largest,
      largestShare: g.order === 0 ? 0 : largest / g.order,
      sizes: [...sizeCount.entries()].sort((a, b) => b[0] - a[0]).map(([size, count]) => ({ size, count })),
    },
    degree: {
      min: degrees[0] ?? 0,
      max: degrees[degrees.length - 1] ?? 0,
      mean: degrees.length === 0 ? 0 : sum / degrees.length,
      median: quantile(degrees, 0.5),
      p90: quantile(degrees, 0.9),
      p99: quantile(degrees, 0.99),
      histogram: degreeHistogram(degrees),
    },
    isolated: { count: isolated.length, tools: isolated.slice(0, options.isolatedListed ?? 50) },
    topHubs: hubs.slice(0, options.topHubs ?? 10),
  };
}

/** Human-readable report of graphStats. */
export function formatGraphStats(s: GraphStats): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const lines: string[] = [];
  lines.push(`nodes: ${s.nodes}`);
  lines.push(`edges: ${s.edges.total} (P-P ${s.edges["P-P"]}, P-R ${s.edges["P-R"]})`);
  lines.push(
    `components: ${s.components.count}; largest ${s.components.largest} tools (${pct(s.components.largestShare)})`,
  );
  const sizes = s.components.sizes.slice(0, 8).map((c) => `${c.count}x${c.size}`).join(", ");
  if (sizes) lines.push(`component sizes (count x size): ${sizes}${s.components.sizes.length > 8 ? ", ..." : ""}`);
  lines.push(
    `degree: min ${s.degree.min}, median ${s.degree.median}, mean ${s.degree.mean.toFixed(2)}, p90 ${s.degree.p90}, p99 ${s.degree.p99}, max ${s.degree.max}`,
  );
  lines.push("degree distribution:");
  const maxCount = Math.max(1, ...s.degree.histogram.map((h) => h.count));
  for (const h of s.degree.histogram) {
    const bar = "#".repeat(Math.max(1, Math.round((40 * h.count) / maxCount)));
    lines.push(`  ${h.range.padStart(9)}  ${String(h.count).padStart(7)}  ${bar}`);
  }
  lines.push(`isolated tools: ${s.isolated.count}${s.isolated.count > 0 ? ` (${s.isolated.tools.slice(0, 10).join(", ")}${s.isolated.count > 10 ? ", ..." : ""})` : ""}`);
  lines.push("top hubs (neighbours: P-P / P-R out / P-R in):");
  for (const h of s.topHubs) lines.push(`  ${h.id}  ${h.degree}  (${h.pp} / ${h.prOut} / ${h.prIn})`);
  return lines.join("\n") + "\n";
}
