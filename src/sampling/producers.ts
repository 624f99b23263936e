/**
 * Producers a sample lacks. A parameter whose description names another tool of the catalogue (`cart_id:
 * "Identifier of the cart, from createCart"`) needs that tool's result; when the walk did not reach the producer,
 * the dialogue cannot chain the call. `missingProducers` finds such parameters (the planner uses it); the
 * samplers add the producer when the graph has the P-R edge producer -> consumer and the sample stays within
 * --size max + 1 tools, and record the rest as values the user must supply (`completeProducers`).
 */
import type { ProducerRef, ToolSample, ToolSpec } from "../core/index.js";
import { paramMentions, type ParamMention } from "../graph/index.js";
import type { SampleEdge, SamplingGraph } from "./sampling-graph.js";

/** Tool specs by name, or a list of them (the catalogue: every name in it can be named as a producer). */
export type ToolSpecsLike = ReadonlyMap<string, ToolSpec> | readonly ToolSpec[];

/** The tool specs' parameter mentions, computed once per catalogue. */
export class ProducerIndex {
  /** Each tool's parameters that name other tools of the catalogue. */
  readonly mentions: ReadonlyMap<string, readonly ParamMention[]>;
  private readonly families: ReadonlyMap<string, string>;

  constructor(tools: ToolSpecsLike) {
    const list = Array.isArray(tools) ? (tools as readonly ToolSpec[]) : [...(tools as ReadonlyMap<string, ToolSpec>).values()];
    this.mentions = paramMentions(list);
    const families = new Map<string, string>();
    for (const t of list) if (t.originalName !== undefined && t.originalName !== t.name) families.set(t.name, t.originalName);
    this.families = families;
  }

  private family(name: string): string {
    return this.families.get(name) ?? name;
  }

  /**
   * Parameters of the sample's tools that name producers, none of which is in the sample (a variant of the
   * producer counts as in it): one entry per named producer, in the order of the sample's tools, their parameters
   * and the mentions.
   */
  missing(sampleTools: readonly string[]): ProducerRef[] {
    const out: ProducerRef[] = [];
    const present = new Set(sampleTools.map((t) => this.family(t)));
    for (const tool of sampleTools) {
      for (const m of this.mentions.get(tool) ?? []) {
        if (m.tools.some((p) => present.has(this.family(p)))) continue;
        for (const producer of m.tools) out.push({ tool, param: m.param, producer });
      }
    }
    return out;
  }
}

const indexes = new WeakMap<object, ProducerIndex>();

/** The ProducerIndex of a catalogue (memoized per list or map object). */
export function producerIndex(tools: ToolSpecsLike | ProducerIndex): ProducerIndex {
  if (tools instanceof ProducerIndex) return tools;
  let index = indexes.get(tools);
  if (index === undefined) {
    index = new ProducerIndex(tools);
    indexes.set(tools, index);
  }
  return index;
}

/**
 * Which parameters of a sample's tools name a producing tool of the catalogue that is not in the sample: one
 * `{tool, param, producer}` per named producer (a parameter naming several tools, none of them in the sample,
 * gives one entry each; naming one that is in the sample gives none). Pure: depends only on the sample's tools and
 * the specs. For a sample drawn with the specs this equals its `userSupplied` (or [] when that is absent).
 */
export function missingProducers(sample: Pick<ToolSample, "tools">, tools: ToolSpecsLike): ProducerRef[] {
  return producerIndex(tools).missing(sample.tools);
}

export interface CompletedSample {
  tools: string[];
  edges: SampleEdge[];
  addedProducers: ProducerRef[];
  userSupplied: ProducerRef[];
}

/**
 * Add the producers a sample lacks. Repeatedly: the first parameter (in sample order) naming producers outside the
 * sample, whose first named producer with a P-R edge producer -> tool in the graph (and of a function not yet in
 * the sample) is appended to the tools, with that edge, while the sample holds fewer than `maxTools`. Added tools
 * are checked in turn. No randomness: the result depends only on the sample, the graph and the specs.
 * `recomputeEdges` (random samples) lists every edge among the final tools instead of appending walk edges.
 */
export function completeProducers(
  sg: SamplingGraph,
  index: ProducerIndex,
  sample: { tools: readonly string[]; edges: readonly SampleEdge[] },
  maxTools: number,
  recomputeEdges = false,
): CompletedSample {
  const tools = sample.tools.slice();
  const edges = sample.edges.slice();
  const added: ProducerRef[] = [];
  const families = new Set(tools.map((t) => sg.family(t)));
  const hasEdge = (producer: string, consumer: string) =>
    sg.has(producer) && sg.graph.edgesBetween(producer, consumer).some((e) => e.kind === "P-R" && e.source === producer && e.target === consumer);
  for (;;) {
    if (tools.length >= maxTools) break;
    let choice: ProducerRef | undefined;
    for (const ref of index.missing(tools)) {
      if (!families.has(sg.family(ref.producer)) && hasEdge(ref.producer, ref.tool)) {
        choice = ref;
        break;
      }
    }
    if (choice === undefined) break;
    tools.push(choice.producer);
    families.add(sg.family(choice.producer));
    edges.push({ from: choice.producer, to: choice.tool, kind: "P-R" });
    added.push(choice);
  }
  return {
    tools,
    edges: recomputeEdges && added.length > 0 ? sg.edgesAmong(tools) : edges,
    addedProducers: added,
    userSupplied: index.missing(tools),
  };
}
