/**
 * Synthesis on BullMQ workers over Redis, end to end with processes: three worker processes (startWorker, what
 * `toolflow worker` runs) and a queued `toolflow synth` (a CLI child process), 100 dialogues of an `openai:` model
 * whose every call goes over HTTP to the local OpenAI-compatible test server, answered with the sim's answers
 * (each worker files them with this process's bridge first: test/e2e/support/queue-worker.ts). The workers share
 * one request rate through Redis. One worker is SIGKILLed in the middle and Redis is restarted once (its
 * append-only file keeps the data). The collected run must have exactly 100 unique verified records, the same
 * (indices and content) as a local run with the same seed through the same server.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseQueueUrl, QUEUE_NAME, redisOptions, RunStore } from "../../src/queue/index.js";
import { PROJECT_ROOT, runCli } from "../support/cli.js";
import { startRedis, type RedisServer } from "../support/redis.js";
import { testSynthOptions } from "../support/synth-options.js";
import { tempDirForFile } from "../support/tmp.js";
import { readAccepted, readRejected, reverify, writeBfclMultiTurnTools } from "./support/run-files.js";
import { startFilingServer } from "./support/sim-bridge.js";
import { startSimServer, type SimServer } from "./support/sim-server.js";
import { recordsByIndex as byIndex } from "./support/run-files.js";

const N = 100;
const SEED = 23;
const work = tempDirForFile("e2e-queue-");
const KEY = "sk-e2e-queue";
let redis: RedisServer;
let tools: string;
let sim: SimServer;
let filing: { url: string; close(): Promise<void> };
const children: ChildProcess[] = [];

beforeAll(async () => {
  redis = await startRedis();
  tools = (await writeBfclMultiTurnTools(work())).path;
  sim = await startSimServer(KEY);
  filing = await startFilingServer(sim.bridge);
}, 30_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await redis?.stop();
  await sim?.close();
  await filing?.close();
});

function startWorker(name: string): { child: ChildProcess; stderr: () => string; exited: Promise<number | null> } {
  const args = { url: redis.url, baseUrl: sim.server.baseURL, fileTo: filing.url, concurrency: 2, lockDurationMs: 3000, rpm: 30000 };
  const child = spawn(
    process.execPath,
    ["--import", "tsx", resolve(PROJECT_ROOT, "test/e2e/support/queue-worker.ts"), JSON.stringify(args)],
    { cwd: PROJECT_ROOT, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, OPENAI_API_KEY: KEY } },
  );
  children.push(child);
  let err = "";
  child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
  return { child, stderr: () => `[${name}] ${err}`, exited };
}


describe("toolflow synth --queue on worker processes", () => {
  it("makes exactly 100 verified dialogues, equal to a local run, through a SIGKILLed worker and a Redis restart", async () => {
    const local = join(work(), "local");
    const common = ["--tools", tools, "--count", String(N), "--llm", "openai:test-model", "--base-url", sim.server.baseURL,
      "--seed", String(SEED), "--concurrency", "4"];
    await sim.synth(
      testSynthOptions({ tools, count: N, llm: ["openai:test-model"], concurrency: 4, seed: SEED, out: local, size: { min: 2, max: 5 }, baseUrl: sim.server.baseURL }),
    );
    const localRequests = sim.server.chatRequests().length;
    expect(sim.bridge.unmatched).toBe(0);

    const workers = [startWorker("w1"), startWorker("w2"), startWorker("w3")];
    const conn = new Redis(redisOptions(parseQueueUrl(redis.url)));
    conn.on("error", () => {});
    const events = new QueueEvents(QUEUE_NAME, { connection: redisOptions(parseQueueUrl(redis.url)) });
    events.on("error", () => {});
    const stalled: string[] = [];
    events.on("stalled", ({ jobId }) => stalled.push(jobId));
    await events.waitUntilReady();
    const store = new RunStore(conn, "e2e");
    const stored = async () => {
      const c = await store.counts();
      return c.accepted + c.rejected;
    };

    const out = join(work(), "queued");
    const synth = runCli(["synth", ...common, "--out", out, "--queue", redis.url, "--run", "e2e", "--progress-interval", "1"], {
      timeoutMs: 90_000,
      env: { OPENAI_API_KEY: KEY },
    });
    // the middle of the run: SIGKILL one worker while it has jobs in hand...
    let killedAt = 0;
    while ((killedAt = await stored()) < N / 5) await new Promise((r) => setTimeout(r, 20));
    workers[0]!.child.kill("SIGKILL");
    // ...then restart Redis under everyone's feet
    let restartedAt = 0;
    while ((restartedAt = await stored()) < N * 0.55) await new Promise((r) => setTimeout(r, 20));
    await redis.restart({ downMs: 300 });

    const result = await synth;
    const logs = () => [result.stderr, ...workers.map((w) => w.stderr())].join("\n");
    expect(result.code, logs()).toBe(0);
    expect(killedAt).toBeLessThan(N);
    expect(restartedAt).toBeLessThan(N);
    expect(await workers[0]!.exited).toBe(null); // it died by the signal
    // the killed worker's jobs went to the others through BullMQ's stalled-job check
    expect(stalled.length, logs()).toBeGreaterThan(0);
    expect(logs()).toMatch(/reconnect/i);
    // the workers' model calls went to the local test server, each answered with a filed sim answer
    expect(sim.server.chatRequests().length - localRequests).toBeGreaterThan(N * 5);
    expect(sim.bridge.unmatched, logs()).toBe(0);

    const accepted = readAccepted(out);
    expect(accepted).toHaveLength(N);
    expect(new Set(accepted.map((r) => r.index)).size).toBe(N);
    expect(new Set(accepted.map((r) => r.id)).size).toBe(N);
    expect(reverify(accepted)).toEqual([]);
    expect(accepted.map((r) => r.index)).toEqual([...accepted.map((r) => r.index)].sort((a, b) => a - b));

    // the same records as the local run, index by index
    for (const f of ["dialogues.jsonl", "rejected.jsonl"]) {
      const q = byIndex(join(out, f));
      const l = byIndex(join(local, f));
      expect([...q.keys()].sort((a, b) => a - b), f).toEqual([...l.keys()].sort((a, b) => a - b));
      for (const [i, r] of l) expect(q.get(i), `${f} index ${i}`).toEqual(r);
    }
    expect(readRejected(out).length).toBe(readRejected(local).length);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as { status: string; counts: { accepted: number } };
    expect(manifest.status).toBe("complete");
    expect(manifest.counts.accepted).toBe(N);

    // `toolflow collect` writes the same files from Redis
    const collected = join(work(), "collected");
    const c = await runCli(["collect", "--queue", redis.url, "--run", "e2e", "--out", collected]);
    expect(c.code, c.stderr).toBe(0);
    for (const f of ["dialogues.jsonl", "rejected.jsonl", "samples.jsonl"]) {
      expect(readFileSync(join(collected, f), "utf8"), f).toBe(readFileSync(join(out, f), "utf8"));
    }

    for (const w of workers.slice(1)) w.child.kill("SIGTERM");
    for (const w of workers.slice(1)) expect(await w.exited, w.stderr()).toBe(0);
    await events.close();
    conn.disconnect();
  }, 120_000);
});
