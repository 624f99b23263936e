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
  /** Tools left out of sampling (flagged by `tools lint`): not nodes, nobody's neighbour. */
  exclude?: ReadonlySet<string>;
}

export class SamplingGraph {
  readonly graph: ToolGraph;
  readonly followDirection: boolean;
  /** Tools of the graph left out (SamplingGraphOptions.exclude). */
  readonly excluded: ReadonlySet<string>;
  /** Every tool (node id) not excluded, in the graph's order. */
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
    const excluded = options.exclude ?? new Set<string>();
    this.excluded = excluded;
    this.nodes = excluded.size === 0 ? graph.nodes() : graph.nodes().filter((n) => !excluded.has(n));
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
      let all = this.followDirection ? graph.neighbors(id, { followDirection: true }) : graph.neighbors(id);
      if (excluded.size > 0) all = all.filter((n) => !excluded.has(n));
      // a step to another variant of the same function is never taken, so it is not a neighbour for walking
      const own = this.family(id);
      const around = families.size === 0 ? all : all.filter((n) => this.family(n) !== own);
      adjacency.set(id, around);
      if (around.length > 0) startable.push(id);
      if (excluded.size === 0 ? graph.graph.degree(id) > 0 : graph.neighbors(id).some((n) => n !== id && !excluded.has(n))) nonIsolated.add(id);
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

  /** Whether a walk can start at the tool (it has a neighbour of another function). */
  isStartable(id: string): boolean {
    return this.neighbors(id).length > 0;
  }

  /**
   * Tools a walk never reaches: those with no edge (to a kept tool), and those whose edges all join variants of
   * their own function. Both in the graph's order.
   */
  unwalkable(): { isolated: string[]; ownVariantsOnly: string[] } {
    const isolated: string[] = [];
    const ownVariantsOnly: string[] = [];
    for (const id of this.nodes) {
      if (this.isStartable(id)) continue;
      (this.nonIsolated.has(id) ? ownVariantsOnly : isolated).push(id);
    }
    return { isolated, ownVariantsOnly };
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
    const direction = options.followDirection !== undefined && options.followDirection !== graph.followDirection;
    const exclude = options.exclude !== undefined && !sameSet(options.exclude, graph.excluded);
    if (direction || exclude) {
      return new SamplingGraph(graph.graph, {
        followDirection: options.followDirection ?? graph.followDirection,
        exclude: options.exclude ?? graph.excluded,
      });
    }
    return graph;
  }
  return new SamplingGraph(graph, options);
}


function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}
