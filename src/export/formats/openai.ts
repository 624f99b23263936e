/**
 * OpenAI chat fine-tuning format: {messages, tools: [{type: "function", function: {...}}], parallel_tool_calls}.
 * Assistant tool_calls keep their ids and JSON-string arguments; tool messages carry tool_call_id. With
 * `export --reasoning`, assistant messages carry the model's reasoning as `reasoning_content` (DeepSeek's and vLLM's
 * field, which Qwen3 / DeepSeek chat templates read). With `export --tool-name`, tool messages also carry the called
 * function's `name` (OpenAI's fine-tuning format does not need it; Hermes 2 Pro's `tool_use` template refuses a tool
 * message without it).
 */
import type { DialogueRecord, Message } from "../../core/index.js";
import { MessageZ } from "../../core/index.js";
import {
  ExportFormatError,
  functionDefs,
  isRecord,
  reasoningOf,
  splitSystem,
  type ExportFormat,
  type ParsedDialogue,
  type RowOptions,
  type FunctionDef,
} from "./common.js";

function cleanMessage(m: Message, reasoning: string | null | undefined, names: Map<string, string> | undefined): Message | Record<string, unknown> {
  if (m.role === "tool") {
    const name = names?.get(m.tool_call_id);
    return { role: "tool", tool_call_id: m.tool_call_id, ...(name !== undefined ? { name } : {}), content: m.content };
  }
  if (m.role === "assistant") {
    const calls = m.tool_calls ?? [];
    const thought = reasoning ? { reasoning_content: reasoning } : {};
    return calls.length > 0
      ? { role: "assistant", content: m.content, ...thought, tool_calls: calls }
      : { role: "assistant", content: m.content ?? "", ...thought };
  }
  return m;
}

/** The function each call id of a dialogue calls. */
function callNames(messages: Message[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const m of messages) if (m.role === "assistant") for (const c of m.tool_calls ?? []) names.set(c.id, c.function.name);
  return names;
}

/** The OpenAI format; `toolName`: tool messages carry `name` (`export --tool-name`). */
export function openaiFormatWith(opts: { toolName?: boolean } = {}): ExportFormat {
  return {
    ...openaiFormat,
    description: opts.toolName
      ? `${openaiFormat.description} Tool messages carry the called function's \`name\` (\`--tool-name\`).`
      : openaiFormat.description,
    toRows: (record, options) => openaiRows(record, options, opts.toolName ?? false),
  };
}

function openaiRows(record: DialogueRecord, options: RowOptions | undefined, toolName: boolean): unknown[] {
  const reasoning = reasoningOf(record, options);
  const names = toolName ? callNames(record.messages) : undefined;
  const parallel = record.messages.some((m) => m.role === "assistant" && (m.tool_calls?.length ?? 0) > 1);
  return [
    {
      messages: record.messages.map((m, i) => cleanMessage(m, reasoning?.[i], names)),
      tools: functionDefs(record.tools).map((f) => ({ type: "function", function: f })),
      parallel_tool_calls: parallel,
    },
  ];
}

export const openaiFormat: ExportFormat = {
  name: "openai",
  description: "OpenAI chat fine-tuning JSONL: `messages` with assistant `tool_calls` (arguments as JSON strings) and `tool` messages, plus `tools`.",
  reasoningPlace: "`reasoning_content` on assistant messages",
  toRows(record: DialogueRecord, options) {
    return openaiRows(record, options, false);
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
