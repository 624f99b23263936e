/**
 * The three sampling strategies of the issue:
 * - randomWalkSample: the paper's graph-based sampling (uniform start, random walk along edges until n tools).
 * - randomSample: uniform random tool sets (the paper's "w/o Graph" ablation).
 * - balancedWalkSample: a walk biased toward tools used least so far, so a large run covers the collection.
 */
import { InputError } from "../core/index.js";
import { Rng } from "../core/index.js";
import type { SamplingStrategy, ToolSample } from "../core/index.js";
import { asSamplingGraph, type SampleEdge, type SamplingGraph, type SamplingGraphLike } from "./sampling-graph.js";
import { toSizeRange, type SizeRange } from "../core/index.js";
import { MAX_BALANCE_ALPHA, UsageTracker } from "./usage-tracker.js";
import { completeProducers, producerIndex, type ProducerIndex, type ToolSpecsLike } from "./producers.js";

export interface SampleOptionsBase {
  /** The number of tools wanted, or a range to draw it from uniformly (with this sample's RNG). */
  size: number | SizeRange;
  /** Sample id (default "sample-0"). */
  id?: string;
  /** Walk P-R edges only from producer to consumer (walk strategies only). */
  followDirection?: boolean;
  /**
   * The tool specs (or their ProducerIndex). When given, a parameter naming a producer outside the sample gets
   * the producer added (P-R edge in the graph, at most size max + 1 tools) or is recorded as user-supplied.
   */
  tools?: ToolSpecsLike | ProducerIndex;
}

export interface SeededSampleOptions extends SampleOptionsBase {
  /** The sample's own seed: the same seed gives the same sample. */
  seed: number;
}

/** Default bias of the balanced walk: weight of a tool = 1 / (1 + uses)^alpha. */
export const DEFAULT_BALANCE_ALPHA = 2;

export interface BalancedSampleOptions extends SampleOptionsBase {
  /** The RNG of the whole run (balanced sampling is sequential: each sample depends on the ones before). */
  rng: Rng;
  /**
   * How often each tool was used so far, updated with the new sample's tools: a Map (simple; O(tools) a call) or
   * a UsageTracker built once for the run (O(log tools) a start). Both give the same samples.
   */
  usage: Map<string, number> | UsageTracker;
  /** Strength of the bias (0 = the plain walk's uniform choices). Default DEFAULT_BALANCE_ALPHA. */
  alpha?: number;
  /** Recorded as the sample's `seed` (the run seed). Default 0. */
  seed?: number;
}

/** Check a balanced-walk alpha (a finite number in [0, MAX_BALANCE_ALPHA]). */
export function checkAlpha(alpha: number): number {
  if (!Number.isFinite(alpha) || alpha < 0 || alpha > MAX_BALANCE_ALPHA) {
    throw new InputError(`alpha must be a number from 0 to ${MAX_BALANCE_ALPHA}, got ${alpha}`, {
      code: "BAD_SAMPLING_OPTION",
    });
  }
  return alpha;
}

interface WalkChoices {
  start(candidates: readonly string[]): string;
  next(candidates: readonly string[]): string;
  /** Choose which tool of the sample to continue from after a dead end. */
  restart(open: ReadonlyArray<{ tool: string; unused: string[] }>): string;
}

interface WalkResult {
  tools: string[];
  edges: SampleEdge[];
  short?: string;
  addedProducers?: ToolSample["addedProducers"];
  userSupplied?: ToolSample["userSupplied"];
}

/** With tool specs: add the producers the sample lacks (see producers.ts), up to max + 1 tools. */
function withProducers(sg: SamplingGraph, result: WalkResult, options: SampleOptionsBase, max: number, recomputeEdges = false): WalkResult {
  if (options.tools === undefined) return result;
  const done = completeProducers(sg, producerIndex(options.tools), result, max + 1, recomputeEdges);
  const out: WalkResult = { ...result, tools: done.tools, edges: done.edges };
  if (done.addedProducers.length > 0) out.addedProducers = done.addedProducers;
  if (done.userSupplied.length > 0) out.userSupplied = done.userSupplied;
  return out;
}

