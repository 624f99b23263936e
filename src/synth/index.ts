/**
 * The run: `toolflow synth` orchestration — sampling up front, planned generation per sample, verification,
 * exact --count, crash-safe resume, progress, manifest, dry run. See docs/synth.md.
 */
export { runSynth, type ModelRuntimeOverrides, type SynthIo, type SynthSummary } from "./synth.js";
export { dryRunSynth, formatDryRun, type DryRunReport } from "./dry-run.js";
export { runSynthesis, SynthRunError, type RunnerConfig, type RunProgress, type RunResult } from "./runner.js";
export { validateSynthOptions, type SynthOptions } from "./options.js";
export { parseStepMix } from "./options.js";
export { buildManifest } from "./manifest.js";
export { RunTally, type TallySnapshot } from "./tally.js";
export { createProgressReporter, runProgressReporter, type ProgressReporter } from "./progress.js";
export { defaultSynthDeps } from "./default-deps.js";
export type { SynthDeps, DeduperLike, DialogueForChecks, JudgeVerdict, RoundTripCheck } from "./deps.js";
export { judgeGateReasons, judgeRejectReasons } from "./judge-gate.js";
// One dialogue of a run from (definition, index), and the run's parts, for runs spread over processes (src/queue).
export { RunDecider, rejectAsDuplicate, maxConsecutiveFailuresFor, type Decision, type FinishedOutcome } from "./decide.js";
export {
  attemptDialogue,
  dialogueId,
  type AttemptConfig,
  type DialogueOutcome,
} from "./runner.js";
export { attemptConfigFor, openToolExecution, openSynthModelsLazy as openSynthModels } from "./attempt.js";
export { loadRunInputs, type RunInputs } from "./inputs.js";
export { defaultMaxAttempts, SynthOptionsZ } from "./options.js";
// synth's flags, once: the CLI declares them from this table; the run definition and the manifest's options derive from it
export {
  SYNTH_OPTION_TABLE,
  synthOptionsFromFlags,
  runDefinition,
  diffRunDefinitions,
  manifestOptions,
  DEFINITION_FLAGS,
  type RunDefinition,
  type SynthOptionEntry,
} from "./option-table.js";
export { writeManifest, environmentSecrets, redactSecrets, type PriceFn } from "./manifest.js";
export { writeRunSamples } from "./inputs.js";
