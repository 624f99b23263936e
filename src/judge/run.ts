/**
 * `toolflow judge DATA --llm SPEC -o OUT`: the data-quality metrics of a run or dataset, per dialogue and summed.
 *
 * DATA is read by `eval heldout`'s loader with split "all": a synth run folder (every dialogue of
 * dialogues.jsonl, with plans and step kinds) or an exported openai dataset (DIR/openai/{train,validation,test}.jsonl
 * or a folder holding those files; no step kinds: round-trip turns are of kind "unknown").
 *
 * Each decided dialogue is appended as one line of OUT/judge.jsonl (JsonlAppender: whole lines, a kill leaves at
 * most a torn tail that the next run cuts). A rerun into OUT skips the ids on file, so it asks nothing twice; a
 * dialogue whose model calls failed is not written and is retried. OUT/judge-run.json holds what defines the run
 * (the data, metrics, sample, seed, model, embedder: `judgeDefinition`, from the option table in option-table.ts):
 * OUT is a job folder (src/data/job.ts), so a rerun with other settings is refused naming them, --force starts
 * over, and --resume insists on results to continue. The summary goes to OUT/summary.json.
 */
import { join, resolve } from "node:path";
import pLimit from "p-limit";
import { z } from "zod";
import { writeFileAtomic } from "../core/index.js";
import { JsonlAppender, openJob, recoverJsonl, type Job } from "../data/index.js";
import { everyRequestFailed, isFatalModelError, loadHeldoutDialogues, type HeldoutDialogue, type HeldoutSource, type TurnKind } from "../eval/index.js";
import { createEmbedder, type FieldEmbedder } from "../graph/index.js";
import { redact, redactedJson, type ModelMiddleware, type UsageSummary } from "../llm/index.js";
import { evalModelsConfig, openRunModels } from "../models/index.js";
import { judgeDialogue } from "../verify/index.js";
import { bootstrapMean, mean, pairSimilarities, roundPairs, sampleBySeed, type Interval } from "./metrics.js";
import { classifyPair, type NliLabel } from "./nli.js";
import { JUDGE_DEFAULTS, JUDGE_DEFINITION_FLAGS, judgeDefinition, judgeMetrics, type JudgeDefinition, type JudgeMetric } from "./option-table.js";
import { roundTripDialogue, summarizeRoundTrip, type KindAgreement, type RoundTripResult } from "./round-trip.js";

export { JUDGE_METRICS, parseMetrics, type JudgeMetric } from "./option-table.js";

export const JUDGE_CRITERIA = ["naturalness", "coherence", "helpfulness", "accuracy"] as const;
export type Criterion = (typeof JUDGE_CRITERIA)[number];

export const JUDGE_FILES = { results: "judge.jsonl", definition: "judge-run.json", summary: "summary.json" } as const;

export interface JudgeRunOptions {
  /** A synth run folder or an exported dataset folder. */
  data: string;
  out: string;
  /** Model spec or pool "a,b" (one model per dialogue, by its seed) for enr, judge and roundtrip. */
  llm: string;
  /** Default every metric. */
  metrics?: JudgeMetric[];
  /** Judge a deterministic sample of this many dialogues (default all). */
  sample?: number;
  /** Seed of the sample and of the bootstrap (default 0). */
  seed?: number;
  /** Embedder name for SS (createEmbedder: lexical, openai, llama:...). Default lexical. */
  embedder?: string;
  /** The openai embedder's model and endpoint. */
  embeddingModel?: string;
  embeddingBaseURL?: string;
  /** Delete OUT's results and start over (otherwise OUT's results are resumed when the settings are the same). */
  force?: boolean;
  /** `--resume`: OUT must hold results to continue (without it, a judge run starts where there is none). */
  resume?: boolean;
  /** Dialogues judged at once (default 4); requests in flight are capped by the limiter at 2x this. */
  concurrency?: number;
  baseURL?: string;
  apiKey?: string;
  env?: Record<string, string | undefined>;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  timeoutMs?: number;
  cacheDir?: string;
  pricesFile?: string;
  nativeTools?: boolean | "auto";
  middleware?: ModelMiddleware[];
  /** Bootstrap resamples (default 2000). */
  resamples?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Test hook: the embedder to use instead of createEmbedder(embedder). */
  createEmbedder?: (name: string) => FieldEmbedder;
}

