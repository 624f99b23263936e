/**
 * BFCL questions read as dialogues: the answer calls take BFCL's first acceptable value at every level, the way
 * ../shared/data/bfcl/checker_vectors.jsonl built its `ground_truth` outputs (and BFCL's checker accepted them);
 * answers are found beside the question file, in a folder or a file given, or not read; notes for the gaps.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT, SHARED_DATA } from "../../../test/support/cli.js";
import { readDatasetAll, ReadLog } from "../index.js";
import { bfclAnswerFile, readRow, type DatasetDialogue } from "./index.js";

const BFCL = join(SHARED_DATA, "bfcl");
const MT = join(PROJECT_ROOT, "test/fixtures/stats/bfcl-multi-turn");

/** The calls of a dialogue in BFCL's decoded form: [{name: {arg: value}}]. */
const decoded = (d: DatasetDialogue) =>
  d.messages.flatMap((m) => (m.role === "assistant" ? (m.tool_calls ?? []).map((c) => ({ [c.function.name]: JSON.parse(c.function.arguments) as unknown })) : []));

describe("BFCL answers as calls", () => {
  it("each argument takes the first acceptable value that is not \"\" or null, nested objects too (checker_vectors' valid ground_truth outputs)", async () => {
    const vectors = readFileSync(join(BFCL, "checker_vectors.jsonl"), "utf8")
      .split("\n")
      .filter((l) => l.includes('"kind": "ground_truth"'))
      .map((l) => JSON.parse(l) as { id: string; category: string; model_output: unknown[]; valid: boolean })
      // the few outputs BFCL's checker rejects did not descend into lists of objects, as BFCL (and this reader) do
      .filter((v) => v.valid);
    const categories = [...new Set(vectors.map((v) => v.category))].filter((c) => c !== "live_multiple"); // the largest file: left out for time
    expect(categories.length).toBeGreaterThanOrEqual(4);
    let compared = 0;
    for (const c of categories) {
      const byId = new Map((await readDatasetAll(join(BFCL, `BFCL_v4_${c}.json`))).map((d) => [d.id, d]));
      for (const v of vectors.filter((x) => x.category === c)) {
        expect(decoded(byId.get(v.id)!), v.id).toEqual(v.model_output);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(500);
  }, 30_000);

  it("nested answers (objects, lists of objects): every level takes its first acceptable value", () => {
    const row = JSON.parse(readFileSync(join(BFCL, "BFCL_v4_live_multiple.json"), "utf8").split("\n", 1)[0]!) as { id: string };
    const answers = new Map<string, unknown>([[row.id, [{ "ChaDri.change_drink": { drink_id: ["latte"], new_preferences: [{ size: ["large"], milk_type: ["", "coconut"], extra: [""] }] } }]]]);
    const d = readRow("bfcl", row, { file: "q.json", line: 1 }, { bfcl: { answers, answerFile: "a.json", used: new Set(), classTools: () => undefined } });
    expect(decoded(d)).toEqual([{ "ChaDri.change_drink": { drink_id: "latte", new_preferences: { size: "large", milk_type: "coconut" } } }]);
    // a list of objects: each object lists acceptable values per key again (as live_simple_189's answer)
    answers.set(row.id, [{ extract: { data: [[{ name: ["Chester"], age: [42], nick: ["", null] }, { name: ["Jane"], age: [43] }]] } }]);
    const d2 = readRow("bfcl", row, { file: "q.json", line: 1 }, { bfcl: { answers, answerFile: "a.json", used: new Set(), classTools: () => undefined } });
    expect(decoded(d2)).toEqual([{ extract: { data: [{ name: "Chester", age: 42 }, { name: "Jane", age: 43 }] } }]);
  });

  it("where the answers are found: beside the question file, in a folder or file given, or nowhere", () => {
    const q = join(BFCL, "BFCL_v4_simple_python.json");
    expect(bfclAnswerFile(q, undefined)).toBe(join(BFCL, "possible_answer", "BFCL_v4_simple_python.json"));
    expect(bfclAnswerFile(join(BFCL, "BFCL_v4_irrelevance.json"), undefined)).toBeNull();
    expect(bfclAnswerFile(q, join(BFCL, "possible_answer"))).toBe(join(BFCL, "possible_answer", "BFCL_v4_simple_python.json"));
    expect(bfclAnswerFile(q, join(MT, "possible_answer"))).toBeNull(); // a folder without this file
    expect(bfclAnswerFile(q, false)).toBeNull();
    expect(() => bfclAnswerFile(q, join(MT, "nope"))).toThrow(/no such answer file/);
  });

  it("multi-turn: user turns and calls in order, read by core's Python call reader (another reader can be given)", async () => {
    const log = new ReadLog();
    const [d0, d1] = await readDatasetAll(join(MT, "BFCL_v4_multi_turn_base.json"), { log });
    const roles = (d: DatasetDialogue) => d.messages.map((m) => (m.role === "assistant" ? `call ${m.tool_calls?.map((c) => c.function.name).join(",")}` : m.role));
    expect(roles(d0!)).toEqual(["user", "call add", "user", "call square_root"]);
    expect(roles(d1!)).toEqual(["user", "call create_ticket", "user", "call close_ticket"]);
    expect(d0!.tools.map((t) => t.name)).toEqual(["add", "square_root", "mean"]);
    // core's parsePythonCalls reads every answer call with keyword arguments; the one positional call is noted
    expect(log.summary().notes.find((n) => n.kind === "answer-args-unread")).toMatchObject({ count: 1, first: expect.stringMatching(/close_ticket\(7\)$/) });
    expect(decoded(d0!)).toEqual([{ add: { a: 2, b: 3 } }, { square_root: { number: 5, precision: 2 } }]);
    const parsed = await readDatasetAll(join(MT, "BFCL_v4_multi_turn_base.json"), {
      parseCalls: (text) => {
        const m = /^(\w+)\((.*)\)$/.exec(text)!;
        if (!m[2]!.includes("=")) throw new Error("positional");
        return [{ name: m[1]!, arguments: Object.fromEntries(m[2]!.split(",").map((kv) => kv.trim().split("=") as [string, string])) }];
      },
    });
    expect(decoded(parsed[0]!)).toEqual([{ add: { a: "2", b: "3" } }, { square_root: { number: "5", precision: "2" } }]);
  });
});
