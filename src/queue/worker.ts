/**
 * `toolflow worker`: a BullMQ worker that takes dialogue jobs of any queued run, generates and verifies the
 * dialogue with the run's definition (the same code as a local run: synth's attemptDialogue), and stores the
 * outcome in Redis under (run, index) with HSETNX, so a job done twice stores one record.
 *
 * A worker that dies mid-job (SIGKILL, lost network) stops renewing the job's lock; BullMQ's stalled-job check
 * (every `lockDurationMs`) moves the job back to the wait list and another worker takes it. A fatal error (bad
 * credentials, an unknown model) fails the job for good and is stored for the run, where `synth` reports it.
 */
import { UnrecoverableError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";
import type { ModelMiddleware } from "../llm/index.js";
import type { RunModels } from "../models/index.js";
import {
  attemptConfigFor,
  attemptDialogue,
  defaultSynthDeps,
  openSynthModels,
  openToolExecution,
  SynthOptionsZ,
  validateSynthOptions,
  type AttemptConfig,
  type SynthDeps,
  type SynthOptions,
} from "../synth/index.js";
import { checkRedis, openRedis, parseQueueUrl, QueueError, redisOptions, type QueueUrl } from "./connection.js";
import { limiterKey, SharedRateLimiter } from "./limiter.js";
import { checkRunName, QUEUE_NAME, RunStore, type StoredOutcome } from "./store.js";

export const JobDataZ = z.object({ run: z.string(), index: z.number().int().min(0) });
export type JobData = z.infer<typeof JobDataZ>;

export interface WorkerConfig {
  /** `--queue redis://HOST:PORT/DB`. */
  url: string;
  /** Jobs (dialogues) at once in this worker. Default 4. */
  concurrency?: number;
  /** This worker's response cache folder (each worker has its own; see docs/scale.md). */
  cache?: string;
  /** Use this endpoint instead of the run's --base-url (e.g. the model server next to this worker). */
  baseUrl?: string;
  /** Requests per minute to a model endpoint, shared by every worker through Redis. */
  requestsPerMinute?: number;
  /** How long a job's lock lasts without renewal: a dead worker's job goes to another worker after this. Default 30 s. */
  lockDurationMs?: number;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** Middleware around every model call (tests and benchmarks). */
  middleware?: ModelMiddleware[];
  /** The stages for a run's options (default synth's defaultSynthDeps; the CLI adds the round trip). */
  deps?: (options: SynthOptions) => Promise<SynthDeps> | SynthDeps;
}

export interface WorkerStats {
  /** Outcomes this worker stored (first write of an index). */
  stored: number;
  /** Jobs whose index already had an outcome (done twice: nothing stored). */
  skipped: number;
  failed: number;
}

export interface QueueWorker {
  stats: WorkerStats;
  /** Stop taking jobs, finish the ones in flight, close every connection. */
  close(): Promise<void>;
}

interface RunContext {
  store: RunStore;
  config: AttemptConfig;
  models: RunModels;
  /** --execute of the run: its executors, opened on this worker (config file and env vars read here). */
  execution?: { close(): Promise<void> };
}

/** Open the run's models and inputs as its definition says (options re-validated; this worker's cache and endpoint). */
async function openRunContext(redis: Redis, run: string, w: WorkerConfig, limiterRedis: Redis): Promise<RunContext> {
  const store = new RunStore(redis, checkRunName(run, "job"));
  const stored = await store.load();
  if (!stored) throw new QueueError(`job of run "${run}": no such run in Redis (was it deleted?)`);
  const given = SynthOptionsZ.partial().safeParse(stored.options);
  if (!given.success) throw new QueueError(`run "${run}": its stored options are not synth options`);
  const options = validateSynthOptions({
    ...given.data,
    concurrency: w.concurrency ?? 4,
    cache: w.cache,
    baseUrl: w.baseUrl ?? given.data.baseUrl,
    resume: false,
    force: false,
    dryRun: false,
  });
  const { samples, tools } = await store.inputs();
  const middleware: ModelMiddleware[] = [];
  // The request budget is shared by every worker through Redis: this worker's --rpm, else the run's (synth --rpm),
  // never a local limiter per worker (ten workers would send ten times the rate).
  const rpm = w.requestsPerMinute ?? options.rpm;
  delete options.rpm;
  if (rpm !== undefined) {
    const env = w.env ?? process.env;
    const endpoint = options.baseUrl ?? env.OPENAI_BASE_URL ?? "default";
    middleware.push(new SharedRateLimiter(limiterRedis, limiterKey(endpoint), { requestsPerMinute: rpm }).middleware());
  }
  middleware.push(...(w.middleware ?? []));
  const models = await openSynthModels(options, { env: w.env ?? process.env, middleware });
  const deps = w.deps ? await w.deps(options) : defaultSynthDeps();
  // --execute: each worker reaches the tools' servers itself (the config file at the same path, the auth variables
  // in this worker's environment).
  const execution = await openToolExecution(options, tools, w.env ?? process.env, true);
  return {
    store,
    models,
    config: attemptConfigFor(options, { samples, tools, models, deps, ...(execution ? { execution } : {}) }),
    ...(execution ? { execution } : {}),
  };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function startWorker(w: WorkerConfig): Promise<QueueWorker> {
  const q: QueueUrl = parseQueueUrl(w.url);
  await checkRedis(q);
  const log = w.log ?? (() => {});
  const redis = openRedis(q, log);
  const contexts = new Map<string, Promise<RunContext>>();
  const stats: WorkerStats = { stored: 0, skipped: 0, failed: 0 };
  const closing = new AbortController();

  const contextFor = (run: string): Promise<RunContext> => {
    let c = contexts.get(run);
    if (!c) {
      c = openRunContext(redis, run, w, redis);
      contexts.set(run, c);
      c.catch(() => contexts.delete(run)); // try again with the next job
    }
    return c;
  };

  const processor = async (job: Job): Promise<string> => {
    const data = JobDataZ.safeParse(job.data);
    if (!data.success) throw new UnrecoverableError(`job ${job.id}: not a toolflow dialogue job`);
    const { run, index } = data.data;
    const ctx = await contextFor(run);
    if (await ctx.store.hasOutcome(index)) {
      stats.skipped++;
      return "already stored";
    }
    const outcome = await attemptDialogue(ctx.config, index, closing.signal);
    if (outcome.kind === "fatal") {
      const message = `dialogue ${index}: ${errorMessage(outcome.error)}`;
      await ctx.store.recordError(index, message);
      throw new UnrecoverableError(message);
    }
    if (outcome.kind === "aborted") throw new Error(`dialogue ${index}: the worker stopped before it was done`);
    const toStore: StoredOutcome =
      outcome.kind === "accepted"
        ? { kind: "accepted", record: outcome.record }
        : { kind: "rejected", generationFailure: outcome.generationFailure, record: outcome.record };
    if (await ctx.store.storeOutcome(index, toStore)) {
      stats.stored++;
      return outcome.kind;
    }
    stats.skipped++;
    return "already stored";
  };

  const lockDuration = w.lockDurationMs ?? 30_000;
  const worker = new Worker(QUEUE_NAME, processor, {
    connection: redisOptions(q),
    concurrency: w.concurrency ?? 4,
    lockDuration,
    stalledInterval: lockDuration,
    maxStalledCount: 3,
    autorun: true,
  });
  let lastError = "";
  worker.on("error", (err) => {
    const m = errorMessage(err);
    if (m !== lastError) log(`worker: ${m}`);
    lastError = m;
  });
  worker.on("failed", (job, err) => {
    stats.failed++;
    if (!job) return;
    const attempts = job.opts.attempts ?? 1;
    const final = err instanceof UnrecoverableError || job.attemptsMade >= attempts;
    log(`worker: job ${job.id} failed${final ? "" : `, will be retried (${job.attemptsMade}/${attempts})`}: ${errorMessage(err)}`);
    const data = JobDataZ.safeParse(job.data);
    if (final && data.success && !(err instanceof UnrecoverableError)) {
      void new RunStore(redis, data.data.run).recordError(data.data.index, `dialogue ${data.data.index}: ${errorMessage(err)}`).catch(() => {});
    }
  });
  await worker.waitUntilReady();

  let closed: Promise<void> | undefined;
  return {
    stats,
    close() {
      closed ??= (async () => {
        await worker.close();
        closing.abort();
        for (const c of contexts.values()) {
          const ctx = await c.catch(() => undefined);
          await ctx?.models.close();
          await ctx?.execution?.close();
        }
        await redis.quit().catch(() => redis.disconnect());
      })();
      return closed;
    },
  };
}