/** One line of OUT/judge.jsonl. */
export interface JudgeLine {
  id: string;
  ss?: { pairs: number[]; mean: number | null };
  enr?: { labels: NliLabel[]; rationales: string[]; rate: number | null };
  judge?: { scores: Record<Criterion, number>; rationale: string; model: string; flaws?: Array<{ kind: string; note: string }> };
  roundTrip?: RoundTripResult;
}

const JudgeLineZ = z
  .object({
    id: z.string(),
    ss: z.object({ pairs: z.array(z.number()), mean: z.number().nullable() }).optional(),
    enr: z.object({ labels: z.array(z.string()), rationales: z.array(z.string()), rate: z.number().nullable() }).optional(),
    judge: z
      .object({
        scores: z.record(z.string(), z.number()),
        rationale: z.string(),
        model: z.string(),
        flaws: z.array(z.object({ kind: z.string(), note: z.string() })).optional(),
      })
      .optional(),
    roundTrip: z.any().optional(),
  })
  .passthrough();

export interface JudgeSummary {
  data: string;
  out: string;
  llm: string;
  source: HeldoutSource;
  metrics: JudgeMetric[];
  /** Dialogues in DATA, and judged (the sample). */
  available: number;
  dialogues: number;
  /** Dialogues whose results were already on file (resumed). */
  resumed: number;
  /** Dialogues whose model calls failed (not written; a rerun retries them). */
  errors: number;
  /** Mean similarity over every consecutive-round pair, and the per-dialogue mean's average. */
  ss?: { mean: number | null; pairs: number; dialogueMean: number | null; embedder: string };
  enr?: { rate: number | null; pairs: number; entailment: number; neutral: number; contradiction: number };
  /** Mean scores with intervals; `flawed`: dialogues in which the judge named a flaw; `flaws`: how many of each kind. */
  judge?: Record<Criterion, Interval | null> & { dialogues: number; flawed: number; flaws: Record<string, number> };
  roundTrip?: { agreement: number | null; turns: number; agreed: number; byStepKind: Partial<Record<TurnKind, KindAgreement>> };
  usage: UsageSummary;
  notes: string[];
}

/** The summary of judged lines. */
export function summarizeJudge(lines: readonly JudgeLine[], metrics: readonly JudgeMetric[], options: { seed?: number; resamples?: number } = {}) {
  const out: Pick<JudgeSummary, "ss" | "enr" | "judge" | "roundTrip"> = {};
  if (metrics.includes("ss")) {
    const pairs = lines.flatMap((l) => l.ss?.pairs ?? []);
    const perDialogue = lines.map((l) => l.ss?.mean).filter((m): m is number => typeof m === "number");
    out.ss = { mean: mean(pairs), pairs: pairs.length, dialogueMean: mean(perDialogue), embedder: "" };
  }
  if (metrics.includes("enr")) {
    const labels = lines.flatMap((l) => l.enr?.labels ?? []);
    const count = (x: NliLabel) => labels.filter((l) => l === x).length;
    out.enr = {
      rate: labels.length === 0 ? null : count("entailment") / labels.length,
      pairs: labels.length,
      entailment: count("entailment"),
      neutral: count("neutral"),
      contradiction: count("contradiction"),
    };
  }
  if (metrics.includes("judge")) {
    const judged = lines.filter((l) => l.judge);
    const flaws: Record<string, number> = {};
    for (const l of judged) for (const f of l.judge?.flaws ?? []) flaws[f.kind] = (flaws[f.kind] ?? 0) + 1;
    const flawed = judged.filter((l) => (l.judge?.flaws ?? []).length > 0).length;
    const j = { dialogues: judged.length, flawed, flaws } as Record<Criterion, Interval | null> & {
      dialogues: number;
      flawed: number;
      flaws: Record<string, number>;
    };
    JUDGE_CRITERIA.forEach((c, k) => {
      j[c] = bootstrapMean(
        judged.map((l) => l.judge!.scores[c]),
        { seed: (options.seed ?? 0) + k, ...(options.resamples !== undefined ? { resamples: options.resamples } : {}) },
      );
    });
    out.judge = j;
  }
  if (metrics.includes("roundtrip")) {
    const s = summarizeRoundTrip(lines.flatMap((l) => (l.roundTrip ? [l.roundTrip] : [])));
    out.roundTrip = s;
  }
  return out;
}

