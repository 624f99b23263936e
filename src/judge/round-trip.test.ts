/**
 * Round-trip agreement on a sim run (BFCL multi-turn tools). The sim cannot answer without the agents' context
 * (docs/eval.md, "The sim as the evaluated model"), so the "sim itself" is replayed as in src/eval/heldout.test.ts:
 * a middleware answers each request with the turn the sim recorded for that conversation (agreement 1.0); a
 * second one breaks every 4th call turn (agreement falls by exactly that share). Then `synth --round-trip` with a
 * model that breaks the calls of every dialogue whose seed is divisible by 3 rejects exactly those, under check
 * `round_trip`, counted in the manifest.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { beforeAll, describe, expect, it } from "vitest";
import type { DialogueRecord, Message } from "../core/index.js";
import { defaultSynthDeps, runSynth, type SynthOptions } from "../synth/index.js";
import { readAccepted, readRejected, writeBfclMultiTurnTools } from "../../test/e2e/support/run-files.js";
import { recordedTurns, replayTurns, type RecordedTurn } from "../../test/support/replay.js";
import { roundTripSynthDeps, runJudge } from "./index.js";
import { testSynthOptions } from "../../test/support/synth-options.js";

/** Answers round_trip requests with the recorded turn of that conversation (the spoiled ones broken); others go on. */
const replay = (turns: ReadonlyMap<string, RecordedTurn>, spoil?: (key: string) => boolean) =>
  replayTurns(turns, { role: "round_trip", ...(spoil ? { spoil: (t: RecordedTurn) => spoil(t.key) } : {}) });

const quiet = new Writable({ write: (_c, _e, cb) => cb() });
let work: string;
let tools: string;
let run: string;
let records: DialogueRecord[];

function synthOptions(out: string, extra: Partial<SynthOptions> = {}): SynthOptions {
  return testSynthOptions({ tools, count: 12, seed: 5, out, ...extra });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "judge-rt-"));
  tools = (await writeBfclMultiTurnTools(work)).path;
  run = join(work, "run");
  await runSynth(synthOptions(run), { stderr: quiet, tty: false });
  records = readAccepted(run);
}, 120_000);

describe("round-trip agreement on a sim run", () => {
  it("is 1.0 when the model answers every call turn as the sim recorded it, per step kind too", async () => {
    const s = await runJudge({ data: run, out: join(work, "rt-replay"), llm: "sim", metrics: ["roundtrip"], middleware: [replay(recordedTurns(records))] });
    const callTurns = records.reduce((n, r) => n + r.messages.filter((m) => m.role === "assistant" && (m.tool_calls?.length ?? 0) > 0).length, 0);
    expect(s.errors).toBe(0);
    expect(s.roundTrip!.turns).toBe(callTurns);
    expect(s.roundTrip!.agreement).toBe(1);
    const kinds = Object.keys(s.roundTrip!.byStepKind);
    for (const k of ["single", "parallel", "chained"]) expect(kinds).toContain(k);
    for (const v of Object.values(s.roundTrip!.byStepKind)) expect(v.agreement).toBe(1);
  });

  it("falls by exactly the share of call turns a model breaks (every 4th)", async () => {
    const turns = recordedTurns(records);
    const callKeys = [...turns.values()].filter((t) => (t.msg.tool_calls?.length ?? 0) > 0).map((t) => t.key).sort();
    const broken = new Set(callKeys.filter((_, i) => i % 4 === 0));
    const s = await runJudge({ data: run, out: join(work, "rt-broken"), llm: "sim", metrics: ["roundtrip"], middleware: [replay(turns, (k) => broken.has(k))] });
    expect(s.roundTrip!.turns).toBe(callKeys.length);
    expect(s.roundTrip!.agreed).toBe(callKeys.length - broken.size);
    expect(s.roundTrip!.agreement).toBeCloseTo(1 - broken.size / callKeys.length, 12);
    const lines = readFileSync(join(work, "rt-broken", "judge.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const disagreeing = lines.flatMap((l) => l.roundTrip.turns.filter((t: { agreed: boolean }) => !t.agreed).map((t: { turn: number }) => `${l.id}#${t.turn}`));
    expect(disagreeing.sort()).toEqual([...broken].sort());
  });
});

/**
 * Synth's stages with the round-trip check, recording the turns of every dialogue being written, by conversation
 * (the round-trip model answers from them, as the sim would).
 */
function recordingRoundTripDeps() {
  const turns = new Map<string, RecordedTurn>();
  const base = defaultSynthDeps();
  const deps = roundTripSynthDeps({
    ...base,
    generateDialogue: async (sample, specs, models, options) => {
      const d = await base.generateDialogue(sample, specs, models, options);
      for (const [k, v] of recordedTurns([{ id: String(options.seed), messages: d.messages }])) turns.set(k, v);
      return d;
    },
  });
  return { turns, deps };
}

describe("synth --round-trip", () => {
  it("rejects the dialogues the round-trip model breaks, under check round_trip, counted in the manifest", async () => {
    const { turns, deps } = recordingRoundTripDeps();
    const spoilSeed = (key: string) => Number(key.split("#")[0]) % 3 === 0;
    const out = join(work, "synth-rt");
    const summary = await runSynth(synthOptions(out, { roundTrip: "sim" }), { stderr: quiet, tty: false, deps, middleware: [replay(turns, spoilSeed)] });
    const accepted = readAccepted(out);
    const rejected = readRejected(out).filter((r) => r.rejectedBy.some((c) => c.check === "round_trip"));
    expect(accepted).toHaveLength(12);
    expect(rejected.length).toBeGreaterThan(0);
    const hasCalls = (m: Message[]) => m.some((x) => x.role === "assistant" && (x.tool_calls?.length ?? 0) > 0);
    for (const r of rejected) {
      expect((r.seed ?? -1) % 3).toBe(0);
      expect(r.rejectedBy[0]!.reasons[0]).toMatch(/round-trip agreement \d+\/\d+ = 0\.\d+ is below --round-trip-min 1/);
      expect(r.usage?.round_trip?.promptTokens).toBeGreaterThan(0);
    }
    for (const a of accepted) expect(a.seed % 3 !== 0 || !hasCalls(a.messages)).toBe(true);
    expect(accepted.some((a) => a.usage.round_trip)).toBe(true);
    expect(summary.manifest.counts.rejectedBy.round_trip).toBe(rejected.length);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(manifest.counts.rejectedBy.round_trip).toBe(rejected.length);
    expect(manifest.definition.roundTrip).toBe("sim");
  }, 120_000);

  it("a lower --round-trip-min keeps dialogues that agree enough; without the check in the stages it is a usage error", async () => {
    const out = join(work, "synth-rt-none");
    await expect(runSynth(synthOptions(out, { roundTrip: "sim" }), { stderr: quiet, tty: false })).rejects.toThrow(/roundTripSynthDeps/);
    const { turns, deps } = recordingRoundTripDeps();
    const out2 = join(work, "synth-rt-min0");
    const summary = await runSynth(synthOptions(out2, { roundTrip: "sim", roundTripMin: 0, count: 6 }), { stderr: quiet, tty: false, deps, middleware: [replay(turns, () => true)] });
    expect(summary.manifest.counts.rejectedBy.round_trip ?? 0).toBe(0);
  }, 120_000);
});
