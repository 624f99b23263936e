/** Graph-based sampling: which tools each synthesized dialogue is about. */
export {
  randomWalkSample,
  randomSample,
  balancedWalkSample,
  DEFAULT_BALANCE_ALPHA,
  UNWALKABLE_START,
  type SampleOptionsBase,
  type SeededSampleOptions,
  type BalancedSampleOptions,
} from "./samplers.js";
export { UsageTracker } from "./usage-tracker.js";
export { sampleTools, iterateSamples, sampleId, isSamplingStrategy, type SampleToolsOptions } from "./sample-tools.js";
export {
  coverage,
  usageCounts,
  samplingStats,
  SamplingStatsBuilder,
  formatStats,
  type CoverageReport,
  type SamplingStats,
} from "./stats.js";
export { readSamplesJsonl, writeSamplesJsonl, samplesToJsonl } from "./io.js";
export { SamplingGraph, type SamplingGraphLike, type SamplingGraphOptions, type SampleEdge } from "./sampling-graph.js";
export {
  missingProducers,
  completeProducers,
  producerIndex,
  ProducerIndex,
  type ToolSpecsLike,
  type CompletedSample,
} from "./producers.js";
export { screenTools, formatScreen, strategyWarnings, type ScreenOptions, type ScreenSummary, type ToolScreen } from "./screen.js";
