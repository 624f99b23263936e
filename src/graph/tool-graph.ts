/**
 * ToolGraph: the paper's tool graph, backed by graphology. A node per tool; P-P edges are undirected (a shared
 * parameter), P-R edges are directed from the producer (its return field) to the consumer (its parameter).
 * Between two tools there is at most one edge of each kind and direction; `evidence` lists the field pairs.
 */
import { createGraph, type AbstractGraph } from "./graphology.js";
import { readJsonFile } from "../core/index.js";
import { InputError } from "../core/index.js";
import {
  ToolGraphJsonZ,
  type EdgeKind,
  type GraphEdge,
  type GraphNode,
  type ToolGraphJson,
} from "../core/index.js";

export interface EdgeAttributes {
  [key: string]: unknown;
  kind: EdgeKind;
  weight: number;
  evidence: GraphEdge["evidence"];
}

export class ToolGraph {
  readonly meta: Record<string, unknown>;
  private built: AbstractGraph<GraphNode, EdgeAttributes> | undefined;
  /** Nodes and edges not yet in the graphology graph (see `fromParts`). */
  private pendingNodes: GraphNode[] | undefined;
  private pendingEdges: GraphEdge[] | undefined;

  constructor(meta: Record<string, unknown> = {}) {
    this.meta = meta;
  }

  /**
   * A graph from nodes and edges already known to be consistent (unique ids, edges between known nodes, at most
   * one edge per kind and direction), as buildToolGraph makes them. The graphology graph is only built when
   * `graph` is first used, so building and writing graph.json of a large collection skips that cost.
   */
  static fromParts(nodes: GraphNode[], edges: GraphEdge[], meta: Record<string, unknown> = {}): ToolGraph {
    const g = new ToolGraph(meta);
    g.pendingNodes = nodes;
    g.pendingEdges = edges;
    return g;
  }

  /**
   * Mixed graph: an undirected P-P edge and directed P-R edges (either way) can join the same pair, at most one
   * of each kind and direction (a simple mixed graph allows exactly that; multigraph bookkeeping is much slower).
   */
  get graph(): AbstractGraph<GraphNode, EdgeAttributes> {
    if (!this.built) {
      const g = createGraph<GraphNode, EdgeAttributes>({ type: "mixed", multi: false, allowSelfLoops: false });
      this.built = g;
      const nodes = this.pendingNodes ?? [];
      const edges = this.pendingEdges ?? [];
      this.pendingNodes = undefined;
      this.pendingEdges = undefined;
      for (const n of nodes) this.addTool(n);
      for (const e of edges) this.addEdge(e);
    }
    return this.built;
  }

  addTool(node: GraphNode): void {
    this.graph.mergeNode(node.id, node);
  }

  /** Add an edge; throws if an edge of the same kind already joins the pair in that direction. */
  addEdge(edge: GraphEdge): void {
    const attrs: EdgeAttributes = { kind: edge.kind, weight: edge.weight, evidence: edge.evidence };
    if (edge.kind === "P-R") this.graph.addDirectedEdge(edge.source, edge.target, attrs);
    else this.graph.addUndirectedEdge(edge.source, edge.target, attrs);
  }

  get order(): number {
    return this.pendingNodes ? this.pendingNodes.length : this.graph.order;
  }

  get size(): number {
    return this.pendingEdges ? this.pendingEdges.length : this.graph.size;
  }

  nodes(): string[] {
    return this.pendingNodes ? this.pendingNodes.map((n) => n.id) : this.graph.nodes();
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
    if (this.pendingNodes && this.pendingEdges) {
      return { nodes: this.pendingNodes, edges: this.pendingEdges, meta: this.meta };
    }
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
      if (e.source === e.target) {
        throw new InputError(`edge joins a tool to itself (${e.source})`, { file, pointer: `/edges/${i}` });
      }
      const exists = e.kind === "P-R" ? g.graph.hasDirectedEdge(e.source, e.target) : g.graph.hasUndirectedEdge(e.source, e.target);
      if (exists) {
        throw new InputError(`duplicate ${e.kind} edge ${e.source} ${e.kind === "P-R" ? "->" : "--"} ${e.target}`, {
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
