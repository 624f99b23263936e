/**
 * `toolflow synth ... --queue redis://... --run NAME`: plan the run (inputs, samples, definition) and store it in
 * Redis, enqueue one BullMQ job per dialogue index, in batches, keeping (accepted + outstanding) at --count as the
 * local run keeps (accepted + in flight) at it: a rejected dialogue enqueues a replacement index. Follow the stored
 * outcomes in index order with the same progress display, and collect the run folder at the end. Started again
 * under the same name, it continues the stored run; a different definition is refused, naming the options.
 */
import { resolve } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { Queue } from "bullmq";
import { stripUrlCredentials, UsageError, type ToolSpec } from "../core/index.js";
import {
  runProgressReporter,
  defaultMaxAttempts,
  defaultSynthDeps,
  diffRunDefinitions,
  environmentSecrets,
  loadRunInputs,
  manifestOptions,
  openSynthModels,
  openToolExecution,
  redactSecrets,
  runDefinition,
  SynthRunError,
  validateSynthOptions,
  type ProgressReporter,
  type RunDefinition,
  type RunProgress,
  type SynthIo,
  type SynthOptions,
} from "../synth/index.js";
import { describeDiffs, type Manifest, type Session } from "../data/index.js";
import { checkOutDir, collectRun, decideStored } from "./collect.js";
import { checkRedis, openRedis, parseQueueUrl, redisOptions } from "./connection.js";
import { OrderedRun } from "./order.js";
import { checkRunName, jobIdOf, QUEUE_NAME, QUEUE_RUN_FORMAT, RunStore, type StoredRun } from "./store.js";
import type { JobData } from "./worker.js";

export interface QueueTarget {
  /** `--queue redis://HOST:PORT/DB`. */
  url: string;
  /** `--run NAME`. */
  run: string;
  /** Jobs enqueued per addBulk call at most (default 500). */
  batch?: number;
  /** How often the stored outcomes are read (default 200 ms). */
  pollMs?: number;
  /** Enqueue again the jobs of undecided indices after this long without a new outcome (default 60 s). */
  requeueAfterMs?: number;
  /** Attempts per job for transient errors (default 5). */
  jobAttempts?: number;
}

export type QueuedSynthIo = Pick<
  SynthIo,
  "stderr" | "tty" | "progressIntervalMs" | "progressEveryN" | "signal" | "env" | "models" | "deps"
>;

export interface QueuedSynthSummary {
  status: "complete" | "interrupted";
  dir: string;
  manifest: Manifest;
  sessionAccepted: number;
  sessionRejected: number;
}

/** A URL without user-info: workers read their key from their own environment, never from Redis. */
function withoutUserInfo(url: string): string {
  try {
    const u = new URL(url);
    if (u.username === "" && u.password === "") return url;
    u.username = "";
    u.password = "";
    const text = u.toString();
    return url.endsWith("/") ? text : text.replace(/\/$/, "");
  } catch {
    return stripUrlCredentials(url);
  }
}

