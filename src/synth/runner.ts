/**
 * The synthesis loop: attempt dialogue i (seed deriveSeed(runSeed, i), sample i) with bounded concurrency until
 * exactly `count` dialogues are accepted, writing each decided attempt as one line of dialogues.jsonl or
 * rejected.jsonl. Resuming reads those files back, repairs a torn tail, and skips every decided index.
 */
import { setMaxListeners } from "node:events";
import { join } from "node:path";
import { deriveSeed } from "../core/index.js";
import { isFatalError as isCoreFatalError, ToolflowError } from "../core/index.js";
import {
  DialogueRecordZ,
  RejectedRecordZ,
  type DialogueRecord,
  type RejectedRecord,
  type ToolSample,
  type ToolSpec,
  type Verification,
} from "../core/index.js";
import type { GeneratedDialogue, GenerateOptions } from "../agents/index.js";
import type { DialogueExecution } from "../execute/index.js";
import { personaAt, SampleUnusableError, UngroundedCallError } from "../agents/index.js";
import { DIALOGUE_ROLES } from "../core/index.js";
import type { StepMix } from "../core/index.js";
import { redactedJson, UsageCounter, usageMiddleware, wrapModel, type DialogueModels } from "../llm/index.js";
import type { RunModels } from "../models/index.js";
import type { DeduperLike, DialogueForChecks, JudgeVerdict, SynthDeps } from "./deps.js";
import { judgeRejectReasons } from "./judge-gate.js";
import { JsonlAppender, RUN_FILES, recoverJsonl } from "../data/index.js";
import type { TallySnapshot } from "./tally.js";
import { maxConsecutiveFailuresFor, RunDecider, stripForRejected, type FinishedOutcome } from "./decide.js";

export interface RunProgress {
  target: number;
  accepted: number;
  rejected: number;
  inFlight: number;
  /** Attempts decided in this session (accepted + rejected since start). */
  sessionDecided: number;
  /** Dialogues accepted in this session. */
  sessionAccepted: number;
  tokens: number;
  startedAt: number;
}

export interface RunnerConfig {
  dir: string;
  count: number;
  maxAttempts: number;
  concurrency: number;
  seed: number;
  /** Dialogue i uses samples[i % samples.length]. */
  samples: ToolSample[];
  tools: Map<string, ToolSpec>;
  usePlan: boolean;
  maxTurns?: number;
  toolErrorRate?: number;
  /** Desired share of step kinds in plans (--step-mix). */
  stepMix?: StepMix;
  /** `--keep-reasoning`: records carry the assistant model's reasoning per assistant message. */
  keepReasoning?: boolean;
  /**
   * `--execute`: runs tool calls on their real servers (each dialogue opens its own; its server processes end with
   * it); records carry `execution`, rejected ones the writes they executed.
   */
  execution?: { openDialogue(id: string): DialogueExecution };
  temperature?: number;
  provenance: "reject" | "flag";
  /** Repair at the turn (with provenance "reject"; default true): see SynthOptions.turnRepair. */
  turnRepair?: boolean;
  /** The models of each dialogue, and the judge (the run's RunModels, or a test double). */
  models: Pick<RunModels, "forDialogue" | "judge" | "roundTrip" | "provenanceJudge">;
  /** Reject a dialogue whose round-trip agreement is below this (default 1) when the models have a roundTrip model. */
  roundTripMin?: number;
  /** `--judge-min`: reject a dialogue the judge scores below this on any axis (check `judge`); unset: scores only. */
  judgeMin?: number;
  /** `--judge-flaws`: reject a dialogue in which the judge names any flaw (check `judge`). */
  judgeFlaws?: boolean;
  deps: SynthDeps;
  signal?: AbortSignal;
  /** Abort the run after this many generation failures in a row (default max(20, 2 * concurrency)). */
  maxConsecutiveFailures?: number;
  /** Called after every decided attempt. */
  onProgress?: (p: RunProgress) => void;
  /** Called at most every `checkpointMs` (default 5000) and at the end, e.g. to rewrite the manifest. */
  onCheckpoint?: (snapshot: TallySnapshot, info: CheckpointInfo) => Promise<void>;
  checkpointMs?: number;
  /** Told what recovery found, before any new attempt. */
  onRecovered?: (info: RecoveryInfo) => void;
}

