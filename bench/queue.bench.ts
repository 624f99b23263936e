/**
 * Synthesis on BullMQ workers over Redis (src/queue):
 *  1. throughput with 1, 2 and 4 worker processes against the local OpenAI-compatible server with a fixed latency
 *     L per model call (each call is one HTTP round trip to the server, the sim writes the content; see
 *     bench/queue-worker.ts), C dialogues at once per worker. The machine has 2 cores: the work is latency-bound,
 *     so throughput should grow with the workers until the CPU (sim + HTTP + Redis) is the limit.
 *  2. the Redis overhead per job with an instant model: enqueue (addBulk), a BullMQ worker taking and completing
 *     the job, storing the outcome (HSETNX script), and collecting it (HMGET + ordered decisions + files); and a
 *     whole queued run on one in-process worker against the same run done locally.
 *
 *   npm run bench queue      (QUEUE_BENCH_N dialogues per setting, default 120; QUEUE_BENCH_L ms, default 50;
 *                             QUEUE_BENCH_C per worker, default 8; QUEUE_BENCH_JOBS for part 2, default 2000)
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { DialogueRecordZ, type DialogueRecord } from "../src/core/index.js";
import {
  collectRun,
  jobIdOf,
  parseQueueUrl,
  QUEUE_RUN_FORMAT,
  redisOptions,
  RunStore,
  runQueuedSynth,
  startWorker,
  type StoredRun,
} from "../src/queue/index.js";
import { runSynth, type SynthOptions } from "../src/synth/index.js";
import { startRedis } from "../test/support/redis.js";
import { writeBfclMultiTurnTools } from "../test/e2e/support/run-files.js";
import { startChild } from "./child.js";
import { testSynthOptions } from "../test/support/synth-options.js";

const N = Number(process.env.QUEUE_BENCH_N ?? 120);
const L = Number(process.env.QUEUE_BENCH_L ?? 50);
const C = Number(process.env.QUEUE_BENCH_C ?? 8);
const JOBS = Number(process.env.QUEUE_BENCH_JOBS ?? 2000);

/** Start a child that prints one line when ready; `stop()` sends SIGTERM and returns its last line. */

const quiet = { write: () => true } as unknown as NodeJS.WritableStream;

