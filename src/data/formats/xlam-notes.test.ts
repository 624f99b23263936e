import { describe, expect, it } from "vitest";
import { exampleDialogueRecord } from "../../../test/support/example-dialogue.js";
import { xlamFormat } from "./xlam.js";

describe("xlam card notes", () => {
  it("count the call turns a row cannot hold (a chained call after a result of the same user turn), never silently", () => {
    const base = exampleDialogueRecord();
    const call = (id: string, name: string) => ({ id, type: "function" as const, function: { name, arguments: "{}" } });
    const tool = base.tools[0]!.name;
    const messages = [
      ...base.messages,
      { role: "user" as const, content: "Find it, then check the price of what you find." },
      { role: "assistant" as const, content: null, tool_calls: [call("x1", tool)] },
      { role: "tool" as const, tool_call_id: "x1", content: '{"id": "A1"}' },
      { role: "assistant" as const, content: null, tool_calls: [call("x2", tool), call("x3", tool)] },
      { role: "tool" as const, tool_call_id: "x2", content: "{}" },
      { role: "tool" as const, tool_call_id: "x3", content: "{}" },
      { role: "assistant" as const, content: "Done." },
    ];
    const r = { ...base, messages, stepOf: [...base.stepOf, ...messages.slice(base.messages.length).map(() => null)] };
    // independently: call turns after another call turn with no user turn in between
    let later = 0;
    let callsLater = 0;
    let sinceUser = 0;
    for (const m of r.messages) {
      if (m.role === "user") sinceUser = 0;
      if (m.role === "assistant" && (m.tool_calls?.length ?? 0) > 0) {
        if (sinceUser > 0) {
          later++;
          callsLater += m.tool_calls!.length;
        }
        sinceUser++;
      }
    }
    expect(later).toBeGreaterThan(0);
    const rows = xlamFormat.toRows(r);
    const notes = xlamFormat.cardNotes!([r]);
    expect(notes.join(" ")).toContain(`${later} later call turns (${callsLater} calls`);
    // the rows and the note account for every call turn
    const callTurns = r.messages.filter((m) => m.role === "assistant" && (m.tool_calls?.length ?? 0) > 0).length;
    expect(rows.length + later).toBe(callTurns);
  });
});
