/**
 * OpenAI chat fine-tuning format: {messages, tools: [{type: "function", function: {...}}], parallel_tool_calls}.
 * Assistant tool_calls keep their ids and JSON-string arguments; tool messages carry tool_call_id. With
 * `export --reasoning`, assistant messages carry the model's reasoning as `reasoning_content` (DeepSeek's and vLLM's
 * field, which Qwen3 / DeepSeek chat templates read). With `export --tool-name`, tool messages also carry the called
 * function's `name` (OpenAI's fine-tuning format does not need it; Hermes 2 Pro's `tool_use` template refuses a tool
 * message without it).
 */
import type { DialogueRecord, Message, ToolCall } from "../../core/index.js";
import { z } from "zod";
import { functionDefs, reasoningOf, type ExportFormat, type RowOptions } from "./common.js";
import {
  argsString,
  blockCalls,
  fromRowWith,
  Ids,
  isObj,
  toolList,
  toText,
  type DataFormat,
  type ReadDialogue,
  type RowContext,
} from "./read-helpers.js";


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
  fromRow: (row) => fromRowWith(openaiReader)(row),
};

// ---------------------------------------------------------------- reading (toolflow's export and public OpenAI rows)

const ArgsZ = z.union([z.string(), z.record(z.string(), z.unknown())]);
const LooseCallZ = z.object({
  id: z.string().optional(),
  type: z.string().optional(),
  function: z.object({ name: z.string(), arguments: ArgsZ.optional() }),
});
const LooseMessageZ = z.object({
  role: z.enum(["system", "user", "assistant", "tool", "function"]),
  content: z.union([z.string(), z.null(), z.array(z.unknown())]).optional(),
  tool_calls: z.array(LooseCallZ).nullable().optional(),
  tool_call_id: z.string().optional(),
  name: z.string().optional(),
});
const FunctionDefZ = z.object({ name: z.string(), description: z.string().optional(), parameters: z.unknown().optional() });
const OpenAIToolZ = z.union([z.object({ type: z.string().optional(), function: FunctionDefZ }), FunctionDefZ]);
/** Tools as a list, one object, or a JSON string of either (LLaMA-Factory accepts all three). */
export const ToolsFieldZ = z.union([z.string(), z.array(OpenAIToolZ), OpenAIToolZ]);
export const OpenAIRowZ = z.object({ messages: z.array(LooseMessageZ).min(1), tools: ToolsFieldZ.optional() });

function fromOpenAI(row: z.infer<typeof OpenAIRowZ>, ctx: RowContext): ReadDialogue {
  const ids = new Ids();
  const messages: Message[] = [];
  let pending: ToolCall[] = [];
  for (const m of row.messages) {
    const content = toText(m.content);
    if (m.role === "system" || m.role === "user") messages.push({ role: m.role, content });
    else if (m.role === "assistant") {
      const calls = (m.tool_calls ?? []).map((c) => ({
        id: c.id ?? ids.next(),
        type: "function" as const,
        function: { name: c.function.name, arguments: argsString(c.function.arguments) },
      }));
      // LLaMA-Factory's tool_call content blocks, in a file whose first row had none (read as openai)
      if (Array.isArray(m.content)) {
        for (const b of m.content) if (isObj(b) && b.type === "tool_call" && typeof b.value === "string") calls.push(...blockCalls(b.value, ids));
      }
      pending = calls;
      messages.push(calls.length > 0 ? { role: "assistant", content: content === "" ? null : content, tool_calls: calls } : { role: "assistant", content });
    } else {
      const id = m.tool_call_id ?? pending.find((c) => c.function.name === m.name)?.id ?? pending[0]?.id ?? ids.next();
      messages.push({ role: "tool", tool_call_id: id, ...(m.name ? { name: m.name } : {}), content });
    }
  }
  return { messages, tools: toolList(row.tools ?? [], ctx.note), plan: null, stepOf: null };
}

/** OpenAI chat rows `{messages, tools?}` (toolflow's export, OpenAI's fine-tuning files, most public sets). */
export const openaiReader: DataFormat<z.infer<typeof OpenAIRowZ>> = {
  name: "openai",
  expected: "an OpenAI chat row {messages: [{role, content, tool_calls?}], tools?}",
  detect: (row) => Array.isArray(row.messages),
  schema: OpenAIRowZ,
  read: fromOpenAI,
};
