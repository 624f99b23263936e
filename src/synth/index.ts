/**
 * The run: `toolflow synth` orchestration — sampling up front, planned generation per sample, verification,
 * exact --count, crash-safe resume, progress, manifest, dry run. See docs/synth.md.
 */
export { runSynth, type ModelRuntimeOverrides, type SynthIo, type SynthSummary } from "./synth.js";
export { dryRunSynth, formatDryRun, renderRequest, type DryRunReport } from "./dry-run.js";
export {
  runSynthesis,
  dialogueId,
  sampleFor,
  isFatalError,
  SynthRunError,
  type RunnerConfig,
  type RunProgress,
  type RunResult,
} from "./runner.js";
export {
  SynthOptionsZ,
  validateSynthOptions,
  runDefinition,
  diffRunDefinitions,
  defaultMaxAttempts,
  type SynthOptions,
  type RunDefinition,
} from "./options.js";
export { JsonlAppender, recoverJsonl, prepareRunDir, RUN_FILES } from "./store.js";
export { ManifestZ, buildManifest, readManifest, writeManifest, redactSecrets, type Manifest, type PriceFn } from "./manifest.js";
export { RunTally, type TallySnapshot } from "./tally.js";
export { createProgressReporter, formatProgressLine, type ProgressReporter } from "./progress.js";
export { loadRunInputs, type RunInputs } from "./inputs.js";
export { openSynthModels } from "./models.js";
export { defaultSynthDeps } from "./default-deps.js";
export type { SynthDeps, DeduperLike, DialogueForChecks } from "./deps.js";
