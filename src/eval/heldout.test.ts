/**
 * `eval heldout` on a sim run (BFCL multi-turn tools, so chained calls pass ids that tools returned).
 *
 * The sim cannot be the evaluated model: it answers the assistant from the AssistantContext the agents put on each
 * request (plan step, request state, known values, the calls of the turn) and from its in-process memory of what
 * its simulated user meant; heldout sends what a real model gets (messages + tools), so the sim gives its generic
 * text. The "sim itself" is therefore replayed: a middleware answers each request with the assistant turn the sim
 * recorded for that conversation (looked up by the messages), which must score 1.0; a second middleware breaks
 * every 4th call turn, which must lower call accuracy by exactly that share.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { beforeAll, describe, expect, it } from "vitest";
import type { DialogueRecord } from "../core/index.js";
import { exportDataset } from "../export/index.js";
import { runSynth } from "../synth/index.js";
import { readAccepted, writeBfclMultiTurnTools } from "../../test/e2e/support/run-files.js";
import { cliInProcess } from "../../test/support/cli.js";
import { recordedTurns, replayTurns, type RecordedTurn } from "../../test/support/replay.js";
import { dialogueTurns, runHeldoutEval, type HeldoutResult } from "./heldout.js";
import { chatTools } from "../agents/index.js";
import { testSynthOptions } from "../../test/support/synth-options.js";

let work: string;
let run: string;
let records: DialogueRecord[];

/** Answers each request with the recorded turn (the sim's own answer in the run), optionally spoiled. */
const replay = (recs: readonly DialogueRecord[], spoil?: (t: RecordedTurn) => boolean) => replayTurns(recordedTurns(recs), spoil ? { spoil } : {});

const quiet = new Writable({ write: (_c, _e, cb) => cb() });

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "eval-heldout-"));
  const tools = (await writeBfclMultiTurnTools(work)).path;
  run = join(work, "run");
  await runSynth(
    testSynthOptions({ tools, count: 24, seed: 5, out: run }),
    { stderr: quiet, tty: false },
  );
  records = readAccepted(run);
}, 120_000);

