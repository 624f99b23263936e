/**
 * `toolflow stats` on public data:
 * - every file of ../shared/data/bfcl/: each question file's figures against counts made here with plain JSON
 *   (questions, user turns, answer calls, parallel answers, tools offered and called); the folder as a whole
 *   (checker_vectors.jsonl skipped and reported); the multi_turn_func_doc files and a possible-answer file refused
 *   with what they are;
 * - a BFCL multi-turn fixture (test/fixtures/stats/bfcl-multi-turn/: its own function docs, an answer call with a
 *   positional argument, a question without an answer, an answer without a question);
 * - LLaMA-Factory's ShareGPT layout (tools as a JSON string, a list, an object) and its messages layout (content
 *   blocks, tools as a JSON string), and Chinese / Spanish fixtures with known clarification counts;
 * - --no-tokens leaves the token lines out.
 * Each BFCL file is read once by the CLI and once by the test (a few MB in all).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cliInProcess, PROJECT_ROOT, SHARED_DATA } from "../../test/support/cli.js";
import type { DatasetStatsResult } from "./stats-cmd.js";

const BFCL = join(SHARED_DATA, "bfcl");
const FIX = join(PROJECT_ROOT, "test/fixtures/stats");

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return cliInProcess(["stats", ...args]);
}

async function json(args: string[]): Promise<Array<DatasetStatsResult & { path: string }>> {
  const r = await run(["--json", "--no-tokens", ...args]);
  if (r.code !== 0) throw new Error(`stats ${args.join(" ")} -> ${r.code}\n${r.stderr}`);
  return r.stdout.trim().split("\n").map((l) => JSON.parse(l) as DatasetStatsResult & { path: string });
}

const lines = (file: string): Array<Record<string, unknown>> =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** The figures a BFCL question file must give, counted here from the raw lines. */
function expected(questionFile: string, answerFile: string | null) {
  const questions = lines(questionFile);
  const answers = new Map<string, Array<Record<string, unknown>>>();
  if (answerFile) for (const a of lines(answerFile)) answers.set(a.id as string, a.ground_truth as Array<Record<string, unknown>>);
  let userTurns = 0;
  let calls = 0;
  let answered = 0;
  let parallel = 0;
  const offered = new Set<string>();
  const use = new Map<string, number>();
  const combos = new Set<string>();
  for (const q of questions) {
    for (const turn of q.question as Array<Array<{ role: string }>>) userTurns += turn.filter((m) => m.role === "user").length;
    for (const f of q.function as Array<{ name: string }>) offered.add(f.name);
    const gt = answers.get(q.id as string) ?? [];
    if (gt.length === 0) continue;
    answered++;
    calls += gt.length;
    if (gt.length >= 2) parallel++;
    const names = gt.map((entry) => Object.keys(entry)[0] as string);
    for (const n of names) use.set(n, (use.get(n) ?? 0) + 1);
    combos.add([...new Set(names)].sort().join("+"));
  }
  return {
    dialogues: questions.length,
    userTurns,
    assistantTurns: answered,
    turns: userTurns + answered,
    toolCalls: calls,
    parallelCallTurns: parallel,
    noCallDialogues: questions.length - answered,
    noCallTurns: 0,
    distinctTools: use.size,
    toolCombinations: combos.size,
    toolUniverse: { size: offered.size, source: "offered" },
    toolUse: Object.fromEntries(use),
    clarifications: 0,
    chainedCalls: 0,
  };
}

