/**
 * `eval bfcl`'s option table cannot drift from what it feeds: every BfclEvalDefinition field comes from an entry
 * and every entry's definition field is one of them; a change of a defining option changes the definition and a
 * change of any other does not; the flags become the options the table says; and eval.json files written before
 * the table existed (the current layout, and the older one with only the model and tool mode) still resume.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { flagAttribute, longFlag } from "../core/index.js";
import {
  BFCL_EVAL_DEFINITION_FLAGS,
  BFCL_EVAL_OPTION_TABLE,
  bfclEvalDefinition,
  bfclEvalOptionsFromFlags,
  runBfclEval,
  type BfclEvalDefinition,
  type BfclEvalItem,
  type BfclRunOptions,
} from "./index.js";

/** Every BfclEvalDefinition field (tsc fails when the interface gains or loses one). */
const FIELDS = { llm: 1, toolMode: 1, temperature: 1, maxTokens: 1 } satisfies Record<keyof BfclEvalDefinition, 1>;

/** Two irrelevance questions (no possible answer needed): a model that calls nothing gets them right. */
const ITEMS: BfclEvalItem[] = ["irrelevance_0", "irrelevance_1"].map((id) => ({
  id,
  category: "irrelevance",
  question: [[{ role: "user", content: `What is the weather on the moon (${id})?` }]],
  functions: [{ name: "math.add", description: "Add two numbers.", parameters: { type: "dict", properties: { a: { type: "integer" } }, required: ["a"] } }],
}));

/** Options with every setting given. */
const FULL: BfclRunOptions = {
  llm: "openai:m", items: ITEMS, outDir: "out", toolMode: "prompt", limit: 2, ids: ["irrelevance_0"], force: false, resume: false,
  temperature: 0.5, maxTokens: 64, concurrency: 8, baseURL: "http://h/v1", requestsPerMinute: 10, tokensPerMinute: 100, timeoutMs: 1000,
  cacheDir: "c", pricesFile: "p.yaml",
};

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("eval bfcl's option table", () => {
  it("gives every BfclEvalDefinition field, and only those, from its entries", () => {
    expect(Object.keys(BFCL_EVAL_DEFINITION_FLAGS)).toEqual(Object.keys(FIELDS));
    expect(Object.keys(bfclEvalDefinition(FULL))).toEqual(Object.keys(FIELDS));
    for (const entry of BFCL_EVAL_OPTION_TABLE.options) {
      if (entry.definition) expect(BFCL_EVAL_DEFINITION_FLAGS[entry.definition.field]).toBe(longFlag(entry));
    }
    expect(BFCL_EVAL_DEFINITION_FLAGS).toEqual({ llm: "--llm", toolMode: "--tool-mode", temperature: "--temperature", maxTokens: "--max-tokens" });
  });

  it("a change of any defining option changes the definition; a change of any other does not", () => {
    const base = bfclEvalDefinition(FULL);
    const changed: Partial<BfclRunOptions> = { llm: "openai:n", toolMode: "native", temperature: 0, maxTokens: undefined };
    for (const [key, value] of Object.entries(changed)) {
      expect(JSON.stringify(bfclEvalDefinition({ ...FULL, [key]: value })), key).not.toBe(JSON.stringify(base));
    }
    const other: Partial<BfclRunOptions> = {
      outDir: "elsewhere", limit: 1, ids: [], force: true, resume: true, concurrency: 1, baseURL: "http://g/v1", requestsPerMinute: 1,
      tokensPerMinute: 1, timeoutMs: 1, cacheDir: "d", pricesFile: "q.yaml",
    };
    // every option a flag sets is tried one way or the other
    const set = BFCL_EVAL_OPTION_TABLE.options.flatMap((e) => (e.option ? [e.option] : []));
    expect(set.sort()).toEqual([...Object.keys(changed), ...Object.keys(other)].sort());
    for (const [key, value] of Object.entries(other)) expect(bfclEvalDefinition({ ...FULL, [key]: value }), key).toEqual(base);
    // the defaults are what a run without the flags stores
    expect(bfclEvalDefinition({ llm: "x", items: [], outDir: "o" })).toEqual({ llm: "x", toolMode: "native", temperature: 0, maxTokens: null });
  });

  it("turns flags (keyed as commander keys them) into the options the table says", () => {
    const flags: Record<string, unknown> = {};
    for (const e of BFCL_EVAL_OPTION_TABLE.options) if (e.default !== undefined) flags[flagAttribute(e)] = e.default;
    Object.assign(flags, { out: "o", llm: "openai:m", data: ["d"], categories: ["simple_python"], check: "c.jsonl", limit: 3, timeout: 50 });
    // the command's own flags (--check, --data, --categories) are not options of the eval
    expect(bfclEvalOptionsFromFlags(flags)).toEqual({
      outDir: "o", llm: "openai:m", toolMode: "native", limit: 3, concurrency: 8, temperature: 0, force: false, resume: false, timeoutMs: 50,
    });
  });

  it("resumes folders whose eval.json the code before the table wrote, and refuses another setting by its flag", async () => {
    const out = mkdtempSync(join(tmpdir(), "bfcl-table-"));
    dirs.push(out);
    const options: BfclRunOptions = { llm: "sim", items: ITEMS, outDir: out, toolMode: "prompt", temperature: 0.5, maxTokens: 64, print: null, progressStream: devNull() };
    const first = await runBfclEval(options);
    expect(first.decided).toBe(2);
    // eval.json exactly as the previous code wrote it for these settings
    const previous = `{\n  "llm": "sim",\n  "toolMode": "prompt",\n  "temperature": 0.5,\n  "maxTokens": 64\n}\n`;
    expect(JSON.parse(readFileSync(join(out, "eval.json"), "utf8"))).toEqual(JSON.parse(previous));
    writeFileSync(join(out, "eval.json"), previous);
    const again = await runBfclEval({ ...options, resume: true });
    expect(again.decided).toBe(2);
    expect(readFileSync(join(out, "results.jsonl"), "utf8").trim().split("\n")).toHaveLength(2);
    await expect(runBfclEval({ ...options, temperature: 0 })).rejects.toThrow(/--temperature: was 0\.5, now 0/);
    // the oldest layout held only the model and tool mode: it resumes with the defaults, and only with them
    writeFileSync(join(out, "eval.json"), `{\n  "llm": "sim",\n  "toolMode": "prompt"\n}\n`);
    const oldest = { ...options, temperature: undefined, maxTokens: undefined };
    expect((await runBfclEval({ ...oldest, resume: true })).decided).toBe(2);
    await expect(runBfclEval({ ...oldest, maxTokens: 64 })).rejects.toThrow(/--max-tokens: was null, now 64/);
  });
});

function devNull(): NodeJS.WritableStream {
  return { write: () => true } as unknown as NodeJS.WritableStream;
}
