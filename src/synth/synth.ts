/**
 * `toolflow synth` as a library call: check the output folder, load or resume the run's inputs, set up the models,
 * run the loop with progress and manifest checkpoints, and report.
 */
import { resolve } from "node:path";
import { stripUrlCredentials, UsageError } from "../core/index.js";
import { DEFAULT_STEP_MIX } from "../core/index.js";
import type { ToolSample } from "../core/index.js";
import { costFor, type ModelMiddleware } from "../llm/index.js";
import type { RunModels, RunModelsConfig } from "../models/index.js";
import type { SynthDeps } from "./deps.js";
import { inputHashes, loadRunInputs, writeRunSamples, type RunInputs } from "./inputs.js";
import {
  buildManifest,
  environmentSecrets,
  redactSecrets,
  writeManifest,
  type PriceFn,
} from "./manifest.js";
import { openRunJob, type Job, type Manifest, type Session } from "../data/index.js";
import { defaultMaxAttempts, validateSynthOptions, type SynthOptions } from "./options.js";
import { ADDED_LATER, DEFINITION_FLAGS, manifestOptions, runDefinition, type RunDefinition } from "./option-table.js";
import { formatTokens, runProgressReporter, type ProgressReporter } from "./progress.js";
import { runSynthesis, type RunProgress } from "./runner.js";
import { attemptConfigFor, openSynthModelsLazy, openToolExecution } from "./attempt.js";
import { RunTally, type TallySnapshot } from "./tally.js";

/** What a test may override of the model layer's options (retry policy, timeouts). */
export type ModelRuntimeOverrides = Partial<Pick<RunModelsConfig, "retry" | "timeoutMs">>;

export interface SynthIo {
  /** Where progress and messages go (default process.stderr). */
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Force the progress mode (default: stderr.isTTY). */
  tty?: boolean;
  /** Plain progress lines: interval and every-N (see createProgressReporter). */
  progressIntervalMs?: number;
  progressEveryN?: number;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Override how the run's models are opened (tests). Default: openSynthModels. */
  models?: (
    options: SynthOptions,
    context: { env: NodeJS.ProcessEnv; runtime?: ModelRuntimeOverrides; middleware?: ModelMiddleware[] },
  ) => Promise<RunModels>;
  /** Passed to the model layer (retry policy, timeouts). */
  modelRuntime?: ModelRuntimeOverrides;
  /** Override the stages (tests). Default: src/agents + src/verify. */
  deps?: SynthDeps;
  /** Middleware around every model of the run (tests: e.g. to answer through an HTTP server as sim would). */
  middleware?: ModelMiddleware[];
  checkpointMs?: number;
}

export interface SynthSummary {
  status: "complete" | "interrupted";
  dir: string;
  manifest: Manifest;
  sessionAccepted: number;
  sessionRejected: number;
  repairedBytes: number;
}

export async function runSynth(input: SynthOptions, io: SynthIo = {}): Promise<SynthSummary> {
  const options = validateSynthOptions(input);
  if (options.dryRun) throw new UsageError("runSynth does not do dry runs; call dryRunSynth");
  // The job rule (src/data/job.ts): the same definition continues the run on file, another is refused naming each
  // differing option, --force starts over, --resume insists on a run to continue; the folder is locked meanwhile.
  const hashes = inputHashes(options);
  const definition: RunDefinition = runDefinition(options, hashes);
  const job = await openRunJob(
    { dir: options.out, definition, options: DEFINITION_FLAGS, addedLater: ADDED_LATER },
    { force: options.force, resume: options.resume },
  );
  try {
    return await synthInFolder(options, io, job, hashes);
  } finally {
    job.release();
  }
}

