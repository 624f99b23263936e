/**
 * readDataset on small hand-written files in every format (test/fixtures/stats/): the same two dialogues
 * (a clarification then two chained calls; two parallel calls then small talk) come back as the same messages
 * and figures wherever the format keeps them; unknown or broken input names file, line and what was expected.
 */
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { InputError } from "../core/index.js";
import { datasetFigures, detectRowFormat, getFormat, readRow, type DatasetDialogue, type NoteKind } from "./index.js";
import { PROJECT_ROOT } from "../../test/support/cli.js";
import { exampleDialogueRecord } from "../../test/support/example-dialogue.js";
import { readDatasetAll, ReadLog } from "./index.js";

const FIX = join(PROJECT_ROOT, "test/fixtures/stats");
const fx = (f: string): string => join(FIX, f);

/** Roles and calls of the non-system messages, with each tool result's call name. */
function shape(d: DatasetDialogue): string[] {
  const names = new Map<string, string>();
  return d.messages
    .filter((m) => m.role !== "system")
    .map((m) => {
      if (m.role === "assistant" && m.tool_calls?.length) {
        for (const c of m.tool_calls) names.set(c.id, c.function.name);
        return `call ${m.tool_calls.map((c) => `${c.function.name}${JSON.stringify(JSON.parse(c.function.arguments))}`).join(" ")}`;
      }
      if (m.role === "tool") return `tool ${names.get(m.tool_call_id)} ${JSON.stringify(JSON.parse(m.content))}`;
      return `${m.role} ${m.content}`;
    });
}

const D1 = [
  "user a table a table a",
  "assistant For how many people?",
  "user four",
  'call find_restaurant{"party":4}',
  'tool find_restaurant {"restaurant_id":"r1","name":"Luigi"}',
  'call book_table{"restaurant_id":"r1"}',
  'tool book_table {"ok":true}',
  "assistant Booked at Luigi.",
];
const D2 = [
  "user oslo and bergen",
  'call get_weather{"city":"Oslo"} get_weather{"city":"Bergen"}',
  'tool get_weather {"city":"Oslo","temp":5}',
  'tool get_weather {"city":"Bergen","temp":7}',
  "assistant Oslo 5, Bergen 7.",
  "user thanks",
  "assistant You are welcome!",
];

