/**
 * Each figure on hand-built dialogues, with the expected values worked out by hand (see the comments).
 */
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { estimateTokens } from "../core/index.js";
import { PROJECT_ROOT } from "../../test/support/cli.js";
import { readDatasetAll } from "./index.js";
import { datasetFigures, valueKey, type DatasetDialogue } from "./index.js";
import { diversity } from "./diversity.js";

const openaiFixture = join(PROJECT_ROOT, "test/fixtures/stats/openai.jsonl");

describe("dataset figures on the two fixture dialogues", () => {
  // D1: user "a table a table a" / assistant asks "For how many people?" / user "four" / find_restaurant{party 4}
  //     / result {restaurant_id r1} / book_table{restaurant_id r1} (chained: r1 came from a result) / result / text.
  // D2: user "oslo and bergen" / get_weather Oslo + get_weather Bergen (parallel) / 2 results / text / user
  //     "thanks" / text.
  it("counts turns, calls, parallel and chained calls, clarifications, tools, H and D-3", async () => {
    const ds = await readDatasetAll(openaiFixture);
    const f = await datasetFigures(ds);
    expect(f.dialogues).toBe(2);
    expect(f.userTurns).toBe(4); // 2 + 2
    expect(f.assistantTurns).toBe(7); // ask, call, call, text + call, text, text
    expect(f.turns).toBe(11);
    expect(f.toolCalls).toBe(4);
    expect(f.callsPerDialogue).toBe(2);
    expect(f.callTurnShare).toBeCloseTo(3 / 7, 12);
    expect(f.parallelCallTurns).toBe(1);
    expect(f.chainedCalls).toBe(1); // book_table's r1; Bergen is not in an earlier result (both calls precede the results)
    expect(f.chainedCallShare).toBe(0.25);
    expect(f.clarifications).toBe(1);
    expect(f.noCallTurns).toBe(4);
    expect(f.noCallDialogues).toBe(0);
    expect(f.distinctTools).toBe(3);
    expect(f.toolCombinations).toBe(2); // {book_table, find_restaurant}, {get_weather}
    // offered: find_restaurant, book_table, get_weather, get_forecast; called 3 of them
    expect(f.toolUniverse).toEqual({ size: 4, source: "offered" });
    expect(f.toolCoverage).toBe(0.75);
    // Gini of [0, 1, 1, 2]: 2·(1·0 + 2·1 + 3·1 + 4·2)/(4·4) − 5/4 = 26/16 − 20/16 = 0.375
    expect(f.gini).toBeCloseTo(0.375, 12);
    expect(f.toolUse).toEqual({ get_weather: 2, book_table: 1, find_restaurant: 1 });
    // user words: a×3, table×2, four, oslo, and, bergen, thanks (10 words)
    expect(f.H).toBeCloseTo(-(0.3 * Math.log2(0.3) + 0.2 * Math.log2(0.2) + 5 * 0.1 * Math.log2(0.1)), 12);
    // trigrams: "a table a" ×2, "table a table", "oslo and bergen": 3 distinct of 4
    expect(f.D3).toBe(0.75);
    const texts = ["a table a table a", "four", "oslo and bergen", "thanks"];
    expect(f.H).toBeCloseTo(diversity(texts).H, 12);
    expect(f.D3).toBe(diversity(texts).D3);
    expect(f.withPlan).toBe(0);
    expect(f.stepKinds).toBeNull();
  });

  it("token lengths use the gpt-tokenizer estimate per turn", async () => {
    const f = await datasetFigures(await readDatasetAll(openaiFixture));
    const users = ["a table a table a", "four", "oslo and bergen", "thanks"].map(estimateTokens);
    expect(f.tokens.userTurn.count).toBe(4);
    expect(f.tokens.userTurn.mean).toBeCloseTo(users.reduce((a, b) => a + b) / 4, 12);
    expect(f.tokens.userTurn.max).toBe(Math.max(...users));
    expect(f.tokens.dialogue.count).toBe(2);
    expect(f.tokens.assistantTurn.count).toBe(7);
    const none = await datasetFigures(await readDatasetAll(openaiFixture), { skipTokens: true });
    expect(none.tokens.dialogue.count).toBe(0);
  });

  it("coverage and Gini against a tool list", async () => {
    const ds = await readDatasetAll(openaiFixture);
    const f = await datasetFigures(ds, { tools: ["get_weather", "book_table", "find_restaurant", "a", "b", "c", "d", "e"] });
    expect(f.toolUniverse).toEqual({ size: 8, source: "tools-file" });
    expect(f.toolCoverage).toBe(3 / 8);
    // [0,0,0,0,0,1,1,2]: 2·(6·1 + 7·1 + 8·2)/(8·4) − 9/8 = 58/32 − 36/32 = 0.6875
    expect(f.gini).toBeCloseTo(0.6875, 12);
  });
});