/** Run the metrics; writes OUT/judge.jsonl, OUT/judge-run.json, OUT/summary.json and returns the summary. */
export async function runJudge(options: JudgeRunOptions): Promise<JudgeSummary> {
  const metrics = judgeMetrics(options);
  const seed = options.seed ?? JUDGE_DEFAULTS.seed;
  const embedderName = options.embedder ?? JUDGE_DEFAULTS.embedder;
  const { dialogues: all, source } = await loadHeldoutDialogues(options.data, { split: "all" });
  const dialogues = sampleBySeed(all, options.sample, seed);

  const definition = judgeDefinition(options);
  const job = await openJob(
    {
      dir: options.out,
      what: "judge results",
      definitionFile: JUDGE_FILES.definition,
      resultFiles: [JUDGE_FILES.results, JUDGE_FILES.summary],
      definition,
      options: JUDGE_DEFINITION_FLAGS,
    },
    { force: options.force ?? false, resume: options.resume ?? false },
  );
  try {
    return await judgeInFolder(options, job, { metrics, seed, embedderName, all, dialogues, source });
  } finally {
    job.release();
  }
}

/** The metrics in the opened job folder (runJudge). */
async function judgeInFolder(
  options: JudgeRunOptions,
  job: Job<JudgeDefinition>,
  ctx: { metrics: JudgeMetric[]; seed: number; embedderName: string; all: HeldoutDialogue[]; dialogues: HeldoutDialogue[]; source: HeldoutSource },
): Promise<JudgeSummary> {
  const { metrics, seed, embedderName, all, dialogues, source } = ctx;
  const resultsPath = job.path(JUDGE_FILES.results);

  const recovered = await recoverJsonl(resultsPath, JudgeLineZ, { key: (r) => r.id });
  const wanted = new Set(dialogues.map((d) => d.id));
  const onFile = new Map<string, JudgeLine>();
  for (const r of recovered.records) if (wanted.has(r.id)) onFile.set(r.id, r as JudgeLine);
  const pending = dialogues.filter((d) => !onFile.has(d.id));

  // SS: the texts of every sampled dialogue are embedded together (a corpus-dependent embedder such as lexical
  // then gives the same numbers on a resumed run); plain cosine for lexical (no smoothing).
  const ssOf = new Map<string, number[]>();
  let embedderId = embedderName;
  if (metrics.includes("ss") && pending.length > 0) {
    const embedder =
      options.createEmbedder?.(embedderName) ??
      createEmbedder(embedderName, {
        lexical: { smoothing: 0 },
        openai: {
          ...(options.embeddingModel !== undefined ? { model: options.embeddingModel } : {}),
          ...(options.embeddingBaseURL !== undefined ? { baseURL: options.embeddingBaseURL } : {}),
          cacheDir: options.cacheDir ?? null,
        },
      });
    embedderId = embedder.id;
    try {
      const pairs = dialogues.map((d) => roundPairs(d.messages));
      const sims = await pairSimilarities(embedder, pairs, options.signal ? { signal: options.signal } : {});
      dialogues.forEach((d, i) => ssOf.set(d.id, sims[i]!));
    } finally {
      await embedder.close?.();
    }
  }

  const needsModel = metrics.some((m) => m !== "ss");
  const concurrency = options.concurrency ?? JUDGE_DEFAULTS.concurrency;
  // Requests in flight: twice the dialogues judged at once.
  const config = evalModelsConfig(options, { concurrency: concurrency * 2 });
  const run = await openRunModels(needsModel ? config : { ...config, llm: "sim" });
  const notes: string[] = [];
  let errors = 0;
  const appender = new JsonlAppender(resultsPath, { serialize: redactedJson, records: recovered.records.length });
  try {
    const judgeOne = async (d: HeldoutDialogue): Promise<JudgeLine> => {
      const model = run.forDialogue(d.seed).assistant;
      const line: JudgeLine = { id: d.id };
      const signal = options.signal;
      if (metrics.includes("ss")) {
        const sims = ssOf.get(d.id) ?? [];
        line.ss = { pairs: sims, mean: mean(sims) };
      }
      if (metrics.includes("enr")) {
        const labels: NliLabel[] = [];
        const rationales: string[] = [];
        for (const p of roundPairs(d.messages)) {
          const r = await classifyPair(model, p, { seed: d.seed, ...(signal ? { signal } : {}) });
          labels.push(r.label);
          rationales.push(r.rationale);
        }
        line.enr = { labels, rationales, rate: labels.length === 0 ? null : labels.filter((l) => l === "entailment").length / labels.length };
      }
      if (metrics.includes("judge")) {
        const r = await judgeDialogue(model, { tools: d.tools, messages: d.messages }, { seed: d.seed, ...(signal ? { signal } : {}) });
        line.judge = { scores: r.scores as Record<Criterion, number>, rationale: r.rationale, model: r.model, flaws: r.flaws };
      }
      if (metrics.includes("roundtrip")) line.roundTrip = await roundTripDialogue(model, d, signal ? { signal } : {});
      return line;
    };
    const limit = pLimit(concurrency);
    let done = 0;
    await Promise.all(
      pending.map((d) =>
        limit(async () => {
          options.signal?.throwIfAborted();
          try {
            const line = await judgeOne(d);
            appender.append(line);
            onFile.set(d.id, line);
          } catch (err) {
            if (isFatalModelError(err) || options.signal?.aborted) throw err;
            errors++;
            if (notes.length < 5) notes.push(redact(`${d.id}: ${(err as Error)?.message ?? String(err)}`));
          }
          options.onProgress?.(++done, pending.length);
        }),
      ),
    );
  } finally {
    appender.close();
    await run.close();
  }
  if (needsModel && pending.length > 0 && errors === pending.length) throw everyRequestFailed("judge", errors, "dialogues", notes[0]);
  if (errors > 0) notes.push(`${errors} dialogues failed and were not written; run the same command again to retry them`);
  if (!source.stepInfo && metrics.includes("roundtrip")) {
    notes.push("the openai export carries no plan: every round-trip turn is of kind \"unknown\"; judge the run folder for step kinds");
  }
  const lines = dialogues.map((d) => onFile.get(d.id)).filter((l): l is JudgeLine => l !== undefined);
  const figures = summarizeJudge(lines, metrics, { seed, ...(options.resamples !== undefined ? { resamples: options.resamples } : {}) });
  if (figures.ss) figures.ss.embedder = embedderId;
  const summary: JudgeSummary = {
    data: options.data,
    out: options.out,
    llm: options.llm,
    source,
    metrics,
    available: all.length,
    dialogues: dialogues.length,
    resumed: dialogues.length - pending.length,
    errors,
    ...figures,
    usage: run.usage.summary(),
    notes,
  };
  await writeFileAtomic(join(options.out, JUDGE_FILES.summary), JSON.stringify(summary, null, 2) + "\n");
  return summary;
}

