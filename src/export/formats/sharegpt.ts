/**
 * ShareGPT as LLaMA-Factory reads it (`formatting: sharegpt`, columns messages / system / tools):
 * {conversations: [{from: "human"|"gpt"|"function_call"|"observation", value}], system, tools}.
 * LLaMA-Factory requires human/observation at odd positions and gpt/function_call at even ones (1-based), ending
 * with gpt; a row that breaks this is dropped with a warning, so the writer checks it. A function_call value is JSON
 * {name, arguments} (arguments an object), or a JSON array of them for parallel calls. Text the assistant wrote
 * beside its calls goes before the calls, which are then wrapped in <tool_call>…</tool_call>: LLaMA-Factory's
 * function formatter (since v0.9.4) keeps what lies outside that tag in front of the calls it renders. The results
 * of parallel calls are one observation, each result in call order, joined by
 * "\n</tool_response>\n<tool_response>\n" — the form LLaMA-Factory's own OpenAI converter gives consecutive tool
 * messages, which templates that wrap an observation in <tool_response> tags (Qwen and others) render as one tag per
 * result. `tools` is a JSON string of [{name, description, parameters}]. With `export --reasoning`, gpt and
 * function_call values start with the model's reasoning in <think>…</think>, which LLaMA-Factory takes as the
 * thought of reasoning templates; the parser takes that block off again.
 */
