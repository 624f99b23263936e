/**
 * The LLM judge of the real-model corpus: verify's judgeDialogue (prompts/judge.txt, the rubric synth's
 * `--judge-min` gate applies) asked of a model played through the bridge (`openai:bridge-judge`), its answers kept
 * in test/fixtures/real-model/judge/cache so that the tests replay them with no model reachable.
 *
 * Record (once, with a bridge answering on JUDGE_BASE_URL):
 *   OPENAI_API_KEY=x npx tsx test/support/real-model-judge.ts
 * or in shards, each with its own bridge and cache, then merged into the fixture:
 *   OPENAI_API_KEY=x npx tsx test/support/real-model-judge.ts --only '^(asst|full)-' --port 18132 --cache /tmp/a.sqlite --scores /tmp/a.jsonl
 *   npx tsx test/support/real-model-judge.ts --merge /tmp/a.sqlite,/tmp/b.sqlite --scores /tmp/a.jsonl,/tmp/b.jsonl
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
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
  options: { cacheFile?: string; record?: boolean; baseURL?: string } = {},
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
    baseURL: options.baseURL ?? JUDGE_BASE_URL,
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
  const { values } = parseArgs({
    options: { only: { type: "string" }, port: { type: "string" }, cache: { type: "string" }, scores: { type: "string" }, merge: { type: "string" } },
  });
  const scoresFile = join(REAL_MODEL_DIR, "judge", "scores.jsonl");
  if (values.merge) {
    // the shards' caches into a fresh fixture cache (only what the tests replay), their scores in corpus order
    rmSync(JUDGE_CACHE, { force: true });
    new SqliteResponseCache(JUDGE_CACHE).close?.();
    const db = new Database(JUDGE_CACHE);
    for (const [i, shard] of values.merge.split(",").entries()) {
      db.exec(`ATTACH DATABASE '${shard.replaceAll("'", "''")}' AS s${i}`);
      db.exec(`INSERT OR IGNORE INTO responses SELECT * FROM s${i}.responses`);
      db.exec(`DETACH DATABASE s${i}`);
    }
    db.close();
    const byKey = new Map<string, string>();
    for (const f of (values.scores ?? "").split(",").filter(Boolean)) {
      for (const line of readFileSync(f, "utf8").split("\n").filter((l) => l.trim() !== "")) byKey.set((JSON.parse(line) as { id: string }).id, line);
    }
    const lines = loadCorpus().map((d) => byKey.get(d.key) ?? "");
    if (lines.includes("")) throw new Error(`no judgement for ${loadCorpus().filter((d) => !byKey.has(d.key)).map((d) => d.key).join(", ")}`);
    writeFileSync(scoresFile, lines.join("\n") + "\n");
    // the merged cache must replay every judgement
    const replayed = await judgeCorpus();
    console.log(`merged ${values.merge.split(",").length} shards: ${replayed.size} dialogues replay from ${JUDGE_CACHE}`);
  } else {
    const only = values.only ? new RegExp(values.only) : undefined;
    const corpus = loadCorpus().filter((d) => !only || only.test(d.key));
    const scores = await judgeCorpus(corpus, {
      record: true,
      ...(values.cache ? { cacheFile: values.cache } : {}),
      ...(values.port ? { baseURL: `http://127.0.0.1:${values.port}/v1` } : {}),
    });
    writeFileSync(values.scores ?? scoresFile, [...scores].map(([id, s]) => JSON.stringify({ id, ...s })).join("\n") + "\n");
    console.log(`judged ${scores.size} dialogues`);
  }
}
