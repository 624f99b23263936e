import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError, type DialogueRecord } from "../core/index.js";
import { runSynth, SynthRunError, type SynthOptions } from "../synth/index.js";
import { startOpenAIServer } from "../../test/support/openai-server.js";
import { petsOpenApi, startPetsApi } from "../../test/support/pets-api.js";
import { importTools } from "../tools/index.js";
import { freePort } from "../../test/support/ports.js";
import { startRedis, type RedisServer } from "../../test/support/redis.js";
import { tempDirForFile } from "../../test/support/tmp.js";
import { writeBfclMultiTurnTools } from "../../test/e2e/support/run-files.js";
import {
  checkRedis,
  collectQueuedRun,
  jobIdOf,
  limiterKey,
  parseQueueUrl,
  QUEUE_NAME,
  QueueError,
  redisOptions,
  RunStore,
  runQueuedSynth,
  SharedRateLimiter,
  startWorker,
  type QueueWorker,
} from "./index.js";
import { testSynthOptions } from "../../test/support/synth-options.js";
import { JUDGE_REASON, scriptedJudge } from "../../test/support/scripted-judge.js";
import { textSink as sink } from "../../test/support/streams.js";
import { recordsByIndex as byIndex } from "../../test/e2e/support/run-files.js";

const work = tempDirForFile("queue-");
let redis: RedisServer;
let tools: string;

beforeAll(async () => {
  redis = await startRedis();
  tools = (await writeBfclMultiTurnTools(work())).path;
}, 30_000);

afterAll(async () => {
  await redis?.stop();
});


function options(out: string, over: Partial<SynthOptions> = {}): SynthOptions {
  return testSynthOptions({ tools, count: 20, concurrency: 4, seed: 11, out, ...over });
}


