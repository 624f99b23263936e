/**
 * `toolflow eval heldout DIR --llm ...`: ask a model every assistant turn of a dataset's test split (or every
 * dialogue of a run with split "all") and compare its answer with the recorded turn (heldout-turns.ts: BFCL's
 * checker, values exact after normalization, values an earlier tool result supplied exactly as supplied).
 *
 * One request per turn through the model layer (src/models: limiter, retries, cache, usage), the conversation
 * up to the turn and the dialogue's tools, `toolChoice: "auto"`. The answer is scored as it came: no re-ask, no
 * schema check, no repair. Writes OUT/results.jsonl (one line per turn) and OUT/summary.json.
 */
import { join } from "node:path";
import pLimit from "p-limit";
import { isFatalError, makeDir, ToolflowError, writeFileAtomic, writeJsonlAtomic } from "../core/index.js";
import {
  redact,
  type ChatResult,
  type UsageSummary,
} from "../llm/index.js";
import { evalModelsConfig, openRunModels, type EvalModelOptions } from "../models/index.js";
import type { SplitRatios } from "../data/index.js";
import { loadHeldoutDialogues, type HeldoutSource, type HeldoutSplit } from "./heldout-load.js";
import { decodeAnswer, dialogueTurns, scoreTurn, TURN_KINDS, turnRequest, type ExpectedCall, type HeldoutTurn, type TurnKind, type TurnNeed } from "./heldout-turns.js";

export { HELDOUT_SPLITS, loadHeldoutDialogues, type HeldoutSource, type HeldoutSplit } from "./heldout-load.js";
export {
  TURN_KINDS,
  dialogueTurns,
  scoreTurn,
  toBfclDoc,
  possibleAnswerOf,
  type HeldoutDialogue,
  type HeldoutTurn,
  type TurnKind,
  type TurnNeed,
  type TurnVerdict,
} from "./heldout-turns.js";

/** `llm`: a model spec or pool "a,b" (one model per dialogue, picked by its seed); the other model options are those of a synthesis run. */
export interface HeldoutEvalOptions extends EvalModelOptions {
  /** A synth run folder or an exported dataset folder. */
  dir: string;
  /** Output folder (results.jsonl, summary.json). */
  out: string;

