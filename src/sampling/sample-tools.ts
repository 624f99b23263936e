/**
 * sampleTools: a whole sampling run. Sample i of `walk` and `random` uses its own seed deriveSeed(runSeed, i), so
 * any sample can be reproduced alone and a run's first k samples do not depend on `count`. `balanced` is
 * sequential (each sample depends on the usage so far) and draws from one RNG seeded by the run seed.
 */
import { InputError } from "../core/index.js";
import { Rng, deriveSeed } from "../core/index.js";
import { SAMPLING_STRATEGIES, type SamplingStrategy, type ToolSample } from "../core/index.js";
import { asSamplingGraph, type SamplingGraphLike } from "./sampling-graph.js";
import {
  DEFAULT_BALANCE_ALPHA,
  balancedWalkSample,
  checkAlpha,
  randomSample,
  randomWalkSample,
} from "./samplers.js";
import { UsageTracker } from "./usage-tracker.js";
import { producerIndex, type ProducerIndex, type ToolSpecsLike } from "./producers.js";
import { toSizeRange, type SizeRange } from "../core/index.js";

export interface SampleToolsOptions {
  strategy: SamplingStrategy;
  count: number;
  /** Tools per sample: a number or an inclusive range, drawn uniformly per sample. */
  size: number | SizeRange;
  /** Run seed (an integer). */
  seed: number;
  /** Balanced strategy only: bias strength (weight 1/(1+uses)^alpha). */
  alpha?: number;
  /** Walk P-R edges only from producer to consumer (walk and balanced). */
  followDirection?: boolean;
  /**
   * The tool specs (tools.jsonl) or their ProducerIndex: add producers that parameters name and the walk missed
   * (within size max + 1), record the others as `userSupplied`. Without them samples carry neither field.
   */
  tools?: ToolSpecsLike | ProducerIndex;
  /** Tools to leave out (those `tools lint` flags; see screenTools). */
  exclude?: ReadonlySet<string>;
  /** Called after each sample (for progress bars). */
  onSample?: (done: number, total: number) => void;
}

/** Id of sample i of a run. */
export function sampleId(index: number): string {
  return `sample-${index}`;
}

export function isSamplingStrategy(value: string): value is SamplingStrategy {
  return (SAMPLING_STRATEGIES as readonly string[]).includes(value);
}

/** Draw `count` samples from the graph with the given strategy. Deterministic for (graph, options). */
export function sampleTools(graph: SamplingGraphLike, options: SampleToolsOptions): ToolSample[] {
  return [...iterateSamples(graph, options)];
}

/**
 * `sampleTools` one sample at a time (the same samples, in order), for a caller that streams them: memory does not
 * grow with `count`. The options are checked before the first sample.
 */
export function iterateSamples(graph: SamplingGraphLike, options: SampleToolsOptions): Generator<ToolSample> {
  const { strategy, count, seed } = options;
  if (!isSamplingStrategy(strategy)) {
    throw new InputError(`unknown sampling strategy "${String(strategy)}" (use ${SAMPLING_STRATEGIES.join(", ")})`, {
      code: "BAD_SAMPLING_OPTION",
    });
  }
  if (!Number.isInteger(count) || count < 0) {
    throw new InputError(`count must be an integer >= 0, got ${count}`, { code: "BAD_SAMPLING_OPTION" });
  }
  if (!Number.isInteger(seed)) {
    throw new InputError(`seed must be an integer, got ${seed}`, { code: "BAD_SAMPLING_OPTION" });
  }
  const size = toSizeRange(options.size);
  const sg = asSamplingGraph(graph, { followDirection: options.followDirection, ...(options.exclude ? { exclude: options.exclude } : {}) });
  const tools = options.tools === undefined ? {} : { tools: producerIndex(options.tools) };
  const alpha = strategy === "balanced" ? checkAlpha(options.alpha ?? DEFAULT_BALANCE_ALPHA) : 0;
  function* draw(): Generator<ToolSample> {
    if (strategy === "balanced") {
      const rng = new Rng(deriveSeed(seed, "balanced"));
      const usage = new UsageTracker(sg, alpha);
      for (let i = 0; i < count; i++) {
        yield balancedWalkSample(sg, { size, rng, usage, seed, id: sampleId(i), ...tools });
        options.onSample?.(i + 1, count);
      }
      return;
    }
    const one = strategy === "walk" ? randomWalkSample : randomSample;
    for (let i = 0; i < count; i++) {
      yield one(sg, { size, seed: deriveSeed(seed, i), id: sampleId(i), ...tools });
      options.onSample?.(i + 1, count);
    }
  }
  return draw();
}
