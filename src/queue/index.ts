/**
 * Synthesis on BullMQ workers over Redis: `synth --queue/--run` plans and follows a run (runQueuedSynth),
 * `toolflow worker` generates its dialogues (startWorker), `toolflow collect` writes the run folder (collectRun).
 * See docs/scale.md.
 */
export { runQueuedSynth, type QueueTarget, type QueuedSynthIo, type QueuedSynthSummary } from "./coordinator.js";
export { startWorker, JobDataZ, type WorkerConfig, type QueueWorker, type WorkerStats, type JobData } from "./worker.js";
export { collectRun, collectQueuedRun, decideStored, type CollectedRun } from "./collect.js";
export { OrderedRun } from "./order.js";
export {
  RunStore,
  StoredRunZ,
  checkRunName,
  jobIdOf,
  parseOutcome,
  QUEUE_NAME,
  QUEUE_RUN_FORMAT,
  type StoredRun,
  type StoredOutcome,
} from "./store.js";
export { QueueError, parseQueueUrl, checkRedis, openRedis, redisOptions, type QueueUrl } from "./connection.js";
export { SharedRateLimiter, limiterKey, type SharedLimiterOptions } from "./limiter.js";
