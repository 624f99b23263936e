/**
 * The LLM judge of the real-model corpus: verify's judgeDialogue (prompts/judge.txt, the rubric synth's
 * `--judge-min` gate applies) asked of a model played through the bridge (`openai:bridge-judge`), its answers kept
 * in test/fixtures/real-model/judge/cache so that the tests replay them with no model reachable.
 *
 * Record (once, with a bridge answering on JUDGE_BASE_URL):
 *   OPENAI_API_KEY=x npx tsx test/support/real-model-judge.ts
 * or in shards, each with its own bridge and cache, then merged into the fixture:
 *   OPENAI_API_KEY=x npx tsx test/support/real-model-judge.ts --only '^(asst|full)-' --port 18132 --cache /tmp/a.sqlite --scores /tmp/a.jsonl
 *   npx tsx test/support/real-model-judge.ts --merge /tmp/a.sqlite@18132,/tmp/b.sqlite@18133 --scores /tmp/a.jsonl,/tmp/b.jsonl
 * (FILE@PORT: the shard's cache and the port its bridge had, which the cache keys hold)
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { cacheMiddleware, SqliteResponseCache, wrapModel } from "../../src/llm/index.js";
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
    // The response cache keys a request by its endpoint too, and each shard had its own bridge: replay every
    // dialogue from the shard that holds it, through an outer cache that stores the answer under the fixture's
    // endpoint (JUDGE_BASE_URL), into a fresh fixture cache holding only what the tests replay.
    rmSync(JUDGE_CACHE, { force: true });
    const target = new SqliteResponseCache(JUDGE_CACHE);
    const endpointOf = async (baseURL: string) => ((await createChatModel(JUDGE_SPEC, { baseURL, apiKey: "x" })) as { endpoint?: string }).endpoint ?? "";
    const targetNamespace = await endpointOf(JUDGE_BASE_URL);
    const found = new Set<string>();
    for (const shard of values.merge.split(",")) {
      const [file, port] = shard.split("@");
      if (!file || !port) throw new Error(`--merge: expected FILE@PORT, got "${shard}"`);
      const copy = join(mkdtempSync(join(tmpdir(), "judge-shard-")), "responses.sqlite");
      copyFileSync(file, copy);
      const shardCache = new SqliteResponseCache(copy);
      const inner = await createChatModel(JUDGE_SPEC, { baseURL: `http://127.0.0.1:${port}/v1`, apiKey: "x", cache: shardCache });
      const model = wrapModel(inner, cacheMiddleware(target, { namespace: targetNamespace }));
      for (const d of loadCorpus()) {
        if (found.has(d.key)) continue;
        try {
          await judgeDialogue(model, { tools: d.dialogue.tools, messages: d.dialogue.messages });
          found.add(d.key);
        } catch {
          // not in this shard
        }
      }
      await inner.close?.();
      shardCache.close?.();
    }
    target.close?.();
    const byKey = new Map<string, string>();
    for (const f of (values.scores ?? "").split(",").filter(Boolean)) {
      for (const line of readFileSync(f, "utf8").split("\n").filter((l) => l.trim() !== "")) byKey.set((JSON.parse(line) as { id: string }).id, line);
    }
    const missing = loadCorpus().filter((d) => !found.has(d.key) || !byKey.has(d.key)).map((d) => d.key);
    if (missing.length > 0) throw new Error(`no judgement for ${missing.join(", ")}`);
    writeFileSync(scoresFile, loadCorpus().map((d) => byKey.get(d.key)).join("\n") + "\n");
    // the merged cache must replay every judgement, as recorded
    const replayed = await judgeCorpus();
    for (const [key, r] of replayed) {
      const recorded = JSON.parse(byKey.get(key) ?? "{}") as { flaws?: unknown; scores?: unknown };
      if (JSON.stringify(r.flaws) !== JSON.stringify(recorded.flaws) || JSON.stringify(r.scores) !== JSON.stringify(recorded.scores)) {
        throw new Error(`${key}: the merged cache replays another judgement than the shard recorded`);
      }
    }
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
