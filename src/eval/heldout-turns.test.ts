import { describe, expect, it } from "vitest";
import { chatTools } from "../agents/index.js";
import type { ToolCall } from "../core/index.js";
import { exampleDialogueRecord } from "../../test/support/example-dialogue.js";
import { dialogueTurns, possibleAnswerOf, scoreTurn, toBfclDoc, type HeldoutTurn } from "./heldout-turns.js";

const record = exampleDialogueRecord();
const tools = chatTools(record.tools);
const turns = dialogueTurns({ id: record.id, seed: 1, tools, messages: record.messages, plan: record.plan, stepOf: record.stepOf });
const turn = (i: number): HeldoutTurn => turns.find((t) => t.turn === i)!;

let n = 0;
const call = (name: string, args: unknown): ToolCall => ({
  id: `c${++n}`,
  type: "function",
  function: { name, arguments: typeof args === "string" ? args : JSON.stringify(args) },
});
const answer = (text: string, ...calls: ToolCall[]) => ({ text, toolCalls: calls });

describe("the turns of a dialogue", () => {
  it("one per assistant message, with the step kind and what the turn did", () => {
    expect(turns.map((t) => [t.turn, t.kind, t.need])).toEqual([
      [2, "single", "call"],
      [4, "single", "answer"],
      [6, "chained", "call"],
      [8, "chained", "answer"],
      [10, "parallel", "call"],
      [13, "parallel", "answer"],
      [15, "clarify", "ask"],
      [17, "clarify", "call"],
      [19, "clarify", "answer"],
      [21, "chitchat", "answer"],
    ]);
    expect(turn(6).messages).toEqual(record.messages.slice(0, 6));
    expect(turn(10).category).toBe("parallel_multiple");
    expect(turn(2).category).toBe("multiple");
  });

  it("without plan / stepOf every kind is unknown and text turns are answers", () => {
    const bare = dialogueTurns({ id: "x", seed: 1, tools, messages: record.messages, plan: null, stepOf: null });
    expect(new Set(bare.map((t) => t.kind))).toEqual(new Set(["unknown"]));
    expect(bare.find((t) => t.turn === 15)!.need).toBe("answer");
  });

  it("an argument an earlier tool result supplied must be exact; the user's values are not marked", () => {
    expect(turn(6).exact).toEqual([{ "/flight_id": "TP218" }]);
    expect(turn(2).exact).toEqual([{}]);
  });

  it("possible answers: the recorded values; an optional argument at its default may be left out; defaults of omitted ones", () => {
    expect(turn(2).possibleAnswer).toEqual([
      { search_flights: { origin: ["Boston"], destination: ["Lisbon"], date: ["2024-05-03"], passengers: [2], cabin: ["economy", ""] } },
    ]);
    const searchFlights = tools.find((t) => t.name === "search_flights");
    expect(possibleAnswerOf(searchFlights, { name: "search_flights", arguments: { origin: "A", destination: "B", date: "2024-01-01" } })).toEqual({
      search_flights: { origin: ["A"], destination: ["B"], date: ["2024-01-01"], cabin: ["", "economy"] },
    });
    expect(possibleAnswerOf(undefined, { name: "f", arguments: { o: { a: 1 }, l: [{ b: "x" }], p: [1, 2] } })).toEqual({
      f: { o: [{ a: [1] }], l: [[{ b: ["x"] }]], p: [[1, 2]] },
    });
  });

  it("BFCL function docs: JSON Schema types as BFCL's (number -> float, object -> dict), required kept", () => {
    const doc = toBfclDoc(tools.find((t) => t.name === "search_hotels")!);
    expect(doc.parameters.type).toBe("dict");
    expect(doc.parameters.properties?.max_price?.type).toBe("float");
    expect(doc.parameters.properties?.nights?.type).toBe("integer");
    expect(doc.parameters.required).toEqual(["city", "check_in", "nights"]);
    const union = toBfclDoc({ name: "u", description: "", parameters: { type: "object", properties: { v: { type: ["string", "null"] } } } }, { v: "a" });
    expect(union.parameters.properties?.v?.type).toBe("string");
  });
});

describe("scoring an answer", () => {
  it("the recorded turn passes, every one", () => {
    for (const t of turns) {
      const m = record.messages[t.turn]!;
      const calls = m.role === "assistant" ? (m.tool_calls ?? []) : [];
      expect(scoreTurn(t, answer(m.content ?? "", ...calls)), `turn ${t.turn}`).toEqual({ valid: true, errorType: null, reason: null });
    }
  });

  it("strings are compared after BFCL's normalization; a defaulted optional argument may be left out", () => {
    const v = scoreTurn(turn(2), answer("", call("search_flights", { origin: "boston", destination: "LISBON", date: "2024-05-03", passengers: 2 })));
    expect(v.valid).toBe(true);
  });

  it("a value a tool result supplied must be exactly that value (a user's value may change case)", () => {
    const changedId = scoreTurn(turn(6), answer("", call("book_flight", { flight_id: "tp218", passenger_name: "Maria Silva" })));
    expect(changedId).toMatchObject({ valid: false, errorType: "exact_value" });
    expect(changedId.reason).toMatch(/TP218/);
    expect(scoreTurn(turn(6), answer("", call("book_flight", { flight_id: "TP218", passenger_name: "maria silva" }))).valid).toBe(true);
  });

  it("wrong values, unknown arguments and missing calls fail", () => {
    expect(scoreTurn(turn(6), answer("", call("book_flight", { flight_id: "UA66", passenger_name: "Maria Silva" }))).valid).toBe(false);
    const t2 = { origin: "Boston", destination: "Lisbon", date: "2024-05-03", passengers: 2 };
    expect(scoreTurn(turn(2), answer("", call("search_flights", { ...t2, foo: 1 }))).valid).toBe(false);
    expect(scoreTurn(turn(2), answer("", call("search_flights", { ...t2, passengers: 3 }))).valid).toBe(false);
    const [w, h] = (record.messages[10] as { tool_calls: ToolCall[] }).tool_calls;
    expect(scoreTurn(turn(10), answer("", h!, w!)).valid).toBe(true); // any order
    expect(scoreTurn(turn(10), answer("", w!)).valid).toBe(false); // one of two
  });

  it("asked when it should call, called when it should ask, called when no tool is needed, empty, undecodable", () => {
    expect(scoreTurn(turn(2), answer("Which date do you want to fly?"))).toMatchObject({ valid: false, errorType: "no_call" });
    const ask = scoreTurn(turn(15), answer("", call("rent_car", { city: "Lisbon", pickup_date: "2024-05-04", days: 5 })));
    expect(ask).toMatchObject({ valid: false, errorType: "unexpected_call" });
    expect(ask.reason).toMatch(/should ask/);
    expect(scoreTurn(turn(21), answer("", call("get_weather", { city: "Lisbon" }))).reason).toMatch(/needs no tool/);
    expect(scoreTurn(turn(21), answer("  "))).toMatchObject({ valid: false, errorType: "empty_reply" });
    expect(scoreTurn(turn(6), answer("", call("book_flight", "{flight_id: TP218")))).toMatchObject({ valid: false, errorType: "undecodable" });
  });
});
