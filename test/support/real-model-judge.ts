/**
 * The LLM judge of the real-model corpus: verify's judgeDialogue (prompts/judge.txt, the rubric synth's
 * `--judge-min` gate applies) asked of a model played through the bridge (`openai:bridge-judge`), its answers kept
 * in test/fixtures/real-model/judge/cache so that the tests replay them with no model reachable.
 *
 * Record (once, with a bridge answering on JUDGE_BASE_URL):
 *   OPENAI_API_KEY=x npx tsx test/support/real-model-judge.ts
 */
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { SqliteResponseCache } from "../../src/llm/index.js";
import { createChatModel } from "../../src/models/index.js";
import { judgeDialogue, type JudgeFlaw, type JudgeScores } from "../../src/verify/index.js";
import { loadCorpus, REAL_MODEL_DIR, type CorpusDialogue } from "./real-model.js";

export const JUDGE_SPEC = "openai:bridge-judge";
export const JUDGE_BASE_URL = "http://127.0.0.1:18131/v1";
export const JUDGE_CACHE = join(REAL_MODEL_DIR, "judge", "responses.sqlite");

/** The judge's scores of every corpus dialogue, by corpus key (from the cache; the bridge only when recording). */
export async function judgeCorpus(
  corpus: CorpusDialogue[] = loadCorpus(),
  options: { cacheFile?: string; record?: boolean } = {},
): Promise<Map<string, { scores: JudgeScores; flaws: JudgeFlaw[]; rationale: string }>> {
  // replay from a copy: opening the fixture's SQLite file would write beside it
  let file = options.cacheFile ?? JUDGE_CACHE;
  if (!options.record) {
    const copy = join(mkdtempSync(join(tmpdir(), "corpus-judge-")), "responses.sqlite");
    copyFileSync(file, copy);
    file = copy;
  }
  const cache = new SqliteResponseCache(file);
  const model = await createChatModel(JUDGE_SPEC, {
    baseURL: JUDGE_BASE_URL,
    apiKey: "x",
    cache,
    ...(options.record ? {} : { maxRetries: 0 }),
  });
  const out = new Map<string, { scores: JudgeScores; flaws: JudgeFlaw[]; rationale: string }>();
  try {
    for (const d of corpus) {
      const r = await judgeDialogue(model, { tools: d.dialogue.tools, messages: d.dialogue.messages });
      out.set(d.key, { scores: r.scores, flaws: r.flaws, rationale: r.rationale });
    }
  } finally {
    await model.close?.();
    cache.close?.();
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const scores = await judgeCorpus(loadCorpus(), { record: true });
  writeFileSync(join(REAL_MODEL_DIR, "judge", "scores.jsonl"), [...scores].map(([id, s]) => JSON.stringify({ id, ...s })).join("\n") + "\n");
  console.log(`judged ${scores.size} dialogues`);
}
