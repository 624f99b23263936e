/**
 * SamplingGraph: a read-only adjacency index over a ToolGraph, built once per run so that walks do not rebuild
 * neighbour sets at every step. The ToolGraph must not change while a SamplingGraph over it is in use.
 */
import type { ToolGraph } from "../graph/index.js";
import type { ToolSample } from "../core/index.js";

export type SampleEdge = ToolSample["edges"][number];

export interface SamplingGraphOptions {
  /** Walk P-R edges only from producer to consumer (default: either way, as ToolGraph.neighbors). */
  followDirection?: boolean;
}

export class SamplingGraph {
  readonly graph: ToolGraph;
  readonly followDirection: boolean;
  /** Every tool (node id), in the graph's order. */
  readonly nodes: readonly string[];
  /** Neighbours a walk may step to from each tool (sorted; other variants of the tool's own function left out). */
  readonly adjacency: ReadonlyMap<string, readonly string[]>;
  /** Tools with at least one neighbour (of another function) to step to: the walk's possible start tools. */
  readonly startable: readonly string[];
  /** Tools with at least one edge of any kind or direction. */
  readonly nonIsolated: ReadonlySet<string>;
  /**
   * The source function a tool is a variant of (its `originalName`, else its id): importers rename different
   * definitions that share a name (BFCL's set_volume / set_volume_v2 ...). A sample holds one tool per family.
   */
  private readonly families: ReadonlyMap<string, string>;

  constructor(graph: ToolGraph, options: SamplingGraphOptions = {}) {
    this.graph = graph;
    this.followDirection = options.followDirection ?? false;
    this.nodes = graph.nodes();
    const adjacency = new Map<string, readonly string[]>();
    const nonIsolated = new Set<string>();
    const startable: string[] = [];
    const families = new Map<string, string>();
    for (const id of this.nodes) {
      const original = graph.graph.getNodeAttribute(id, "originalName");
      if (typeof original === "string" && original !== id) families.set(id, original);
    }
    this.families = families;
    for (const id of this.nodes) {
      const all = this.followDirection ? graph.neighbors(id, { followDirection: true }) : graph.neighbors(id);
      // a step to another variant of the same function is never taken, so it is not a neighbour for walking
      const own = this.family(id);
      const around = families.size === 0 ? all : all.filter((n) => this.family(n) !== own);
      adjacency.set(id, around);
      if (around.length > 0) startable.push(id);
      if (graph.graph.degree(id) > 0) nonIsolated.add(id);
    }
    this.adjacency = adjacency;
    this.startable = startable;
    this.nonIsolated = nonIsolated;
  }

  /** The family of a tool: the original name it was renamed from on import, else its own id. */
  family(id: string): string {
    return this.families.get(id) ?? id;
  }

  has(id: string): boolean {
    return this.adjacency.has(id);
  }

  neighbors(id: string): readonly string[] {
    return this.adjacency.get(id) ?? [];
  }

  /**
   * The edge a walk used to step from `from` to `to`. When several edges join the pair, a P-R edge is preferred
   * (it carries a data dependency), the one pointing along the step first. P-R edges are always reported
   * producer -> consumer (so `from`/`to` may be the reverse of the step); P-P edges follow the step.
   */
  walkEdge(from: string, to: string): SampleEdge {
    const found = this.graph.edgesBetween(from, to);
    const forward = found.find((e) => e.kind === "P-R" && e.source === from);
    if (forward) return { from, to, kind: "P-R" };
    const backward = found.find((e) => e.kind === "P-R" && e.source === to);
    if (backward && !this.followDirection) return { from: to, to: from, kind: "P-R" };
    if (found.some((e) => e.kind === "P-P")) return { from, to, kind: "P-P" };
    throw new RangeError(`no edge joins ${from} and ${to}`);
  }

  /** Every graph edge among a set of tools (each pair and kind once; P-R edges producer -> consumer). */
  edgesAmong(tools: readonly string[]): SampleEdge[] {
    const out: SampleEdge[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < tools.length; i++) {
      for (let j = i + 1; j < tools.length; j++) {
        const a = tools[i] as string;
        const b = tools[j] as string;
        for (const e of this.graph.edgesBetween(a, b)) {
          const edge: SampleEdge =
            e.kind === "P-R" ? { from: e.source, to: e.target, kind: e.kind } : { from: a, to: b, kind: e.kind };
          const key = `${edge.kind}\u0000${edge.from}\u0000${edge.to}`;
          if (seen.has(key)) continue;
          seen.add(key);
          out.push(edge);
        }
      }
    }
    return out;
  }
}

/** A ToolGraph or an index already built over one. */
export type SamplingGraphLike = ToolGraph | SamplingGraph;

export function asSamplingGraph(graph: SamplingGraphLike, options: SamplingGraphOptions = {}): SamplingGraph {
  if (graph instanceof SamplingGraph) {
    if (options.followDirection !== undefined && options.followDirection !== graph.followDirection) {
      return new SamplingGraph(graph.graph, options);
    }
    return graph;
  }
  return new SamplingGraph(graph, options);
}

