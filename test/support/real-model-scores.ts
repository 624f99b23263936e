/**
 * The verifier's verdicts on the real-model corpus against the reviewers' labels, for the test and the benchmark:
 * the rule checks alone, and the rules with the LLM judge as `synth --judge-min N` applies it (the judge's cached
 * scores in test/fixtures/real-model/judge/scores.jsonl).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { loadCorpus, loadLabels, pipelineVerdict, REAL_MODEL_DIR, rejectScores, type CorpusDialogue } from "./real-model.js";

const ScoresZ = z.object({
  id: z.string(),
  scores: z.record(z.string(), z.number()),
  flaws: z.array(z.object({ kind: z.string(), note: z.string() })),
  rationale: z.string(),
});
export type RecordedJudgement = z.infer<typeof ScoresZ>;

/**
 * The judge's recorded verdicts (scores, flaws, rationale) by corpus key: the current rubric's (scores.jsonl), or an
 * earlier rubric's kept beside them (rubric2-scores.jsonl).
 */
export function judgeVerdicts(file = "scores.jsonl"): Map<string, RecordedJudgement> {
  return new Map(
    readFileSync(join(REAL_MODEL_DIR, "judge", file), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => ScoresZ.parse(JSON.parse(l)))
      .map((s) => [s.id, s]),
  );
}

/** The judge's recorded scores by corpus key. */
export function judgeScores(): Map<string, Record<string, number>> {
  return new Map([...judgeVerdicts()].map(([k, v]) => [k, v.scores]));
}

export interface VerdictRow {
  key: string;
  label: "accept" | "reject";
  reason: string;
  rules: string[];
  judgeLow: string[];
  /** The kinds of the flaws the judge named (what `synth --judge-flaws` rejects on). */
  judgeFlaws: string[];
  /** The judge's rationale. */
  judgeWhy: string;
}

/** Per dialogue: the label, the rule checks that fail, and the judge axes below `judgeMin`. */
export function verdictRows(corpus: CorpusDialogue[] = loadCorpus(), judgeMin = 3, labels = loadLabels()): VerdictRow[] {
  const judge = judgeVerdicts();
  return corpus.map((d) => {
    const l = labels.get(d.key);
    if (!l) throw new Error(`no label for ${d.key}`);
    const j = judge.get(d.key);
    const scores = j?.scores ?? {};
    return {
      key: d.key,
      label: l.label,
      reason: l.reason,
      rules: pipelineVerdict(d).checks,
      judgeLow: Object.entries(scores).filter(([, v]) => v < judgeMin).map(([k, v]) => `${k} ${v}`),
      judgeFlaws: (j?.flaws ?? []).map((f) => f.kind),
      judgeWhy: j?.rationale ?? "",
    };
  });
}

/**
 * The corpus's batches, in the order they were made (test/fixtures/real-model/README.md):
 * - `first`: the runs the judge's rubric and the rules were written and revised against;
 * - `held-out 1` (run folders `held-*`), `held-out 2` (`held2-*`): each recorded after the previous revision and
 *   labelled before any verdict on it; what they showed led to the next revision;
 * - `held-out 3` (`held3-*`): recorded, labelled and judged after the last revision; nothing was revised against it.
 */
export const BATCHES = ["first", "held-out 1", "held-out 2", "held-out 3"] as const;
export type Batch = (typeof BATCHES)[number];
export function batchOf(key: string): Batch {
  const m = /^held(\d?)-/.exec(key);
  if (!m) return "first";
  const batch = `held-out ${m[1] === "" ? 1 : Number(m[1])}`;
  if (!(BATCHES as readonly string[]).includes(batch)) throw new Error(`${key}: no batch "${batch}" (add it to BATCHES)`);
  return batch as Batch;
}

/** Precision and recall of reject for the rules alone, with the score gate (`--judge-min`) and the flaw gate (`--judge-flaws`). */
export function verdictScores(rows: VerdictRow[]) {
  const actual = (r: VerdictRow) => r.label === "reject";
  const rule = (r: VerdictRow) => r.rules.length > 0;
  return {
    rules: rejectScores(rows.map((r) => ({ predicted: rule(r), actual: actual(r) }))),
    rulesAndJudge: rejectScores(rows.map((r) => ({ predicted: rule(r) || r.judgeLow.length > 0, actual: actual(r) }))),
    rulesAndFlaws: rejectScores(rows.map((r) => ({ predicted: rule(r) || r.judgeFlaws.length > 0, actual: actual(r) }))),
  };
}
