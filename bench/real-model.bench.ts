/**
 * The verifier on real-model dialogues (issue 18 §1): its verdicts on the labelled dialogues of
 * test/fixtures/real-model/ (all, and per batch: the first runs and the held-out runs) against the reviewers' labels, with the rule checks alone, with the LLM judge's scores as
 * a gate (`--judge-min 3`) and with the flaws it names as a gate (`--judge-flaws`), from the judge's cached answers,
 * and every disagreement of the flaw gate with its reason.
 *
 *   npm run bench real-model
 * Target (issue 18): precision and recall of "reject" both >= 0.9.
 */
import { loadAdjudicatedLabels, loadCorpus } from "../test/support/real-model.js";
import { BATCHES, batchOf, verdictRows, verdictScores } from "../test/support/real-model-scores.js";

export async function run(): Promise<void> {
  const rows = verdictRows();
  const s = verdictScores(rows);
  const f = (x: { tp: number; fp: number; fn: number; tn: number; precision: number; recall: number }) =>
    `precision ${x.precision.toFixed(2)}, recall ${x.recall.toFixed(2)} (tp ${x.tp}, fp ${x.fp}, fn ${x.fn}, tn ${x.tn})`;
  const rejects = rows.filter((r) => r.label === "reject").length;
  console.log(`${rows.length} dialogues, ${rejects} labelled reject`);
  console.log(`rules alone (format, plan, provenance; the run's incomplete): ${f(s.rules)}`);
  console.log(`rules + judge scores (--judge-min 3):                       ${f(s.rulesAndJudge)}`);
  console.log(`rules + judge flaws (--judge-flaws):                         ${f(s.rulesAndFlaws)}`);
  for (const batch of BATCHES) {
    const part = rows.filter((r) => batchOf(r.key) === batch);
    if (part.length === 0) continue;
    const b = verdictScores(part);
    console.log(`  ${batch} batch (${part.length} dialogues, ${part.filter((r) => r.label === "reject").length} labelled reject):`);
    console.log(`    rules alone:          ${f(b.rules)}`);
    console.log(`    rules + judge scores: ${f(b.rulesAndJudge)}`);
    console.log(`    rules + judge flaws:  ${f(b.rulesAndFlaws)}`);
  }
  const adjudicated = verdictScores(verdictRows(loadCorpus(), 3, loadAdjudicatedLabels()));
  console.log("against the labels after adjudication of the disagreements (test/fixtures/real-model/adjudication.jsonl):");
  console.log(`  rules alone:          ${f(adjudicated.rules)}`);
  console.log(`  rules + judge scores: ${f(adjudicated.rulesAndJudge)}`);
  console.log(`  rules + judge flaws:  ${f(adjudicated.rulesAndFlaws)}`);
  console.log("where rules + --judge-flaws and the reviewers disagree:");
  for (const r of rows) {
    const rule = r.rules.length > 0;
    const gate = rule || r.judgeFlaws.length > 0;
    if (gate === (r.label === "reject")) continue;
    console.log(
      `  ${r.key}: label ${r.label} (${r.reason}); rules ${rule ? `reject (${r.rules.join(", ")})` : "accept"}; judge flaws ${r.judgeFlaws.join(", ") || "none"} (${r.judgeWhy})`,
    );
  }
}