describe("toolflow stats on every file of ../shared/data/bfcl/", () => {
  const names = readdirSync(BFCL).sort();
  const questionFiles = names.filter((n) => /^BFCL_v4_.*\.json$/.test(n));
  let figures: Array<DatasetStatsResult & { path: string }>;

  beforeAll(async () => {
    figures = await json(questionFiles.map((n) => join(BFCL, n)));
  }, 60_000);

  it("the folder holds the files this test knows (question files, answers, function docs, checker vectors, license)", () => {
    expect(questionFiles.length).toBeGreaterThanOrEqual(7);
    expect(names.filter((n) => !questionFiles.includes(n)).sort()).toEqual(["LICENSE", "checker_vectors.jsonl", "multi_turn_func_doc", "possible_answer"]);
  });

  it("each question file: questions, turns, answer calls, parallel answers, tools offered and called as counted here", () => {
    expect(figures.map((f) => f.path)).toEqual(questionFiles.map((n) => join(BFCL, n)));
    const answerFiles = new Set(readdirSync(join(BFCL, "possible_answer")));
    for (const [i, name] of questionFiles.entries()) {
      const answerFile = answerFiles.has(name) ? join(BFCL, "possible_answer", name) : null;
      const f = figures[i]!;
      expect(f, name).toMatchObject({ formats: ["bfcl"], ...expected(join(BFCL, name), answerFile) });
      expect(f.read.files, name).toEqual([{ file: join(BFCL, name), format: "bfcl", rows: f.dialogues, answers: answerFile }]);
      expect(f.read.rowsSkipped, name).toBe(0);
      if (answerFile) expect(f.read.notes, name).toEqual([]);
      else expect(f.read.notes, name).toEqual([expect.objectContaining({ kind: "no-answer-file", count: f.dialogues })]);
      expect(f.tokens, name).toBeNull();
    }
    // the data holds what the figures must show: parallel answers, and a file without answers (irrelevance)
    expect(figures.some((f) => f.parallelCallTurns > 0)).toBe(true);
    expect(figures.some((f) => f.read.files[0]?.answers === null)).toBe(true);
  });

  it("the folder: its question files together, checker_vectors.jsonl skipped and reported", async () => {
    const [all] = await json([BFCL]);
    const sum = (k: "dialogues" | "toolCalls" | "userTurns" | "parallelCallTurns") => figures.reduce((n, f) => n + f[k], 0);
    expect(all).toMatchObject({ dialogues: sum("dialogues"), toolCalls: sum("toolCalls"), userTurns: sum("userTurns"), parallelCallTurns: sum("parallelCallTurns") });
    expect(all!.read.files.filter((f) => f.format === "bfcl")).toHaveLength(questionFiles.length);
    expect(all!.read.files.find((f) => f.file.endsWith("checker_vectors.jsonl"))).toMatchObject({ format: null, rows: 0, skipped: expect.stringMatching(/not a dialogue/) });
    expect(all!.read.notes.find((n) => n.kind === "skipped-file")).toMatchObject({ count: 1 });
  }, 60_000);

  it("the function docs and a possible-answer file are refused with what they are", async () => {
    const docs = await run([join(BFCL, "multi_turn_func_doc")]);
    expect(docs.code).toBe(2);
    const docFiles = readdirSync(join(BFCL, "multi_turn_func_doc"));
    expect(docs.stderr).toMatch(/no dialogue dataset here/);
    for (const f of docFiles) expect(docs.stderr).toContain(`${f} (a tool definition (function doc), not a dialogue`);
    const answer = await run([join(BFCL, "possible_answer", questionFiles[0]!.replace("irrelevance", "simple_python"))]);
    expect(answer.code).toBe(2);
    expect(answer.stderr).toMatch(/a BFCL possible-answer row, not a question/);
  });
});

