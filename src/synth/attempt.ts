/**
 * The content side of a run's configuration: what attempting dialogue i needs, from the run's options, inputs,
 * models and stages. Shared by the local run (runSynth) and the queue's workers (src/queue), so both derive the
 * same dialogue from (definition, index).
 */
import type { ToolSample, ToolSpec } from "../core/index.js";
import type { SynthDeps } from "./deps.js";
import type { SynthOptions } from "./options.js";
import { generateOptionsOf, type AttemptConfig, type RunnerConfig } from "./runner.js";
import type { SynthIo } from "./synth.js";

export function attemptConfigFor(
  options: SynthOptions,
  parts: {
    samples: ToolSample[];
    tools: Map<string, ToolSpec>;
    models: RunnerConfig["models"];
    deps: SynthDeps;
    execution?: AttemptConfig["execution"];
  },
): AttemptConfig {
  return {
    seed: options.seed,
    samples: parts.samples,
    tools: parts.tools,
    ...generateOptionsOf({ ...options, usePlan: options.plan }),
    ...(parts.execution ? { execution: parts.execution } : {}),
    // judge:<spec> rejects what the rules and the judge leave ungrounded
    provenance: options.provenance === "flag" ? "flag" : "reject",
    // repair at the turn uses the rules alone, so only when they alone decide (--provenance reject)
    turnRepair: options.turnRepair !== false && options.provenance === "reject",
    models: parts.models,
    deps: parts.deps,
    ...(options.roundTripMin !== undefined ? { roundTripMin: options.roundTripMin } : {}),
    ...(options.judgeMin !== undefined ? { judgeMin: options.judgeMin } : {}),
    ...(options.judgeFlaws ? { judgeFlaws: true } : {}),
  };
}

/**
 * --execute: which tool runs where (and which writes are refused), checked before anything is written; undefined
 * when every tool is simulated. Nothing is connected yet (servers are reached on the first call). `planLines` say
 * what will be called, where. The caller closes it.
 */
export async function openToolExecution(
  options: SynthOptions,
  tools: Map<string, ToolSpec>,
  env: NodeJS.ProcessEnv,
  /** `tools` are the run's sampled tools only (a queue worker): --execute was checked against all of them before. */
  subsetOfTools = false,
): Promise<(import("../execute/index.js").ToolExecutionSetup & { planLines: string[] }) | undefined> {
  if (options.execute === undefined) return undefined;
  const ex = await import("../execute/index.js");
  const execution = await ex.createToolExecution([...tools.values()], {
    execute: options.execute,
    ...(options.executeConfig !== undefined ? { config: options.executeConfig } : {}),
    allowWrites: options.allowWrites ?? false,
    env,
    subsetOfTools,
  });
  const planLines = ex.formatExecutionPlan(execution.plan.filter((r) => r.executor !== "simulate")).trimEnd().split("\n");
  return Object.assign(execution, { planLines });
}

/** The run's models from its options (openSynthModels, loaded on first use). */
export const openSynthModelsLazy: NonNullable<SynthIo["models"]> = async (options, context) =>
  (await import("./models.js")).openSynthModels(options, context);
