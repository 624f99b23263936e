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
import type { DialogueRecord, Message } from "../../core/index.js";
import { ExportFormatError, callArgs, functionDefs, splitRecord, walkTurns, type ExportFormat } from "./common.js";
import { takeThink, thinkBlock } from "../../core/index.js";

import { z } from "zod";
import {
  OBSERVATION_JOIN,
  blockCalls,
  fromRowWith,
  Ids,
  PendingCalls,
  RowError,
  toolList,
  type DataFormat,
  type ReadDialogue,
  type RowContext
} from "./read-helpers.js";

export { OBSERVATION_JOIN } from "./read-helpers.js";

type Turn = { from: "human" | "gpt" | "function_call" | "observation"; value: string };

const ODD = new Set(["human", "observation"]);


/** The function_call value of calls (JSON of one call, or an array for several), with the text beside them. */
export function functionCallValue(calls: Array<{ name: string; arguments: unknown }>, text: string | null): string {
  const json = JSON.stringify(calls.length === 1 ? calls[0] : calls);
  return text?.trim() ? `${text.trim()}\n<tool_call>${json}</tool_call>` : json;
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
  fromRow: (row) => fromRowWith(sharegptReader)(row),
};

// ---------------------------------------------------------------- reading (toolflow's export and LLaMA-Factory's ShareGPT rows)

const TurnZ = z.object({ from: z.string(), value: z.string() });
export const ShareGptRowZ = z.object({
  conversations: z.array(TurnZ).min(1),
  system: z.string().optional(),
  tools: z.union([z.string(), z.array(z.unknown()), z.record(z.string(), z.unknown())]).optional(),
});

/**
 * LLaMA-Factory's ShareGPT layout: `function_call` turns hold `{"name", "arguments"}` (or a list: parallel calls),
 * `observation` turns the results: one per result, or one holding them all (a JSON array, or joined by
 * `</tool_response><tool_response>` as LLaMA-Factory's converter writes them).
 */
function fromShareGpt(row: z.infer<typeof ShareGptRowZ>, ctx: RowContext): ReadDialogue {
  const ids = new Ids();
  const pending = new PendingCalls(ids, ctx.note);
  const messages: Message[] = row.system !== undefined && row.system !== "" ? [{ role: "system", content: row.system }] : [];
  row.conversations.forEach((t, i) => {
    switch (t.from) {
      case "system":
        messages.push({ role: "system", content: t.value });
        break;
      case "human":
      case "user":
        messages.push({ role: "user", content: t.value });
        break;
      case "gpt":
      case "assistant":
        messages.push({ role: "assistant", content: takeThink(t.value).rest });
        break;
      case "function_call": {
        // text beside the calls, the calls in <tool_call>…</tool_call> (LLaMA-Factory 0.9.4+, toolflow's export)
        const value = takeThink(t.value).rest;
        const tagged = /<tool_call>([\s\S]*?)<\/tool_call>/.exec(value);
        const text = tagged ? (value.slice(0, tagged.index) + value.slice(tagged.index + tagged[0].length)).trim() : "";
        const calls = blockCalls(tagged ? (tagged[1] ?? "") : value, ids);
        pending.set(calls);
        messages.push({ role: "assistant", content: text === "" ? null : text, tool_calls: calls });
        break;
      }
      case "observation":
        messages.push(...pending.answer([t.value]));
        break;
      default:
        throw new RowError(`turn ${i}: unknown role "${t.from}" (expected human, gpt, function_call, observation)`);
    }
  });
  return { messages, tools: toolList(row.tools ?? [], ctx.note), plan: null, stepOf: null };
}

export const sharegptReader: DataFormat<z.infer<typeof ShareGptRowZ>> = {
  name: "sharegpt",
  expected: "a ShareGPT row {conversations: [{from: human|gpt|function_call|observation, value}], system?, tools?}",
  detect: (row) => Array.isArray(row.conversations),
  schema: ShareGptRowZ,
  read: fromShareGpt,
};
