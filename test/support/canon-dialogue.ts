/**
 * A dialogue's messages in a form two formats can be compared in (round-trip tests): roles, trimmed texts, calls
 * with parsed arguments, and each tool result with the call (position and name) it answers. System messages are
 * left out; `keepCallText` keeps the text an assistant wrote beside its calls (formats that carry it).
 */
import type { Message } from "../../src/core/index.js";

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

export function canonMessages(messages: Message[], keepCallText: boolean): unknown[] {
  const callName = new Map<string, string>();
  const callIndex = new Map<string, number>();
  let n = 0;
  return messages
    .filter((m) => m.role !== "system")
    .map((m) => {
      if (m.role === "user") return { role: "user", content: m.content.trim() };
      if (m.role === "tool") return { role: "tool", answers: callIndex.get(m.tool_call_id), tool: callName.get(m.tool_call_id), result: parseJson(m.content) };
      if (m.role === "assistant") {
        const calls = m.tool_calls ?? [];
        if (calls.length === 0) return { role: "assistant", content: (m.content ?? "").trim() };
        for (const c of calls) {
          callName.set(c.id, c.function.name);
          callIndex.set(c.id, n++);
        }
        return {
          role: "assistant",
          ...(keepCallText ? { content: m.content?.trim() || null } : {}),
          calls: calls.map((c) => ({ name: c.function.name, args: JSON.parse(c.function.arguments) as unknown })),
        };
      }
      return m;
    });
}
