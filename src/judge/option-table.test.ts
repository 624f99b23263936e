/**
 * judge's option table cannot drift from what it feeds: every JudgeDefinition field comes from an entry (or the
 * DATA argument) and every entry's definition field is one of them; a change of a defining option changes the
 * definition and a change of any other does not; the flags become the options the table says; and a judge-run.json
 * written before the table existed still resumes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { flagAttribute, longFlag, type DialogueRecord } from "../core/index.js";
import { exampleDialogueRecord } from "../../test/support/example-dialogue.js";
import {
  JUDGE_DEFINITION_FLAGS,
  JUDGE_OPTION_TABLE,
  judgeDefinition,
  judgeOptionsFromFlags,
  runJudge,
  type JudgeDefinition,
  type JudgeRunOptions,
} from "./index.js";

/** Every JudgeDefinition field (tsc fails when the interface gains or loses one; the tests when the table does not follow). */
const FIELDS = { data: 1, metrics: 1, sample: 1, seed: 1, llm: 1, embedder: 1, embeddingModel: 1 } satisfies Record<keyof JudgeDefinition, 1>;

/** Options with every setting given. */
const FULL: JudgeRunOptions = {
  data: "run", out: "judged", llm: "sim", metrics: ["ss", "enr", "judge", "roundtrip"], sample: 3, seed: 5, embedder: "lexical",
  embeddingModel: "m", embeddingBaseURL: "http://e/v1", force: false, resume: false, concurrency: 4, nativeTools: "auto",
  baseURL: "http://h/v1", requestsPerMinute: 10, tokensPerMinute: 100, timeoutMs: 1000, cacheDir: "c", pricesFile: "p.yaml",
};

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("judge's option table", () => {
  it("gives every JudgeDefinition field, and only those, from its entries", () => {
    expect(Object.keys(JUDGE_DEFINITION_FLAGS).sort()).toEqual(Object.keys(FIELDS).sort());
    expect(Object.keys(judgeDefinition(FULL)).sort()).toEqual(Object.keys(FIELDS).sort());
    for (const entry of JUDGE_OPTION_TABLE.options) {
      if (entry.definition) expect(JUDGE_DEFINITION_FLAGS[entry.definition.field]).toBe(longFlag(entry));
    }
    expect(JUDGE_DEFINITION_FLAGS.data).toBe("DATA");
    expect(judgeDefinition(FULL).data).toBe(resolve("run"));
  });

  it("a change of any defining option changes the definition; a change of any other does not", () => {
    const base = judgeDefinition(FULL);
    const changed: Partial<JudgeRunOptions> = {
      data: "other", metrics: ["ss", "judge"], sample: 4, seed: 6, llm: "sim2", embedder: "openai", embeddingModel: "m2",
    };
    for (const key of Object.keys(FIELDS)) expect(changed, `no change tried for ${key}`).toHaveProperty(key);
    for (const [key, value] of Object.entries(changed)) {
      expect(JSON.stringify(judgeDefinition({ ...FULL, [key]: value })), key).not.toBe(JSON.stringify(base));
    }
    const other: Partial<JudgeRunOptions> = {
      out: "elsewhere", embeddingBaseURL: "http://f/v1", force: true, resume: true, concurrency: 9, nativeTools: false,
      baseURL: "http://g/v1", requestsPerMinute: 1, tokensPerMinute: 1, timeoutMs: 1, cacheDir: "d", pricesFile: "q.yaml",
    };
    // every option a flag sets is tried one way or the other
    const set = JUDGE_OPTION_TABLE.options.flatMap((e) => (e.option ? [e.option] : []));
    expect(set.sort()).toEqual([...Object.keys(changed).filter((k) => k !== "data"), ...Object.keys(other)].sort());
    for (const [key, value] of Object.entries(other)) expect(judgeDefinition({ ...FULL, [key]: value }), key).toEqual(base);
    // the model only when a metric asks one; the embedder only with ss
    expect(judgeDefinition({ ...FULL, metrics: ["ss"], llm: "x" }).llm).toBeNull();
    expect(judgeDefinition({ ...FULL, metrics: ["judge"] })).toMatchObject({ embedder: null, embeddingModel: null });
  });

  it("turns flags (keyed as commander keys them) into the options the table says", () => {
    const flags: Record<string, unknown> = {};
    for (const e of JUDGE_OPTION_TABLE.options) if (e.default !== undefined) flags[flagAttribute(e)] = e.default;
    Object.assign(flags, { out: "o", llm: "sim", metrics: "judge,ss", embeddingBaseUrl: "http://e/v1", rpm: 5, toolMode: "native", json: true });
    expect(judgeOptionsFromFlags(flags)).toEqual({
      out: "o", llm: "sim", metrics: ["ss", "judge"], seed: 0, embedder: "lexical", embeddingBaseURL: "http://e/v1", force: false,
      resume: false, concurrency: 4, nativeTools: true, requestsPerMinute: 5,
    });
    expect(() => judgeOptionsFromFlags({ ...flags, metrics: "ss,bogus" })).toThrow(/--metrics: unknown metric "bogus"/);
    expect(() => judgeOptionsFromFlags({ ...flags, toolMode: "telepathy" })).toThrow(/--tool-mode/);
  });

  it("resumes a folder whose judge-run.json the code before the table wrote, and refuses another setting by its flag", async () => {
    const data = mkdtempSync(join(tmpdir(), "judge-table-"));
    dirs.push(data);
    const base = exampleDialogueRecord();
    const records = ["A", "B", "C"].map((id, i): DialogueRecord => ({ ...base, id, index: i, seed: 100 + i }));
    writeFileSync(join(data, "dialogues.jsonl"), records.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const out = join(data, "judged");
    const options = { data, out, llm: "sim", metrics: ["ss" as const, "judge" as const], sample: 2, seed: 5 };
    const first = await runJudge(options);
    expect(first.dialogues).toBe(2);
    // judge-run.json exactly as the previous code wrote it for these settings (its key order, pretty JSON)
    const previous =
      `{\n  "data": ${JSON.stringify(resolve(data))},\n  "metrics": [\n    "ss",\n    "judge"\n  ],\n  "sample": 2,\n  "seed": 5,\n` +
      `  "llm": "sim",\n  "embedder": "lexical",\n  "embeddingModel": null\n}\n`;
    expect(JSON.parse(readFileSync(join(out, "judge-run.json"), "utf8"))).toEqual(JSON.parse(previous));
    writeFileSync(join(out, "judge-run.json"), previous);
    const again = await runJudge({ ...options, resume: true });
    expect(again.resumed).toBe(2);
    await expect(runJudge({ ...options, seed: 6 })).rejects.toThrow(/--seed: was 5, now 6/);
  });
});
