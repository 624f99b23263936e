/**
 * Hermes function calling (NousResearch, hermes-function-calling-v1): ShareGPT-style `conversations` with
 * from system / human / gpt / tool. The system turn carries the tool signatures inside <tools></tools>; the
 * assistant calls tools with <tool_call>{"name": ..., "arguments": {...}}</tool_call> (one tag per call, several
 * for parallel calls, after any text); results come back in one `tool` turn as
 * <tool_response>{"name": ..., "content": ...}</tool_response> tags, in call order. With `export --reasoning`, a gpt
 * turn starts with the model's reasoning in <think>…</think> (as Hermes-3 / Qwen3 reasoning templates write it);
 * the parser takes that block off again.
 */
import type { DialogueRecord, Message, ToolCall } from "../../core/index.js";
import {
  CallIds,
  ExportFormatError,
  callArgs,
  contentValue,
  functionDefs,
  isRecord,
  splitRecord,
  takeThink,
  thinkBlock,
  toolMessagesFor,
  valueToContent,
  walkTurns,
  type ExportFormat,
  type FunctionDef,
  type ParsedDialogue,
} from "./common.js";

export const HERMES_PREAMBLE =
  "You are a function calling AI model. You are provided with function signatures within <tools></tools> XML tags. " +
  "You may call one or more functions to assist with the user query. Don't make assumptions about what values to " +
  "plug into functions. Here are the available tools:";
export const HERMES_INSTRUCTIONS =
  "For each function call return a json object with function name and arguments within <tool_call></tool_call> " +
  'XML tags as follows:\n<tool_call>\n{"name": <function-name>, "arguments": <args-dict>}\n</tool_call>';

type Turn = { from: "system" | "human" | "gpt" | "tool"; value: string };

export function hermesSystemPrompt(tools: FunctionDef[], system: string | undefined): string {
  const toolJson = JSON.stringify(tools.map((f) => ({ type: "function", function: f })));
  const base = `${HERMES_PREAMBLE} <tools>\n${toolJson}\n</tools>\n${HERMES_INSTRUCTIONS}`;
  return system !== undefined && system.trim() !== "" ? `${base}\n\n${system}` : base;
}

const TAG_RE = (tag: string) => new RegExp(`<${tag}>\\s*([\\s\\S]*?)\\s*</${tag}>`, "g");

export const hermesFormat: ExportFormat = {
  name: "hermes",
  description:
    "Hermes function calling (NousResearch): `conversations` with a system prompt holding <tools>, <tool_call> tags in gpt turns, <tool_response> tags in tool turns.",
  reasoningPlace: "<think>…</think> at the start of gpt turns",
  toRows(record: DialogueRecord, options) {
    const { system, rest, reasoning } = splitRecord(record, options);
    const conversations: Turn[] = [{ from: "system", value: hermesSystemPrompt(functionDefs(record.tools), system) }];
    for (const t of walkTurns(rest, reasoning)) {
      if (t.kind === "user") conversations.push({ from: "human", value: t.content });
      else if (t.kind === "text") conversations.push({ from: "gpt", value: thinkBlock(t.reasoning) + t.content });
      else {
        const tags = t.calls.map(
          (c) => `<tool_call>\n${JSON.stringify({ name: c.function.name, arguments: callArgs(c) })}\n</tool_call>`,
        );
        const text = t.content?.trim() ? `${t.content.trim()}\n` : "";
        conversations.push({ from: "gpt", value: thinkBlock(t.reasoning) + text + tags.join("\n") });
        const responses = t.calls.map(
          (c, i) =>
            `<tool_response>\n${JSON.stringify({ name: c.function.name, content: contentValue(t.results[i] ?? "") })}\n</tool_response>`,
        );
        conversations.push({ from: "tool", value: responses.join("\n") });
      }
    }
    return [{ id: record.id, conversations }];
  },
  fromRow(row: unknown): ParsedDialogue {
    if (!isRecord(row) || !Array.isArray(row.conversations)) throw new ExportFormatError("hermes", "row has no conversations");
    const ids = new CallIds();
    const messages: Message[] = [];
    let tools: FunctionDef[] = [];
    let system: string | undefined;
    let pending: ToolCall[] = [];
    row.conversations.forEach((raw, i) => {
      if (!isRecord(raw) || typeof raw.from !== "string" || typeof raw.value !== "string") {
        throw new ExportFormatError("hermes", `turn ${i} is not {from, value}`);
      }
      if (raw.from === "system") {
        const value = raw.value;
        const m = /<tools>\n([\s\S]*?)\n<\/tools>/.exec(value);
        if (m) {
          const list = JSON.parse(m[1] ?? "[]") as unknown[];
          tools = list.map((t) => (isRecord(t) && isRecord(t.function) ? t.function : t) as unknown as FunctionDef);
        }
        const at = value.indexOf(HERMES_INSTRUCTIONS);
        const after = at >= 0 ? value.slice(at + HERMES_INSTRUCTIONS.length).trim() : m ? "" : value;
        if (after !== "") system = after;
      } else if (raw.from === "human") {
        messages.push({ role: "user", content: raw.value });
      } else if (raw.from === "gpt") {
        const value = takeThink(raw.value).rest;
        const calls = [...value.matchAll(TAG_RE("tool_call"))];
        if (calls.length === 0) {
          messages.push({ role: "assistant", content: value });
          return;
        }
        pending = calls.map((c) => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(c[1] ?? "");
          } catch (err) {
            throw new ExportFormatError("hermes", `turn ${i}: <tool_call> is not JSON`, { cause: err });
          }
          if (!isRecord(parsed) || typeof parsed.name !== "string") throw new ExportFormatError("hermes", `turn ${i}: call without name`);
          return { id: ids.next(), type: "function", function: { name: parsed.name, arguments: JSON.stringify(parsed.arguments ?? {}) } };
        });
        const text = value.slice(0, value.indexOf("<tool_call>")).trim();
        messages.push({ role: "assistant", content: text === "" ? null : text, tool_calls: pending });
      } else if (raw.from === "tool") {
        const contents = [...raw.value.matchAll(TAG_RE("tool_response"))].map((m) => {
          const parsed = JSON.parse(m[1] ?? "") as unknown;
          return valueToContent(isRecord(parsed) && "content" in parsed ? parsed.content : parsed);
        });
        messages.push(...toolMessagesFor(pending, contents, "hermes"));
        pending = [];
      } else {
        throw new ExportFormatError("hermes", `turn ${i}: unknown role "${raw.from}"`);
      }
    });
    return { ...(system !== undefined ? { system } : {}), messages, tools };
  },
};
