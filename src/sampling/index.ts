/** Graph-based sampling: which tools each synthesized dialogue is about. */
export {
  randomWalkSample,
  randomSample,
  balancedWalkSample,
  DEFAULT_BALANCE_ALPHA,
  checkAlpha,
  type SampleOptionsBase,
  type SeededSampleOptions,
  type BalancedSampleOptions,
} from "./samplers.js";
export { UsageTracker, MAX_BALANCE_ALPHA } from "./usage-tracker.js";
export { sampleTools, sampleId, isSamplingStrategy, type SampleToolsOptions } from "./sample-tools.js";
export {
  coverage,
  gini,
  usageCounts,
  samplingStats,
  formatStats,
  type CoverageReport,
  type SamplingStats,
} from "./stats.js";
export { readSamplesJsonl, writeSamplesJsonl, samplesToJsonl } from "./io.js";
export {
  SamplingGraph,
  asSamplingGraph,
  type SamplingGraphLike,
  type SamplingGraphOptions,
  type SampleEdge,
} from "./sampling-graph.js";
export { parseSizeRange, checkSizeRange, toSizeRange, MAX_SAMPLE_SIZE, type SizeRange } from "../core/index.js";