function synthOptions(tools: string, out: string, count: number, seed: number): SynthOptions {
  return testSynthOptions({ tools, out, count, seed, concurrency: 8, size: { min: 2, max: 5 } });
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "bench-queue-"));
  const redis = await startRedis();
  const server = await startChild("test/support/openai-server.ts", { latencyMs: L, keepRequests: 0 });
  const baseURL = (JSON.parse(server.first) as { baseURL: string }).baseURL;
  try {
    const tools = (await writeBfclMultiTurnTools(dir)).path;

    // ---- 1. throughput with 1, 2, 4 worker processes
    console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(2)).join(" ")} (other work on the machine skews the figures)`);
    console.log(`throughput: ${N} dialogues per setting, ${L} ms per model call (HTTP round trip to the local server), ${C} dialogues at once per worker`);
    const rows: Array<{ workers: number; seconds: number; perSecond: number; cpuMs: number }> = [];
    for (const workers of [1, 2, 4]) {
      const procs = await Promise.all(
        Array.from({ length: workers }, () => startChild("bench/queue-worker.ts", { url: redis.url, baseURL, concurrency: C })),
      );
      const t0 = performance.now();
      const summary = await runQueuedSynth(
        synthOptions(tools, join(dir, `run-${workers}`), N, 100 + workers),
        { url: redis.url, run: `bench-${workers}`, pollMs: 20 },
        { stderr: quiet, tty: false },
      );
      const seconds = (performance.now() - t0) / 1000;
      const stats = (await Promise.all(procs.map((p) => p.stop()))).map((l) => JSON.parse(l ?? "{}") as { cpuMs?: number });
      const decided = summary.manifest.counts.accepted + summary.manifest.counts.rejected;
      rows.push({ workers, seconds, perSecond: decided / seconds, cpuMs: stats.reduce((s, x) => s + (x.cpuMs ?? 0), 0) });
    }
    const base = rows[0]!.perSecond;
    for (const r of rows) {
      console.log(
        `  ${r.workers} worker(s): ${r.seconds.toFixed(2)} s, ${r.perSecond.toFixed(1)} dialogues/s ` +
          `(x${(r.perSecond / base).toFixed(2)} of 1 worker), workers' CPU ${(r.cpuMs / 1000).toFixed(1)} s`,
      );
    }

    // ---- 2. Redis overhead per job, instant model
    console.log(`\nRedis overhead per job (${JOBS} jobs, instant model):`);
    const q = parseQueueUrl(redis.url);
    const conn = new Redis(redisOptions(q));
    const sample = readFileSync(join(dir, "run-1", "dialogues.jsonl"), "utf8").split("\n")[0] as string;
    const template = DialogueRecordZ.parse(JSON.parse(sample)) as DialogueRecord;
    const name = "overhead";
    const store = new RunStore(conn, name);
    const stored: StoredRun = {
      format: QUEUE_RUN_FORMAT,
      run: name,
      options: { ...synthOptions(tools, join(dir, "overhead"), JOBS, 1), maxAttempts: JOBS },
      definition: { count: JOBS },
      manifest: { createdAt: new Date().toISOString(), options: {}, inputs: {}, seeds: { run: 1, sampling: null, dialogue: "" }, maxAttempts: JOBS, prices: {}, priceSources: {} },
    };
    await store.create(stored, [{ id: "s", tools: [template.tools[0]!.name], edges: [], strategy: "walk", seed: 1, requestedSize: 1 }], template.tools);
    const queueName = "toolflow-bench-overhead";
    const queue = new Queue(queueName, { connection: redisOptions(q) });
    let t = performance.now();
    for (let i = 0; i < JOBS; i += 500) {
      await queue.addBulk(
        Array.from({ length: Math.min(500, JOBS - i) }, (_, k) => ({
          name: "dialogue",
          data: { run: name, index: i + k },
          opts: { jobId: jobIdOf(name, i + k), removeOnComplete: true },
        })),
      );
    }
    const enqueueUs = ((performance.now() - t) * 1000) / JOBS;
    // a worker that only stores the (prepared) record of each job
    let done = 0;
    let finish: () => void = () => {};
    const allDone = new Promise<void>((r) => (finish = r));
    t = performance.now();
    const worker = new Worker(
      queueName,
      async (job) => {
        const index = (job.data as { index: number }).index;
        await store.storeOutcome(index, { kind: "accepted", record: { ...template, index, id: `tf-1-${index}` } });
        if (++done === JOBS) finish();
      },
      { connection: redisOptions(q), concurrency: 16 },
    );
    await allDone;
    const takeStoreUs = ((performance.now() - t) * 1000) / JOBS;
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
    // storing alone
    const alone = new RunStore(conn, "overhead-store");
    t = performance.now();
    for (let i = 0; i < 500; i++) await alone.storeOutcome(i, { kind: "accepted", record: { ...template, index: i } });
    const storeUs = ((performance.now() - t) * 1000) / 500;
    // collecting: ordered decisions (dedupe off: the records are copies) and the files
    t = performance.now();
    const collected = await collectRun(store, stored, join(dir, "overhead-out"), {
      deps: { ...(await import("../src/synth/index.js")).defaultSynthDeps(), createDeduper: () => ({ check: () => ({ duplicate: false }), add: () => {} }) },
    });
    const collectUs = ((performance.now() - t) * 1000) / JOBS;
    conn.disconnect();
    console.log(`  record size ${(Buffer.byteLength(sample) / 1024).toFixed(1)} KiB`);
    console.log(`  enqueue (addBulk by 500):            ${enqueueUs.toFixed(0)} µs/job`);
    console.log(`  take + store + complete (16 at once): ${takeStoreUs.toFixed(0)} µs/job`);
    console.log(`  store alone (HSETNX script, serial):  ${storeUs.toFixed(0)} µs/job`);
    console.log(`  collect (${collected.accepted} records to files):     ${collectUs.toFixed(0)} µs/job`);
    console.log(`  total Redis path:                     ${(enqueueUs + takeStoreUs + collectUs).toFixed(0)} µs/job`);

    // a whole run, queued on one in-process worker vs local, sim with no latency
    const M = 200;
    const w = await startWorker({ url: redis.url, concurrency: 8 });
    t = performance.now();
    await runQueuedSynth(synthOptions(tools, join(dir, "q-instant"), M, 7), { url: redis.url, run: "instant", pollMs: 5 }, { stderr: quiet, tty: false });
    const queuedMs = performance.now() - t;
    await w.close();
    t = performance.now();
    await runSynth(synthOptions(tools, join(dir, "l-instant"), M, 7), { stderr: quiet, tty: false });
    const localMs = performance.now() - t;
    console.log(
      `  whole run of ${M} sim dialogues: local ${(localMs / 1000).toFixed(2)} s, queued (1 in-process worker) ${(queuedMs / 1000).toFixed(2)} s: ` +
        `${(((queuedMs - localMs) * 1000) / M).toFixed(0)} µs/dialogue more (planning included)`,
    );
  } finally {
    await server.stop();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
