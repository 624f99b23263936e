import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { UsageError } from "../core/index.js";
import { ToolSampleZ } from "../core/index.js";
import { UsageCounter } from "../llm/index.js";
import { fakeDeps, fakeModel, fakeSamples, fakeTool } from "../../test/e2e/support/doubles.js";
import { readManifest, RUN_FILES } from "../data/index.js";
import { runSynth, type SynthIo } from "./synth.js";
import type { SynthOptions } from "./options.js";

const PLANTED = "sk-test-PLANTED-123";

function setup(): { dir: string; tools: string; samples: string } {
  const dir = mkdtempSync(join(tmpdir(), "synth-run-"));
  const tools = join(dir, "tools.jsonl");
  writeFileSync(tools, ["alpha", "beta", "gamma"].map((n) => JSON.stringify(fakeTool(n))).join("\n") + "\n");
  const samples = join(dir, "samples-in.jsonl");
  writeFileSync(samples, fakeSamples(40, ["alpha", "beta", "gamma"]).map((s) => JSON.stringify(s)).join("\n") + "\n");
  return { dir, tools, samples };
}

function options(s: { dir: string; tools: string; samples: string }, over: Partial<SynthOptions> = {}): SynthOptions {
  return {
    tools: s.tools,
    samples: s.samples,
    count: 8,
    llm: ["openai:fake-model"],
    roleLlm: {},
    concurrency: 3,
    seed: 5,
    out: join(s.dir, "run"),
    sampling: "walk",
    size: { min: 2, max: 3 },
    plan: true,
    provenance: "reject",
    baseUrl: "http://user:secretpw@127.0.0.1:9/v1",
    resume: false,
    force: false,
    dryRun: false,
    ...over,
  };
}

function quietIo(over: Partial<SynthIo> = {}): SynthIo & { log: string[] } {
  const log: string[] = [];
  const stderr = new Writable({
    write(c: Buffer, _e, cb) {
      log.push(c.toString());
      cb();
    },
  });
  const model = fakeModel("openai:fake-model", "openai");
  return {
    stderr,
    tty: false,
    env: { OPENAI_API_KEY: PLANTED },
    deps: fakeDeps({ badRate: 0.2, failRate: 0.1 }),
    models: async () => ({
      forDialogue: () => ({ planner: model, user: model, assistant: model, tool: model }),
      usage: new UsageCounter(),
      prices: { "openai:fake-model": { input: 1, output: 4 } },
      describe: () => ({ note: `key would be ${PLANTED}` }),
      close: async () => {},
    }),
    log,
    ...over,
  };
}