  /** Default "test". "all": every dialogue of a run (every split file of a dataset). */
  split?: HeldoutSplit;
  /** For a run: the export's split ratios and seed to reproduce (default 0.9,0.05,0.05 and 0, as `toolflow export`). */
  ratios?: SplitRatios;
  splitSeed?: number;
  /** Evaluate at most this many dialogues (in file order). */
  limit?: number;
  /** Default 0. */
  temperature?: number;
  maxTokens?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export type Verdict = "correct" | "wrong" | "error" | "skipped";

/** One line of results.jsonl. */
export interface HeldoutResult {
  dialogueId: string;
  turn: number;
  kind: TurnKind;
  need: TurnNeed;
  expected: { calls: ExpectedCall[]; text: string | null };
  got: { calls: Array<{ name: string; arguments: unknown }>; text: string } | null;
  verdict: Verdict;
  errorType: string | null;
  reason: string | null;
  model: string | null;
  tokens: { prompt: number; completion: number } | null;
  latencyMs: number | null;
  cached?: boolean;
}

export interface Rate {
  /** Turns the rate is over. */
  turns: number;
  count: number;
  /** count / turns; null when there are no such turns. */
  rate: number | null;
}

export interface KindStats {
  turns: number;
  correct: number;
  accuracy: number | null;
  callTurns: number;
  callCorrect: number;
  noCallTurns: number;
  noCallCorrect: number;
}

export interface HeldoutSummary {
  dir: string;
  out: string;
  llm: string;
  source: HeldoutSource;
  dialogues: number;
  /** Turns scored (skipped turns excluded; model errors count as wrong). */
  turns: number;
  correct: number;
  accuracy: number | null;
  byKind: Partial<Record<TurnKind, KindStats>>;
  /** Turns that need calls: the answer passed. */
  callAccuracy: Rate;
  /** Turns that need no tool (asks and answers): the model made no call. */
  noCallAccuracy: Rate;
  /** Of the turns that need calls: answered in text instead. */
  askedWhenShouldCall: Rate;
  /** Of the clarify questions (need "ask"): made a call instead. Null rate without step info. */
  calledWhenShouldAsk: Rate;
  errorTypes: Record<string, number>;
  /** Model calls that failed (after the model layer's retries). */
  errors: number;
  skipped: number;
  /** Why kinds are "unknown" (when they are). */
  notes: string[];
  usage: UsageSummary;
}

const rate = (count: number, turns: number): Rate => ({ turns, count, rate: turns === 0 ? null : count / turns });

/** A model error that stops the whole run (bad credentials or configuration, or aborted) instead of failing one item. */
export function isFatalModelError(err: unknown): boolean {
  // the rule synth and the queue use: the error's own `fatal`, set when it was built
  return isFatalError(err);
}

/**
 * The error of a command whose every model request failed (exit 1): its figures would be 0 % of nothing, so none are
 * written. Names the command, how many items were asked and the first failure.
 */
export function everyRequestFailed(command: string, count: number, what: string, first: string | undefined): ToolflowError {
  return new ToolflowError(
    `${command}: every model request failed (${count} ${what})${first ? `; the first: ${first}` : ""}; nothing was scored and no summary was written`,
    { code: "MODEL_REQUESTS_FAILED", exitCode: 1 },
  );
}

/** Summary figures of scored turns. */
export function summarizeHeldout(results: readonly HeldoutResult[]): Omit<HeldoutSummary, "dir" | "out" | "llm" | "source" | "dialogues" | "notes" | "usage"> {
  const scored = results.filter((r) => r.verdict !== "skipped");
  const ok = (r: HeldoutResult) => r.verdict === "correct";
  const noCall = (r: HeldoutResult) => r.got !== null && r.got.calls.length === 0;
  const byKind: Partial<Record<TurnKind, KindStats>> = {};
  for (const kind of TURN_KINDS) {
    const rs = scored.filter((r) => r.kind === kind);
    if (rs.length === 0) continue;
    const calls = rs.filter((r) => r.need === "call");
    const others = rs.filter((r) => r.need !== "call");
    byKind[kind] = {
      turns: rs.length,
      correct: rs.filter(ok).length,
      accuracy: rs.filter(ok).length / rs.length,
      callTurns: calls.length,
      callCorrect: calls.filter(ok).length,
      noCallTurns: others.length,
      noCallCorrect: others.filter(noCall).length,
    };
  }
  const callTurns = scored.filter((r) => r.need === "call");
  const noCallTurns = scored.filter((r) => r.need !== "call");
  const askTurns = scored.filter((r) => r.need === "ask");
  const errorTypes: Record<string, number> = {};
  for (const r of scored) if (r.errorType) errorTypes[r.errorType] = (errorTypes[r.errorType] ?? 0) + 1;
  const correct = scored.filter(ok).length;
  return {
    turns: scored.length,
    correct,
    accuracy: scored.length === 0 ? null : correct / scored.length,
    byKind,
    callAccuracy: rate(callTurns.filter(ok).length, callTurns.length),
    noCallAccuracy: rate(noCallTurns.filter(noCall).length, noCallTurns.length),
    askedWhenShouldCall: rate(callTurns.filter(noCall).length, callTurns.length),
    calledWhenShouldAsk: rate(askTurns.filter((r) => r.got !== null && r.got.calls.length > 0).length, askTurns.length),
    errorTypes,
    errors: scored.filter((r) => r.verdict === "error").length,
    skipped: results.length - scored.length,
  };
}

function gotOf(result: ChatResult): HeldoutResult["got"] {
  const decoded = decodeAnswer(result);
  const calls =
    "calls" in decoded ? decoded.calls : result.toolCalls.map((c) => ({ name: c.function.name, arguments: c.function.arguments as unknown }));
  return { calls, text: result.text };
}

/** Ask one turn and score it. */
async function evalTurn(
  turn: HeldoutTurn,
  ask: (turn: HeldoutTurn) => Promise<ChatResult>,
): Promise<HeldoutResult> {
  const base = { dialogueId: turn.dialogueId, turn: turn.turn, kind: turn.kind, need: turn.need, expected: turn.expected };
  if (turn.unscorable !== undefined) {
    return { ...base, got: null, verdict: "skipped", errorType: null, reason: turn.unscorable, model: null, tokens: null, latencyMs: null };
  }
  const started = performance.now();
  let result: ChatResult;
  try {
    result = await ask(turn);
  } catch (err) {
    if (isFatalModelError(err)) throw err;
    return {
      ...base,
      got: null,
      verdict: "error",
      errorType: "model_error",
      reason: redact(`the model call failed: ${(err as Error)?.message ?? String(err)}`),
      model: null,
      tokens: null,
      latencyMs: Math.round(performance.now() - started),
    };
  }
  const latencyMs = Math.round(performance.now() - started);
  const v = scoreTurn(turn, result);
  return {
    ...base,
    got: gotOf(result),
    verdict: v.valid ? "correct" : "wrong",
    errorType: v.errorType,
    reason: v.reason,
    model: result.model,
    tokens: { prompt: result.usage.promptTokens, completion: result.usage.completionTokens },
    latencyMs,
    ...(result.cached ? { cached: true } : {}),
  };
}

/** Run the held-out evaluation; writes OUT/results.jsonl and OUT/summary.json and returns the summary. */
export async function runHeldoutEval(options: HeldoutEvalOptions): Promise<HeldoutSummary> {
  const { dialogues: all, source } = await loadHeldoutDialogues(options.dir, {
    split: options.split ?? "test",
    ...(options.ratios ? { ratios: options.ratios } : {}),
    ...(options.splitSeed !== undefined ? { seed: options.splitSeed } : {}),
  });
  const dialogues = options.limit !== undefined ? all.slice(0, options.limit) : all;
  const turns = dialogues.flatMap(dialogueTurns);
  const seedOf = new Map(dialogues.map((d) => [d.id, d.seed]));
  const concurrency = options.concurrency ?? 8;
  const run = await openRunModels(evalModelsConfig(options, { concurrency }));
  let results: HeldoutResult[];
  try {
    const ask = (turn: HeldoutTurn) => {
      options.signal?.throwIfAborted();
      const model = run.forDialogue(seedOf.get(turn.dialogueId) ?? 0).assistant;
      return model.chat(turnRequest(turn, options, "eval"));
    };
    const limit = pLimit(concurrency);
    let done = 0;
    results = await Promise.all(
      turns.map((t) =>
        limit(async () => {
          const r = await evalTurn(t, ask);
          options.onProgress?.(++done, turns.length);
          return r;
        }),
      ),
    );
  } finally {
    await run.close();
  }
  const asked = results.filter((r) => r.verdict !== "skipped");
  if (asked.length > 0 && asked.every((r) => r.verdict === "error")) throw everyRequestFailed("eval heldout", asked.length, "turns", asked[0]!.reason ?? undefined);
  const notes: string[] = [];
  if (!source.stepInfo) {
    notes.push(
      "the openai export carries no plan or stepOf: every turn's kind is \"unknown\", and a clarify question cannot be told from " +
        "another text turn, so calledWhenShouldAsk has no turns; evaluate the run folder for kinds",
    );
  } else if (results.some((r) => r.kind === "unknown")) {
    notes.push("dialogues made with --no-plan have no plan steps: their turns are of kind \"unknown\"");
  }
  const summary: HeldoutSummary = {
    dir: options.dir,
    out: options.out,
    llm: options.llm,
    source,
    dialogues: dialogues.length,
    ...summarizeHeldout(results),
    notes,
    usage: run.usage.summary(),
  };
  await makeDir(options.out, "the output folder");
  await writeJsonlAtomic(join(options.out, "results.jsonl"), results);
  await writeFileAtomic(join(options.out, "summary.json"), JSON.stringify(summary, null, 2) + "\n");
  return summary;
}

const pct = (x: number | null) => (x === null ? "-" : `${(x * 100).toFixed(1)}%`);

/** The printed table: accuracy per step kind, then the call / no-call figures. */
export function formatHeldoutTable(s: HeldoutSummary): string {
  const rows: string[][] = [["kind", "turns", "correct", "accuracy", "call turns", "no-call turns"]];
  for (const kind of TURN_KINDS) {
    const k = s.byKind[kind];
    if (!k) continue;
    rows.push([
      kind,
      String(k.turns),
      String(k.correct),
      pct(k.accuracy),
      k.callTurns === 0 ? "-" : `${k.callCorrect}/${k.callTurns}`,
      k.noCallTurns === 0 ? "-" : `${k.noCallCorrect}/${k.noCallTurns}`,
    ]);
  }
  rows.push(["all", String(s.turns), String(s.correct), pct(s.accuracy), `${s.callAccuracy.count}/${s.callAccuracy.turns}`, `${s.noCallAccuracy.count}/${s.noCallAccuracy.turns}`]);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ");
  const out = [
    `eval heldout: ${s.dialogues} dialogues, ${s.turns} assistant turns (${s.source.kind}, split ${s.source.split}), model ${s.llm}`,
    line(rows[0]!),
    ...rows.slice(1).map(line),
    "",
    `call accuracy                 ${pct(s.callAccuracy.rate)} (${s.callAccuracy.count}/${s.callAccuracy.turns})`,
    `no-call accuracy              ${pct(s.noCallAccuracy.rate)} (${s.noCallAccuracy.count}/${s.noCallAccuracy.turns})`,
    `asked when it should call     ${pct(s.askedWhenShouldCall.rate)} (${s.askedWhenShouldCall.count}/${s.askedWhenShouldCall.turns})`,
    `called when it should ask     ${pct(s.calledWhenShouldAsk.rate)} (${s.calledWhenShouldAsk.count}/${s.calledWhenShouldAsk.turns})`,
  ];
  if (s.errors > 0) out.push(`model errors                  ${s.errors}`);
  if (s.skipped > 0) out.push(`skipped (unscorable)          ${s.skipped}`);
  for (const n of s.notes) out.push(`note: ${n}`);
  return out.join("\n") + "\n";
}
