/**
 * The paper's leakage test. A TRAIN tool is leaked when
 * - more than `maxCoverage` (10 %) of the tokens of its JSON lie in n-grams of `ngram` (11) or more tokens,
 *   i.e. "longer than 10 tokens", shared with some EVAL tool (tokens: see tokens.ts), or
 * - its embedding similarity to an EVAL tool exceeds `maxSimilarity` (0.9); the text embedded is the paper's
 *   `"{name}: {description}"`, by any embedder of the graph stage (`createEmbedder`).
 *
 * The n-gram rule uses an index: EVAL's n-grams are hashed once; each TRAIN tool's n-grams are looked up, and a
 * token is covered when one of the n-grams holding it is found (a token lies in a shared n-gram longer than 10
 * tokens exactly when it lies in a shared 11-gram). The similarity rule is a top-1 search above the threshold
 * (nearest.ts), never all pairs.
 */
import type { ToolSpec } from "../core/index.js";
import { createEmbedder, rowDot, type FieldEmbedder, type FieldInput } from "../graph/index.js";
import { nearestAbove } from "./nearest.js";
import { embeddingText, NgramIndex, toolTokens, Vocabulary } from "./tokens.js";

export const OVERLAP_DEFAULTS = { ngram: 11, maxCoverage: 0.1, maxSimilarity: 0.9 } as const;

export type LeakRule = "ngram" | "embedding" | "both";

export interface LeakReason {
  /** Which rule found the leak (both when both did). */
  rule: LeakRule;
  /** Share of the tool's tokens covered by shared n-grams (the n-gram rule fires above maxCoverage). */
  coverage: number;
  coveredTokens: number;
  tokens: number;
  /** Embedding similarity to `nearest` (the similarity rule fires above maxSimilarity). */
  similarity: number;
}

export interface LeakedTool {
  tool: string;
  /**
   * The EVAL tool it leaks from: the one holding most of its shared n-grams when the n-gram rule fired, else the
   * most similar one.
   */
  nearest: string;
  reason: LeakReason;
}

export interface OverlapResult {
  trainTools: number;
  leakedTools: number;
  share: number;
  leaked: LeakedTool[];
  evalTools: number;
  byRule: Record<LeakRule, number>;
  settings: { ngram: number; maxCoverage: number; maxSimilarity: number; embedder: string; exact: boolean };
  /** TRAIN's tools that are not leaked, in their order (what `--exclude` writes). */
  kept: ToolSpec[];
}

export interface OverlapOptions {
  /** An embedder, or its name for `createEmbedder` (default `lexical`). */
  embedder?: FieldEmbedder | string;
  /** Shared runs must have at least this many tokens (default 11: "longer than 10"). */
  ngram?: number;
  /** The n-gram rule fires when the covered share is above this (default 0.1). */
  maxCoverage?: number;
  /** The similarity rule fires when the similarity is above this (default 0.9). */
  maxSimilarity?: number;
  /** Compare every TRAIN tool with every EVAL tool in the similarity rule (slow; for checking). */
  exact?: boolean;
  seed?: number;
  signal?: AbortSignal;
}