export interface CheckpointInfo {
  status: "running" | "complete" | "interrupted" | "failed";
  nextIndex: number;
  sessionAccepted: number;
  sessionRejected: number;
  error?: string;
}

export interface RecoveryInfo {
  accepted: number;
  rejected: number;
  truncatedBytes: number;
  duplicatesDropped: number;
}

export interface RunResult {
  status: "complete" | "interrupted";
  snapshot: TallySnapshot;
  sessionAccepted: number;
  sessionRejected: number;
  recovered: RecoveryInfo;
}

/** Thrown when the run cannot reach its count (attempt cap, repeated failures). Exit code 1. */
export class SynthRunError extends ToolflowError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: "SYNTH_RUN_FAILED", cause: options.cause });
  }
}

/** Id of dialogue `index` of the run with seed `seed`. */
export function dialogueId(seed: number, index: number): string {
  return `tf-${seed}-${String(index).padStart(6, "0")}`;
}

/** The sample that dialogue `index` uses. */
export function sampleFor(samples: ToolSample[], index: number): ToolSample {
  if (samples.length === 0) throw new ToolflowError("the run has no samples");
  return samples[index % samples.length] as ToolSample;
}

/**
 * Errors that must stop the run instead of rejecting one dialogue (bad credentials, bad input, bad usage, an
 * unknown model): the error's own `fatal`, set when it was built (core's isFatalError, the rule eval, judge and the
 * queue use too).
 */
export function isFatalError(err: unknown): boolean {
  return isCoreFatalError(err);
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) return `${err.name === "Error" ? "" : err.name + ": "}${err.message}`;
  return String(err);
}

function backendOf(models: DialogueModels): string {
  const set = new Set(DIALOGUE_ROLES.map((r) => models[r].backend));
  return [...set].sort().join("+");
}

export type Outcome =
  | FinishedOutcome
  | { kind: "aborted" }
  | { kind: "fatal"; error: unknown };

