/**
 * The content side of a run's configuration: what attempting dialogue i needs, from the run's options, inputs,
 * models and stages. Shared by the local run (runSynth) and the queue's workers (src/queue), so both derive the
 * same dialogue from (definition, index).
 */
import type { ToolSample, ToolSpec } from "../core/index.js";
import type { SynthDeps } from "./deps.js";
import type { SynthOptions } from "./options.js";
import type { AttemptConfig, RunnerConfig } from "./runner.js";
import type { SynthIo } from "./synth.js";

export function attemptConfigFor(
  options: SynthOptions,
  parts: { samples: ToolSample[]; tools: Map<string, ToolSpec>; models: RunnerConfig["models"]; deps: SynthDeps },
): AttemptConfig {
  return {
    seed: options.seed,
    samples: parts.samples,
    tools: parts.tools,
    usePlan: options.plan,
    ...(options.maxTurns !== undefined ? { maxTurns: options.maxTurns } : {}),
    ...(options.toolErrorRate !== undefined ? { toolErrorRate: options.toolErrorRate } : {}),
    ...(options.stepMix !== undefined ? { stepMix: options.stepMix } : {}),
    ...(options.keepReasoning ? { keepReasoning: true } : {}),
    ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
    provenance: options.provenance,
    models: parts.models,
    deps: parts.deps,
    ...(options.roundTripMin !== undefined ? { roundTripMin: options.roundTripMin } : {}),
  };
}

/** The run's models from its options (openSynthModels, loaded on first use like runSynth does). */
export const openSynthModelsLazy: NonNullable<SynthIo["models"]> = async (options, context) =>
  (await import("./models.js")).openSynthModels(options, context);