/** The leakage test of TRAIN's tools against EVAL's tools. */
export async function computeOverlap(train: readonly ToolSpec[], evalTools: readonly ToolSpec[], options: OverlapOptions = {}): Promise<OverlapResult> {
  const n = options.ngram ?? OVERLAP_DEFAULTS.ngram;
  const maxCoverage = options.maxCoverage ?? OVERLAP_DEFAULTS.maxCoverage;
  const maxSimilarity = options.maxSimilarity ?? OVERLAP_DEFAULTS.maxSimilarity;
  const exact = options.exact ?? false;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`ngram must be an integer >= 1, got ${n}`);

  // --- n-gram rule
  const vocab = new Vocabulary();
  const index = new NgramIndex(n);
  evalTools.forEach((t, i) => index.add(i, vocab.idsOf(toolTokens(t))));
  const covers = train.map((t) => {
    const ids = vocab.idsOf(toolTokens(t));
    const { covered, byTool } = index.cover(ids);
    let nearest = -1;
    let most = 0;
    for (const [tool, count] of byTool) if (count > most || (count === most && tool < nearest)) [nearest, most] = [tool, count];
    return { tokens: ids.length, covered, coverage: ids.length === 0 ? 0 : covered / ids.length, nearest };
  });
  options.signal?.throwIfAborted();

  // --- similarity rule: embed the distinct texts of both sides together (corpus statistics see both)
  const embedder = typeof options.embedder === "object" ? options.embedder : createEmbedder(options.embedder ?? "lexical");
  const rowOf = new Map<string, number>();
  const fields: FieldInput[] = [];
  const rowFor = (t: ToolSpec): number => {
    const key = embeddingText(t);
    let r = rowOf.get(key);
    if (r === undefined) {
      r = fields.length;
      rowOf.set(key, r);
      fields.push({ name: t.name, description: t.description, count: 0 });
    }
    (fields[r] as FieldInput).count!++;
    return r;
  };
  const trainRows = train.map(rowFor);
  const evalRows = evalTools.map(rowFor);
  const vectors = await embedder.embed(fields, options.signal ? { signal: options.signal } : {});
  const targets: number[] = [];
  const targetTool: number[] = [];
  const seenRow = new Set<number>();
  evalRows.forEach((r, i) => {
    if (seenRow.has(r)) return;
    seenRow.add(r);
    targets.push(r);
    targetTool.push(i);
  });
  const nearest = nearestAbove(vectors, trainRows, targets, { threshold: maxSimilarity, exact, seed: options.seed ?? 1 });

  // --- verdicts
  const leaked: LeakedTool[] = [];
  const kept: ToolSpec[] = [];
  const byRule: Record<LeakRule, number> = { ngram: 0, embedding: 0, both: 0 };
  train.forEach((t, i) => {
    const c = covers[i]!;
    const nn = nearest[i]!;
    const byNgram = c.coverage > maxCoverage;
    const bySim = nn.target >= 0 && nn.similarity > maxSimilarity;
    if (!byNgram && !bySim) {
      kept.push(t);
      return;
    }
    const rule: LeakRule = byNgram && bySim ? "both" : byNgram ? "ngram" : "embedding";
    byRule[rule]++;
    const near = byNgram ? c.nearest : (targetTool[nn.target] as number);
    const similarity = bySim && near === targetTool[nn.target] ? nn.similarity : rowDot(vectors, trainRows[i]!, evalRows[near]!);
    leaked.push({
      tool: t.name,
      nearest: evalTools[near]!.name,
      reason: { rule, coverage: round(c.coverage), coveredTokens: c.covered, tokens: c.tokens, similarity: round(similarity) },
    });
  });
  return {
    trainTools: train.length,
    leakedTools: leaked.length,
    share: train.length === 0 ? 0 : round(leaked.length / train.length),
    leaked,
    evalTools: evalTools.length,
    byRule,
    settings: { ngram: n, maxCoverage, maxSimilarity, embedder: embedder.id, exact },
    kept,
  };
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** A short text report: the share leaked, the counts per rule, and each leaked tool with its reason. */
export function formatOverlap(r: OverlapResult, options: { limit?: number } = {}): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const lines = [
    `${r.leakedTools} of ${r.trainTools} TRAIN tools leaked (${pct(r.share)}) against ${r.evalTools} EVAL tools`,
    `  n-gram rule only: ${r.byRule.ngram}, similarity rule only: ${r.byRule.embedding}, both: ${r.byRule.both}`,
    `  (n-grams of >= ${r.settings.ngram} tokens covering > ${pct(r.settings.maxCoverage)} of a tool's JSON; ` +
      `${r.settings.embedder} similarity > ${r.settings.maxSimilarity})`,
  ];
  const limit = options.limit ?? Infinity;
  for (const l of r.leaked.slice(0, limit)) {
    lines.push(
      `  ${l.tool} -> ${l.nearest}: ${l.reason.rule}, covered ${pct(l.reason.coverage)} (${l.reason.coveredTokens}/${l.reason.tokens} tokens), similarity ${l.reason.similarity.toFixed(3)}`,
    );
  }
  if (r.leaked.length > limit) lines.push(`  ... ${r.leaked.length - limit} more (--json lists all)`);
  return lines.join("\n") + "\n";
}