export async function runSynthesis(config: RunnerConfig): Promise<RunResult> {
  const { count, maxAttempts, concurrency } = config;
  const dialoguesPath = join(config.dir, RUN_FILES.dialogues);
  const rejectedPath = join(config.dir, RUN_FILES.rejected);

  // ---- recovery
  const acc = await recoverJsonl(dialoguesPath, DialogueRecordZ, { key: (r) => r.index });
  const rej = await recoverJsonl(rejectedPath, RejectedRecordZ, { key: (r) => r.index });
  const decided = new Set<number>();
  const deduper: DeduperLike = config.deps.createDeduper();
  const decider = new RunDecider(count, deduper, config.maxConsecutiveFailures ?? maxConsecutiveFailuresFor(concurrency));
  const tally = decider.tally;
  for (const r of acc.records) {
    decided.add(r.index);
    decider.restore(r, true);
  }
  for (const r of rej.records) {
    if (decided.has(r.index)) continue; // accepted wins (cannot happen with this writer; be safe)
    decided.add(r.index);
    decider.restore(r, false);
  }
  if (tally.accepted > count) {
    throw new SynthRunError(
      `${dialoguesPath} holds ${tally.accepted} accepted dialogues, more than --count ${count}; it was not written by this run`,
    );
  }
  const recovered: RecoveryInfo = {
    accepted: tally.accepted,
    rejected: tally.rejected,
    truncatedBytes: acc.truncatedBytes + rej.truncatedBytes,
    duplicatesDropped: acc.duplicatesDropped + rej.duplicatesDropped,
  };
  config.onRecovered?.(recovered);

  // a failed write (a full disk) names the file, the records it keeps and how to go on
  const rerun = "free the space (or fix the permission) and run the same command again with --resume";
  const acceptedOut = new JsonlAppender(dialoguesPath, { serialize: redactedJson, records: acc.records.length, rerun });
  const rejectedOut = new JsonlAppender(rejectedPath, { serialize: redactedJson, records: rej.records.length, rerun });
  const startedAt = Date.now();
  let sessionAccepted = 0;
  let sessionRejected = 0;
  let fatal: unknown;
  let cursor = 0;
  const inFlight = new Map<number, Promise<void>>();
  const internalAbort = new AbortController();
  const signal = config.signal ? AbortSignal.any([config.signal, internalAbort.signal]) : internalAbort.signal;

  const progress = (): RunProgress => ({
    target: count,
    accepted: tally.accepted,
    rejected: tally.rejected,
    inFlight: inFlight.size,
    sessionDecided: sessionAccepted + sessionRejected,
    sessionAccepted,
    tokens: tally.tokens,
    startedAt,
  });

  let lastCheckpoint = Date.now();
  let checkpointing: Promise<void> | undefined;
  const checkpoint = async (status: CheckpointInfo["status"], error?: string): Promise<void> => {
    if (!config.onCheckpoint) return;
    if (checkpointing) await checkpointing;
    lastCheckpoint = Date.now();
    acceptedOut.sync();
    rejectedOut.sync();
    const info: CheckpointInfo = { status, nextIndex: cursor, sessionAccepted, sessionRejected };
    if (error !== undefined) info.error = error;
    checkpointing = config.onCheckpoint(tally.snapshot(), info).finally(() => {
      checkpointing = undefined;
    });
    await checkpointing;
  };

  await checkpoint("running");

  const nextIndex = (): number | undefined => {
    while (cursor < maxAttempts && decided.has(cursor)) cursor++;
    if (cursor >= maxAttempts) return undefined;
    return cursor++;
  };

  const commit = (index: number, outcome: Outcome): void => {
    if (outcome.kind === "aborted") return;
    if (outcome.kind === "fatal") {
      fatal ??= outcome.error;
      internalAbort.abort();
      return;
    }
    const decision = decider.decide(outcome);
    if (!decision) return; // never write beyond --count (the index stays undecided)
    decided.add(index);
    try {
      if (decision.kind === "accepted") {
        acceptedOut.append(decision.record);
        sessionAccepted++;
      } else {
        rejectedOut.append(decision.record);
        sessionRejected++;
      }
    } catch (err) {
      // a write that failed (a full disk): the run stops with the appender's error (the file ends at a whole line)
      fatal ??= err;
      internalAbort.abort();
      return;
    }
    config.onProgress?.(progress());
  };

  // Outcomes are committed in index order (a finished dialogue waits for the ones started before it), so the
  // near-duplicate decisions, and with them the run's records, do not depend on which dialogue finished first.
  const started: number[] = [];
  const ready = new Map<number, Outcome>();
  let blocked = false;
  const settle = (index: number, outcome: Outcome): void => {
    if (outcome.kind === "fatal") return commit(index, outcome);
    ready.set(index, outcome);
    while (!blocked && started.length > 0 && ready.has(started[0] as number)) {
      const next = started.shift() as number;
      const o = ready.get(next) as Outcome;
      ready.delete(next);
      // an aborted dialogue stays undecided, and so do the ones after it (a resumed run redoes them in order)
      if (o.kind === "aborted") blocked = true;
      else commit(next, o);
    }
  };

  // Each dialogue gets its own signal, linked to the run's, so in-flight requests do not pile listeners on one.
  const attempt = async (index: number): Promise<Outcome> => {
    const own = new AbortController();
    // The openai SDK leaves one abort listener per request on the caller's signal; this signal lives as long as
    // the dialogue, so those listeners go with it. Silence the "possible leak" warning for it.
    setMaxListeners(1000, own.signal);
    const forward = () => own.abort(signal.reason);
    if (signal.aborted) return { kind: "aborted" };
    signal.addEventListener("abort", forward, { once: true });
    try {
      return await attemptWith(index, own.signal);
    } finally {
      signal.removeEventListener("abort", forward);
    }
  };

  const attemptWith = (index: number, signal: AbortSignal): Promise<Outcome> =>
    attemptDialogue(config, index, signal, deduper);

  let status: RunResult["status"] = "complete";
  try {
    while (tally.accepted < count) {
      if (fatal !== undefined) break;
      if (signal.aborted) {
        status = "interrupted";
        break;
      }
      const stop = decider.failureStop();
      if (stop) throw new SynthRunError(stop);
      while (inFlight.size < concurrency && tally.accepted + inFlight.size + ready.size < count) {
        const index = nextIndex();
        if (index === undefined) break;
        started.push(index);
        const task = attempt(index)
          .catch((error: unknown): Outcome => ({ kind: "fatal", error }))
          .then((outcome) => {
            inFlight.delete(index);
            settle(index, outcome);
          });
        inFlight.set(index, task);
      }
      if (inFlight.size === 0) {
        throw new SynthRunError(`${decider.giveUpMessage(maxAttempts)}; see ${rejectedPath}`);
      }
      await Promise.race(inFlight.values());
      // Let timers, I/O and signal handlers run: with a synchronous backend (sim) the whole run would otherwise
      // be one chain of microtasks, and Ctrl-C or the progress display would wait for its end.
      await new Promise<void>((r) => setImmediate(r));
      if (Date.now() - lastCheckpoint >= (config.checkpointMs ?? 5000)) await checkpoint("running");
    }
    if (fatal !== undefined) {
      internalAbort.abort();
      await Promise.allSettled(inFlight.values());
      throw fatal;
    }
    if (status === "interrupted") await Promise.allSettled(inFlight.values());
  } catch (err) {
    internalAbort.abort();
    await Promise.allSettled(inFlight.values());
    acceptedOut.close();
    rejectedOut.close();
    await checkpoint("failed", errorMessage(err)).catch(() => {});
    throw err;
  }
  acceptedOut.close();
  rejectedOut.close();
  await checkpoint(status);
  return { status, snapshot: tally.snapshot(), sessionAccepted, sessionRejected, recovered };
}

