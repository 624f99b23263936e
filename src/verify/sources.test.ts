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

  it("shows conversions with their source and how, and defaulted and general-knowledge values by kind", () => {
    const d = exampleDialogueRecord();
    d.tools[0] = {
      ...d.tools[0]!,
      parameters: {
        type: "object",
        properties: {
          origin: { type: "string", description: "IATA code" },
          destination: { type: "string" },
          date: { type: "string" },
          passengers: { type: "integer" },
          cabin: { type: "string", enum: ["economy", "business"] },
          nonstop: { type: "boolean" },
          latitude: { type: "number" },
        },
      },
    };
    const m = d.messages[2]!;
    if (m.role !== "assistant" || !m.tool_calls) throw new Error("fixture changed");
    const args = JSON.parse(m.tool_calls[0]!.function.arguments) as Record<string, unknown>;
    m.tool_calls[0]!.function.arguments = JSON.stringify({ ...args, origin: "BOS", nonstop: true, latitude: 42.36 });
    const s = argumentSources(d);
    const at = (path: string) => s.find((x) => x.callId === "call_1" && x.path === path);
    expect(at("/origin")).toMatchObject({ origin: { kind: "message", message: 1 }, how: "IATA airport code: BOS = Boston" });
    expect(at("/nonstop")?.origin).toEqual({ kind: "defaulted", how: "boolean flag" });
    expect(at("/latitude")?.origin).toEqual({ kind: "knowledge", how: "coordinates (latitude)" });
    expect(at("/cabin")?.origin).toEqual({ kind: "schema" });
    expect(findUngroundedArgs(d).ungrounded).toEqual([]);
  });
});