describe("eval heldout on a sim run", () => {
  it("the run has every kind of turn, including arguments that only an earlier tool result supplied", () => {
    expect(records).toHaveLength(24);
    const turns = records.flatMap((r) =>
      dialogueTurns({ id: r.id, seed: r.seed, tools: chatTools(r.tools), messages: r.messages, plan: r.plan, stepOf: r.stepOf }),
    );
    const kinds = new Set(turns.map((t) => t.kind));
    for (const k of ["single", "parallel", "chained", "clarify"]) expect(kinds).toContain(k);
    expect(turns.some((t) => t.need === "ask")).toBe(true);
    expect(turns.filter((t) => t.exact.some((e) => Object.keys(e).length > 0)).length).toBeGreaterThan(0);
  });

  it("scores 1.0 when the model answers every turn as the sim recorded it", async () => {
    const out = join(work, "eval-replay");
    const s = await runHeldoutEval({ dir: run, out, llm: "sim", split: "all", middleware: [replay(records)], concurrency: 4 });
    const assistantTurns = records.reduce((n, r) => n + r.messages.filter((m) => m.role === "assistant").length, 0);
    expect(s.dialogues).toBe(24);
    expect(s.turns).toBe(assistantTurns);
    expect(s.errors).toBe(0);
    expect(s.accuracy).toBe(1);
    expect(s.callAccuracy.rate).toBe(1);
    expect(s.noCallAccuracy.rate).toBe(1);
    expect(s.askedWhenShouldCall.rate).toBe(0);
    expect(s.calledWhenShouldAsk.rate).toBe(0);
    expect(s.calledWhenShouldAsk.turns).toBeGreaterThan(0);
    for (const k of Object.values(s.byKind)) expect(k.accuracy).toBe(1);
    const lines = readFileSync(join(out, "results.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as HeldoutResult);
    expect(lines).toHaveLength(assistantTurns);
    expect(lines[0]).toMatchObject({ verdict: "correct", model: "replay" });
    expect(Object.keys(lines[0]!)).toEqual(expect.arrayContaining(["dialogueId", "turn", "kind", "expected", "got", "verdict", "reason"]));
    expect(JSON.parse(readFileSync(join(out, "summary.json"), "utf8"))).toMatchObject({ accuracy: 1, turns: assistantTurns });
  });

  it("loses exactly the share of call turns a model breaks (every 4th), and nothing on turns that need no tool", async () => {
    const callTurns = [...recordedTurns(records).values()]
      .filter((t) => (t.msg.tool_calls?.length ?? 0) > 0)
      .map((t) => t.key)
      .sort();
    const broken = new Set(callTurns.filter((_, i) => i % 4 === 0));
    const s = await runHeldoutEval({
      dir: run,
      out: join(work, "eval-broken"),
      llm: "sim",
      split: "all",
      middleware: [replay(records, (t) => broken.has(t.key))],
    });
    expect(s.callAccuracy.turns).toBe(callTurns.length);
    expect(s.callAccuracy.count).toBe(callTurns.length - broken.size);
    expect(s.callAccuracy.rate).toBeCloseTo(1 - broken.size / callTurns.length, 12);
    expect(s.noCallAccuracy.rate).toBe(1);
    expect(s.correct).toBe(s.turns - broken.size);
    const results = readFileSync(join(work, "eval-broken", "results.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as HeldoutResult);
    const wrong = results.filter((r) => r.verdict !== "correct").map((r) => `${r.dialogueId}#${r.turn}`).sort();
    expect(wrong).toEqual([...broken].sort());
    for (const r of results.filter((x) => x.verdict === "wrong")) expect(r.reason).toBeTruthy();
    // per kind: each kind's call turns lose exactly its broken ones
    for (const [kind, k] of Object.entries(s.byKind)) {
      const brokenHere = results.filter((r) => r.kind === kind && broken.has(`${r.dialogueId}#${r.turn}`)).length;
      expect(k.callCorrect).toBe(k.callTurns - brokenHere);
    }
  });

  it("evaluates the run's test split as the export splits it, and the exported openai test file the same (kinds unknown there)", async () => {
    const ratios = [0.4, 0.2, 0.4] as const;
    const dataset = join(work, "dataset");
    await exportDataset({ dir: run, out: dataset, formats: ["openai"], split: ratios, seed: 3 });
    const fromRun = await runHeldoutEval({ dir: run, out: join(work, "eval-test-run"), llm: "sim", ratios, splitSeed: 3, middleware: [replay(records)] });
    const fromExport = await runHeldoutEval({ dir: dataset, out: join(work, "eval-test-export"), llm: "sim", middleware: [replay(records)] });
    const testRows = readFileSync(join(dataset, "openai", "test.jsonl"), "utf8").trim().split("\n").filter((l) => l !== "");
    expect(fromRun.dialogues).toBe(testRows.length);
    expect(fromRun.dialogues).toBeGreaterThan(0);
    expect(fromRun.dialogues).toBeLessThan(24);
    expect(fromExport.dialogues).toBe(fromRun.dialogues);
    expect(fromExport.turns).toBe(fromRun.turns);
    expect(fromExport.callAccuracy.turns).toBe(fromRun.callAccuracy.turns);
    expect(fromExport.errors).toBe(0);
    expect(fromExport.accuracy).toBe(1);
    expect(Object.keys(fromExport.byKind)).toEqual(["unknown"]);
    expect(fromExport.calledWhenShouldAsk.rate).toBeNull();
    expect(fromExport.notes.join(" ")).toMatch(/carries no plan or stepOf/);
    expect(fromRun.source).toMatchObject({ kind: "run", split: "test", ratios: [0.4, 0.2, 0.4], seed: 3, total: 24 });
  });

  it("the CLI: `eval heldout RUN --llm sim --split all` asks the sim without its context: it answers in text, so it never calls", async () => {
    const out = join(work, "eval-cli");
    const r = await cliInProcess(["eval", "heldout", run, "--llm", "sim", "--split", "all", "-o", out, "--limit", "6"]);
    expect(r.code, r.stderr).toBe(0);
    const stdout = r.stdout;
    const s = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    expect(s.dialogues).toBe(6);
    expect(s.usage.total.requests).toBe(s.turns);
    expect(s.askedWhenShouldCall.rate).toBe(1);
    expect(s.callAccuracy.rate).toBe(0);
    expect(s.noCallAccuracy.rate).toBe(1);
    expect(stdout).toMatch(/asked when it should call\s+100\.0%/);
    expect(stdout).toMatch(/^kind\s+turns\s+correct\s+accuracy/m);
  });

  it("the CLI refuses a bad --split", async () => {
    const r = await cliInProcess(["eval", "heldout", run, "--llm", "sim", "--split", "dev", "-o", join(work, "x")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--split must be one of/);
  });
});