/** What attempting one dialogue needs: the run's content options, inputs, models and stages (not its control). */
export type AttemptConfig = Omit<
  RunnerConfig,
  "dir" | "count" | "maxAttempts" | "concurrency" | "signal" | "maxConsecutiveFailures" | "onProgress" | "onCheckpoint" | "checkpointMs" | "onRecovered"
>;

/** What every dialogue of a run is generated with; the seed and the abort signal are per dialogue. */
export type RunGenerateOptions = Omit<GenerateOptions, "seed" | "signal" | "maxToolRounds" | "executeTool">;

/** A run's generate options from its config (or options) fields of the same names, unset ones left out. */
export function generateOptionsOf(c: RunGenerateOptions): RunGenerateOptions {
  return {
    usePlan: c.usePlan,
    ...(c.maxTurns !== undefined ? { maxTurns: c.maxTurns } : {}),
    ...(c.toolErrorRate !== undefined ? { toolErrorRate: c.toolErrorRate } : {}),
    ...(c.stepMix !== undefined ? { stepMix: c.stepMix } : {}),
    ...(c.keepReasoning ? { keepReasoning: true } : {}),
    ...(c.temperature !== undefined ? { temperature: c.temperature } : {}),
  };
}

/** The outcome of attempting dialogue `index`: decided (accepted / rejected), aborted, or a fatal error. */
export type DialogueOutcome = Outcome;

/**
 * Generate and verify dialogue `index` of a run: everything is derived from the run's definition and the index
 * (seed deriveSeed(seed, index), sample index), so any process computes the same record. `deduper` (optional)
 * only spares the round trip and judge calls for a dialogue that is already a near-duplicate; the duplicate
 * decision itself is the caller's (in index order).
 */
export async function attemptDialogue(
  config: AttemptConfig,
  index: number,
  signal: AbortSignal,
  deduper?: Pick<DeduperLike, "check">,
): Promise<Outcome> {
  // --execute: the dialogue's own tool execution; its server processes end when the dialogue is generated (or
  // fails), and a rejected record lists the writes it executed.
  const execution = config.execution?.openDialogue(dialogueId(config.seed, index));
  try {
    const outcome = await attemptWith(config, index, signal, deduper, execution);
    const writes = execution?.writes() ?? [];
    if (outcome.kind === "rejected" && writes.length > 0) return { ...outcome, record: { ...outcome.record, executedWrites: writes } };
    return outcome;
  } finally {
    await execution?.close();
  }
}