const f3 = (x: number | null | undefined) => (x === null || x === undefined ? "-" : x.toFixed(3));

/** The printed report. */
export function formatJudgeSummary(s: JudgeSummary): string {
  const out = [`judge: ${s.dialogues} of ${s.available} dialogues (${s.source.kind})${s.resumed > 0 ? `, ${s.resumed} on file` : ""}, model ${s.llm}`];
  if (s.ss) out.push(`SS   (${s.ss.embedder})  ${f3(s.ss.mean)} over ${s.ss.pairs} round pairs`);
  if (s.enr) out.push(`EnR  ${f3(s.enr.rate)} over ${s.enr.pairs} round pairs (entailment ${s.enr.entailment}, neutral ${s.enr.neutral}, contradiction ${s.enr.contradiction})`);
  if (s.judge) {
    out.push(`judge (1-5, mean [95% bootstrap interval], ${s.judge.dialogues} dialogues)`);
    for (const c of JUDGE_CRITERIA) {
      const i = s.judge[c];
      out.push(`  ${c.padEnd(12)} ${i ? `${i.mean.toFixed(2)} [${i.low.toFixed(2)}, ${i.high.toFixed(2)}]` : "-"}`);
    }
    if (s.judge.flawed !== undefined) {
      const kinds = Object.entries(s.judge.flaws ?? {}).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(", ");
      out.push(`  flaws named in ${s.judge.flawed} of ${s.judge.dialogues} dialogues${kinds ? ` (${kinds})` : ""}`);
    }
  }
  if (s.roundTrip) {
    out.push(`round trip  ${f3(s.roundTrip.agreement)} (${s.roundTrip.agreed}/${s.roundTrip.turns} call turns)`);
    for (const [k, v] of Object.entries(s.roundTrip.byStepKind)) out.push(`  ${k.padEnd(10)} ${f3(v.agreement)} (${v.agreed}/${v.turns})`);
  }
  const u = s.usage.total;
  out.push(`usage: ${u.requests} requests (${u.cachedResponses} cached), ${u.promptTokens + u.completionTokens} tokens${u.costUsd !== undefined && u.costUsd !== null ? `, $${u.costUsd.toFixed(4)}` : ""}`);
  for (const n of s.notes) out.push(`note: ${n}`);
  return out.join("\n") + "\n";
}
