/**
 * ToolGraph: the paper's tool graph, backed by graphology. A node per tool; P-P edges are undirected (a shared
 * parameter), P-R edges are directed from the producer (its return field) to the consumer (its parameter).
 * Between two tools there is at most one edge of each kind and direction; `evidence` lists the field pairs.
 */
import { createGraph, type AbstractGraph } from "./graphology.js";
import { readJsonFile } from "../core/fs.js";
import { InputError } from "../core/errors.js";
import {
  ToolGraphJsonZ,
  type EdgeKind,
  type GraphEdge,
  type GraphNode,
  type ToolGraphJson,
} from "../core/types.js";

export interface EdgeAttributes {
  [key: string]: unknown;
  kind: EdgeKind;
  weight: number;
  evidence: GraphEdge["evidence"];
}

export class ToolGraph {
  /** Mixed multigraph: undirected P-P edges and directed P-R edges can join the same pair. */
  readonly graph: AbstractGraph<GraphNode, EdgeAttributes>;
  readonly meta: Record<string, unknown>;

  constructor(meta: Record<string, unknown> = {}) {
    this.graph = createGraph<GraphNode, EdgeAttributes>({ type: "mixed", multi: true, allowSelfLoops: false });
    this.meta = meta;
  }

  addTool(node: GraphNode): void {
    this.graph.mergeNode(node.id, node);
  }

  addEdge(edge: GraphEdge): void {
    const attrs: EdgeAttributes = { kind: edge.kind, weight: edge.weight, evidence: edge.evidence };
    if (edge.kind === "P-R") this.graph.addDirectedEdge(edge.source, edge.target, attrs);
    else this.graph.addUndirectedEdge(edge.source, edge.target, attrs);
  }

  get order(): number {
    return this.graph.order;
  }

  get size(): number {
    return this.graph.size;
  }

  nodes(): string[] {
    return this.graph.nodes();
  }

  /**
   * Tools reachable in one step from `id`: P-P neighbours, P-R consumers (out-neighbours), and, unless
   * `followDirection` is set, P-R producers too. Sorted for determinism.
   */
  neighbors(id: string, options: { followDirection?: boolean } = {}): string[] {
    const out = new Set<string>();
    this.graph.forEachUndirectedNeighbor(id, (n) => out.add(n));
    this.graph.forEachOutNeighbor(id, (n) => out.add(n));
    if (!options.followDirection) this.graph.forEachInNeighbor(id, (n) => out.add(n));
    out.delete(id);
    return [...out].sort();
  }

  /** The edge(s) joining a and b (any kind or direction). */
  edgesBetween(a: string, b: string): Array<{ source: string; target: string } & EdgeAttributes> {
    const found: Array<{ source: string; target: string } & EdgeAttributes> = [];
    this.graph.forEachEdge(a, b, (_e, attrs, source, target) => found.push({ source, target, ...attrs }));
    if (a !== b) this.graph.forEachEdge(b, a, (_e, attrs, source, target) => {
      if (!found.some((f) => f.source === source && f.target === target && f.kind === attrs.kind)) {
        found.push({ source, target, ...attrs });
      }
    });
    return found;
  }

  toJSON(): ToolGraphJson {
    const nodes: GraphNode[] = this.graph.mapNodes((_id, attrs) => attrs);
    const edges: GraphEdge[] = this.graph.mapEdges((_e, attrs, source, target) => ({
      source,
      target,
      kind: attrs.kind,
      weight: attrs.weight,
      evidence: attrs.evidence,
    }));
    return { nodes, edges, meta: this.meta };
  }

  static fromJSON(json: unknown, file = "<graph>"): ToolGraph {
    const parsed = ToolGraphJsonZ.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InputError(`not a toolflow graph: ${issue?.message ?? "invalid"}`, {
        file,
        pointer: issue ? "/" + issue.path.join("/") : "",
      });
    }
    const g = new ToolGraph(parsed.data.meta ?? {});
    for (const n of parsed.data.nodes) g.addTool(n);
    parsed.data.edges.forEach((e, i) => {
      if (!g.graph.hasNode(e.source) || !g.graph.hasNode(e.target)) {
        throw new InputError(`edge names an unknown node (${e.source} -> ${e.target})`, {
          file,
          pointer: `/edges/${i}`,
        });
      }
      g.addEdge(e);
    });
    return g;
  }

  static async load(path: string): Promise<ToolGraph> {
    return ToolGraph.fromJSON(await readJsonFile(path), path);
  }
}
