/**
 * ShareGPT as LLaMA-Factory reads it (formatting: sharegpt, with `tools`):
 * {conversations: [{from: "human"|"gpt"|"function_call"|"observation", value}], system, tools}.
 * LLaMA-Factory requires human/observation at odd positions and gpt/function_call at even ones (1-based), ending
 * with gpt. A function_call value is JSON {name, arguments} (arguments an object), or a JSON array of them for
 * parallel calls; the observation of parallel calls is a JSON array of their results, in call order. Text the
 * assistant wrote beside its calls is not carried (the format has no place for it). `tools` is a JSON string of
 * [{name, description, parameters}]. With `export --reasoning`, gpt and function_call values start with the model's
 * reasoning in <think>…</think>, which LLaMA-Factory takes as the thought of reasoning templates (its function
 * formatter removes it before reading the call JSON); the parser takes that block off again.
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

type Turn = { from: "human" | "gpt" | "function_call" | "observation"; value: string };

const ODD = new Set(["human", "observation"]);

export const sharegptFormat: ExportFormat = {
  name: "sharegpt",
  description:
    "ShareGPT for LLaMA-Factory (`formatting: sharegpt`): `conversations` of human / function_call / observation / gpt turns, `system`, `tools` (JSON string).",
  reasoningPlace: "<think>…</think> at the start of gpt and function_call values (LLaMA-Factory's thought words)",
  toRows(record: DialogueRecord, options) {
    const { system, rest, reasoning } = splitRecord(record, options);
    const conversations: Turn[] = [];
    for (const t of walkTurns(rest, reasoning)) {
      if (t.kind === "user") conversations.push({ from: "human", value: t.content });
      else if (t.kind === "text") conversations.push({ from: "gpt", value: thinkBlock(t.reasoning) + t.content });
      else {
        const calls = t.calls.map((c) => ({ name: c.function.name, arguments: callArgs(c) }));
        conversations.push({ from: "function_call", value: thinkBlock(t.reasoning) + JSON.stringify(calls.length === 1 ? calls[0] : calls) });
        const results = t.results;
        conversations.push({
          from: "observation",
          value: results.length === 1 ? (results[0] as string) : JSON.stringify(results.map(contentValue)),
        });
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
          let parsed: unknown;
          try {
            parsed = JSON.parse(value);
          } catch (err) {
            throw new ExportFormatError("sharegpt", `turn ${i}: function_call is not JSON`, { cause: err });
          }
          const list = Array.isArray(parsed) ? parsed : [parsed];
          pending = list.map((c) => {
            if (!isRecord(c) || typeof c.name !== "string") throw new ExportFormatError("sharegpt", `turn ${i}: call without name`);
            return { id: ids.next(), type: "function", function: { name: c.name, arguments: JSON.stringify(c.arguments ?? {}) } };
          });
          messages.push({ role: "assistant", content: null, tool_calls: pending });
          break;
        }
        case "observation": {
          let contents: string[];
          if (pending.length === 1) contents = [value];
          else {
            let parsed: unknown;
            try {
              parsed = JSON.parse(value);
            } catch (err) {
              throw new ExportFormatError("sharegpt", `turn ${i}: observation of parallel calls is not a JSON array`, { cause: err });
            }
            if (!Array.isArray(parsed)) throw new ExportFormatError("sharegpt", `turn ${i}: observation of parallel calls is not a JSON array`);
            contents = parsed.map(valueToContent);
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