function requireStartable(sg: SamplingGraph): void {
  if (sg.startable.length === 0) {
    const why = sg.graph.size === 0 ? "the graph has no edges" : "no tool has a neighbour to walk to";
    const left = sg.excluded.size > 0 ? ` after leaving out the ${sg.excluded.size} tools \`tools lint\` flags (--include-flagged keeps them)` : "";
    throw new InputError(`cannot walk: ${why}${left} (use the "random" strategy, or build the graph with a lower threshold)`, {
      code: "GRAPH_HAS_NO_EDGES",
    });
  }
}

/**
 * Walk until the path holds n tools, never visiting a tool twice. At a dead end (the current tool has no unused
 * neighbour) the walk continues from another tool already in the sample that still has unused neighbours; when
 * no such tool is left (the component is exhausted) it stops short and says why.
 */
function walk(sg: SamplingGraph, n: number, choose: WalkChoices): WalkResult {
  const start = choose.start(sg.startable);
  const tools = [start];
  // one tool per family: two variants of one function (set_volume, set_volume_v2) never share a sample
  const familiesIn = new Set([sg.family(start)]);
  const edges: SampleEdge[] = [];
  const unusedAround = (t: string) => sg.neighbors(t).filter((x) => !familiesIn.has(sg.family(x)));
  let current = start;
  while (tools.length < n) {
    let candidates = unusedAround(current);
    if (candidates.length === 0) {
      const open: Array<{ tool: string; unused: string[] }> = [];
      for (const t of tools) {
        if (t === current) continue;
        const unused = unusedAround(t);
        if (unused.length > 0) open.push({ tool: t, unused });
      }
      if (open.length === 0) {
        return {
          tools,
          edges,
          short:
            `dead end: stopped at ${tools.length} of ${n} tools, ` +
            `no tool in the sample has an unused neighbour of a new family (its connected component is exhausted)`,
        };
      }
      current = choose.restart(open);
      candidates = open.find((o) => o.tool === current)?.unused ?? [];
    }
    const next = choose.next(candidates);
    edges.push(sg.walkEdge(current, next));
    tools.push(next);
    familiesIn.add(sg.family(next));
    current = next;
  }
  return { tools, edges };
}

function toSample(
  result: WalkResult,
  strategy: SamplingStrategy,
  id: string,
  seed: number,
  requestedSize: number,
): ToolSample {
  const sample: ToolSample = { id, tools: result.tools, edges: result.edges, strategy, seed, requestedSize };
  if (result.short !== undefined) sample.short = result.short;
  if (result.addedProducers !== undefined) sample.addedProducers = result.addedProducers;
  if (result.userSupplied !== undefined) sample.userSupplied = result.userSupplied;
  return sample;
}

/**
 * The paper's graph-based sampling: start at a uniformly chosen tool that has at least one neighbour (isolated
 * tools cannot start a walk: they would always give one-tool samples), then step to a uniformly chosen unused
 * neighbour until the sample holds n tools. Deterministic for a seed.
 */
export function randomWalkSample(graph: SamplingGraphLike, options: SeededSampleOptions): ToolSample {
  const sg = asSamplingGraph(graph, { followDirection: options.followDirection });
  requireStartable(sg);
  const rng = new Rng(options.seed);
  const range = toSizeRange(options.size);
  const n = rng.int(range.min, range.max);
  const walked = walk(sg, n, {
    start: (c) => rng.pick(c),
    next: (c) => rng.pick(c),
    restart: (open) => rng.pick(open).tool,
  });
  const result = withProducers(sg, walked, options, range.max);
  return toSample(result, "walk", options.id ?? "sample-0", options.seed, n);
}

/**
 * Uniform random tool set (the "w/o Graph" ablation): n distinct tools drawn uniformly from the whole collection,
 * isolated tools included. `edges` lists every graph edge among them (often none). Short when the collection
 * holds fewer than n tools.
 */