describe("runSynth", () => {
  it("writes accepted, rejected, samples and a manifest with counts, usage, cost, versions and seeds", async () => {
    const s = setup();
    const io = quietIo();
    const summary = await runSynth(options(s), io);
    expect(summary.status).toBe("complete");
    const m = await readManifest(join(s.dir, "run"));
    expect(m.status).toBe("complete");
    expect(m.counts.accepted).toBe(8);
    expect(m.counts.target).toBe(8);
    const rejectedLines = readFileSync(join(s.dir, "run", RUN_FILES.rejected), "utf8").trim().split("\n").filter(Boolean);
    expect(m.counts.rejected).toBe(rejectedLines.length);
    expect(Object.values(m.counts.rejectedBy).reduce((a, b) => a + b, 0)).toBe(rejectedLines.length);
    expect(m.versions.node).toBe(process.version);
    expect(m.versions.toolflow).toMatch(/^\d+\.\d+\.\d+/);
    expect(m.seeds.run).toBe(5);
    expect(m.options.concurrency).toBe(3);
    // every call of the fake model reports 10 prompt + 2 completion tokens
    const calls = m.usage.total.promptTokens / 10;
    expect(m.usage.total.completionTokens).toBe(calls * 2);
    expect(m.usage.byModel["openai:fake-model"]?.promptTokens).toBe(m.usage.total.promptTokens);
    expect(m.cost.total).toBeCloseTo((m.usage.total.promptTokens + 4 * m.usage.total.completionTokens) / 1e6, 9);
    // no cache hits and no provider-cached tokens: the cost without cache is the same
    expect(m.cost.withoutCache?.total).toBeCloseTo(m.cost.total ?? NaN, 9);
    expect(m.sessions).toHaveLength(1);
    const stored = readFileSync(join(s.dir, "run", RUN_FILES.samples), "utf8").trim().split("\n");
    expect(stored.map((l) => ToolSampleZ.parse(JSON.parse(l)).id)).toEqual(fakeSamples(40, ["a", "b", "c"]).map((x) => x.id));
    expect(io.log.join("")).toMatch(/synth: complete: 8\/8 accepted/);
  });

  it("never writes an API key or URL password to any run file or to stderr", async () => {
    const s = setup();
    const io = quietIo();
    await runSynth(options(s), io);
    for (const f of readdirSync(join(s.dir, "run"))) {
      const text = readFileSync(join(s.dir, "run", f), "utf8");
      expect(text, f).not.toContain(PLANTED);
      expect(text, f).not.toContain("secretpw");
    }
    expect(io.log.join("")).not.toContain(PLANTED);
  });

  it("the same command again leaves a finished run as it is; other options are refused naming them, with or without --resume", async () => {
    const s = setup();
    await runSynth(options(s), quietIo());
    const run = join(s.dir, "run");
    const files = [RUN_FILES.dialogues, RUN_FILES.rejected, RUN_FILES.samples];
    const before = files.map((f) => readFileSync(join(run, f), "utf8"));
    const io = quietIo();
    const again = await runSynth(options(s), io);
    expect([again.status, again.sessionAccepted, again.sessionRejected]).toEqual(["complete", 0, 0]);
    expect(io.log.join("")).toMatch(/synth: resuming .*: 8 accepted/);
    expect(files.map((f) => readFileSync(join(run, f), "utf8"))).toEqual(before);
    expect((await readManifest(run)).sessions.map((x) => x.resumed)).toEqual([false, true]);
    for (const resume of [false, true]) {
      const err = await runSynth(options(s, { resume, seed: 6, count: 9 }), quietIo()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toMatch(/holds a run made with other settings \(--count: was 8, now 9; --seed: was 5, now 6; --max-attempts: was 34, now 37\).*--force/);
    }
    writeFileSync(s.samples, fakeSamples(41, ["alpha", "beta", "gamma"]).map((x) => JSON.stringify(x)).join("\n") + "\n");
    await expect(runSynth(options(s, { resume: true }), quietIo())).rejects.toThrow(/--samples \(file content\)/);
    expect(files.map((f) => readFileSync(join(run, f), "utf8"))).toEqual(before);
    await expect(runSynth(options(s, { resume: true, out: join(s.dir, "elsewhere") }), quietIo())).rejects.toThrow(/--resume: nothing to resume/);
  });

  it("refuses --provenance judge:<spec> when the stages have no provenance judge", async () => {
    const s = setup();
    const err = await runSynth(options(s, { provenance: "judge:openai:fake-model" }), quietIo()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/--provenance judge:<spec> needs the provenance judge/);
    await expect(runSynth(options(s, { provenance: "maybe" }), quietIo())).rejects.toThrow(/--provenance: must be reject, flag or judge:<model spec>/);
  });

  it.each([["--resume", true], ["the same command", false]])("resumes an interrupted run (%s) to exactly --count and records both sessions", async (_how, resume) => {
    const s = setup();
    const controller = new AbortController();
    const io = quietIo({ signal: controller.signal, deps: fakeDeps({ badRate: 0.2, maxDelayMs: 5 }) });
    let n = 0;
    const deps = io.deps!;
    io.deps = {
      ...deps,
      generateDialogue: async (...args) => {
        if (++n === 4) controller.abort();
        return deps.generateDialogue(...args);
      },
    };
    const first = await runSynth(options(s, { count: 12 }), io);
    expect(first.status).toBe("interrupted");
    const m1 = await readManifest(join(s.dir, "run"));
    expect(m1.status).toBe("interrupted");
    expect(m1.counts.accepted).toBeLessThan(12);

    const second = await runSynth(options(s, { count: 12, resume, concurrency: 5 }), quietIo());
    expect(second.status).toBe("complete");
    const m2 = await readManifest(join(s.dir, "run"));
    expect(m2.counts.accepted).toBe(12);
    expect(m2.sessions.map((x) => [x.resumed, x.status])).toEqual([
      [false, "interrupted"],
      [true, "complete"],
    ]);
    expect(m2.options.concurrency).toBe(5);
    const lines = readFileSync(join(s.dir, "run", RUN_FILES.dialogues), "utf8").trim().split("\n");
    const indices = lines.map((l) => (JSON.parse(l) as { index: number }).index);
    expect(new Set(indices).size).toBe(12);
  });
});

describe("runSynth: samples", () => {
  it("draws samples from the graph up front, stores them, and redraws the same ones if the file is lost", async () => {
    const s = setup();
    const opts = options(s, { samples: undefined, sampling: "random", count: 4 });
    const controller = new AbortController();
    const io = quietIo({ signal: controller.signal });
    const deps = io.deps!;
    let n = 0;
    io.deps = {
      ...deps,
      generateDialogue: async (...args) => {
        if (++n === 2) controller.abort();
        return deps.generateDialogue(...args);
      },
    };
    await runSynth(opts, io);
    const path = join(s.dir, "run", RUN_FILES.samples);
    const first = readFileSync(path, "utf8");
    const samples = first.trim().split("\n").map((l) => ToolSampleZ.parse(JSON.parse(l)));
    expect(samples).toHaveLength(4 * 3 + 10);
    expect(samples.every((x) => x.strategy === "random")).toBe(true);
    rmSync(path);
    const done = await runSynth({ ...opts, resume: true }, quietIo());
    expect(done.status).toBe("complete");
    expect(readFileSync(path, "utf8")).toBe(first);
  });
});
