/**
 * OpenAI chat fine-tuning format: {messages, tools: [{type: "function", function: {...}}], parallel_tool_calls}.
 * Assistant tool_calls keep their ids and JSON-string arguments; tool messages carry tool_call_id.
 */
import type { DialogueRecord, Message } from "../../core/index.js";
import { MessageZ } from "../../core/index.js";
import { ExportFormatError, functionDefs, isRecord, splitSystem, type ExportFormat, type ParsedDialogue, type FunctionDef } from "./common.js";

function cleanMessage(m: Message): Message {
  if (m.role === "tool") return { role: "tool", tool_call_id: m.tool_call_id, content: m.content };
  if (m.role === "assistant") {
    const calls = m.tool_calls ?? [];
    return calls.length > 0 ? { role: "assistant", content: m.content, tool_calls: calls } : { role: "assistant", content: m.content ?? "" };
  }
  return m;
}

export const openaiFormat: ExportFormat = {
  name: "openai",
  description: "OpenAI chat fine-tuning JSONL: `messages` with assistant `tool_calls` (arguments as JSON strings) and `tool` messages, plus `tools`.",
  toRows(record: DialogueRecord) {
    const parallel = record.messages.some((m) => m.role === "assistant" && (m.tool_calls?.length ?? 0) > 1);
    return [
      {
        messages: record.messages.map(cleanMessage),
        tools: functionDefs(record.tools).map((f) => ({ type: "function", function: f })),
        parallel_tool_calls: parallel,
      },
    ];
  },
  fromRow(row: unknown): ParsedDialogue {
    if (!isRecord(row) || !Array.isArray(row.messages)) throw new ExportFormatError("openai", "row has no messages array");
    const messages = row.messages.map((m, i) => {
      const r = MessageZ.safeParse(m);
      if (!r.success) throw new ExportFormatError("openai", `message ${i}: ${r.error.issues[0]?.message ?? "invalid"}`);
      return r.data;
    });
    const tools: FunctionDef[] = (Array.isArray(row.tools) ? row.tools : []).map((t) => {
      const f = isRecord(t) && isRecord(t.function) ? t.function : undefined;
      if (!f || typeof f.name !== "string") throw new ExportFormatError("openai", "tool without function.name");
      return { name: f.name, description: String(f.description ?? ""), parameters: (f.parameters ?? {}) as FunctionDef["parameters"] };
    });
    const { system, rest } = splitSystem(messages);
    return { ...(system !== undefined ? { system } : {}), messages: rest, tools };
  },
};