import type { DialogueRecord, Message, ToolCall } from "../../core/index.js";
import {
  CallIds,
  ExportFormatError,
  callArgs,
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

type Turn = { from: "human" | "gpt" | "function_call" | "observation"; value: string };

const ODD = new Set(["human", "observation"]);

/** Between the results of parallel calls in one observation (LLaMA-Factory's OpenAI converter joins tool messages so). */
export const OBSERVATION_JOIN = "\n</tool_response>\n<tool_response>\n";

/** The function_call value of calls (JSON of one call, or an array for several), with the text beside them. */
export function functionCallValue(calls: Array<{ name: string; arguments: unknown }>, text: string | null): string {
  const json = JSON.stringify(calls.length === 1 ? calls[0] : calls);
  return text?.trim() ? `${text.trim()}\n<tool_call>${json}</tool_call>` : json;
}

/** The text and the call JSON of a function_call value (the inverse of functionCallValue, after <think> is off). */
export function splitFunctionCall(value: string): { text: string | null; json: string } {
  const m = /<tool_call>([\s\S]*?)<\/tool_call>/.exec(value);
  if (!m) return { text: null, json: value };
  const text = (value.slice(0, m.index) + value.slice(m.index + m[0].length)).trim();
  return { text: text === "" ? null : text, json: m[1] ?? "" };
}

/**
 * The results of `n` calls in one observation value: the joined form, or a JSON array of n results (the form earlier
 * toolflow versions wrote); undefined when it is neither.
 */
export function splitObservation(value: string, n: number): string[] | undefined {
  if (n <= 1) return [value];
  const parts = value.split(OBSERVATION_JOIN);
  if (parts.length === n) return parts;
  try {
    const parsed = JSON.parse(value) as unknown;
    if (Array.isArray(parsed) && parsed.length === n) return parsed.map(valueToContent);
  } catch {
    // not the older array form either
  }
  return undefined;
}

export const sharegptFormat: ExportFormat = {
  name: "sharegpt",
  description:
    "ShareGPT for LLaMA-Factory (`formatting: sharegpt`): `conversations` of human / function_call / observation / gpt turns, `system`, `tools` (JSON string); the results of parallel calls joined in one observation as LLaMA-Factory's converter joins them.",
  reasoningPlace: "<think>…</think> at the start of gpt and function_call values (LLaMA-Factory's thought words)",
  toRows(record: DialogueRecord, options) {
    const { system, rest, reasoning } = splitRecord(record, options);
    const conversations: Turn[] = [];
    for (const t of walkTurns(rest, reasoning)) {
      if (t.kind === "user") conversations.push({ from: "human", value: t.content });
      else if (t.kind === "text") conversations.push({ from: "gpt", value: thinkBlock(t.reasoning) + t.content });
      else {
        const calls = t.calls.map((c) => ({ name: c.function.name, arguments: callArgs(c) }));
        conversations.push({ from: "function_call", value: thinkBlock(t.reasoning) + functionCallValue(calls, t.content) });
        if (t.results.length > 1) {
          const clash = t.results.findIndex((r) => r.includes(OBSERVATION_JOIN));
          if (clash >= 0) {
            throw new ExportFormatError(
              "sharegpt",
              `dialogue ${record.id}: the result of ${t.calls[clash]?.function.name} holds the text that joins parallel results ("</tool_response>\\n<tool_response>")`,
            );
          }
        }
        conversations.push({ from: "observation", value: t.results.join(OBSERVATION_JOIN) });
      }
    }
    conversations.forEach((c, i) => {
      if (ODD.has(c.from) !== (i % 2 === 0)) {
        throw new ExportFormatError("sharegpt", `dialogue ${record.id}: turn ${i} (${c.from}) breaks LLaMA-Factory's role alternation`);
      }
    });
    if (conversations.length % 2 !== 0) throw new ExportFormatError("sharegpt", `dialogue ${record.id}: does not end with a gpt turn`);
    return [{ conversations, ...(system !== undefined ? { system } : {}), tools: JSON.stringify(functionDefs(record.tools)) }];
  },
  fromRow(row: unknown): ParsedDialogue {
    if (!isRecord(row) || !Array.isArray(row.conversations)) throw new ExportFormatError("sharegpt", "row has no conversations");
    const ids = new CallIds();
    const messages: Message[] = [];
    let pending: ToolCall[] = [];
    row.conversations.forEach((raw, i) => {
      if (!isRecord(raw) || typeof raw.from !== "string" || typeof raw.value !== "string") {
        throw new ExportFormatError("sharegpt", `turn ${i} is not {from, value}`);
      }
      const value = raw.from === "gpt" || raw.from === "function_call" ? takeThink(raw.value).rest : raw.value;
      switch (raw.from) {
        case "human":
          messages.push({ role: "user", content: value });
          break;
        case "gpt":
          messages.push({ role: "assistant", content: value });
          break;
        case "function_call": {
          const { text, json } = splitFunctionCall(value);
          let parsed: unknown;
          try {
            parsed = JSON.parse(json);
          } catch (err) {
            throw new ExportFormatError("sharegpt", `turn ${i}: function_call is not JSON`, { cause: err });
          }
          const list = Array.isArray(parsed) ? parsed : [parsed];
          pending = list.map((c) => {
            if (!isRecord(c) || typeof c.name !== "string") throw new ExportFormatError("sharegpt", `turn ${i}: call without name`);
            return { id: ids.next(), type: "function", function: { name: c.name, arguments: JSON.stringify(c.arguments ?? {}) } };
          });
          messages.push({ role: "assistant", content: text, tool_calls: pending });
          break;
        }
        case "observation": {
          const contents = splitObservation(value, pending.length);
          if (!contents) {
            throw new ExportFormatError(
              "sharegpt",
              `turn ${i}: the observation does not hold ${pending.length} results joined by "</tool_response>\\n<tool_response>"`,
            );
          }
          messages.push(...toolMessagesFor(pending, contents, "sharegpt"));
          pending = [];
          break;
        }
        default:
          throw new ExportFormatError("sharegpt", `turn ${i}: unknown role "${raw.from}"`);
      }
    });
    let tools: FunctionDef[] = [];
    if (typeof row.tools === "string" && row.tools !== "") tools = JSON.parse(row.tools) as FunctionDef[];
    return { ...(typeof row.system === "string" ? { system: row.system } : {}), messages, tools };
  },
};
