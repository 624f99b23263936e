import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { InputError, UsageError } from "../core/index.js";
import { DialogueRecordZ } from "../core/index.js";
import { parseSizeRange } from "../core/index.js";
import { validateSynthOptions, type SynthOptions } from "./options.js";
import { diffRunDefinitions, runDefinition } from "./option-table.js";
import { createProgressReporter, formatDuration, formatProgressLine } from "./progress.js";
import { buildManifest, computeCost, redactSecrets, type PriceFn } from "./manifest.js";
import { ManifestZ, type Session } from "../data/index.js";
import { costFor, UsageCounter } from "../llm/index.js";
import { RunTally } from "./tally.js";
import type { RunProgress } from "./runner.js";
import { testSynthOptions } from "../../test/support/synth-options.js";

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "synth-parts-"));
}

export function baseOptions(overrides: Partial<SynthOptions> = {}): SynthOptions {
  return testSynthOptions({ tools: "tools.jsonl", count: 10, seed: 1, out: "out", ...overrides });
}

describe("options", () => {
  it("parses size ranges and rejects bad ones with the flag name", () => {
    expect(parseSizeRange("2-5")).toEqual({ min: 2, max: 5 });
    expect(parseSizeRange("3")).toEqual({ min: 3, max: 3 });
    expect(() => parseSizeRange("5-2")).toThrow(/--size range is reversed/);
    expect(() => parseSizeRange("two")).toThrow(UsageError);
    expect(() => parseSizeRange("0-2")).toThrow(/--size must be at least 1/);
  });

  it("names the option that fails validation", () => {
    expect(() => validateSynthOptions(baseOptions({ count: 0 }))).toThrow(/--count/);
    expect(() => validateSynthOptions(baseOptions({ toolErrorRate: 2 }))).toThrow(/--tool-error-rate/);
    expect(() => validateSynthOptions(baseOptions({ resume: true, force: true }))).toThrow(/exclude each other/);
  });

  it("diffs run definitions by CLI flag and ignores concurrency and cache", () => {
    const hashes = { tools: "abc", graph: null, samples: null };
    const a = runDefinition(baseOptions(), hashes);
    expect(diffRunDefinitions(a, runDefinition(baseOptions({ concurrency: 64, cache: "c" }), hashes))).toEqual([]);
    const d = diffRunDefinitions(a, runDefinition(baseOptions({ seed: 2, plan: false }), { ...hashes, tools: "def" }));
    expect(d.map((x) => x.flag)).toEqual(["--tools (file content)", "--seed", "--no-plan"]);
    expect(d[1]).toMatchObject({ before: 1, now: 2 });
  });
});

describe("progress", () => {
  const p = (over: Partial<RunProgress> = {}): RunProgress => ({
    target: 50,
    accepted: 20,
    rejected: 3,
    inFlight: 2,
    sessionDecided: 23,
    sessionAccepted: 20,
    tokens: 45_678,
    startedAt: 0,
    ...over,
  });

  it("formats rate, ETA and tokens", () => {
    // 20 accepted in 2 minutes = 10/min; 30 left = 3 minutes
    expect(formatProgressLine(p(), 120_000)).toBe(
      "synth: 20/50 accepted, 3 rejected, 10.0/min, ETA 3m00s, 45.7k tokens",
    );
    expect(formatDuration(3725)).toBe("1h02m");
  });

  it("writes plain lines every N dialogues when not on a terminal", () => {
    const chunks: string[] = [];
    const stream = new Writable({
      write(c: Buffer, _e, cb) {
        chunks.push(c.toString());
        cb();
      },
    });
    let t = 0;
    const r = createProgressReporter({ stream, tty: false, total: 50, everyN: 5, intervalMs: 1e9, now: () => t });
    for (let i = 1; i <= 12; i++) {
      t = i * 1000;
      r.update(p({ accepted: i, sessionAccepted: i, sessionDecided: i, rejected: 0 }));
    }
    r.stop();
    const lines = chunks.join("").trim().split("\n");
    expect(lines.map((l) => /synth: (\d+)\/50/.exec(l)?.[1])).toEqual(["5", "10", "12"]);
    expect(lines.every((l) => !l.includes("\x1b"))).toBe(true);
  });
});