describe("readDataset: the formats", () => {
  for (const [file, format] of [
    ["openai.jsonl", "openai"],
    ["sharegpt.jsonl", "sharegpt"],
    ["hermes.jsonl", "hermes"],
    ["llama31.jsonl", "llama31"],
  ] as const) {
    it(`${format}: both dialogues, their tools and calls`, async () => {
      const ds = await readDatasetAll(fx(file));
      expect(ds.map((d) => d.format)).toEqual([format, format]);
      expect(shape(ds[0]!)).toEqual(D1);
      expect(shape(ds[1]!)).toEqual(D2);
      expect(ds[0]!.tools.map((t) => t.name)).toEqual(["find_restaurant", "book_table"]);
      expect(ds[1]!.tools.map((t) => t.name)).toEqual(["get_weather", "get_forecast"]);
      expect(ds[0]!.tools[0]!.parameters).toMatchObject({ properties: { party: { type: "integer" } } });
      expect(ds[0]!.plan).toBeNull();
      // every tool message answers a call of the assistant message before it
      for (const d of ds) {
        const ids = new Set<string>();
        for (const m of d.messages) {
          if (m.role === "assistant") for (const c of m.tool_calls ?? []) ids.add(c.id);
          if (m.role === "tool") expect(ids.has(m.tool_call_id)).toBe(true);
        }
      }
    });
  }

  it("hermes / sharegpt rows of `export --reasoning`: the <think> block is not assistant text, the call after it is read", () => {
    const r = exampleDialogueRecord();
    const assistants = r.messages.flatMap((m, i) => (m.role === "assistant" ? [i] : []));
    r.reasoning = r.messages.map(() => null);
    r.reasoning[assistants[0]!] = "Search flights first.";
    r.reasoning[assistants[1]!] = "Offer the two options.";
    const where = { file: "train.jsonl", line: 1 };
    for (const format of ["hermes", "sharegpt"] as const) {
      const [withThink] = getFormat(format).toRows(r, { reasoning: true });
      const [plain] = getFormat(format).toRows(r);
      expect(JSON.stringify(withThink), format).toContain("<think>");
      const d = readRow(format, withThink, where);
      expect(JSON.stringify(d.messages), format).not.toMatch(/<think>|Search flights first|Offer the two options/);
      expect(d.messages, format).toEqual(readRow(format, plain, where).messages);
      const first = d.messages.find((m) => m.role === "assistant");
      expect(first, format).toMatchObject({ content: null, tool_calls: [{ function: { name: "search_flights" } }] });
    }
  });

  it("the system prompt is kept where the format carries it", async () => {
    for (const f of ["openai.jsonl", "sharegpt.jsonl", "llama31.jsonl"]) {
      const [d1] = await readDatasetAll(fx(f));
      expect(d1!.messages[0]).toEqual({ role: "system", content: "You are a booking assistant." });
    }
  });

  it("glaive (a JSON array): system functions, <functioncall> with single-quoted arguments, FUNCTION RESPONSE", async () => {
    const ds = await readDatasetAll(fx("glaive.json"));
    expect(ds).toHaveLength(2);
    expect(ds[0]!.format).toBe("glaive");
    expect(shape(ds[0]!)).toEqual(D1);
    expect(ds[0]!.tools.map((t) => t.name)).toEqual(["find_restaurant", "book_table"]);
    expect(ds[0]!.messages[0]).toMatchObject({ role: "system", content: "You are a helpful assistant with access to the following functions. Use them if required -" });
    expect(shape(ds[1]!)).toEqual(["user thanks", "assistant You are welcome!"]);
    expect(ds[1]!.tools).toEqual([]);
    expect(ds[1]!.id).toBe(`${fx("glaive.json")}:2`);
  });

  it("xlam (APIGen): one query and its calls per row, flat parameters read as JSON Schema", async () => {
    const ds = await readDatasetAll(fx("xlam.json"));
    expect(ds.map((d) => d.id)).toEqual(["1", "2"]);
    expect(shape(ds[0]!)).toEqual(["user oslo and bergen", 'call get_weather{"city":"Oslo"} get_weather{"city":"Bergen"}']);
    expect(shape(ds[1]!)).toEqual(["user a table a table a\nfour", 'call find_restaurant{"party":4}']);
    expect(ds[1]!.tools[0]).toEqual({ name: "find_restaurant", description: "Find a restaurant", parameters: { type: "object", properties: { party: { type: "integer", description: "people" } }, required: ["party"] } });
  });

  it("every format gives the figures it can carry", async () => {
    const full = await datasetFigures(await readDatasetAll(fx("openai.jsonl")));
    for (const f of ["sharegpt.jsonl", "hermes.jsonl", "llama31.jsonl"]) {
      const got = await datasetFigures(await readDatasetAll(fx(f)));
      // messages a dialogue counts include a system message, which not every fixture carries
      const carried = (x: typeof got) => ({ ...x, formats: [], tokens: null, perDialogue: { ...x.perDialogue, messages: null } });
      expect(carried(got), f).toEqual(carried(full));
    }
    const glaive = await datasetFigures(await readDatasetAll(fx("glaive.json")));
    expect(glaive).toMatchObject({ dialogues: 2, toolCalls: 2, chainedCalls: 1, clarifications: 1, parallelCallTurns: 0 });
    const xlam = await datasetFigures(await readDatasetAll(fx("xlam.json")));
    expect(xlam).toMatchObject({ dialogues: 2, toolCalls: 3, parallelCallTurns: 1, chainedCalls: 0, clarifications: 0, callTurnShare: 1 });
  });
});

