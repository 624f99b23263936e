/**
 * How well a set of samples covers the tool collection: coverage (share of tools used, over all tools and over
 * non-isolated tools) and the Gini coefficient of tool usage (0 = every tool used equally often, near 1 = a few
 * tools take every use).
 */
import { gini, InputError } from "../core/index.js";
export { gini } from "../core/index.js";
import type { SamplingStrategy, ToolSample } from "../core/index.js";
import { asSamplingGraph, type SamplingGraph, type SamplingGraphLike } from "./sampling-graph.js";

/** How many samples each tool appears in. */
export function usageCounts(samples: Iterable<Pick<ToolSample, "tools">>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of samples) for (const t of s.tools) counts.set(t, (counts.get(t) ?? 0) + 1);
  return counts;
}

export interface CoverageReport {
  /** Tools in the graph. */
  totalTools: number;
  /** Graph tools used by at least one sample. */
  usedTools: number;
  /** usedTools / totalTools (0 for an empty graph). */
  share: number;
  /** Graph tools with at least one edge. */
  nonIsolatedTools: number;
  usedNonIsolated: number;
  /** usedNonIsolated / nonIsolatedTools. */
  shareNonIsolated: number;
}

function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

/** Coverage of the graph's tools by the samples. Tools not in the graph are not counted (see samplingStats). */
export function coverage(samples: Iterable<Pick<ToolSample, "tools">>, graph: SamplingGraphLike): CoverageReport {
  const sg = asSamplingGraph(graph);
  const counts = usageCounts(samples);
  let usedTools = 0;
  let usedNonIsolated = 0;
  for (const t of sg.nodes) {
    if ((counts.get(t) ?? 0) === 0) continue;
    usedTools++;
    if (sg.nonIsolated.has(t)) usedNonIsolated++;
  }
  return {
    totalTools: sg.nodes.length,
    usedTools,
    share: ratio(usedTools, sg.nodes.length),
    nonIsolatedTools: sg.nonIsolated.size,
    usedNonIsolated,
    shareNonIsolated: ratio(usedNonIsolated, sg.nonIsolated.size),
  };
}

export interface SamplingStats {
  samples: number;
  /** Samples that stopped short of their requested size. */
  short: number;
  /** Samples per strategy. */
  strategies: Partial<Record<SamplingStrategy, number>>;
  meanSize: number;
  /** Number of samples per actual size. */
  sizes: Record<number, number>;
  /** Distinct tools in the samples. */
  distinctTools: number;
  /** Most uses of one tool. */
  maxUses: number;
  /** Gini over the tools that appear in the samples (ignores unused tools; the only Gini without a graph). */
  giniUsed: number;
  /** With a graph: coverage, and Gini over every tool and over non-isolated tools (unused ones count as 0). */
  coverage?: CoverageReport;
  giniAll?: number;
  giniNonIsolated?: number;
  /**
   * Producers named by parameters (samples drawn with the tool specs): how many were added, and how many
   * (parameter, producer) pairs were left for the user to supply, with the samples concerned. Absent when no
   * sample carries `addedProducers` or `userSupplied`.
   */
  producers?: { added: number; samplesWithAdded: number; userSupplied: number; samplesWithUserSupplied: number };
}

/**
 * Summary of a set of samples. With a graph, every sampled tool must be a node of it: a tool it lacks is an
 * InputError naming the sample and tool (the samples were drawn from another graph).
 */
export function samplingStats(
  samples: Iterable<ToolSample>,
  graph?: SamplingGraphLike,
  options: { file?: string } = {},
): SamplingStats {
  const builder = new SamplingStatsBuilder(graph, options);
  for (const s of samples) builder.add(s);
  return builder.result();
}

/**
 * `samplingStats` one sample at a time (memory bounded by the number of distinct tools, not of samples), for a
 * run that streams its samples.
 */
export class SamplingStatsBuilder {
  private readonly counts = new Map<string, number>();
  private readonly strategies: Partial<Record<SamplingStrategy, number>> = {};
  private readonly sizes: Record<number, number> = {};
  private readonly producers = { added: 0, samplesWithAdded: 0, userSupplied: 0, samplesWithUserSupplied: 0 };
  private readonly sg: SamplingGraph | undefined;
  private samples = 0;
  private short = 0;
  private toolSlots = 0;
  private withProducerFields = false;

