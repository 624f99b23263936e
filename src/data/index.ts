/**
 * The data layer under the stages: the files toolflow's jobs read and write (run and job folders, every dataset
 * format, the figures of a dataset). Imports only core (and zod); the stages (tools, graph, sampling, agents,
 * verify, execute) never import it, the jobs (synth, queue, export, eval, judge, overlap, report, html, cli) compose
 * it with the stages. See docs/architecture.md.
 */
// A run folder: its files, the manifest's schema, its records.
export {
  RUN_FILES,
  MANIFEST_FORMAT,
  ManifestZ,
  SessionZ,
  readManifest,
  openRunJob,
  loadDialogues,
  loadDialogueFile,
  loadRejected,
  type Manifest,
  type Session,
  type RunJobSpec,
} from "./run.js";
// Append-only JSONL files that survive a kill, and their recovery.
export { JsonlAppender, recoverJsonl, type JsonlAppenderOptions, type RecoveredJsonl } from "./append.js";
// Following a growing JSONL file (a run that is still writing).
export { JsonlFollower, invalidUtf8At, type FollowedLine, type LineRef } from "./follow.js";
// A job folder (definition + results) and the one resume rule.
export { openJob, JOB_LOCK_FILE, diffDefinitions, describeDiffs, type Job, type JobSpec, type OpenJobOptions, type StoredDefinition, type DefinitionDiff } from "./job.js";
// Grouped train / validation / test splits.
export { SPLIT_NAMES, assignSplits, groupRecords, parseSplit, toolSetKey, type SplitName, type SplitRatios } from "./splits.js";
// Every dataset format (read and, where toolflow writes it, write) and the figures of a dataset.
export * from "./formats/index.js";
export {
  datasetFigures,
  FigureAccumulator,
  valueKey,
  type DatasetFigures,
  type Distribution,
  type FigureOptions,
  type LengthDistribution,
} from "./figures.js";
export { asksQuestion, QUESTION_MARKS } from "./questions.js";
export { diversity, DiversityAccumulator, distinctN, shannonEntropy, words, type DiversityMetrics } from "./diversity.js";
// Reading any dataset path (files, folders, runs, exports), format detected per row.
export {
  readDataset,
  readDatasetAll,
  datasetFiles,
  detectFileFormat,
  exportSplitFiles,
  SPLIT_FILES,
  ReadLog,
  type ReadSummary,
  type ReadFileSummary,
  type ReadNoteSummary,
  type ReadDatasetOptions,
} from "./read-dataset.js";