describe("readDataset: detection and errors", () => {
  it("detects each row shape", () => {
    expect(detectRowFormat({ messages: [], stepOf: [], verification: {} })).toBe("toolflow");
    expect(detectRowFormat({ messages: [] })).toBe("openai");
    expect(detectRowFormat({ conversations: [{ from: "function_call", value: "{}" }] })).toBe("sharegpt");
    expect(detectRowFormat({ conversations: [{ from: "human", value: "hi" }] })).toBe("sharegpt");
    expect(detectRowFormat({ conversations: [{ from: "system", value: "<tools>[]</tools>" }] })).toBe("hermes");
    expect(detectRowFormat({ conversations: [{ from: "gpt", value: "<tool_call>{}</tool_call>" }] })).toBe("hermes");
    expect(detectRowFormat({ text: "<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>" })).toBe("llama31");
    expect(detectRowFormat({ query: "q", answers: "[]" })).toBe("xlam");
    expect(detectRowFormat({ system: "s", chat: "USER: hi" })).toBe("glaive");
    expect(detectRowFormat({ prompt: "p" })).toBeUndefined();
    expect(detectRowFormat([1])).toBeUndefined();
  });

  async function error(path: string): Promise<InputError> {
    try {
      await readDatasetAll(path);
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
      return err as InputError;
    }
    throw new Error("no error");
  }

  it("an unknown format names the file, the line and the formats expected", async () => {
    const e = await error(fx("unknown.jsonl"));
    expect(e.file).toBe(fx("unknown.jsonl"));
    expect(e.line).toBe(1);
    expect(e.message).toMatch(/unknown dataset format \(expected a toolflow dialogue record, an OpenAI or LLaMA-Factory row/);
  });

  it("a broken line names its line", async () => {
    const e = await error(fx("broken.jsonl"));
    expect(e.line).toBe(2);
    expect(e.message).toMatch(/invalid JSON on this line/);
  });

  it("a row that does not fit the file's format names the line, the field and the format expected", async () => {
    const e = await error(fx("mixed.jsonl"));
    expect(e.line).toBe(3);
    expect(e.pointer).toBe("/messages");
    expect(e.message).toMatch(/not a valid openai row: .*expected an OpenAI chat row/);
  });

  it("a missing path, and a folder without data", async () => {
    expect((await error(fx("nope.jsonl"))).message).toMatch(/no such file or folder/);
    expect((await error(join(PROJECT_ROOT, "docs"))).message).toMatch(/no dialogues.jsonl/);
  });

  it("a broken call inside a well-formed row names the line and what is wrong", async () => {
    const { writeFileSync, mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const f = join(mkdtempSync(join(tmpdir(), "stats-bad-")), "bad.jsonl");
    writeFileSync(f, JSON.stringify({ conversations: [{ from: "human", value: "hi" }, { from: "function_call", value: "not json" }] }) + "\n");
    const e = await error(f);
    expect(e.line).toBe(1);
    expect(e.message).toMatch(/not a valid sharegpt row: not a call \{"name", "arguments"\} \(or a list of them\): not json/);
  });
});

describe("readDataset: nothing lost without a word", () => {
  const where = { file: "t.jsonl", line: 1 };
  const noted = () => {
    const kinds: NoteKind[] = [];
    return { kinds, note: (k: NoteKind) => void kinds.push(k) };
  };
  const H = (value: string) => ({ from: "human", value });
  const FC = (v: unknown) => ({ from: "function_call", value: JSON.stringify(v) });
  const OB = (value: string) => ({ from: "observation", value });
  const wx = (city: string) => ({ name: "get_weather", arguments: { city } });

  it("sharegpt: one observation per result answers the calls in order; a result with no call left is kept and noted", () => {
    const n = noted();
    const d = readRow("sharegpt", { conversations: [H("x"), FC([wx("Oslo"), wx("Bergen")]), OB('{"t":5}'), OB('{"t":7}'), OB('{"t":9}')] }, where, { note: n.note });
    expect(shape(d)).toEqual(["user x", 'call get_weather{"city":"Oslo"} get_weather{"city":"Bergen"}', 'tool get_weather {"t":5}', 'tool get_weather {"t":7}', 'tool undefined {"t":9}']);
    expect(n.kinds).toEqual(["unmatched-result"]);
  });

  it("hermes: the text beside the calls is kept, before, between and after the tags", () => {
    const d = readRow(
      "hermes",
      { conversations: [{ from: "human", value: "x" }, { from: "gpt", value: 'Checking both.\n<tool_call>{"name": "a", "arguments": {}}</tool_call>\nand\n<tool_call>{"name": "b", "arguments": {}}</tool_call>\nOne moment.' }] },
      where,
    );
    expect(d.messages[1]).toMatchObject({ role: "assistant", content: "Checking both.\nand\nOne moment.", tool_calls: [{ function: { name: "a" } }, { function: { name: "b" } }] });
  });

  it("llama31: the last block without its end token is read; an ipython turn with no call left is kept and noted", () => {
    const n = noted();
    const h = (role: string, text: string, end = "<|eot_id|>") => `<|start_header_id|>${role}<|end_header_id|>\n\n${text}${end}`;
    const text = h("user", "hi") + h("assistant", '{"name": "a", "parameters": {}}', "<|eom_id|>") + h("ipython", "1") + h("ipython", "2") + h("assistant", "done", "");
    const d = readRow("llama31", { text }, where, { note: n.note });
    expect(d.messages.map((m) => m.role)).toEqual(["user", "assistant", "tool", "tool", "assistant"]);
    expect(d.messages[4]).toEqual({ role: "assistant", content: "done" });
    expect(n.kinds).toEqual(["unmatched-result"]);
  });

  it("openai rows keep LLaMA-Factory tool_call blocks as calls (a file whose first row had none)", () => {
    const d = readRow("openai", { messages: [{ role: "user", content: "x" }, { role: "assistant", content: [{ type: "reasoning", value: "hm" }, { type: "tool_call", value: '{"name": "a", "arguments": {"q": 1}}' }] }] }, where);
    expect(shape(d)).toEqual(["user x", 'call a{"q":1}']);
  });

  it("offered tools without a name are left out and noted", () => {
    const n = noted();
    const d = readRow("openai", { messages: [{ role: "user", content: "x" }], tools: JSON.stringify([{ name: "a" }, { description: "no name" }]) }, where, { note: n.note });
    expect(d.tools.map((t) => t.name)).toEqual(["a"]);
    expect(n.kinds).toEqual(["unnamed-tool"]);
  });

  it("--skip-invalid: rows that do not fit (and broken lines) are skipped, counted and named", async () => {
    const log = new ReadLog();
    const ds = await readDatasetAll(fx("mixed.jsonl"), { skipInvalid: true, log });
    const s = log.summary();
    expect(ds.length).toBe(s.files[0]!.rows);
    expect(s.rowsSkipped).toBeGreaterThan(0);
    expect(s.notes[0]).toMatchObject({ kind: "skipped-row", first: expect.stringMatching(/mixed\.jsonl line 3: .*not a valid openai row/) });
    const broken = new ReadLog();
    await readDatasetAll(fx("broken.jsonl"), { skipInvalid: true, log: broken });
    expect(broken.summary()).toMatchObject({ rowsSkipped: 1, notes: [{ kind: "skipped-row", first: expect.stringMatching(/line 2: invalid JSON/) }] });
  });

  it("detects LLaMA-Factory's messages layout and BFCL questions; names what is not a dialogue", async () => {
    expect(detectRowFormat({ messages: [{ role: "user", content: [{ type: "text", value: "hi" }] }], tools: "[]" })).toBe("llamafactory");
    expect(detectRowFormat({ messages: [{ role: "user", content: "hi" }], tools: "[]" })).toBe("openai");
    expect(detectRowFormat({ id: "simple_0", question: [[{ role: "user", content: "hi" }]], function: [] })).toBe("bfcl");
    expect(detectRowFormat({ id: "multi_turn_base_0", question: [], involved_classes: ["MathAPI"] })).toBe("bfcl");
  });
});

describe("readDataset: bytes that are not UTF-8", () => {
  it("are an error naming the file, line and byte offset, in a .jsonl and in a .json file", async () => {
    const { writeFileSync, mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "stats-utf8-"));
    const row = (bad: boolean) =>
      Buffer.concat([Buffer.from('{"messages":[{"role":"user","content":"hi '), bad ? Buffer.from([0xff]) : Buffer.from("x"), Buffer.from(' there"}]}\n')]);
    const jsonl = join(dir, "bad.jsonl");
    writeFileSync(jsonl, Buffer.concat([row(false), row(true)]));
    const err = await readDatasetAll(jsonl).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/line 2: invalid UTF-8 at byte offset \d+ \(byte 0xff\)/);
    const json = join(dir, "bad.json");
    writeFileSync(json, Buffer.concat([Buffer.from("["), row(true).subarray(0, -1), Buffer.from("]")]));
    expect(String(await readDatasetAll(json).catch((e: unknown) => e))).toMatch(/invalid UTF-8 at byte offset \d+/);
  });
});
