/**
 * synth's own sampling applies the lint rules: flagged tools are left out of the run's samples unless
 * --include-flagged, and the manifest records the counts per rule (fake models: fast).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { UsageCounter } from "../llm/index.js";
import { fakeDeps, fakeModel } from "../../test/e2e/support/doubles.js";
import { PROJECT_ROOT } from "../../test/support/cli.js";
import { makeGraph } from "../../test/support/sampling.js";
import { readManifest, RUN_FILES } from "../data/index.js";
import { runSynth, type SynthIo } from "./synth.js";
import type { SynthOptions } from "./options.js";

const FIXTURE = join(PROJECT_ROOT, "test/fixtures/lint/tools.jsonl");
const FLAGGED = ["get_user_feed", "get_weather_alerts", "list_offers", "list_deals", "get_flight_status", "search_live_cams", "convert_currency"];

function io(): SynthIo & { log: string[] } {
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
    env: {},
    deps: fakeDeps({ badRate: 0, failRate: 0 }),
    models: async () => ({
      forDialogue: () => ({ planner: model, user: model, assistant: model, tool: model }),
      usage: new UsageCounter(),
      prices: {},
      describe: () => ({}),
      close: async () => {},
    }),
    log,
  };
}

describe("synth: the lint rules on its own sampling", () => {
  const dir = mkdtempSync(join(tmpdir(), "synth-lint-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const names = readFileSync(FIXTURE, "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { name: string }).name);
  const ring = names.filter((n) => n !== "roll_dice");
  const graph = join(dir, "graph.json");
  writeFileSync(graph, JSON.stringify(makeGraph(names, ring.map((n, i) => [n, ring[(i + 1) % ring.length]!])).toJSON()));
  const options = (out: string, over: Partial<SynthOptions> = {}): SynthOptions => ({
    tools: FIXTURE,
    graph,
    count: 3,
    llm: ["openai:fake-model"],
    roleLlm: {},
    concurrency: 2,
    seed: 2,
    out: join(dir, out),
    sampling: "walk",
    size: { min: 2, max: 3 },
    plan: true,
    provenance: "reject",
    resume: false,
    force: false,
    dryRun: false,
    ...over,
  });
  const sampled = (out: string) =>
    new Set(readFileSync(join(dir, out, RUN_FILES.samples), "utf8").trim().split("\n").flatMap((l) => (JSON.parse(l) as { tools: string[] }).tools));

  it("leaves flagged tools out and records the counts per rule in the manifest", async () => {
    const log = io();
    await runSynth(options("run"), log);
    const used = sampled("run");
    for (const t of FLAGGED) expect(used.has(t), t).toBe(false);
    const m = await readManifest(join(dir, "run"));
    expect(m.inputs.lint).toMatchObject({ tools: 13, flagged: 7, excluded: 7, kept: 0, includeFlagged: false });
    expect((m.inputs.lint as { rules: Record<string, number> }).rules).toMatchObject({ "credential-param": 1, "error-returns": 1, isolated: 1 });
    expect(m.definition.includeFlagged).toBeUndefined();
    expect(log.log.join("")).toMatch(/synth: 7 of 13 tools flagged by `toolflow tools lint` are left out of sampling/);
    expect(log.log.join("")).toMatch(/synth: warning: 1 of 6 tools have no edge .*roll_dice/);
  });

  it("--include-flagged samples them and is part of the run's definition", async () => {
    await runSynth(options("run-all", { includeFlagged: true }), io());
    expect(FLAGGED.some((t) => sampled("run-all").has(t))).toBe(true);
    const m = await readManifest(join(dir, "run-all"));
    expect(m.inputs.lint).toMatchObject({ excluded: 0, kept: 7, includeFlagged: true });
    expect(m.definition.includeFlagged).toBe(true);
    // resuming without the flag is refused: the samples would differ
    await expect(runSynth(options("run-all", { resume: true }), io())).rejects.toThrow(/--include-flagged: was true, now null/);
  });
});