/** The run in its opened folder (runSynth). */
async function synthInFolder(options: SynthOptions, io: SynthIo, job: Job<RunDefinition, Manifest>, hashes: RunInputs["hashes"]): Promise<SynthSummary> {
  const stderr = io.stderr ?? process.stderr;
  const env = io.env ?? process.env;
  const secrets = environmentSecrets(env);
  const say = (line: string) => stderr.write(redactSecrets(line, secrets) + "\n");
  const dir = options.out;
  const maxAttempts = options.maxAttempts ?? defaultMaxAttempts(options.count);
  const definition = job.definition;
  const previous: Manifest | undefined = job.stored;

  const inputs = await loadRunInputs(options, {
    sampleCount: maxAttempts,
    runDir: dir,
    reuseRunSamples: job.resumed,
    hashes,
    log: say,
  });

  const createdAt = previous?.createdAt ?? new Date().toISOString();
  const sessions: Session[] = (previous?.sessions ?? []).map((s) =>
    s.endedAt === null ? { ...s, status: s.status === "running" ? "killed" : s.status } : s,
  );
  const session: Session = {
    startedAt: new Date().toISOString(),
    endedAt: null,
    resumed: Boolean(previous),
    status: "running",
    accepted: 0,
    rejected: 0,
    repairedBytes: 0,
  };
  sessions.push(session);

  // --execute: which tool runs where (and which writes are refused), checked and said before anything is written.
  // Nothing is connected yet (MCP servers are reached on the first call).
  const execution = await openToolExecution(options, inputs.tools, env);
  if (execution) for (const line of execution.planLines) say(`synth: ${line}`);

  const open = io.models ?? openSynthModelsLazy;
  const deps = io.deps ?? (await import("./default-deps.js")).defaultSynthDeps();
  const models = await open(options, {
    env,
    ...(io.modelRuntime ? { runtime: io.modelRuntime } : {}),
    ...(io.middleware ? { middleware: io.middleware } : {}),
  });
  if (options.roundTrip !== undefined && !deps.roundTrip) {
    await models.close();
    throw new UsageError("--round-trip needs the round-trip check in the stages: pass deps from judging.roundTripSynthDeps()");
  }
  if (options.judgeMin !== undefined && !deps.judgeDialogue) {
    await models.close();
    throw new UsageError("--judge-min needs the judge in the stages (SynthDeps.judgeDialogue, as defaultSynthDeps() has)");
  }
  if (options.provenance.startsWith("judge:") && !deps.judgeProvenance) {
    await models.close();
    throw new UsageError("--provenance judge:<spec> needs the provenance judge in the stages (deps.judgeProvenance, as in defaultSynthDeps())");
  }
  const price: PriceFn = (model, usage) => costFor(models.prices, model, usage);

  // a resumed run reads its samples back and does not lint again: the first session's lint counts stay
  const keptLint = previous?.inputs.lint !== undefined && inputs.describe.lint === undefined ? { lint: previous.inputs.lint } : {};
  const manifestInputs = { ...keptLint, ...inputs.describe, producers: producerCounts(inputs.samples), models: models.describe() };
  const seeds = { run: options.seed, sampling: inputs.samplingSeed, dialogue: "deriveSeed(run, index)" };
  const optionsForManifest = manifestOptions(options);
  const manifestFor = (snapshot: TallySnapshot, status: Manifest["status"], error?: string): Manifest => {
    const parts: Parameters<typeof buildManifest>[0] = {
      createdAt,
      status,
      definition,
      options: optionsForManifest,
      inputs: manifestInputs,
      seeds,
      maxAttempts,
      snapshot,
      sessions,
    };
    parts.price = price;
    if (models.priceSources) parts.prices = models.priceSources;
    if (error !== undefined) parts.error = error;
    return buildManifest(parts);
  };

  // The manifest comes first, then the samples: a run killed at any moment after this point can be resumed.
  if (!previous) await writeManifest(dir, manifestFor(new RunTally().snapshot(), "running"), secrets);
  if (!inputs.fromRunDir) await writeRunSamples(dir, inputs.samples);

  let reporter: ProgressReporter | undefined;
  let lastManifest: Manifest | undefined;
  let lastProgress: RunProgress | undefined;
  try {
    reporter = runProgressReporter(stderr, options.count, io);
    const result = await runSynthesis({
      dir,
      count: options.count,
      maxAttempts,
      concurrency: options.concurrency,
      ...attemptConfigFor(options, { samples: inputs.samples, tools: inputs.tools, models, deps, ...(execution ? { execution } : {}) }),
      ...(io.signal ? { signal: io.signal } : {}),
      ...(io.checkpointMs !== undefined ? { checkpointMs: io.checkpointMs } : {}),
      onRecovered: (info) => {
        session.repairedBytes = info.truncatedBytes;
        if (previous) {
          say(
            `synth: resuming ${dir}: ${info.accepted} accepted and ${info.rejected} rejected dialogues on file` +
              (info.truncatedBytes > 0 ? `, ${info.truncatedBytes} bytes of torn last line removed` : "") +
              (info.duplicatesDropped > 0 ? `, ${info.duplicatesDropped} repeated records dropped` : ""),
          );
        }
      },
      onProgress: (p) => {
        lastProgress = p;
        reporter?.update(p);
      },
      onCheckpoint: async (snapshot, info) => {
        session.accepted = info.sessionAccepted;
        session.rejected = info.sessionRejected;
        session.status = info.status;
        session.usage = models.usage.summary();
        if (info.status !== "running") session.endedAt = new Date().toISOString();
        lastManifest = manifestFor(snapshot, info.status, info.error);
        await writeManifest(dir, lastManifest, secrets);
      },
    });
    reporter.stop(lastProgress);
    reporter = undefined;
    const manifest = lastManifest ?? manifestFor(result.snapshot, result.status);
    const s = result.snapshot;
    const rejectedBy = Object.entries(s.rejectedBy)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    say(
      `synth: ${result.status}: ${s.accepted}/${options.count} accepted, ${s.rejected} rejected` +
        (rejectedBy ? ` (${rejectedBy})` : "") +
        `, ${formatTokens(s.usage.total.promptTokens + s.usage.total.completionTokens)} tokens` +
        (manifest.cost.total !== null ? `, $${manifest.cost.total.toFixed(4)}` : "") +
        (manifest.cost.withoutCache?.total != null && manifest.cost.total !== null && manifest.cost.withoutCache.total !== manifest.cost.total
          ? ` ($${manifest.cost.withoutCache.total.toFixed(4)} without cache hits)`
          : "") +
        ` -> ${dir}`,
    );
    if (s.execution) {
      const e = s.execution;
      say(
        `synth: tool messages of accepted dialogues: ${e.executed} executed on their servers` +
          (e.executedErrors > 0 ? ` (${e.executedErrors} real errors)` : "") +
          (e.returnsMismatch > 0 ? `, ${e.returnsMismatch} not matching their returns schema` : "") +
          `, ${e.simulated} simulated`,
      );
    }
    if (s.rejectedWrites) {
      const w = s.rejectedWrites;
      say(
        `synth: writes executed by rejected dialogues: ${w.discarded} discarded with their dialogue's server process, ` +
          `${w.left} left on shared servers` +
          (w.left > 0 ? ` (listed in ${dir}/manifest.json "rejectedWrites" and, in full, rejected.jsonl "executedWrites")` : ""),
      );
    }
    return {
      status: result.status,
      dir,
      manifest,
      sessionAccepted: result.sessionAccepted,
      sessionRejected: result.sessionRejected,
      repairedBytes: session.repairedBytes,
    };
  } finally {
    reporter?.stop(lastProgress);
    await execution?.close();
    await models.close();
  }
}

/**
 * What the samples of a run did about producers their tools' parameters name (src/sampling): producers added to
 * samples, and values the user supplies because the producer could not be added (the planner is told which).
 */
export function producerCounts(samples: readonly ToolSample[]): { samplesWithAdded: number; added: number; samplesWithUserSupplied: number; userSupplied: number } {
  let samplesWithAdded = 0, added = 0, samplesWithUserSupplied = 0, userSupplied = 0;
  for (const s of samples) {
    const a = s.addedProducers?.length ?? 0;
    const u = s.userSupplied?.length ?? 0;
    if (a > 0) samplesWithAdded++;
    if (u > 0) samplesWithUserSupplied++;
    added += a;
    userSupplied += u;
  }
  return { samplesWithAdded, added, samplesWithUserSupplied, userSupplied };
}
