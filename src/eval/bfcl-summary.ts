/**
 * BFCL's summary figures for the categories a run holds, averaged the way BFCL's leaderboard averages them
 * (bfcl_eval/eval_checker/eval_runner_helper.py, generate_leaderboard_csv):
 *
 *   non-live AST   unweighted mean of [simple, multiple, parallel, parallel_multiple], where "simple" is itself the
 *                  unweighted mean of simple_python / simple_java / simple_javascript
 *   live AST       mean weighted by question count over live_simple, live_multiple, live_parallel,
 *                  live_parallel_multiple
 *   irrelevance    unweighted mean of irrelevance and live_irrelevance (hallucination measure)
 *   relevance      live_relevance (hallucination measure)
 *
 * BFCL scores a category it did not run as 0 inside these means (and shows the figure as N/A). Here a figure is
 * averaged over the categories that were run, and the ones left out are listed in `missing`: with every component
 * run the two agree. Java and JavaScript are not run by toolflow, so "simple" is simple_python alone. BFCL's
 * overall score also weighs the multi-turn and agentic categories (out of scope here) and is not computed.
 */

export interface CategoryScore {
  category: string;
  /** Questions of the category in the run. */
  total: number;
  /** Questions answered validly. */
  correct: number;
  /** correct / total (0 when total is 0). */
  accuracy: number;
}

export interface SummaryFigure {
  accuracy: number;
  /** Questions behind the figure. */
  total: number;
  averaging: "unweighted" | "weighted";
  /** Categories that went into the figure. */
  components: string[];
  /** Categories of the figure that were not run (BFCL would count them as 0 and show N/A). */
  missing: string[];
}

export interface BfclFigures {
  nonLiveAst?: SummaryFigure;
  liveAst?: SummaryFigure;
  irrelevance?: SummaryFigure;
  relevance?: SummaryFigure;
}

export const BFCL_EVAL_CATEGORIES = [
  "simple_python",
  "multiple",
  "parallel",
  "parallel_multiple",
  "live_simple",
  "live_multiple",
  "live_parallel",
  "live_parallel_multiple",
  "irrelevance",
  "live_irrelevance",
  "live_relevance",
] as const;
export type BfclEvalCategory = (typeof BFCL_EVAL_CATEGORIES)[number];

type Part = { accuracy: number; total: number; name: string };

function unweighted(parts: Part[], missing: string[]): SummaryFigure | undefined {
  if (parts.length === 0) return undefined;
  return {
    accuracy: parts.reduce((s, p) => s + p.accuracy, 0) / parts.length,
    total: parts.reduce((s, p) => s + p.total, 0),
    averaging: "unweighted",
    components: parts.map((p) => p.name),
    missing,
  };
}

function weighted(parts: Part[], missing: string[]): SummaryFigure | undefined {
  const total = parts.reduce((s, p) => s + p.total, 0);
  if (parts.length === 0 || total === 0) return undefined;
  return {
    accuracy: parts.reduce((s, p) => s + p.accuracy * p.total, 0) / total,
    total,
    averaging: "weighted",
    components: parts.map((p) => p.name),
    missing,
  };
}

/** Figures for the categories present in `scores` (a figure none of whose categories was run is left out). */
export function bfclFigures(scores: readonly CategoryScore[]): BfclFigures {
  const by = new Map(scores.filter((s) => s.total > 0).map((s) => [s.category, s]));
  const pick = (names: string[]) => {
    const parts: Part[] = [];
    const missing: string[] = [];
    for (const n of names) {
      const s = by.get(n);
      if (s) parts.push({ name: n, accuracy: s.accuracy, total: s.total });
      else missing.push(n);
    }
    return { parts, missing };
  };
  const out: BfclFigures = {};

  const simple = pick(["simple_python"]);
  const nonLiveParts: Part[] = [];
  const nonLiveMissing: string[] = [];
  const simpleFig = unweighted(simple.parts, []);
  if (simpleFig) nonLiveParts.push({ name: "simple_python", accuracy: simpleFig.accuracy, total: simpleFig.total });
  else nonLiveMissing.push("simple_python");
  const rest = pick(["multiple", "parallel", "parallel_multiple"]);
  nonLiveParts.push(...rest.parts);
  nonLiveMissing.push(...rest.missing);
  const nonLive = unweighted(nonLiveParts, nonLiveMissing);
  if (nonLive) out.nonLiveAst = nonLive;

  const live = pick(["live_simple", "live_multiple", "live_parallel", "live_parallel_multiple"]);
  const liveFig = weighted(live.parts, live.missing);
  if (liveFig) out.liveAst = liveFig;

  const irr = pick(["irrelevance", "live_irrelevance"]);
  const irrFig = unweighted(irr.parts, irr.missing);
  if (irrFig) out.irrelevance = irrFig;

  const rel = pick(["live_relevance"]);
  const relFig = unweighted(rel.parts, rel.missing);
  if (relFig) out.relevance = relFig;
  return out;
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/** The printed table: accuracy per category, then the summary figures. */
export function formatBfclTable(scores: readonly CategoryScore[], figures: BfclFigures): string {
  const rows: Array<[string, string, string]> = [["category", "correct/total", "accuracy"]];
  for (const s of scores) rows.push([s.category, `${s.correct}/${s.total}`, pct(s.accuracy)]);
  const names: Array<[keyof BfclFigures, string]> = [
    ["nonLiveAst", "non-live AST"],
    ["liveAst", "live AST"],
    ["irrelevance", "irrelevance (hallucination)"],
    ["relevance", "relevance (hallucination)"],
  ];
  const figRows: Array<[string, string, string]> = [];
  for (const [k, label] of names) {
    const f = figures[k];
    if (!f) continue;
    const note = f.missing.length > 0 ? ` (without ${f.missing.join(", ")})` : "";
    figRows.push([label + note, `${f.total} questions`, pct(f.accuracy)]);
  }
  const all = [...rows, ...figRows];
  const w0 = Math.max(...all.map((r) => r[0].length));
  const w1 = Math.max(...all.map((r) => r[1].length));
  const line = (r: [string, string, string]) => `${r[0].padEnd(w0)}  ${r[1].padStart(w1)}  ${r[2].padStart(8)}`;
  const out = rows.map(line);
  out.splice(1, 0, "-".repeat(w0 + w1 + 12));
  if (figRows.length > 0) {
    out.push("-".repeat(w0 + w1 + 12));
    out.push(...figRows.map(line));
  }
  return out.join("\n");
}