describe("toolflow stats: BFCL multi-turn, LLaMA-Factory layouts, clarifications in Chinese and Spanish", () => {
  it("multi-turn: one assistant turn per answer call after its turn, tools from the class docs, every gap reported", async () => {
    const [f] = await json([join(FIX, "bfcl-multi-turn", "BFCL_v4_multi_turn_base.json")]);
    expect(f).toMatchObject({
      formats: ["bfcl"],
      dialogues: 3,
      userTurns: 5,
      assistantTurns: 4,
      toolCalls: 4,
      parallelCallTurns: 0, // calls of one turn run one after another
      noCallDialogues: 1,
      toolUse: { add: 1, close_ticket: 1, create_ticket: 1, square_root: 1 },
      toolUniverse: { size: 3, source: "offered" }, // MathAPI's docs; TicketAPI has none in the fixture
    });
    const notes = Object.fromEntries(f!.read.notes.map((n) => [n.kind, n.count]));
    expect(notes).toEqual({ "unknown-class": 1, "answer-args-unread": 1, "no-answer": 1, "unused-answer": 1 });
    expect(f!.read.notes.find((n) => n.kind === "answer-args-unread")?.first).toMatch(/close_ticket\(7\)/);
    // --no-answers: the questions alone
    const [q] = await json(["--no-answers", join(FIX, "bfcl-multi-turn", "BFCL_v4_multi_turn_base.json")]);
    expect(q).toMatchObject({ dialogues: 3, toolCalls: 0, userTurns: 5 });
    expect(q!.read.files[0]!.answers).toBeNull();
  });

  it("LLaMA-Factory ShareGPT layout: tools as a JSON string, a list and an object; parallel results joined as its converter joins them", async () => {
    const [f] = await json([join(FIX, "llamafactory-sharegpt.json")]);
    const rows = JSON.parse(readFileSync(join(FIX, "llamafactory-sharegpt.json"), "utf8")) as Array<{ conversations: Array<{ from: string; value: string }> }>;
    const callCount = rows.flatMap((r) => r.conversations).filter((t) => t.from === "function_call").reduce((n, t) => n + [JSON.parse(t.value)].flat().length, 0);
    expect(f).toMatchObject({ formats: ["sharegpt"], dialogues: rows.length, toolCalls: callCount, parallelCallTurns: 1, clarifications: 1 });
    expect(f!.toolUniverse).toEqual({ size: 3, source: "offered" });
    expect(f!.read.notes).toEqual([]); // both results of the parallel turn found their call
  });

  it("LLaMA-Factory messages layout: tool_call blocks are calls, reasoning is not text, a JSON array of results answers a parallel turn", async () => {
    const [f] = await json([join(FIX, "llamafactory-messages.jsonl")]);
    const rows = lines(join(FIX, "llamafactory-messages.jsonl")) as Array<{ messages: Array<{ content: Array<{ type: string }> }> }>;
    const blocks = rows.flatMap((r) => r.messages.flatMap((m) => m.content));
    expect(f).toMatchObject({
      formats: ["llamafactory"],
      dialogues: rows.length,
      toolCalls: blocks.filter((b) => b.type === "tool_call").length,
      parallelCallTurns: 1,
      clarifications: 1,
      toolUniverse: { size: 3, source: "offered" },
    });
    expect(f!.read.notes).toEqual([]);
  });

  it("clarifications asked with ？, 吗, 哪, 请提供 (Chinese) and ¿, cuántas, dígame, puede indicarme (Spanish)", async () => {
    const [zh, es] = await json([join(FIX, "clarify-zh.jsonl"), join(FIX, "clarify-es.jsonl")]);
    // written with 4 clarification exchanges each; a question after tool results ("还需要别的吗？", "¿Algo más?") is none
    expect(zh).toMatchObject({ dialogues: 4, clarifications: 4 });
    expect(es).toMatchObject({ dialogues: 5, clarifications: 4 });
  });

  it("--no-tokens leaves the token lines out; without it they are there", async () => {
    const without = await run(["--no-tokens", join(FIX, "clarify-es.jsonl")]);
    expect(without.code).toBe(0);
    expect(without.stdout).not.toMatch(/tokens/);
    const withTokens = await run([join(FIX, "clarify-es.jsonl")]);
    expect(withTokens.stdout).toMatch(/tokens \/ dialogue \(mean, p90\)\s+\d/);
    expect(withTokens.stdout).toMatch(/files read\s+1\n\s+.*clarify-es\.jsonl: openai, 5 rows/);
  });
});