async function attemptWith(
  config: AttemptConfig,
  index: number,
  signal: AbortSignal,
  deduper: Pick<DeduperLike, "check"> | undefined,
  execution: DialogueExecution | undefined,
): Promise<Outcome> {
  const seed = deriveSeed(config.seed, index);
  const sample = sampleFor(config.samples, index);
  const id = dialogueId(config.seed, index);
  const tools = sample.tools.map((name) => {
    const spec = config.tools.get(name);
    if (!spec) throw new ToolflowError(`sample ${sample.id} names tool "${name}", which the tools file lacks`);
    return spec;
  });
  // What this dialogue costs, including the calls of a dialogue that later fails (its rejected record says so).
  const meter = new UsageCounter();
  const counted = usageMiddleware(meter);
  const base = config.models.forDialogue(seed);
  const models = Object.fromEntries(DIALOGUE_ROLES.map((r) => [r, wrapModel(base[r], counted)])) as DialogueModels;
  const backend = backendOf(base);
  const createdAt = () => new Date().toISOString();
  let dialogue: GeneratedDialogue;
  try {
    const checkAtTurn = config.deps.checkCallsAtTurn;
    dialogue = await config.deps.generateDialogue(sample, tools, models, {
      seed,
      signal,
      persona: personaAt(config.seed, index),
      ...generateOptionsOf(config),
      ...(execution ? { executeTool: execution.hook } : {}),
      // Repair at the turn: the verifier's own provenance rule, applied to each reply's calls as they are made.
      ...(config.provenance === "reject" && config.turnRepair !== false && checkAtTurn
        ? {
            checkCalls: (before, reply, replyTools) =>
              checkAtTurn(
                { tools: [...replyTools], plan: null, messages: [...before, reply], stepOf: [...before, reply].map(() => null) },
                (reply.tool_calls ?? []).map((c) => c.id),
              ),
          }
        : {}),
    });
  } catch (err) {
    await execution?.close();
    if (signal.aborted) return { kind: "aborted" };
    if (isFatalError(err)) return { kind: "fatal", error: err };
    const stage = (err as { stage?: unknown }).stage;
    // Neither of the first two is a model failure (they do not count towards the failures in a row):
    // - the planner found no coherent conversation for the sample; the next attempt takes the next sample, and the
    //   manifest counts it;
    // - calls still ungrounded after repair at the turn: the provenance check's rejection, made before the rest of
    //   the dialogue was paid for.
    const rejection =
      err instanceof SampleUnusableError
        ? { check: "unusable_sample", reasons: [err.reason] }
        : err instanceof UngroundedCallError
          ? { check: "provenance", reasons: [`at the turn, after repair: ${err.problems.join("; ")}`] }
          : { check: "generation", reasons: [`${typeof stage === "string" ? `[${stage}] ` : ""}${errorMessage(err)}`] };
    return {
      kind: "rejected",
      generationFailure: rejection.check === "generation",
      record: {
        id,
        index,
        seed,
        sampleId: sample.id,
        models: meter.models(),
        backend,
        usage: meter.byRole(),
        createdAt: createdAt(),
        rejectedBy: [rejection],
      },
    };
  }
  await execution?.close(); // the dialogue's server processes are not needed for its checks
  if (signal.aborted) return { kind: "aborted" };
  const checks: DialogueForChecks = {
    tools,
    plan: dialogue.plan,
    messages: dialogue.messages,
    stepOf: dialogue.stepOf,
    ...(config.keepReasoning && dialogue.reasoning ? { reasoning: dialogue.reasoning } : {}),
  };
  let verification: Verification;
  try {
    verification = config.deps.verifyDialogue(checks, { provenance: config.provenance });
  } catch (err) {
    return { kind: "fatal", error: err };
  }
  const provenanceFailed = verification.checks.some((c) => c.name === "provenance" && !c.passed);
  if (provenanceFailed && config.models.provenanceJudge && config.deps.judgeProvenance) {
    // the rules left values ungrounded: the provenance judge decides on them (one request for the dialogue)
    try {
      const check = await config.deps.judgeProvenance(wrapModel(config.models.provenanceJudge, counted), checks, { signal });
      const all = verification.checks.map((c) => (c.name === "provenance" ? check : c));
      verification = { passed: all.every((c) => c.passed), checks: all };
    } catch (err) {
      if (signal.aborted) return { kind: "aborted" };
      if (isFatalError(err)) return { kind: "fatal", error: err };
      // no usable answer: the rules' verdict stands, with why the judge could not help
      verification = {
        ...verification,
        checks: verification.checks.map((c) => (c.name === "provenance" ? { ...c, reasons: [...c.reasons, `provenance judge: ${errorMessage(err)}`] } : c)),
      };
    }
  }
  const rejectedBy: RejectedRecord["rejectedBy"] = [];
  if (!dialogue.complete) {
    rejectedBy.push({
      check: "incomplete",
      reasons: ["the turn limit was reached before every plan step was done"],
    });
  }
  for (const c of verification.checks) if (!c.passed) rejectedBy.push({ check: c.name, reasons: c.reasons });
  if (!verification.passed && rejectedBy.every((r) => r.check === "incomplete")) {
    rejectedBy.push({ check: "verification", reasons: ["verification failed without naming a check"] });
  }
  const ids = Object.fromEntries(DIALOGUE_ROLES.map((r) => [r, base[r].id]));
  const models_ = { ...ids, ...meter.models() };
  const record: DialogueRecord = {
    id,
    index,
    seed,
    sampleId: sample.id,
    tools,
    plan: dialogue.plan,
    messages: dialogue.messages,
    stepOf: dialogue.stepOf,
    persona: dialogue.persona,
    ...(config.keepReasoning && dialogue.reasoning ? { reasoning: dialogue.reasoning } : {}),
    ...(config.execution && dialogue.execution ? { execution: dialogue.execution } : {}),
    verification,
    models: models_,
    backend,
    usage: meter.byRole(),
    createdAt: createdAt(),
  };
  if (rejectedBy.length > 0) {
    return { kind: "rejected", generationFailure: false, record: { ...stripForRejected(record), rejectedBy } };
  }
  // A model step after verification (round trip, judge) that fails: the run stops, or the dialogue is rejected
  // under the step's check with what it cost.
  const failedStep = (err: unknown, check: string): Outcome => {
    if (signal.aborted) return { kind: "aborted" };
    if (isFatalError(err)) return { kind: "fatal", error: err };
    return {
      kind: "rejected",
      generationFailure: true,
      record: { ...stripForRejected(record), usage: meter.byRole(), rejectedBy: [{ check, reasons: [errorMessage(err)] }] },
    };
  };
  if (config.models.roundTrip && config.deps.roundTrip && !(deduper?.check(checks).duplicate ?? false)) {
    // after the rule checks, before the judge: a dialogue another model cannot re-answer is not paid a judge
    const min = config.roundTripMin ?? 1;
    try {
      const rt = await config.deps.roundTrip(wrapModel(config.models.roundTrip, counted), checks, { signal });
      record.models = { ...record.models, ...meter.models() };
      record.usage = meter.byRole();
      if (rt.agreement !== null && rt.agreement < min) {
        return { kind: "rejected", generationFailure: false, record: { ...stripForRejected(record), rejectedBy: [{ check: "round_trip", reasons: rt.reasons(min) }] } };
      }
    } catch (err) {
      return failedStep(err, "round_trip");
    }
  }
  if (config.models.judge && config.deps.judgeDialogue) {
    if (deduper?.check(checks).duplicate) {
      // do not pay the judge for a dialogue that commit() will drop as a duplicate
      return { kind: "accepted", record, checks };
    }
    let verdict: JudgeVerdict;
    try {
      const judgeModel = wrapModel(config.models.judge, counted);
      verdict = await config.deps.judgeDialogue(judgeModel, checks);
      record.judge = verdict.scores;
      if (verdict.flaws && verdict.flaws.length > 0) record.judgeFlaws = verdict.flaws;
      record.models = { ...record.models, ...meter.models() };
      record.usage = meter.byRole();
    } catch (err) {
      return failedStep(err, "judge");
    }
    const low = judgeRejectReasons(verdict, { ...(config.judgeMin !== undefined ? { min: config.judgeMin } : {}), ...(config.judgeFlaws ? { flaws: true } : {}) });
    if (low.length > 0) {
      return { kind: "rejected", generationFailure: false, record: { ...stripForRejected(record), rejectedBy: [{ check: "judge", reasons: low }] } };
    }
  }
  return { kind: "accepted", record, checks };
}

