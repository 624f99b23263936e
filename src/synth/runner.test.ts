import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DialogueRecordZ, RejectedRecordZ, type ToolSample } from "../core/index.js";
import { ToolflowError } from "../core/index.js";
import { deriveSeed } from "../core/index.js";
import { fakeDeps, fakeModel, fakeProvider, fakeSamples, fakeTool } from "../../test/e2e/support/doubles.js";
import { SampleUnusableError } from "../agents/index.js";
import * as llm from "../llm/index.js";
import { isFatalError, runSynthesis, SynthRunError, type RunnerConfig } from "./runner.js";
import { RUN_FILES } from "../data/index.js";

const toolNames = ["alpha", "beta", "gamma"];
const tools = new Map(toolNames.map((n) => [n, fakeTool(n)]));

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "synth-runner-"));
}

function config(dir: string, overrides: Partial<RunnerConfig> = {}): RunnerConfig {
  const count = overrides.count ?? 10;
  return {
    dir,
    count,
    maxAttempts: count * 3 + 10,
    concurrency: 4,
    seed: 7,
    samples: fakeSamples(count * 3 + 10, toolNames),
    tools,
    usePlan: true,
    provenance: "reject",
    models: fakeProvider(),
    deps: fakeDeps(),
    ...overrides,
  };
}

function readLines(path: string): string[] {
  const text = readFileSync(path, "utf8");
  expect(text === "" || text.endsWith("\n")).toBe(true);
  return text.split("\n").filter((l) => l !== "");
}

function readRun(dir: string) {
  const accepted = readLines(join(dir, RUN_FILES.dialogues)).map((l) => DialogueRecordZ.parse(JSON.parse(l)));
  const rejected = readLines(join(dir, RUN_FILES.rejected)).map((l) => RejectedRecordZ.parse(JSON.parse(l)));
  return { accepted, rejected };
}