describe("manifest helpers", () => {
  it("redacts keys, bearer tokens and URL credentials", () => {
    const text = redactSecrets(
      'key sk-test-PLANTED-123 url http://user:pw@host:8080/v1 Authorization: Bearer abcdefghijk other MYSECRET',
      ["MYSECRET"],
    );
    expect(text).not.toMatch(/PLANTED|pw@|abcdefghijk|MYSECRET/);
    expect(text).toContain("http://[redacted]@host:8080/v1");
  });

  it("prices usage per model and per role, listing unpriced models", () => {
    const tally = new RunTally();
    const u = (p: number, c: number) => ({ promptTokens: p, completionTokens: c, cachedTokens: 0, estimated: false });
    tally.addRejected({
      id: "a",
      index: 0,
      models: { planner: "openai:a", user: "openai:b" },
      usage: { planner: u(1_000_000, 0), user: u(10, 10) },
      rejectedBy: [{ check: "generation", reasons: ["x"] }],
    });
    const cost = computeCost(tally.snapshot(), (model, usage) =>
      model === "openai:a" ? usage.promptTokens / 1e6 * 2 : undefined,
    );
    expect(cost.byModel).toEqual({ "openai:a": 2, "openai:b": null });
    expect(cost.byRole).toEqual({ planner: 2, user: null });
    expect(cost.total).toBe(2);
    expect(cost.unpriced).toEqual(["openai:b"]);
  });

  it("gives cost with cache hits (what was paid) and without (response-cache hits and provider caching at full price)", () => {
    const prices = { "openai:a": { input: 2, output: 8, cachedInput: 1 } };
    const price: PriceFn = (model, usage) => costFor(prices, model, usage);
    // the run's counter: one paid call with 400k of 1M prompt tokens from the provider's cache, one response-cache hit
    const run = new UsageCounter({ prices });
    const dialogue = new UsageCounter({ prices, parent: run });
    dialogue.record("user", "openai:a", { promptTokens: 1e6, completionTokens: 1e5, cachedTokens: 4e5, estimated: false });
    dialogue.record("user", "openai:a", { promptTokens: 5e5, completionTokens: 5e4, cachedTokens: 0, estimated: false }, { cached: true });
    const tally = new RunTally();
    tally.addRejected({
      id: "a",
      index: 0,
      models: dialogue.models(),
      usage: dialogue.byRole(),
      rejectedBy: [{ check: "generation", reasons: ["x"] }],
    });
    const session: Session = {
      startedAt: "t", endedAt: "t", resumed: false, status: "complete", accepted: 0, rejected: 1, repairedBytes: 0,
      usage: run.summary(),
    };
    const m = buildManifest({
      createdAt: "t", status: "complete", definition: { count: 1 } as never, options: {}, inputs: {},
      seeds: { run: 1, sampling: null, dialogue: "x" }, maxAttempts: 1, snapshot: tally.snapshot(), price,
      prices: { "openai:a": { price: prices["openai:a"], source: "file" } }, sessions: [session],
    });
    // paid: 600k input at $2, 400k cached at $1, 100k output at $8
    expect(m.cost.total).toBeCloseTo(1.2 + 0.4 + 0.8, 6);
    // without: 1.5M prompt at $2, 150k output at $8
    expect(m.cost.withoutCache?.total).toBeCloseTo(3 + 1.2, 6);
    expect(m.cost.withoutCache?.byRole.user).toBeCloseTo(4.2, 6);
    expect(m.cost.withoutCache?.byModel["openai:a"]).toBeCloseTo(4.2, 6);
    expect(m.cost.prices?.["openai:a"]).toMatchObject({ source: "file" });
    // the run's own summary agrees
    expect(run.summary().total.costUsd).toBeCloseTo(2.4, 6);
    expect(run.summary().total.costWithoutCacheUsd).toBeCloseTo(4.2, 6);
    expect(ManifestZ.parse(JSON.parse(JSON.stringify(m))).cost.withoutCache?.total).toBeCloseTo(4.2, 6);
    // an unpriced model makes both null
    const none = buildManifest({
      createdAt: "t", status: "complete", definition: { count: 1 } as never, options: {}, inputs: {},
      seeds: { run: 1, sampling: null, dialogue: "x" }, maxAttempts: 1, snapshot: tally.snapshot(), price: () => undefined, sessions: [session],
    });
    expect(none.cost.total).toBeNull();
    expect(none.cost.withoutCache?.total).toBeNull();
    expect(none.cost.unpriced).toEqual(["openai:a"]);
  });
});