const d = (messages: DatasetDialogue["messages"], extra: Partial<DatasetDialogue> = {}): DatasetDialogue => ({
  id: "x",
  format: "openai",
  messages,
  tools: [],
  plan: null,
  stepOf: null,
  ...extra,
});
const call = (id: string, name: string, args: unknown) => ({ id, type: "function" as const, function: { name, arguments: JSON.stringify(args) } });

describe("figure definitions, edge cases", () => {
  it("chained calls compare normalized values: case, accents, punctuation, 1,000 = 1000 = '1000'; not booleans or empty", async () => {
    expect(valueKey("Zürich")).toBe(valueKey("zurich"));
    expect(valueKey("New-York ")).toBe(valueKey("new york"));
    expect(valueKey("1,000")).toBe(valueKey(1000));
    expect(valueKey("1000.0")).toBe(valueKey(1000));
    expect(valueKey(true)).toBeUndefined();
    expect(valueKey("")).toBeUndefined();
    const f = await datasetFigures([
      d([
        { role: "user", content: "go" },
        { role: "assistant", content: null, tool_calls: [call("1", "a", { q: "x" })] },
        { role: "tool", tool_call_id: "1", content: JSON.stringify({ items: [{ city: "Zürich", n: 1000, ok: true }] }) },
        { role: "assistant", content: null, tool_calls: [call("2", "b", { city: "ZURICH" }), call("3", "c", { n: "1,000" }), call("4", "d", { ok: true })] },
        { role: "tool", tool_call_id: "2", content: "plain text result" },
        { role: "tool", tool_call_id: "3", content: "{}" },
        { role: "tool", tool_call_id: "4", content: "{}" },
        { role: "assistant", content: null, tool_calls: [call("5", "e", { note: "Plain text result!" })] },
        { role: "tool", tool_call_id: "5", content: "{}" },
        { role: "assistant", content: "done" },
      ]),
    ]);
    expect(f.toolCalls).toBe(5);
    expect(f.chainedCalls).toBe(3); // b (Zürich), c (1000), e (the whole plain-text result); not a, not d (a boolean)
    expect(f.parallelCallTurns).toBe(1);
  });

  it("a clarification needs a question right after a user turn, the user's answer, then a call", async () => {
    const f = await datasetFigures([
      // not a clarification: the question follows tool results (a final answer asking "anything else?")
      d([
        { role: "user", content: "go" },
        { role: "assistant", content: null, tool_calls: [call("1", "a", {})] },
        { role: "tool", tool_call_id: "1", content: "{}" },
        { role: "assistant", content: "Done. Anything else?" },
        { role: "user", content: "yes, b" },
        { role: "assistant", content: null, tool_calls: [call("2", "b", {})] },
        { role: "tool", tool_call_id: "2", content: "{}" },
        { role: "assistant", content: "ok" },
      ]),
      // not a clarification: no question mark; then one: asks, the user answers, the call follows
      d([
        { role: "system", content: "sys" },
        { role: "user", content: "hello" },
        { role: "assistant", content: "Hi, tell me what you need." },
        { role: "user", content: "book" },
        { role: "assistant", content: "Which date?" },
        { role: "user", content: "may 3" },
        { role: "assistant", content: null, tool_calls: [call("1", "book", { date: "May 3" })] },
        { role: "tool", tool_call_id: "1", content: "{}" },
        { role: "assistant", content: "Booked." },
      ]),
      // not a clarification: the user answers but no call follows
      d([
        { role: "user", content: "hm" },
        { role: "assistant", content: "What do you mean?" },
        { role: "user", content: "nothing" },
        { role: "assistant", content: "OK." },
      ]),
    ]);
    expect(f.clarifications).toBe(1);
    expect(f.noCallDialogues).toBe(1);
    expect(f.noCallTurns).toBe(2 + 3 + 2);
    expect(f.turns).toBe(6 + 7 + 4); // the system message is not a turn
  });

  it("step kinds are counted as the plans write them (any kind, e.g. a new one), null without plans", async () => {
    const plan = (kinds: string[]) => ({ steps: kinds.map((kind, i) => ({ id: i + 1, kind, tools: [] })) });
    const msgs: DatasetDialogue["messages"] = [
      { role: "user", content: "hi" },
      { role: "assistant", content: "hello" },
    ];
    const f = await datasetFigures([
      d(msgs, { plan: plan(["single", "unsupported", "single"]) }),
      d(msgs, { plan: plan(["clarify"]) }),
      d(msgs),
    ]);
    expect(f.withPlan).toBe(2);
    expect(f.stepKinds).toEqual({ single: 2, clarify: 1, unsupported: 1 });
    expect(f.toolCoverage).toBeNull(); // no tools known at all
    expect(f.gini).toBe(0);
  });

  it("an empty dataset gives zeros, not NaN", async () => {
    const f = await datasetFigures([]);
    expect(f).toMatchObject({ dialogues: 0, callsPerDialogue: 0, callTurnShare: 0, chainedCallShare: 0, H: 0, D3: 0, toolCoverage: null });
  });
});