describe("runSynthesis", () => {
  it("accepts exactly --count dialogues, replacing rejected ones with new indices", async () => {
    const dir = tmp();
    const result = await runSynthesis(config(dir, { count: 12, deps: fakeDeps({ failRate: 0.2, badRate: 0.2 }) }));
    const { accepted, rejected } = readRun(dir);
    expect(result.status).toBe("complete");
    expect(accepted).toHaveLength(12);
    expect(rejected.length).toBeGreaterThan(0);
    const indices = [...accepted, ...rejected].map((r) => r.index);
    expect(new Set(indices).size).toBe(indices.length);
    expect(new Set(accepted.map((r) => r.id)).size).toBe(12);
    for (const r of accepted) {
      expect(r.seed).toBe(deriveSeed(7, r.index));
      expect(r.tools.map((t) => t.name)).toEqual(fakeSamples(r.index + 1, toolNames)[r.index]?.tools);
      expect(r.usage.planner?.promptTokens).toBe(10);
      expect(r.backend).toBe("fake");
    }
    const checks = new Set(rejected.flatMap((r) => r.rejectedBy.map((b) => b.check)));
    expect(checks).toContain("generation");
    expect(checks).toContain("answer");
    expect(result.snapshot.accepted).toBe(12);
    expect(result.snapshot.rejected).toBe(rejected.length);
    expect((result.snapshot.rejectedBy.generation ?? 0) + (result.snapshot.rejectedBy.answer ?? 0)).toBe(
      rejected.length,
    );
  });

  it("records usage of generation failures in the rejected record", async () => {
    const dir = tmp();
    await runSynthesis(config(dir, { count: 5, deps: fakeDeps({ failRate: 0.5 }) }));
    const { rejected } = readRun(dir);
    const gen = rejected.filter((r) => r.rejectedBy[0]?.check === "generation");
    expect(gen.length).toBeGreaterThan(0);
    for (const r of gen) {
      expect(r.usage?.planner?.promptTokens).toBe(10);
      expect(r.rejectedBy[0]?.reasons[0]).toMatch(/\[assistant\].*scripted failure/);
    }
  });

  it("never accepts more than --count with high concurrency and out-of-order completion", async () => {
    const dir = tmp();
    const inFlightSeen: number[] = [];
    const result = await runSynthesis(
      config(dir, {
        count: 6,
        concurrency: 16,
        deps: fakeDeps({ maxDelayMs: 15, badRate: 0.3 }),
        onProgress: (p) => inFlightSeen.push(p.accepted + p.inFlight),
      }),
    );
    const { accepted } = readRun(dir);
    expect(accepted).toHaveLength(6);
    expect(result.snapshot.accepted).toBe(6);
    expect(Math.max(...inFlightSeen)).toBeLessThanOrEqual(6);
  });

  it("resumes after an interruption without repeating decided indices", async () => {
    const dir = tmp();
    const controller = new AbortController();
    let decided = 0;
    const first = await runSynthesis(
      config(dir, {
        count: 20,
        deps: fakeDeps({ maxDelayMs: 5, badRate: 0.2 }),
        signal: controller.signal,
        onProgress: () => {
          if (++decided === 7) controller.abort();
        },
      }),
    );
    expect(first.status).toBe("interrupted");
    const before = readRun(dir);
    const decidedBefore = new Set([...before.accepted, ...before.rejected].map((r) => r.index));
    expect(decidedBefore.size).toBeGreaterThanOrEqual(7);
    expect(before.accepted.length).toBeLessThan(20);

    const calledSeeds: number[] = [];
    const second = await runSynthesis(
      config(dir, { count: 20, deps: fakeDeps({ badRate: 0.2, onCall: (_s, seed) => calledSeeds.push(seed) }) }),
    );
    expect(second.status).toBe("complete");
    expect(second.recovered.accepted).toBe(before.accepted.length);
    const after = readRun(dir);
    expect(after.accepted).toHaveLength(20);
    const all = [...after.accepted, ...after.rejected].map((r) => r.index);
    expect(new Set(all).size).toBe(all.length);
    for (const i of decidedBefore) expect(calledSeeds).not.toContain(deriveSeed(7, i));
    expect(second.snapshot.accepted).toBe(20);
  });

  it("truncates a torn last line on resume and still ends with exactly --count", async () => {
    const dir = tmp();
    await runSynthesis(config(dir, { count: 4 }));
    const path = join(dir, RUN_FILES.dialogues);
    const lines = readLines(path);
    // keep three whole lines and half of the fourth, as a kill in the middle of a write would
    writeFileSync(path, lines.slice(0, 3).join("\n") + "\n" + (lines[3] as string).slice(0, 40));
    const result = await runSynthesis(config(dir, { count: 4 }));
    expect(result.recovered.truncatedBytes).toBe(40);
    expect(result.recovered.accepted).toBe(3);
    const { accepted } = readRun(dir);
    expect(accepted).toHaveLength(4);
    expect(new Set(accepted.map((r) => r.index)).size).toBe(4);
  });

  it("refuses a run file that is corrupt before its last line", async () => {
    const dir = tmp();
    await runSynthesis(config(dir, { count: 3 }));
    const path = join(dir, RUN_FILES.dialogues);
    const lines = readLines(path);
    writeFileSync(path, [lines[0], "{not json", ...lines.slice(1)].join("\n") + "\n");
    await expect(runSynthesis(config(dir, { count: 3 }))).rejects.toThrow(/dialogues\.jsonl line 2: invalid JSON/);
  });

  it("drops a record whose index repeats an earlier one", async () => {
    const dir = tmp();
    await runSynthesis(config(dir, { count: 3 }));
    const path = join(dir, RUN_FILES.dialogues);
    const lines = readLines(path);
    appendFileSync(path, lines[0] + "\n");
    const result = await runSynthesis(config(dir, { count: 3 }));
    expect(result.recovered.duplicatesDropped).toBe(1);
    expect(readRun(dir).accepted).toHaveLength(3);
  });

  it("rejects near-identical dialogues as duplicates", async () => {
    const dir = tmp();
    // two distinct samples only: dialogues over the same sample are identical, so most attempts are duplicates
    const result = await runSynthesis(
      config(dir, {
        count: 2,
        concurrency: 1,
        samples: fakeSamples(2, toolNames),
        deps: fakeDeps({ contentBySample: true }),
      }),
    );
    expect(result.snapshot.accepted).toBe(2);
    const more = await runSynthesis(
      config(tmp(), { count: 3, concurrency: 1, maxAttempts: 6, samples: fakeSamples(2, toolNames), deps: fakeDeps({ contentBySample: true }) }),
    ).catch((e: unknown) => e);
    expect(more).toBeInstanceOf(SynthRunError);
    expect((more as Error).message).toMatch(/gave up after 6 attempts.*2 of 3 dialogues accepted.*duplicate 4/);
  });

  it("decides in index order, so duplicates and the accepted set do not depend on which dialogue finished first", async () => {
    // content by sample: a later dialogue over the same sample is a duplicate of the earlier one
    const [a, b, c] = fakeSamples(3, toolNames) as [ToolSample, ToolSample, ToolSample];
    const samples = [a, a, b, a, b, c, a];
    const run = async (concurrency: number, seed: number) => {
      const dir = tmp();
      await runSynthesis(
        config(dir, { count: 3, concurrency, seed, maxAttempts: 7, samples, deps: fakeDeps({ contentBySample: true, maxDelayMs: concurrency > 1 ? 20 : 0 }) }),
      );
      const { accepted, rejected } = readRun(dir);
      return {
        accepted: accepted.map((r) => r.index),
        rejected: rejected.map((r) => [r.index, r.rejectedBy[0]?.check]),
        reasons: rejected.map((r) => r.rejectedBy[0]?.reasons.join().replace(/tf-\d+-/, "tf-")),
      };
    };
    const serial = await run(1, 7);
    expect(serial.accepted).toEqual([0, 2, 5]);
    expect(serial.rejected).toEqual([[1, "duplicate"], [3, "duplicate"], [4, "duplicate"]]);
    // the seed changes each dialogue's (fake) duration, so the order in which they finish
    for (const seed of [7, 8, 9]) expect(await run(8, seed)).toEqual(serial);
  });

  it("gives up with a clear message when attempts run out", async () => {
    const dir = tmp();
    const err = await runSynthesis(
      config(dir, { count: 3, maxAttempts: 5, deps: fakeDeps({ badRate: 1 }) }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SynthRunError);
    expect((err as Error).message).toMatch(/gave up after 5 attempts.*0 of 3 dialogues accepted, 5 rejected \(answer 5\)/);
    expect(readRun(dir).rejected).toHaveLength(5);
  });

  it("stops after too many generation failures in a row", async () => {
    const err = await runSynthesis(
      config(tmp(), { count: 3, maxConsecutiveFailures: 4, concurrency: 1, deps: fakeDeps({ failRate: 1 }) }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SynthRunError);
    expect((err as Error).message).toMatch(/4 dialogues in a row failed to generate; last failure: generation: \[assistant\]/);
  });

  it("records a sample the planner calls unusable under unusable_sample, counts it, and goes on with the next sample", async () => {
    const dir = tmp();
    const base = fakeDeps();
    const unusable = new Set(["s1", "s4"]);
    const deps = {
      ...base,
      generateDialogue: async (...args: Parameters<typeof base.generateDialogue>) => {
        if (unusable.has(args[0].id)) throw new SampleUnusableError(`no coherent task for ${args[0].id}`);
        return base.generateDialogue(...args);
      },
    };
    const samples = fakeSamples(40, toolNames);
    // every sample unusable in a row would stop a run that counted them as failures: they do not count
    let counts: Record<string, number> = {};
    const result = await runSynthesis(
      config(dir, {
        count: 6,
        concurrency: 1,
        maxConsecutiveFailures: 1,
        samples,
        deps,
        checkpointMs: 0,
        onCheckpoint: async (snap) => {
          counts = snap.rejectedBy;
        },
      }),
    );
    expect(result.status).toBe("complete");
    const { accepted, rejected } = readRun(dir);
    expect(accepted).toHaveLength(6);
    const byUnusable = rejected.filter((r) => r.rejectedBy.some((b) => b.check === "unusable_sample"));
    expect(byUnusable.map((r) => r.sampleId).sort()).toEqual(["s1", "s4"]);
    expect(byUnusable[0]!.rejectedBy[0]!.reasons[0]).toMatch(/^no coherent task for s[14]$/);
    expect(accepted.some((r) => r.sampleId === "s1" || r.sampleId === "s4")).toBe(false);
    // what the manifest's counts.rejectedBy is written from
    expect(counts.unusable_sample).toBe(2);
  });

  it("stops at once on an authentication error instead of rejecting dialogues", async () => {
    class ModelAuthError extends ToolflowError {
      constructor() {
        super("401 from server: invalid key", { code: "MODEL_AUTH", fatal: true });
      }
    }
    const model = fakeModel();
    const failing = {
      ...model,
      chat: async () => {
        throw new ModelAuthError();
      },
    };
    const dir = tmp();
    const err = await runSynthesis(config(dir, { count: 3, models: fakeProvider(failing) })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelAuthError);
    expect(readRun(dir).rejected).toHaveLength(0);
  });

  it("classifies errors: auth, bad config and unknown models stop the run; bad output and outages reject one dialogue", () => {
    // the decision is made when the error is built (its `fatal`), by the model layer's classes
    expect(isFatalError(new llm.ModelAuthError("x", { status: 401 }))).toBe(true);
    expect(isFatalError(new llm.ModelConfigError("x"))).toBe(true);
    expect(isFatalError(new llm.ModelRequestError("x", { status: 404 }))).toBe(true);
    expect(isFatalError(new llm.ModelRequestError("x", { status: 400 }))).toBe(false);
    expect(isFatalError(new llm.ModelOutputError("x"))).toBe(false);
    expect(isFatalError(new llm.ModelUnavailableError("x", { status: 503 }))).toBe(false);
    expect(new llm.ModelUnavailableError("x", { status: 503 }).retryable).toBe(true);
    expect(isFatalError(new ToolflowError("x", { code: "ANY", exitCode: 2 }))).toBe(true);
    expect(isFatalError(new Error("plain"))).toBe(false);
  });

  it("rejects dialogues that hit the turn limit as incomplete", async () => {
    const dir = tmp();
    const base = fakeDeps();
    let n = 0;
    const deps = {
      ...base,
      generateDialogue: async (...args: Parameters<typeof base.generateDialogue>) => ({
        ...(await base.generateDialogue(...args)),
        complete: ++n % 2 === 0,
      }),
    };
    const result = await runSynthesis(config(dir, { count: 3, concurrency: 1, deps }));
    const { rejected } = readRun(dir);
    expect(rejected).toHaveLength(3);
    expect(rejected.every((r) => r.rejectedBy[0]?.check === "incomplete")).toBe(true);
    expect(result.snapshot.rejectedBy).toEqual({ incomplete: 3 });
  });

  it("scores accepted dialogues with the judge and accounts for its usage", async () => {
    const dir = tmp();
    const judge = fakeModel("openai:judge", "openai");
    const deps = {
      ...fakeDeps(),
      judgeDialogue: async (model: typeof judge) => {
        await model.chat({ messages: [{ role: "user", content: "rate" }], role: "judge" });
        return { scores: { naturalness: 4, coherence: 5, helpfulness: 3, accuracy: 4 }, rationale: "fine" };
      },
    };
    const result = await runSynthesis(config(dir, { count: 4, deps, models: { ...fakeProvider(), judge } }));
    const { accepted } = readRun(dir);
    for (const r of accepted) {
      expect(r.judge).toEqual({ naturalness: 4, coherence: 5, helpfulness: 3, accuracy: 4 });
      expect(r.models.judge).toBe("openai:judge");
      expect(r.usage.judge?.promptTokens).toBe(10);
    }
    expect(result.snapshot.judge).toEqual({ judged: 4, mean: { accuracy: 4, coherence: 5, helpfulness: 3, naturalness: 4 } });
    expect(result.snapshot.usage.byModel["openai:judge"]?.promptTokens).toBe(40);
  });

  it("writes checkpoints with the final status", async () => {
    const statuses: string[] = [];
    await runSynthesis(
      config(tmp(), {
        count: 3,
        checkpointMs: 0,
        onCheckpoint: async (snap, info) => {
          statuses.push(`${info.status}:${snap.accepted}`);
        },
      }),
    );
    expect(statuses.at(-1)).toBe("complete:3");
    expect(statuses.length).toBeGreaterThan(1);
  });
});

describe("runSynthesis with --provenance judge:<spec>", () => {
  it("asks the provenance judge about what the rules leave ungrounded, records its usage, and rejects what it does not support", async () => {
    const { defaultSynthDeps } = await import("./default-deps.js");
    const { verifyDialogue } = await import("../verify/index.js");
    const real = defaultSynthDeps();
    const base = fakeDeps();
    const prompts: string[] = [];
    const judge = {
      id: "fake:judge",
      backend: "fake",
      async chat(req: import("../llm/index.js").ChatRequest): Promise<import("../llm/index.js").ChatResult> {
        const prompt = req.messages[0]?.content ?? "";
        prompts.push(prompt);
        const supported = prompt.includes("striped horse");
        return {
          text: JSON.stringify({ verdicts: [{ id: 1, supported, reason: supported ? "a zebra is a striped horse" : "nobody asked for a zebra" }] }),
          toolCalls: [],
          finishReason: "stop",
          usage: { promptTokens: 50, completionTokens: 5, cachedTokens: 0, estimated: false },
          model: "fake:judge",
        };
      },
    };
    const dir = tmp();
    await runSynthesis(
      config(dir, {
        count: 3,
        concurrency: 1,
        models: { ...fakeProvider(), provenanceJudge: judge },
        deps: {
          ...base,
          verifyDialogue: (d, o) => verifyDialogue(d, { provenance: o.provenance }),
          judgeProvenance: real.judgeProvenance,
          async generateDialogue(sample, ts, models, options) {
            const g = await base.generateDialogue(sample, ts, models, options);
            const striped = options.seed % 2 === 1;
            g.messages[0] = { role: "user", content: `${striped ? "find a striped horse" : "find an animal"} with ${ts[0]?.name} (${options.seed})` };
            const call = g.messages[1];
            if (call?.role === "assistant" && call.tool_calls?.[0]) call.tool_calls[0].function.arguments = '{"q":"zebra"}';
            return g;
          },
        },
      }),
    );
    const { accepted, rejected } = readRun(dir);
    expect(accepted).toHaveLength(3);
    expect(prompts.length).toBe(accepted.length + rejected.length);
    for (const r of accepted) {
      expect(r.messages[0]?.content).toContain("striped horse");
      const prov = r.verification.checks.find((c) => c.name === "provenance");
      expect(prov?.metrics).toMatchObject({ judged: 1, entailed: 1, ungrounded: 0 });
      expect(r.usage.provenance?.promptTokens).toBe(50);
    }
    expect(rejected.length).toBeGreaterThan(0);
    for (const r of rejected) {
      expect(r.rejectedBy).toEqual([
        { check: "provenance", reasons: [expect.stringMatching(/ungrounded argument \w+\/q = "zebra" \(call c1\): judge: nobody asked for a zebra/)] },
      ]);
      expect(r.usage?.provenance?.promptTokens).toBe(50);
    }
  });
});