export async function runQueuedSynth(input: SynthOptions, target: QueueTarget, io: QueuedSynthIo = {}): Promise<QueuedSynthSummary> {
  const options = validateSynthOptions(input);
  if (options.dryRun) throw new UsageError("--dry-run does not enqueue; drop --queue to see the dry run");
  if (options.force) throw new UsageError("--force does not apply to --queue runs: the run is kept in Redis under --run; use another --run name");
  const run = checkRunName(target.run);
  const q = parseQueueUrl(target.url);
  const stderr = io.stderr ?? process.stderr;
  const env = io.env ?? process.env;
  const secrets = environmentSecrets(env);
  const say = (line: string) => stderr.write(redactSecrets(line, secrets) + "\n");
  await checkRedis(q);

  const maxAttempts = options.maxAttempts ?? defaultMaxAttempts(options.count);
  const inputs = await loadRunInputs(options, { sampleCount: maxAttempts, log: say });
  const definition: RunDefinition = runDefinition(options, inputs.hashes);
  await checkOutDir(options.out, definition); // the folder written at the end must not hold another run
  // --execute: which tool runs where, checked here (a bad config or a missing variable fails now); each worker
  // opens its own executors.
  const execution = await openToolExecution(options, inputs.tools, env);
  if (execution) {
    for (const line of execution.planLines) say(`synth: ${line}`);
    await execution.close();
  }
  // Open the models once here as a local run does: a model that cannot start fails now, not in every worker.
  const models = await (io.models ?? openSynthModels)({ ...options, cache: undefined }, { env });
  const modelsDescribe = models.describe();
  const prices = models.prices ?? {};
  const priceSources = models.priceSources ?? {};
  await models.close();

  const storedOptions: Record<string, unknown> = {
    ...options,
    ...(options.baseUrl !== undefined ? { baseUrl: withoutUserInfo(options.baseUrl) } : {}),
    out: resolve(options.out),
  };
  delete storedOptions.cache; // each worker has its own response cache (docs/scale.md)
  const now = new Date().toISOString();
  const planned: StoredRun = {
    format: QUEUE_RUN_FORMAT,
    run,
    options: storedOptions,
    definition: { ...definition },
    manifest: {
      createdAt: now,
      options: { ...manifestOptions(options), queue: q.display, run },
      inputs: { ...inputs.describe, models: modelsDescribe },
      seeds: { run: options.seed, sampling: inputs.samplingSeed, dialogue: "deriveSeed(run, index)" },
      maxAttempts,
      prices,
      priceSources,
    },
  };
  const names = new Set(inputs.samples.flatMap((s) => s.tools));
  const tools: ToolSpec[] = [...inputs.tools.values()].filter((t) => names.has(t.name));

  const redis = openRedis(q, say);
  const store = new RunStore(redis, run);
  let queue: Queue | undefined;
  let reporter: ProgressReporter | undefined;
  let lastProgress: RunProgress | undefined;
  try {
    const existing = await store.create(planned, inputs.samples, tools);
    const stored = existing ?? planned;
    if (existing) {
      const diffs = diffRunDefinitions(existing.definition as unknown as RunDefinition, definition);
      if (diffs.length > 0) {
        throw new UsageError(
          `--run ${run}: the options differ from the run stored in Redis at ${q.display} (${describeDiffs(diffs)}); ` +
            `use the run's options, or another --run name`,
        );
      }
      say(`synth: continuing queued run "${run}" at ${q.display}`);
    } else say(`synth: queued run "${run}" at ${q.display}: ${options.count} dialogues, start workers with \`toolflow worker --queue ${q.display}\``);

    const session: Session = {
      startedAt: now,
      endedAt: null,
      resumed: existing !== undefined,
      status: "running",
      accepted: 0,
      rejected: 0,
      repairedBytes: 0,
    };
    const sessionAt = await store.addSession(session);

    queue = new Queue(QUEUE_NAME, { connection: redisOptions(q) });
    queue.on("error", () => {}); // the connection reconnects; its commands wait (maxRetriesPerRequest: null)
    const attempts = target.jobAttempts ?? 5;
    const enqueue = async (indices: number[]): Promise<void> => {
      for (let i = 0; i < indices.length; i += target.batch ?? 500) {
        const batch = indices.slice(i, i + (target.batch ?? 500));
        await queue!.addBulk(
          batch.map((index) => ({
            name: "dialogue",
            data: { run, index } satisfies JobData,
            opts: {
              jobId: jobIdOf(run, index),
              attempts,
              backoff: { type: "exponential", delay: 1000 },
              removeOnComplete: true,
              removeOnFail: 5000,
            },
          })),
        );
      }
    };
    const deps = io.deps ?? defaultSynthDeps();
    const ordered = new OrderedRun(options.count, deps.createDeduper(), options.concurrency);

    /** Enqueue again the undecided indices below `enq` that have no outcome (a job lost with a Redis that lost data). */
    const requeueMissing = async (): Promise<number> => {
      const enq = await store.enqueued();
      const missing: number[] = [];
      for (let from = ordered.next; from < enq; from += 1000) {
        const raw = await store.rawOutcomes(from, Math.min(1000, enq - from));
        raw.forEach((r, k) => {
          if (r === null) missing.push(from + k);
        });
      }
      // a job still waiting, active or delayed is left alone; a lost one, or one that failed (e.g. stalled too
      // often), is enqueued again
      const again: number[] = [];
      for (const index of missing) {
        const job = await queue!.getJob(jobIdOf(run, index));
        if (job && (await job.isFailed())) await job.remove();
        else if (job) continue;
        again.push(index);
      }
      await enqueue(again);
      return again.length;
    };

    await decideStored(store, ordered);
    const recovered = { accepted: ordered.tally.accepted, rejected: ordered.tally.rejected };
    if (existing) {
      say(`synth: ${recovered.accepted} accepted and ${recovered.rejected} rejected dialogues already decided`);
      await requeueMissing();
    }
    const startedAt = Date.now();
    reporter = runProgressReporter(stderr, options.count, io);
    let status: QueuedSynthSummary["status"] = "complete";
    let lastDecided = ordered.next;
    let lastNewAt = Date.now();
    let outstanding = 0;
    const progress = (): RunProgress => ({
      target: options.count,
      accepted: ordered.tally.accepted,
      rejected: ordered.tally.rejected,
      inFlight: outstanding,
      sessionDecided: ordered.tally.accepted + ordered.tally.rejected - recovered.accepted - recovered.rejected,
      sessionAccepted: ordered.tally.accepted - recovered.accepted,
      tokens: ordered.tally.tokens,
      startedAt,
    });
    for (;;) {
      if (ordered.done) break;
      if (io.signal?.aborted) {
        status = "interrupted";
        break;
      }
      const failure = await store.firstError();
      if (failure) throw new SynthRunError(`a worker could not do dialogue ${failure.index} of run "${run}": ${failure.message}`);
      const counts = await store.counts();
      const enq = await store.enqueued();
      outstanding = enq - (counts.accepted + counts.rejected);
      // accepted in order so far, plus those accepted by workers beyond the decided prefix (not yet checked for duplicates)
      const provisional = ordered.tally.accepted + (counts.accepted - ordered.workerAccepted);
      const need = options.count - provisional - outstanding;
      if (need > 0 && enq < maxAttempts) {
        const n = Math.min(need, maxAttempts - enq);
        await enqueue(Array.from({ length: n }, (_, k) => enq + k));
        await store.setEnqueued(enq + n);
        outstanding += n;
      } else if (outstanding <= 0 && enq >= maxAttempts) {
        await decideStored(store, ordered);
        if (ordered.done) break;
        throw new SynthRunError(ordered.giveUpMessage(maxAttempts));
      }
      await decideStored(store, ordered);
      lastProgress = progress();
      reporter.update(lastProgress);
      if (ordered.next !== lastDecided) {
        lastDecided = ordered.next;
        lastNewAt = Date.now();
      } else if (Date.now() - lastNewAt > (target.requeueAfterMs ?? 60_000)) {
        const n = await requeueMissing();
        if (n > 0) say(`synth: no new outcome for a while; enqueued ${n} undecided dialogues again`);
        lastNewAt = Date.now();
      }
      if (ordered.done) break;
      await delay(target.pollMs ?? 200, undefined, io.signal ? { signal: io.signal } : {}).catch(() => {});
    }
    reporter.stop(lastProgress ?? progress());
    reporter = undefined;
    session.accepted = ordered.tally.accepted - recovered.accepted;
    session.rejected = ordered.tally.rejected - recovered.rejected;
    session.status = status;
    session.endedAt = new Date().toISOString();
    await store.updateSession(sessionAt, session);
    const collected = await collectRun(store, stored, options.out, { env, deps, status });
    const s = collected.manifest.counts;
    say(`synth: ${status}: ${s.accepted}/${options.count} accepted, ${s.rejected} rejected -> ${options.out}`);
    return { status, dir: options.out, manifest: collected.manifest, sessionAccepted: session.accepted, sessionRejected: session.rejected };
  } finally {
    reporter?.stop(lastProgress);
    await queue?.close().catch(() => {});
    await redis.quit().catch(() => redis.disconnect());
  }
}
