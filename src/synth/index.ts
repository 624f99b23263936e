/**
 * The run: `toolflow synth` orchestration — sampling up front, planned generation per sample, verification,
 * exact --count, crash-safe resume, progress, manifest, dry run. See docs/synth.md.
 */
export { runSynth, type ModelRuntimeOverrides, type SynthIo, type SynthSummary } from "./synth.js";
export { dryRunSynth, formatDryRun, type DryRunReport } from "./dry-run.js";
export { runSynthesis, SynthRunError, type RunnerConfig, type RunProgress, type RunResult } from "./runner.js";
export { validateSynthOptions, type SynthOptions } from "./options.js";
export { parseStepMix } from "./options.js";
export { JsonlAppender, recoverJsonl } from "./store.js";
export { ManifestZ, buildManifest, type Manifest } from "./manifest.js";
export { RunTally, type TallySnapshot } from "./tally.js";
export { createProgressReporter, type ProgressReporter } from "./progress.js";
export { defaultSynthDeps } from "./default-deps.js";
export type { SynthDeps, DeduperLike, DialogueForChecks, RoundTripCheck } from "./deps.js";
