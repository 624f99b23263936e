/**
 * `toolflow judge`: data-quality metrics of a run or dataset — SS (similarity of consecutive rounds), EnR (NLI
 * entailment rate of consecutive rounds), the LLM judge's four criteria with bootstrap intervals, and round-trip
 * agreement (a model re-answers each call turn; also synth's `--round-trip` filter). See docs/judge.md.
 */
export {
  bootstrapMean,
  dialogueRounds,
  mean,
  pairSimilarities,
  roundPairs,
  sampleBySeed,
  type Interval,
  type Round,
  type RoundPair,
} from "./metrics.js";
export { buildNliPrompt, classifyPair, NLI_LABELS, NLI_SCHEMA, type NliLabel, type NliResult } from "./nli.js";
export {
  checksDialogue,
  roundTripDialogue,
  roundTripReasons,
  roundTripSynthDeps,
  summarizeRoundTrip,
  synthDepsFor,
  type KindAgreement,
  type RoundTripOptions,
  type RoundTripResult,
  type RoundTripTurn,
} from "./round-trip.js";
export {
  JUDGE_DEFAULTS,
  JUDGE_DEFINITION_FLAGS,
  JUDGE_OPTION_TABLE,
  judgeDefinition,
  judgeMetrics,
  judgeOptionsFromFlags,
  type JudgeDefinition,
} from "./option-table.js";
export {
  formatJudgeSummary,
  JUDGE_CRITERIA,
  JUDGE_FILES,
  JUDGE_METRICS,
  parseMetrics,
  runJudge,
  summarizeJudge,
  type Criterion,
  type JudgeLine,
  type JudgeMetric,
  type JudgeRunOptions,
  type JudgeSummary,
} from "./run.js";
