/** Small hand-made tool graphs for the sampling tests. */
import { Rng } from "../../src/core/index.js";
import type { EdgeKind, GraphEdge } from "../../src/core/index.js";
import { ToolGraph } from "../../src/graph/index.js";

/** A ToolGraph from node ids and [source, target, kind] edges (P-P when the kind is left out). */
export function makeGraph(nodes: string[], edges: Array<[string, string, EdgeKind?]>): ToolGraph {
  const g = new ToolGraph();
  for (const id of nodes) g.addTool({ id, name: id });
  for (const [source, target, kind] of edges) {
    const edge: GraphEdge = {
      source,
      target,
      kind: kind ?? "P-P",
      weight: 0.9,
      evidence: [{ sourceField: "x", targetField: "x", similarity: 0.9 }],
    };
    g.addEdge(edge);
  }
  return g;
}

/** A hub-heavy graph by preferential attachment (each new tool joins `m` tools picked by degree), plus isolated tools. */
export function preferentialGraph(n: number, m: number, isolated: number, seed: number): ToolGraph {
  const rng = new Rng(seed);
  const nodes = Array.from({ length: n }, (_, i) => `t${i}`);
  const edges: Array<[string, string, EdgeKind?]> = [];
  const degree = new Array<number>(n).fill(0);
  const key = new Set<string>();
  for (let i = 1; i < n; i++) {
    const want = Math.min(m, i);
    const chosen = new Set<number>();
    while (chosen.size < want) {
      const pool = Array.from({ length: i }, (_, j) => j);
      chosen.add(rng.weighted(pool, pool.map((j) => 1 + (degree[j] ?? 0))));
    }
    for (const j of chosen) {
      const k = `${j}-${i}`;
      if (key.has(k)) continue;
      key.add(k);
      edges.push([`t${j}`, `t${i}`, rng.chance(0.3) ? "P-R" : "P-P"]);
      degree[i] = (degree[i] ?? 0) + 1;
      degree[j] = (degree[j] ?? 0) + 1;
    }
  }
  for (let i = 0; i < isolated; i++) nodes.push(`iso${i}`);
  return makeGraph(nodes, edges);
}
