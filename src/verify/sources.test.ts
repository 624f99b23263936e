import { describe, expect, it } from "vitest";
import { exampleDialogueRecord } from "../../test/support/example-dialogue.js";
import { argumentSources, findUngroundedArgs } from "./index.js";

describe("argumentSources", () => {
  it("names the user turn or tool result each argument came from, the schema's documented values, and none for invented ones", () => {
    const d = exampleDialogueRecord();
    const s = argumentSources(d);
    const at = (callId: string, path: string) => s.find((x) => x.callId === callId && x.path === path)?.origin;
    // "Boston" and the date: the first user turn (message 1)
    expect(at("call_1", "/origin")).toEqual({ kind: "message", message: 1 });
    expect(at("call_1", "/date")).toEqual({ kind: "message", message: 1 });
    // "economy" is not said, but it is the schema's enum / default
    expect(at("call_1", "/cabin")).toEqual({ kind: "schema" });
    // TP218 comes from search_flights' result (message 3), the name from the user's later turn (message 5)
    expect(at("call_2", "/flight_id")).toEqual({ kind: "message", message: 3 });
    expect(at("call_2", "/passenger_name")).toEqual({ kind: "message", message: 5 });
    // the latest source wins: "Lisbon" is in message 1 and in message 9; the weather call (after 9) points at 9
    expect(at("call_3", "/city")).toEqual({ kind: "message", message: 9 });
    // every leaf of every call is listed once
    expect(s).toHaveLength(findUngroundedArgs(d).args);
  });

  it("marks an invented value ungrounded, the way the provenance check sees it", () => {
    const d = exampleDialogueRecord();
    const m = d.messages[6]!;
    if (m.role !== "assistant" || !m.tool_calls) throw new Error("fixture changed");
    m.tool_calls[0]!.function.arguments = JSON.stringify({ flight_id: "TP218", passenger_name: "Zebulon Quux" });
    const s = argumentSources(d);
    expect(s.find((x) => x.callId === "call_2" && x.path === "/passenger_name")?.origin).toEqual({ kind: "ungrounded" });
    expect(findUngroundedArgs(d).ungrounded.map((u) => u.path)).toEqual(["/passenger_name"]);
  });
});
