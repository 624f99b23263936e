/**
 * `synth --judge SPEC --judge-min N`: the judge as a gate. A scripted judge (a middleware answering the run's judge
 * requests) scores a third of the dialogues 2 on accuracy, a third exactly 3 everywhere and the rest higher; with
 * --judge-min 3 exactly the first third is rejected under check `judge` (axis, score and the judge's reason in
 * rejected.jsonl), the manifest counts them and keeps --judge-min in the run's definition (a resume must match).
 * Without --judge-min the same judge only scores. The CLI's flag errors are checked too.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { beforeAll, describe, expect, it } from "vitest";
import { readAccepted, readRejected, writeBfclMultiTurnTools } from "../../test/e2e/support/run-files.js";
import { testSynthOptions } from "../../test/support/synth-options.js";
import { cliInProcess } from "../../test/support/cli.js";
import { bandOf, firstUserOf, JUDGE_REASON as REASON, JUDGE_SCORES as SCORES, scriptedJudge } from "../../test/support/scripted-judge.js";
import { judgeGateReasons, runSynth, validateSynthOptions, type SynthOptions } from "./index.js";

const quiet = new Writable({ write: (_c, _e, cb) => cb() });
let work: string;
let tools: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "judge-gate-"));
  tools = (await writeBfclMultiTurnTools(work)).path;
}, 60_000);

function options(out: string, extra: Partial<SynthOptions> = {}): SynthOptions {
  return testSynthOptions({ tools, count: 10, seed: 3, out, judge: "sim", ...extra });
}

describe("judgeGateReasons", () => {
  it("names every axis below the minimum with its score and the judge's reason; none at or above it", () => {
    const v = { scores: { naturalness: 3, coherence: 1, helpfulness: 5, accuracy: 2 }, rationale: " invented an order id " };
    expect(judgeGateReasons(v, 3)).toEqual([
      "coherence 1 is below --judge-min 3: invented an order id",
      "accuracy 2 is below --judge-min 3: invented an order id",
    ]);
    expect(judgeGateReasons(v, 1)).toEqual([]);
    expect(judgeGateReasons({ scores: { accuracy: 1 } }, 2)).toEqual(["accuracy 1 is below --judge-min 2"]);
  });
});

describe("synth --judge --judge-min", () => {
  it("rejects the dialogues scored below N on an axis under check judge, with the axis, score and reason", async () => {
    const out = join(work, "gate");
    const asked: string[] = [];
    await runSynth(options(out, { judgeMin: 3 }), { stderr: quiet, tty: false, middleware: [scriptedJudge(asked)] });
    const accepted = readAccepted(out);
    const rejected = readRejected(out);
    const byJudge = rejected.filter((r) => r.rejectedBy.some((c) => c.check === "judge"));
    expect(accepted).toHaveLength(10);
    expect(byJudge.length).toBeGreaterThan(0);
    for (const r of byJudge) {
      expect(bandOf(firstUserOf(r.messages ?? []))).toBe("low");
      expect(r.rejectedBy).toEqual([{ check: "judge", reasons: [`accuracy 2 is below --judge-min 3: ${REASON}`] }]);
      expect(r.judge).toEqual(SCORES.low);
      expect(r.usage?.judge?.promptTokens).toBe(100);
    }
    // every accepted dialogue was judged, none below 3; the boundary (exactly 3) is accepted
    for (const a of accepted) {
      expect(bandOf(firstUserOf(a.messages))).not.toBe("low");
      expect(a.judge).toEqual(SCORES[bandOf(firstUserOf(a.messages))]);
    }
    expect(accepted.some((a) => bandOf(firstUserOf(a.messages)) === "edge")).toBe(true);
    // every judged low dialogue is on file as rejected (none slipped into the accepted file)
    const lowAsked = asked.filter((f) => bandOf(f) === "low").length;
    expect(byJudge).toHaveLength(lowAsked);

    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(manifest.counts.rejectedBy.judge).toBe(byJudge.length);
    expect(manifest.counts.rejected).toBe(rejected.length);
    expect(manifest.definition.judgeMin).toBe(3);
    expect(manifest.options.judgeMin).toBe(3);
    // the manifest's mean scores are those of the accepted dialogues
    expect(manifest.judge.judged).toBe(10);
    expect(manifest.judge.mean.accuracy).toBeGreaterThanOrEqual(3);

    // --judge-min is part of the run's definition: a resume with another (or none) is refused, naming it
    const again = (extra: Partial<SynthOptions>) =>
      runSynth(options(out, { resume: true, ...extra }), { stderr: quiet, tty: false, middleware: [scriptedJudge([])] });
    await expect(again({ judgeMin: 4 })).rejects.toThrow(/--judge-min: was 3, now 4/);
    await expect(again({})).rejects.toThrow(/--judge-min: was 3, now null/);
  }, 120_000);

  it("without --judge-min the judge only scores: the same low dialogues are accepted", async () => {
    const out = join(work, "scores-only");
    const asked: string[] = [];
    await runSynth(options(out), { stderr: quiet, tty: false, middleware: [scriptedJudge(asked)] });
    const accepted = readAccepted(out);
    expect(accepted).toHaveLength(10);
    expect(readRejected(out).filter((r) => r.rejectedBy.some((c) => c.check === "judge"))).toHaveLength(0);
    expect(accepted.some((a) => a.judge?.accuracy === 2)).toBe(true);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(manifest.definition).not.toHaveProperty("judgeMin");
    expect(manifest.counts.rejectedBy.judge ?? 0).toBe(0);
  }, 120_000);

  it("--judge-flaws rejects the dialogues in which the judge names a flaw, one reason per flaw, and keeps the flaws on the record", async () => {
    const out = join(work, "flaws");
    await runSynth(options(out, { judgeFlaws: true, count: 6 }), { stderr: quiet, tty: false, middleware: [scriptedJudge([])] });
    const accepted = readAccepted(out);
    const byJudge = readRejected(out).filter((r) => r.rejectedBy.some((c) => c.check === "judge"));
    expect(accepted).toHaveLength(6);
    expect(byJudge.length).toBeGreaterThan(0);
    for (const r of byJudge) {
      expect(bandOf(firstUserOf(r.messages ?? []))).toBe("low");
      // the scores alone would not reject (no --judge-min): the flaw does
      expect(r.rejectedBy).toEqual([{ check: "judge", reasons: [`judge found pointless_action: ${REASON}`] }]);
      expect(r.judgeFlaws).toEqual([{ kind: "pointless_action", note: REASON }]);
    }
    for (const a of accepted) expect(a.judgeFlaws).toBeUndefined();
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(manifest.definition.judgeFlaws).toBe(true);
    expect(() => validateSynthOptions(options(join(work, "x"), { judge: undefined, judgeFlaws: true }))).toThrow(/--judge-flaws needs --judge/);
  }, 120_000);

  it("validates N (an integer 1-5) and needs --judge, in the library and the CLI, writing nothing", async () => {
    expect(() => validateSynthOptions(options(join(work, "x"), { judge: undefined, judgeMin: 3 }))).toThrow(/--judge-min needs --judge/);
    expect(() => validateSynthOptions(options(join(work, "x"), { judgeMin: 6 }))).toThrow(/--judge-min/);
    expect(() => validateSynthOptions(options(join(work, "x"), { judgeMin: 2.5 }))).toThrow(/--judge-min/);
    const { judgeDialogue: _omit, ...noJudge } = (await import("./default-deps.js")).defaultSynthDeps();
    await expect(runSynth(options(join(work, "no-stage"), { judgeMin: 3 }), { stderr: quiet, tty: false, deps: noJudge })).rejects.toThrow(
      /--judge-min needs the judge in the stages/,
    );

    const cli = (out: string, ...extra: string[]) =>
      cliInProcess(["synth", "--tools", tools, "--count", "2", "--llm", "sim", "--out", out, ...extra]);
    const cases: Array<[string[], RegExp]> = [
      [["--judge-min", "3"], /--judge-min needs --judge/],
      [["--judge", "sim", "--judge-min", "6"], /--judge-min: must be between 1 and 5, got 6/],
      [["--judge", "sim", "--judge-min", "0"], /--judge-min: must be between 1 and 5, got 0/],
      [["--judge", "sim", "--judge-min", "2.5"], /--judge-min: expected an integer, got "2.5"/],
    ];
    for (const [i, [extra, message]] of cases.entries()) {
      const out = join(work, `cli-bad-${i}`);
      const r = await cli(out, ...extra);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
    }
  }, 60_000);
});