describe("queue URLs and an unreachable Redis", () => {
  it("parses redis:// URLs, keeps passwords out of messages and names --queue in errors", () => {
    const q = parseQueueUrl("redis://:s3cret-pw@db.example:6380/3");
    expect(q).toMatchObject({ host: "db.example", port: 6380, db: 3, password: "s3cret-pw", tls: false });
    expect(q.display).not.toContain("s3cret");
    expect(parseQueueUrl("rediss://h").tls).toBe(true);
    expect(parseQueueUrl("redis://h").port).toBe(6379);
    expect(() => parseQueueUrl("http://h:1/0")).toThrow(/--queue: expected a redis:\/\//);
    expect(() => parseQueueUrl("redis://h:1/x")).toThrow(/--queue: the database must be a number/);
    expect(() => parseQueueUrl("redis://:pw123@h:1/x")).toThrow(UsageError);
  });

  it("fails with the URL when nothing listens there (synth, worker, collect)", async () => {
    const url = `redis://:hidden-pw@127.0.0.1:${await freePort()}/0`;
    const err = await checkRedis(parseQueueUrl(url), 1000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueError);
    expect((err as Error).message).toMatch(/cannot reach Redis at redis:\/\/.*127\.0\.0\.1:\d+\/0/);
    expect((err as Error).message).not.toContain("hidden-pw");
    await expect(startWorker({ url })).rejects.toThrow(/cannot reach Redis at/);
    await expect(collectQueuedRun({ url, run: "r", out: join(work(), "nothing") })).rejects.toThrow(/cannot reach Redis at/);
    await expect(runQueuedSynth(options(join(work(), "never")), { url, run: "r" }, { stderr: sink().stream })).rejects.toThrow(
      /cannot reach Redis at/,
    );
  });
});

describe("a queued run", () => {
  it("stores one record for a dialogue stored twice, and counts it once", async () => {
    const conn = new Redis(redisOptions(parseQueueUrl(redis.url)));
    try {
      const store = new RunStore(conn, "twice");
      const record = { id: "tf-1-000003", index: 3, seed: 1, sampleId: "s", rejectedBy: [{ check: "x", reasons: ["first"] }] };
      expect(await store.storeOutcome(3, { kind: "rejected", generationFailure: false, record })).toBe(true);
      const second = { ...record, rejectedBy: [{ check: "x", reasons: ["second"] }] };
      expect(await store.storeOutcome(3, { kind: "rejected", generationFailure: false, record: second })).toBe(false);
      expect(await store.counts()).toEqual({ accepted: 0, rejected: 1 });
      const [raw] = await store.rawOutcomes(3, 1);
      expect(raw).toContain("first");
    } finally {
      conn.disconnect();
    }
  });

  it("on two workers equals a local run with the same seed; continues when started again; refuses another definition", async () => {
    const local = join(work(), "local");
    await runSynth(options(local, { concurrency: 3 }), { stderr: sink().stream, tty: false });

    const workers: QueueWorker[] = [];
    try {
      for (let k = 0; k < 2; k++) workers.push(await startWorker({ url: redis.url, concurrency: 2, lockDurationMs: 5000 }));
      const out = join(work(), "queued");
      const log = sink();
      const summary = await runQueuedSynth(options(out), { url: redis.url, run: "equal", pollMs: 20 }, { stderr: log.stream, tty: false });
      expect(summary.status).toBe("complete");
      expect(summary.manifest.counts.accepted).toBe(20);
      // the two workers shared the jobs
      expect(workers.every((w) => w.stats.stored > 0)).toBe(true);

      for (const f of ["dialogues.jsonl", "rejected.jsonl"]) {
        const q = byIndex(join(out, f));
        const l = byIndex(join(local, f));
        expect([...q.keys()]).toEqual([...l.keys()].sort((a, b) => a - b)); // same indices, the queued file in order
        for (const [i, r] of l) expect(q.get(i), `${f} index ${i}`).toEqual(r);
      }
      expect(readFileSync(join(out, "samples.jsonl"), "utf8")).toBe(readFileSync(join(local, "samples.jsonl"), "utf8"));
      const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as Record<string, unknown>;
      const localManifest = JSON.parse(readFileSync(join(local, "manifest.json"), "utf8")) as Record<string, unknown>;
      for (const k of ["definition", "counts", "usage", "cost", "seeds"]) expect(manifest[k], k).toEqual(localManifest[k]);
      expect(manifest.status).toBe("complete");

      // started again under the same name: it continues (nothing left to do) and collects the same files
      const again = sink();
      const second = await runQueuedSynth(options(join(work(), "queued-again")), { url: redis.url, run: "equal", pollMs: 20 }, { stderr: again.stream, tty: false });
      expect(again.text()).toMatch(/continuing queued run "equal".*\n.*20 accepted/);
      expect(second.sessionAccepted).toBe(0);
      expect(readFileSync(join(work(), "queued-again", "dialogues.jsonl"), "utf8")).toBe(readFileSync(join(out, "dialogues.jsonl"), "utf8"));

      // a different definition under the same name is refused, naming the option
      await expect(
        runQueuedSynth(options(join(work(), "other"), { count: 21 }), { url: redis.url, run: "equal" }, { stderr: sink().stream }),
      ).rejects.toThrow(/--run equal: the options differ .*--count: was 20, now 21/);

      // a folder holding another run is refused before anything is enqueued
      await expect(
        runQueuedSynth(options(local, { seed: 12 }), { url: redis.url, run: "other-out" }, { stderr: sink().stream }),
      ).rejects.toThrow(/--out .*local holds another run \(--seed differ/);

      // a job done twice (enqueued again after it completed) stores nothing new
      const conn = new Redis(redisOptions(parseQueueUrl(redis.url)));
      const queue = new Queue(QUEUE_NAME, { connection: redisOptions(parseQueueUrl(redis.url)) });
      try {
        const store = new RunStore(conn, "equal");
        const before = await store.counts();
        const [rawBefore] = await store.rawOutcomes(0, 1);
        const skipped = workers.reduce((n, w) => n + w.stats.skipped, 0);
        await queue.add("dialogue", { run: "equal", index: 0 }, { jobId: jobIdOf("equal", 0) + "-again" });
        for (let t = 0; t < 200 && workers.reduce((n, w) => n + w.stats.skipped, 0) === skipped; t++) await new Promise((r) => setTimeout(r, 25));
        expect(workers.reduce((n, w) => n + w.stats.skipped, 0)).toBe(skipped + 1);
        expect(await store.counts()).toEqual(before);
        expect((await store.rawOutcomes(0, 1))[0]).toBe(rawBefore);
        const accepted = JSON.parse(rawBefore as string) as { record: DialogueRecord };
        expect(accepted.record.index).toBe(0);
      } finally {
        await queue.close();
        conn.disconnect();
      }
    } finally {
      await Promise.all(workers.map((w) => w.close()));
    }
  }, 60_000);

  it("decides with synth's judge gate (--judge-min): the files of a local run, rejections under judge", async () => {
    const gate = { count: 8, judge: "sim", judgeMin: 3 };
    const local = join(work(), "judge-local");
    await runSynth(options(local, gate), { stderr: sink().stream, tty: false, middleware: [scriptedJudge()] });
    const worker = await startWorker({ url: redis.url, concurrency: 2, middleware: [scriptedJudge()] });
    try {
      const out = join(work(), "judge-queued");
      const summary = await runQueuedSynth(options(out, gate), { url: redis.url, run: "judge-gate", pollMs: 20 }, { stderr: sink().stream, tty: false });
      expect(summary.status).toBe("complete");
      for (const f of ["dialogues.jsonl", "rejected.jsonl"]) {
        const q = byIndex(join(out, f));
        const l = byIndex(join(local, f));
        expect([...q.keys()]).toEqual([...l.keys()].sort((a, b) => a - b));
        for (const [i, r] of l) expect(q.get(i), `${f} index ${i}`).toEqual(r);
      }
      const rejected = [...byIndex(join(out, "rejected.jsonl")).values()] as Array<{ rejectedBy: Array<{ check: string; reasons: string[] }> }>;
      const byJudge = rejected.filter((r) => r.rejectedBy.some((c) => c.check === "judge"));
      expect(byJudge.length).toBeGreaterThan(0);
      for (const r of byJudge) expect(r.rejectedBy[0]!.reasons[0]).toBe(`accuracy 2 is below --judge-min 3: ${JUDGE_REASON}`);
      const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
      expect(manifest.counts.rejectedBy.judge).toBe(byJudge.length);
      expect(manifest.definition.judgeMin).toBe(3);
      // another --judge-min under the same name is refused, naming it
      await expect(
        runQueuedSynth(options(join(work(), "judge-other"), { ...gate, judgeMin: 4 }), { url: redis.url, run: "judge-gate" }, { stderr: sink().stream }),
      ).rejects.toThrow(/--judge-min: was 3, now 4/);
    } finally {
      await worker.close();
    }
  }, 60_000);

  it("keeps API keys and URL credentials out of Redis and the run folder", async () => {
    const KEY = "sk-planted-queue-7781";
    const env = { ...process.env, OPENAI_API_KEY: KEY };
    const worker = await startWorker({ url: redis.url, concurrency: 2, env });
    const out = join(work(), "secrets");
    try {
      const baseUrl = `http://user:${KEY}@127.0.0.1:9/v1`;
      await runQueuedSynth(options(out, { count: 2, baseUrl }), { url: redis.url, run: "secrets", pollMs: 20 }, { stderr: sink().stream, env });
    } finally {
      await worker.close();
    }
    const conn = new Redis(redisOptions(parseQueueUrl(redis.url)));
    try {
      const keys = await conn.keys("toolflow:run:secrets:*");
      expect(keys.length).toBeGreaterThan(3);
      for (const k of keys) {
        const type = await conn.type(k);
        const value =
          type === "string" ? await conn.get(k) : type === "hash" ? JSON.stringify(await conn.hgetall(k)) : JSON.stringify(await conn.lrange(k, 0, -1));
        expect(value, k).not.toContain(KEY);
      }
      const def = JSON.parse((await conn.get("toolflow:run:secrets:def")) as string) as { options: { baseUrl: string } };
      expect(def.options.baseUrl).toBe("http://127.0.0.1:9/v1");
    } finally {
      conn.disconnect();
    }
    for (const f of ["dialogues.jsonl", "manifest.json"]) expect(readFileSync(join(out, f), "utf8")).not.toContain(KEY);
  });

  it("runs --execute on the workers: each calls the API with the token from its own environment, kept out of Redis", async () => {
    const TOKEN = "pets-queue-token-5d1e";
    const api = await startPetsApi({ token: TOKEN });
    const dir = work();
    const doc = join(dir, "pets.json");
    writeFileSync(doc, JSON.stringify(petsOpenApi(api.baseUrl)));
    const config = join(dir, "execute.yaml");
    writeFileSync(config, `sources:\n  - match: pets.json\n    auth: {header: Authorization, env: PETS_TOKEN, prefix: "Bearer "}\n    retries: 0\n`);
    const petsTools = join(dir, "pets-tools.jsonl");
    writeFileSync(petsTools, (await importTools([doc])).tools.map((t) => JSON.stringify(t)).join("\n") + "\n");
    const env = { ...process.env, PETS_TOKEN: TOKEN };
    const worker = await startWorker({ url: redis.url, concurrency: 2, env });
    const out = join(dir, "run");
    try {
      // the run's --rpm (60,000: one request a millisecond) goes to the worker's shared Redis limiter
      const exec = { tools: petsTools, count: 4, seed: 3, size: { min: 2, max: 3 }, execute: "http,slowCall=simulate,flakyCall=simulate", executeConfig: config, rpm: 60_000 };
      const log = sink();
      const summary = await runQueuedSynth(options(out, exec), { url: redis.url, run: "exec", pollMs: 20 }, { stderr: log.stream, env });
      expect(summary.manifest.counts.accepted).toBe(4);
      const probe = new Redis(redisOptions(parseQueueUrl(redis.url)));
      try {
        expect(await probe.exists(limiterKey(process.env.OPENAI_BASE_URL ?? "default"))).toBe(1);
      } finally {
        probe.disconnect();
      }
      expect(log.text()).toMatch(/getPet\s+http\s+calls GET/); // the plan is said before anything is enqueued
    } finally {
      await worker.close();
      await api.close();
    }
    // the worker called the API, with the token of its own environment, and never sent a write
    expect(api.requests.length).toBeGreaterThan(0);
    for (const q of api.requests) expect(q.authorization).toBe(`Bearer ${TOKEN}`);
    expect(api.requests.filter((q) => q.method !== "GET")).toEqual([]);
    const records = readFileSync(join(out, "dialogues.jsonl"), "utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as DialogueRecord);
    const executed = records.flatMap((r) => (r.execution ?? []).filter((e) => e?.mode === "executed"));
    expect(executed.length).toBeGreaterThan(0);
    const conn = new Redis(redisOptions(parseQueueUrl(redis.url)));
    try {
      for (const k of await conn.keys("toolflow:run:exec:*")) {
        const type = await conn.type(k);
        const value = type === "string" ? await conn.get(k) : type === "hash" ? JSON.stringify(await conn.hgetall(k)) : "";
        expect(value, k).not.toContain(TOKEN);
      }
    } finally {
      conn.disconnect();
    }
    for (const f of ["dialogues.jsonl", "rejected.jsonl", "manifest.json"]) expect(readFileSync(join(out, f), "utf8")).not.toContain(TOKEN);
  });

  it("enqueues a lost job again when no outcome arrives for a while", async () => {
    const q = parseQueueUrl(redis.url);
    const conn = new Redis(redisOptions(q));
    const queue = new Queue(QUEUE_NAME, { connection: redisOptions(q) });
    let worker: QueueWorker | undefined;
    try {
      const log = sink();
      const done = runQueuedSynth(options(join(work(), "lost"), { count: 3 }), { url: redis.url, run: "lost", pollMs: 20, requeueAfterMs: 300 }, { stderr: log.stream, tty: false });
      const store = new RunStore(conn, "lost");
      while ((await store.enqueued()) < 3) await new Promise((r) => setTimeout(r, 10));
      // no worker yet: the jobs wait; one of them is lost
      expect(await queue.remove(jobIdOf("lost", 1))).toBe(1);
      worker = await startWorker({ url: redis.url, concurrency: 2 });
      const summary = await done;
      expect(summary.status).toBe("complete");
      expect(summary.manifest.counts.accepted).toBe(3);
      expect(log.text()).toMatch(/enqueued 1 undecided dialogues again/);
      expect(await store.counts()).toEqual({ accepted: 3, rejected: 0 });
    } finally {
      await worker?.close();
      await queue.close();
      conn.disconnect();
    }
  });

  it("stops synth with the worker's reason when a model error is fatal (bad key), naming the dialogue", async () => {
    const server = await startOpenAIServer({ apiKey: "sk-right-key-123456" });
    const worker = await startWorker({ url: redis.url, concurrency: 1, env: { ...process.env, OPENAI_API_KEY: "sk-wrong-key-654321" } });
    try {
      const err = await runQueuedSynth(
        options(join(work(), "fatal"), { count: 2, llm: ["openai:test-model"], baseUrl: server.baseURL }),
        { url: redis.url, run: "fatal", pollMs: 20 },
        { stderr: sink().stream, env: { ...process.env, OPENAI_API_KEY: "sk-right-key-123456" } },
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SynthRunError);
      expect((err as Error).message).toMatch(/a worker could not do dialogue \d+ of run "fatal": dialogue \d+: .*401/);
      expect((err as Error).message).not.toContain("sk-wrong-key-654321");
      expect(worker.stats.failed).toBeGreaterThan(0);
    } finally {
      await worker.close();
      await server.close();
    }
  });

  it("shares one request rate between workers through Redis", async () => {
    const a = new Redis(redisOptions(parseQueueUrl(redis.url)));
    const b = new Redis(redisOptions(parseQueueUrl(redis.url)));
    try {
      // 1200 requests a minute: one every 50 ms, whoever asks
      const la = new SharedRateLimiter(a, "toolflow:limit:test-endpoint", { requestsPerMinute: 1200 });
      const lb = new SharedRateLimiter(b, "toolflow:limit:test-endpoint", { requestsPerMinute: 1200 });
      const other = new SharedRateLimiter(b, "toolflow:limit:other-endpoint", { requestsPerMinute: 1200 });
      const t0 = performance.now();
      const grants: number[] = [];
      const take = async (l: SharedRateLimiter, n: number) => {
        for (let i = 0; i < n; i++) {
          await l.acquire();
          grants.push(performance.now() - t0);
        }
      };
      await Promise.all([take(la, 10), take(lb, 10)]);
      const elapsed = performance.now() - t0;
      // 20 requests at one per 50 ms: at least 19 intervals, not 9 (which two separate limiters would allow)
      expect(elapsed).toBeGreaterThanOrEqual(19 * 50 - 30);
      expect(la.granted + lb.granted).toBe(20);
      // another endpoint has its own schedule
      const t1 = performance.now();
      await other.acquire();
      expect(performance.now() - t1).toBeLessThan(40);
    } finally {
      a.disconnect();
      b.disconnect();
    }
  }, 20_000);
});
