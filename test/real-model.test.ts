/**
 * The verifier, judged on real-model dialogues (test/fixtures/real-model/, its README says how they were made and
 * labelled): its verdicts against a reviewer's labels, every dialogue with one grounded value swapped for an
 * invented one, and the recorded runs replayed from their response caches.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "../src/core/index.js";
import { verifyDialogue } from "../src/verify/index.js";
import { cliInProcess } from "./support/cli.js";
import { corpusRuns, loadAdjudicatedLabels, loadCorpus, loadLabels, REAL_MODEL_DIR, REAL_MODEL_RUNS } from "./support/real-model.js";
import { judgeCorpus } from "./support/real-model-judge.js";
import { BATCHES, batchOf, judgeVerdicts, verdictRows, verdictScores } from "./support/real-model-scores.js";
import { perturbDialogue } from "./support/perturb.js";
import { replayArgs, runRecords } from "./support/real-model-refresh.js";

const corpus = loadCorpus();
const labels = loadLabels();

describe("the real-model corpus", () => {
  it("has at least 30 dialogues, every role bridged in at least 10, each labelled with a reason", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(30);
    const allRoles = corpus.filter((d) => ["planner", "user", "assistant", "tool"].every((r) => d.record.models?.[r]?.startsWith("openai:")));
    expect(allRoles.length).toBeGreaterThanOrEqual(10);
    for (const d of corpus) {
      expect(d.record.models?.assistant, d.key).toMatch(/^openai:bridge-/);
      expect(labels.get(d.key), `label of ${d.key}`).toBeDefined();
    }
    expect([...labels.keys()].filter((k) => !corpus.some((d) => d.key === k))).toEqual([]);
  });

  // Issue 18 asks for precision and recall of "reject" both >= 0.9. `npm run bench real-model` prints them for the
  // whole corpus and per batch (test/support/real-model-scores.ts: the first runs, then two held-out batches, each
  // recorded, labelled and judged after the previous revision of the rubric and the rules). The floors below hold
  // what is measured, so that a change that loses agreement fails; docs/verify-export.md gives the figures and where
  // the judge and the reviewers part.
  it("keeps no path of the machine it was made on (tool sources, manifests, arguments, bridge logs)", () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(dir, e.name)) : /\.(json|jsonl|md)$/.test(e.name) ? [join(dir, e.name)] : [],
      );
    const found = files(REAL_MODEL_DIR).filter((f) => /"(\/work|\/tmp|\/root|\/home)\//.test(readFileSync(f, "utf8")));
    expect(found).toEqual([]);
  });

  it("was played honestly: no assistant turn calls the user by a persona name the conversation never gave", () => {
    // one agent playing every role through the bridge once carried the persona's name from the user's prompt into
    // the assistant's reply, which no model can see; such runs were recorded again (README: held-out batches)
    const leaks: string[] = [];
    for (const d of corpus) {
      const first = /^\p{Lu}[\p{Ll}'-]+/u.exec(String(d.record.persona ?? ""))?.[0];
      if (!first) continue;
      const named = new RegExp(`(^|[^\\p{L}])${first}($|[^\\p{L}])`, "u");
      d.dialogue.messages.forEach((m, i) => {
        if (m.role !== "assistant" || !m.content || !named.test(m.content)) return;
        const given = d.dialogue.messages.slice(0, i).some((p) => (p.role === "user" || p.role === "system") && named.test(p.content ?? ""));
        if (!given) leaks.push(`${d.key} message ${i}: "${first}"`);
      });
    }
    expect(leaks).toEqual([]);
  });

  it("the verifier's verdicts against the labels: precision and recall of reject at least 0.9 with the judge's flaws, on the corpus and on the last held-out batch", () => {
    const rows = verdictRows(corpus);
    const s = verdictScores(rows);
    const wrong = rows
      .filter((r) => (r.rules.length > 0 || r.judgeFlaws.length > 0) !== (r.label === "reject"))
      .map((r) => `${r.key}: rules ${r.rules.join(", ") || "accept"}, judge flaws ${r.judgeFlaws.join(", ") || "none"}; label ${r.label}: ${r.reason}`)
      .join("\n");
    // the one dialogue the rules reject and the reviewers keep: `country_code: "eu"` for "the European Central Bank",
    // a code the tool's description pairs with that bank and no code table gives (docs/verify-export.md)
    const KNOWN_FALSE_REJECTIONS = ["held-toolbench/tf-142-000000"];
    expect(rows.filter((r) => r.label === "accept" && r.rules.length > 0).map((r) => r.key), wrong).toEqual(KNOWN_FALSE_REJECTIONS);
    expect(s.rules.precision, wrong).toBeGreaterThanOrEqual(0.95);
    // issue 18's target, on the whole corpus
    expect(s.rulesAndFlaws.precision, wrong).toBeGreaterThanOrEqual(0.9);
    expect(s.rulesAndFlaws.recall, wrong).toBeGreaterThanOrEqual(0.95);
    expect(s.rulesAndJudge.recall, wrong).toBeGreaterThanOrEqual(0.95);
    expect(s.rulesAndJudge.precision, wrong).toBeGreaterThanOrEqual(0.75);
    // and on the last held-out batch alone, which nothing was revised against
    const last = verdictScores(rows.filter((r) => batchOf(r.key) === BATCHES[BATCHES.length - 1]));
    expect(last.rules.precision, wrong).toBe(1);
    expect(last.rulesAndFlaws.recall, wrong).toBe(1);
    expect(last.rulesAndFlaws.precision, wrong).toBeGreaterThanOrEqual(0.9);
    // every dialogue a weaker model wrote is rejected
    expect(rows.filter((r) => /(^|-)weak-/.test(r.key)).every((r) => r.rules.length > 0 || r.judgeFlaws.length > 0)).toBe(true);
    // adjudication (after the verdicts) touched only dialogues where the reviewers and the flaw gate of the rubric
    // it was made under (judge/rubric2-scores.jsonl) disagreed
    const adjudicated = loadAdjudicatedLabels();
    const changed = [...adjudicated].filter(([k, l]) => l.label !== labels.get(k)?.label || l.reason !== labels.get(k)?.reason).map(([k]) => k);
    const rubric2 = judgeVerdicts("rubric2-scores.jsonl");
    const disagreements = rows
      .filter((r) => rubric2.has(r.key) && (r.rules.length > 0 || (rubric2.get(r.key)?.flaws.length ?? 0) > 0) !== (r.label === "reject"))
      .map((r) => r.key);
    expect(changed.length).toBeGreaterThan(0);
    for (const k of changed) expect(disagreements).toContain(k);
  });

  it("the judge's answers replay from its cache (the rubric and the prompt are the ones recorded)", async () => {
    const replayed = await judgeCorpus(corpus);
    const recorded = judgeVerdicts();
    expect(replayed.size).toBe(corpus.length);
    for (const [key, r] of replayed) {
      expect(r.scores, key).toEqual(recorded.get(key)?.scores);
      expect(r.flaws, key).toEqual(recorded.get(key)?.flaws);
    }
  });

  it("rejects every dialogue with one grounded value swapped for an invented plausible one, naming the argument", () => {
    let perturbed = 0;
    for (const d of corpus) {
      const p = perturbDialogue(d.dialogue);
      if (!p) continue;
      perturbed++;
      const check = verifyDialogue(p.dialogue).checks.find((c) => c.name === "provenance")!;
      expect(check.passed, `${d.key}: ${p.tool}${p.path} ${JSON.stringify(p.was)} -> ${JSON.stringify(p.now)}`).toBe(false);
      expect(check.reasons.join("\n")).toContain(`${p.tool}${p.path} = ${JSON.stringify(p.now)}`);
    }
    // every dialogue with a call has a value to swap
    const withCalls = corpus.filter((d) => d.dialogue.messages.some((m: Message) => m.role === "assistant" && (m.tool_calls?.length ?? 0) > 0));
    expect(perturbed).toBeGreaterThanOrEqual(Math.ceil(withCalls.length * 0.9));
  });
});

describe("the recorded runs replay from their caches", () => {
  const work = mkdtempSync(join(tmpdir(), "real-model-replay-"));
  // the recorded runs' model is openai:, which needs a key to start; nothing is sent (every answer is cached)
  const key = process.env.OPENAI_API_KEY;
  beforeAll(() => {
    process.env.OPENAI_API_KEY = "x";
  });
  afterAll(() => {
    if (key === undefined) delete process.env.OPENAI_API_KEY;
    else process.env.OPENAI_API_KEY = key;
    rmSync(work, { recursive: true, force: true });
  });
  const strip = ({ createdAt: _c, usage: _u, ...rest }: Record<string, unknown>) => rest;
  const records = (dir: string) => runRecords(dir).map(strip);

  for (const run of corpusRuns()) {
    it(`${run}: the same records, with no model reachable`, async () => {
      const dir = join(work, run);
      cpSync(join(REAL_MODEL_RUNS, run), dir, { recursive: true, filter: (src) => !src.includes("/bridge") });
      const r = await cliInProcess(["synth", ...replayArgs(dir, "replayed")]);
      expect(r.stderr, r.stderr).not.toMatch(/ECONNREFUSED|connection failed|Error/);
      expect(records(join(dir, "replayed"))).toEqual(records(join(dir, "run")));
    });
  }
});