export function randomSample(graph: SamplingGraphLike, options: SeededSampleOptions): ToolSample {
  const sg = asSamplingGraph(graph);
  if (sg.nodes.length === 0) {
    const left = sg.excluded.size > 0 ? ` left after the ${sg.excluded.size} flagged by \`tools lint\` (--include-flagged keeps them)` : "";
    throw new InputError(`cannot sample: the graph has no tools${left}`, { code: "GRAPH_IS_EMPTY" });
  }
  const rng = new Rng(options.seed);
  const range = toSizeRange(options.size);
  const n = rng.int(range.min, range.max);
  // partial Fisher-Yates over the whole collection, keeping one tool per family
  const pool = sg.nodes.slice();
  const tools: string[] = [];
  const families = new Set<string>();
  for (let i = 0; i < pool.length && tools.length < n; i++) {
    const j = rng.int(i, pool.length - 1);
    const chosen = pool[j] as string;
    pool[j] = pool[i] as string;
    pool[i] = chosen;
    const family = sg.family(chosen);
    if (families.has(family)) continue;
    families.add(family);
    tools.push(chosen);
  }
  const drawn: WalkResult = { tools, edges: sg.edgesAmong(tools) };
  if (tools.length < n) drawn.short = `the collection holds only ${families.size} tools (variants of one function counted once), fewer than ${n}`;
  const result = withProducers(sg, drawn, options, range.max, true);
  return toSample(result, "random", options.id ?? "sample-0", options.seed, n);
}

/** The `short` of a balanced sample that starts at a tool no walk reaches. */
export const UNWALKABLE_START =
  "no edge joins this tool to a tool of another function: balanced sampling draws it once, alone, so that the run covers it";

/**
 * A walk biased toward the tools used least so far: the start and every step are drawn with weight
 * 1 / (1 + uses)^alpha; after a dead end it continues from the sample's tool whose least-used unused neighbour is
 * least used (weighted the same way). Tools a walk never reaches (isolated, or joined only to their own variants)
 * are start candidates while unused: such a start gives a one-tool sample (`short` says why), so a long enough run
 * covers every tool. Updates `usage` with the sample's tools.
 */
export function balancedWalkSample(graph: SamplingGraphLike, options: BalancedSampleOptions): ToolSample {
  const sg = asSamplingGraph(graph, { followDirection: options.followDirection });
  requireStartable(sg);
  const { rng } = options;
  let tracker: UsageTracker;
  if (options.usage instanceof UsageTracker) {
    tracker = options.usage;
    if (options.alpha !== undefined && checkAlpha(options.alpha) !== tracker.alpha) {
      throw new InputError(`alpha ${options.alpha} differs from the usage tracker's ${tracker.alpha}`, {
        code: "BAD_SAMPLING_OPTION",
      });
    }
  } else {
    tracker = new UsageTracker(sg, checkAlpha(options.alpha ?? DEFAULT_BALANCE_ALPHA), options.usage);
  }
  const weightedPick = (c: readonly string[]) => UsageTracker.pickWeighted(rng, c, c.map((t) => tracker.weight(t)));
  const range = toSizeRange(options.size);
  const n = rng.int(range.min, range.max);
  const walked = walk(sg, n, {
    start: () => tracker.pickStart(rng),
    next: weightedPick,
    // continue from the sample's tool whose least-used unused neighbour is least used (weighted)
    restart: (open) =>
      UsageTracker.pickWeighted(
        rng,
        open.map((o) => o.tool),
        open.map((o) => maxOf(o.unused.map((t) => tracker.weight(t)))),
      ),
  });
  if (walked.tools.length === 1 && n > 1 && !sg.isStartable(walked.tools[0] as string)) walked.short = UNWALKABLE_START;
  // added producers count as uses too
  const result = withProducers(sg, walked, options, range.max);
  for (const t of result.tools) {
    tracker.add(t);
    if (options.usage instanceof Map) options.usage.set(t, tracker.uses(t));
  }
  return toSample(result, "balanced", options.id ?? "sample-0", options.seed ?? 0, n);
}

function maxOf(values: readonly number[]): number {
  let m = -Infinity;
  for (const v of values) if (v > m) m = v;
  return m;
}