  constructor(
    graph?: SamplingGraphLike,
    private readonly options: { file?: string } = {},
  ) {
    this.sg = graph === undefined ? undefined : asSamplingGraph(graph);
  }

  add(s: ToolSample): void {
    if (this.sg !== undefined) {
      const missing = s.tools.find((t) => !this.sg!.has(t));
      if (missing !== undefined) {
        throw new InputError(`sample ${s.id} uses tool "${missing}", which is not in the graph`, {
          file: this.options.file,
          code: "UNKNOWN_TOOL",
        });
      }
    }
    this.samples++;
    for (const t of s.tools) this.counts.set(t, (this.counts.get(t) ?? 0) + 1);
    if (s.addedProducers !== undefined || s.userSupplied !== undefined) this.withProducerFields = true;
    const added = s.addedProducers?.length ?? 0;
    const user = s.userSupplied?.length ?? 0;
    this.producers.added += added;
    this.producers.userSupplied += user;
    if (added > 0) this.producers.samplesWithAdded++;
    if (user > 0) this.producers.samplesWithUserSupplied++;
    this.strategies[s.strategy] = (this.strategies[s.strategy] ?? 0) + 1;
    this.sizes[s.tools.length] = (this.sizes[s.tools.length] ?? 0) + 1;
    if (s.short !== undefined) this.short++;
    this.toolSlots += s.tools.length;
  }

  result(): SamplingStats {
    const counts = this.counts;
    const used = [...counts.values()];
    const stats: SamplingStats = {
      samples: this.samples,
      short: this.short,
      strategies: { ...this.strategies },
      meanSize: ratio(this.toolSlots, this.samples),
      sizes: { ...this.sizes },
      distinctTools: counts.size,
      maxUses: used.reduce((m, v) => Math.max(m, v), 0),
      giniUsed: gini(used),
    };
    if (this.withProducerFields) stats.producers = { ...this.producers };
    const sg = this.sg;
    if (sg !== undefined) {
      stats.coverage = coverage([{ tools: [...counts.keys()] }], sg);
      stats.giniAll = gini(sg.nodes.map((t) => counts.get(t) ?? 0));
      stats.giniNonIsolated = gini(sg.nodes.filter((t) => sg.nonIsolated.has(t)).map((t) => counts.get(t) ?? 0));
    }
    return stats;
  }
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

/** Human-readable summary (a few lines, for stderr). */
export function formatStats(stats: SamplingStats): string {
  const lines: string[] = [];
  const strategies = Object.entries(stats.strategies)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  lines.push(
    `samples: ${stats.samples}${strategies ? ` (${strategies})` : ""}, short: ${stats.short}, ` +
      `tools per sample: mean ${stats.meanSize.toFixed(2)}`,
  );
  if (stats.coverage) {
    const c = stats.coverage;
    lines.push(
      `coverage: ${c.usedTools}/${c.totalTools} tools (${pct(c.share)}), ` +
        `${c.usedNonIsolated}/${c.nonIsolatedTools} non-isolated tools (${pct(c.shareNonIsolated)})`,
    );
    lines.push(
      `gini of tool usage: ${stats.giniNonIsolated?.toFixed(3)} over non-isolated tools, ` +
        `${stats.giniAll?.toFixed(3)} over all tools, ${stats.giniUsed.toFixed(3)} over used tools; ` +
        `max uses of one tool: ${stats.maxUses}`,
    );
  } else {
    lines.push(
      `distinct tools: ${stats.distinctTools}, gini of tool usage over used tools: ${stats.giniUsed.toFixed(3)}, ` +
        `max uses of one tool: ${stats.maxUses} (give the graph for coverage)`,
    );
  }
  if (stats.producers) {
    const p = stats.producers;
    lines.push(
      `producers named by parameters: ${p.added} added to ${p.samplesWithAdded} samples, ` +
        `${p.userSupplied} left for the user to supply in ${p.samplesWithUserSupplied} samples`,
    );
  }
  return lines.join("\n") + "\n";
}
