/**
 * Read any tool-calling dataset into one dialogue shape (OpenAI-style messages with tool_calls, the tools, and
 * the plan / stepOf when present), detecting the format from the data: toolflow runs (`dialogues.jsonl`), the
 * five export formats toolflow writes (openai, sharegpt, hermes, llama31, xlam) and the public formats people
 * train on (OpenAI messages + tools, LLaMA-Factory ShareGPT, Hermes function calling, xLAM / APIGen, Glaive).
 *
 * Files are streamed line by line (JSONL); a `.json` file holding one array is read whole. The format is decided
 * by a file's first row; every row is then validated (zod) against that format, and a row that does not fit is an
 * InputError naming the file, the line (or array index) and what was expected.
 */
import { createReadStream, existsSync, readdirSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { basename, join } from "node:path";
import { z } from "zod";
import { DialogueRecordZ, InputError, describeZodError, takeThink } from "../core/index.js";
import type { JsonSchema, Message, ToolCall } from "../core/index.js";
import { jsonTextCalls, jsonValueEnd } from "../llm/index.js";
import { RUN_FILES, SPLIT_NAMES } from "../data/index.js";
import { BfclRowZ, bfclFileContext, fromBfcl, type BfclFileContext, type TextCallParser } from "./read-bfcl.js";
import {
  Ids,
  NOTE_KINDS,
  PendingCalls,
  RowError,
  isObj,
  jsonObjects,
  makeCall,
  noNotes,
  parseLooseJson,
  toText,
  argsString,
  toolList,
  valueText,
  type DatasetTool,
  type NoteFn,
  type NoteKind,
} from "./read-helpers.js";

export type { DatasetTool, NoteKind } from "./read-helpers.js";
export { NOTE_KINDS } from "./read-helpers.js";

export const DATASET_FORMATS = ["toolflow", "openai", "llamafactory", "sharegpt", "hermes", "llama31", "xlam", "glaive", "bfcl"] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/** A plan step as far as stats need it; `kind` is kept as written (kinds are counted generically). */
export interface DatasetPlanStep {
  id: number;
  kind: string;
  tools: string[];
}

/** One dialogue of any format, normalized. */
export interface DatasetDialogue {
  /** The record's id, or `<file>:<line>`. */
  id: string;
  format: DatasetFormat;
  /** OpenAI-style messages (a leading system message when the data has one). */
  messages: Message[];
  tools: DatasetTool[];
  /** The plan (toolflow runs); null when the data has none. */
  plan: { steps: DatasetPlanStep[] } | null;
  /** Parallel to messages (toolflow runs); null when the data has none. */
  stepOf: Array<number | null> | null;
}

// ---------------------------------------------------------------- row schemas (zod)

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
const ToolsFieldZ = z.union([z.string(), z.array(OpenAIToolZ), OpenAIToolZ]);
const OpenAIRowZ = z.object({ messages: z.array(LooseMessageZ).min(1), tools: ToolsFieldZ.optional() });
/** LLaMA-Factory's messages layout: content blocks `{type, value}`, tools as a JSON string. */
const BlockZ = z.object({ type: z.string(), value: z.string() }).passthrough();
const LlamaFactoryRowZ = z.object({
  messages: z
    .array(z.object({ role: z.enum(["system", "user", "assistant", "tool"]), content: z.union([z.string(), z.array(BlockZ)]), loss_weight: z.number().optional() }).passthrough())
    .min(1),
  tools: z.union([z.string(), z.array(z.unknown()), z.record(z.string(), z.unknown())]).optional(),
});
const TurnZ = z.object({ from: z.string(), value: z.string() });
const ShareGptRowZ = z.object({
  conversations: z.array(TurnZ).min(1),
  system: z.string().optional(),
  tools: z.union([z.string(), z.array(z.unknown()), z.record(z.string(), z.unknown())]).optional(),
});
const LlamaRowZ = z.object({ text: z.string().includes("<|start_header_id|>") });
const XlamRowZ = z.object({
  id: z.union([z.string(), z.number()]).optional(),
  query: z.string(),
  tools: z.union([z.string(), z.array(z.unknown())]).optional(),
  answers: z.union([z.string(), z.array(z.unknown())]),
});
const GlaiveRowZ = z.object({ system: z.string(), chat: z.string() });

const EXPECTED: Record<DatasetFormat, string> = {
  toolflow: "a toolflow dialogue record (id, messages, stepOf, verification, ...)",
  openai: "an OpenAI chat row {messages: [{role, content, tool_calls?}], tools?}",
  llamafactory: "a LLaMA-Factory messages row {messages: [{role, content: [{type: text|reasoning|tool_call, value}]}], tools?: JSON string}",
  sharegpt: "a ShareGPT row {conversations: [{from: human|gpt|function_call|observation, value}], system?, tools?}",
  hermes: "a Hermes row {conversations: [{from: system|human|gpt|tool, value}]}",
  llama31: "a Llama 3.1 row {text} with <|start_header_id|> blocks",
  xlam: "an xLAM / APIGen row {query, tools, answers}",
  glaive: "a Glaive row {system, chat}",
  bfcl: "a BFCL question {id, question: [[{role, content}]], function} (or involved_classes)",
};

const WHAT_IS_KNOWN =
  "a toolflow dialogue record, an OpenAI or LLaMA-Factory row {messages, tools}, ShareGPT / Hermes {conversations}, Llama 3.1 {text}, " +
  "xLAM {query, tools, answers}, Glaive {system, chat} or a BFCL question {id, question, function}";

/** Why a row of a known kind is not a dialogue, or undefined. */
export function notADialogue(row: unknown): string | undefined {
  if (!isObj(row)) return undefined;
  if (typeof row.id === "string" && Array.isArray(row.ground_truth)) {
    return "a BFCL possible-answer row, not a question: read the question file (its answers are found in possible_answer/<same name>, or give --answers)";
  }
  if (typeof row.name === "string" && isObj(row.parameters) && !("messages" in row) && !("conversations" in row)) {
    return "a tool definition (function doc), not a dialogue: tool files are read by `toolflow tools import` (and `stats --tools` takes its tools.jsonl)";
  }
  if ("model_output" in row && "valid" in row) return "a checker test vector (model_output, valid), not a dialogue";
  return undefined;
}

/** LLaMA-Factory's messages layout: some message content is a list of {type, value} blocks. */
function hasContentBlocks(messages: unknown[]): boolean {
  return messages.some((m) => isObj(m) && Array.isArray(m.content) && m.content.some((b) => isObj(b) && typeof b.type === "string" && typeof b.value === "string"));
}

/** The format of one row, or undefined when it is none of the known ones. */
export function detectRowFormat(row: unknown): DatasetFormat | undefined {
  if (!isObj(row)) return undefined;
  if (Array.isArray(row.messages) && Array.isArray(row.stepOf) && "verification" in row) return "toolflow";
  if (Array.isArray(row.messages)) return hasContentBlocks(row.messages) ? "llamafactory" : "openai";
  if (Array.isArray(row.conversations)) {
    const froms = new Set(row.conversations.map((t) => (isObj(t) ? t.from : undefined)));
    if (froms.has("function_call") || froms.has("observation")) return "sharegpt";
    if (froms.has("tool")) return "hermes";
    const sys = row.conversations.find((t) => isObj(t) && t.from === "system");
    if (isObj(sys) && typeof sys.value === "string" && sys.value.includes("<tools>")) return "hermes";
    if (row.conversations.some((t) => isObj(t) && typeof t.value === "string" && t.value.includes("<tool_call>"))) return "hermes";
    return "sharegpt";
  }
  if (typeof row.text === "string" && row.text.includes("<|start_header_id|>")) return "llama31";
  if (typeof row.query === "string" && "answers" in row) return "xlam";
  if (typeof row.chat === "string" && typeof row.system === "string") return "glaive";
  if (typeof row.id === "string" && Array.isArray(row.question) && (Array.isArray(row.function) || Array.isArray(row.involved_classes))) return "bfcl";
  return undefined;
}

// ---------------------------------------------------------------- per-format readers

type Normal = Omit<DatasetDialogue, "id" | "format"> & { id?: string };

/** What a reader gets besides its row: where to note what it cannot place, and (BFCL) the file's answers. */
export interface RowContext {
  note: NoteFn;
  bfcl?: BfclFileContext;
}

function fromOpenAI(row: z.infer<typeof OpenAIRowZ>, ctx: RowContext): Normal {
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

/** The value of a tool_call block, `{"name", "arguments"}` as JSON (or a list of them). */
function blockCalls(value: string, ids: Ids): ToolCall[] {
  const v = parseLooseJson(value);
  return (Array.isArray(v) ? v : [v]).map((c) => makeCall(ids, c));
}

/**
 * LLaMA-Factory's messages layout (data/reason_tool_use_demo_50.jsonl; its v1 data converters write it):
 * content is a list of `{type, value}` blocks (`text`, `reasoning`, `tool_call`, media), tools a JSON string.
 * Reasoning blocks are not assistant text (as `<think>` elsewhere); media blocks carry no text.
 */
function fromLlamaFactory(row: z.infer<typeof LlamaFactoryRowZ>, ctx: RowContext): Normal {
  const ids = new Ids();
  const pending = new PendingCalls(ids, ctx.note);
  const messages: Message[] = [];
  row.messages.forEach((m, i) => {
    const blocks = typeof m.content === "string" ? [{ type: "text", value: m.content }] : m.content;
    const texts = blocks.filter((b) => b.type === "text").map((b) => b.value);
    const text = texts.join("");
    if (m.role === "system" || m.role === "user") messages.push({ role: m.role, content: text });
    else if (m.role === "assistant") {
      const calls = blocks.filter((b) => b.type === "tool_call").flatMap((b) => {
        try {
          return blockCalls(b.value, ids);
        } catch (err) {
          throw new RowError(`message ${i}: a tool_call block that is not {"name", "arguments"}: ${(err as Error).message}`);
        }
      });
      if (calls.length > 0) {
        pending.set(calls);
        messages.push({ role: "assistant", content: text.trim() === "" ? null : text, tool_calls: calls });
      } else messages.push({ role: "assistant", content: text });
    } else messages.push(...pending.answer(texts.length > 0 ? texts : [""]));
  });
  return { messages, tools: toolList(row.tools ?? [], ctx.note), plan: null, stepOf: null };
}

/**
 * LLaMA-Factory's ShareGPT layout: `function_call` turns hold `{"name", "arguments"}` (or a list: parallel calls),
 * `observation` turns the results: one per result, or one holding them all (a JSON array, or joined by
 * `</tool_response><tool_response>` as LLaMA-Factory's converter writes them).
 */
function fromShareGpt(row: z.infer<typeof ShareGptRowZ>, ctx: RowContext): Normal {
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

const TAG = (tag: string): RegExp => new RegExp(`<${tag}>\\s*([\\s\\S]*?)\\s*</${tag}>`, "g");
const HERMES_INSTRUCTIONS_END = "</tool_call>";

function fromHermes(row: z.infer<typeof ShareGptRowZ>, ctx: RowContext): Normal {
  const ids = new Ids();
  const pending = new PendingCalls(ids, ctx.note);
  const messages: Message[] = [];
  let tools: DatasetTool[] = [];
  row.conversations.forEach((t, i) => {
    const value = t.value;
    if (t.from === "system") {
      // the first <tools> block that holds something (the preamble may mention "<tools> </tools>" first)
      const m = [...value.matchAll(/<tools>([\s\S]*?)<\/tools>/g)].find((x) => /^\s*[[{]/.test(x[1] ?? ""));
      if (m) {
        const inner = (m[1] ?? "").trim();
        let list: unknown;
        try {
          list = parseLooseJson(inner);
        } catch {
          const found = jsonObjects(inner);
          if (found.unread > 0) ctx.note("unnamed-tool", `${found.unread} tool block(s) in <tools> that are not JSON`, found.unread);
          list = found.objects;
        }
        tools = toolList(Array.isArray(list) ? list : [list], ctx.note);
        // Hermes 2 Pro's template writes descriptions unescaped (not JSON): take the tool names at least
        if (tools.length === 0) tools = toolList([...inner.matchAll(/"function": \{"name": "([^"]+)"/g)].map((x) => ({ name: x[1] })), ctx.note);
        // the dialogue's own system prompt follows the standard instructions (toolflow writes it there)
        const at = value.lastIndexOf(HERMES_INSTRUCTIONS_END);
        const own = at >= 0 ? value.slice(at + HERMES_INSTRUCTIONS_END.length).trim() : "";
        if (own !== "") messages.push({ role: "system", content: own });
      } else messages.push({ role: "system", content: value });
    } else if (t.from === "human" || t.from === "user") messages.push({ role: "user", content: value });
    else if (t.from === "gpt" || t.from === "assistant") {
      const said = takeThink(value).rest;
      const tags = [...said.matchAll(TAG("tool_call"))];
      if (tags.length === 0) {
        messages.push({ role: "assistant", content: said });
        return;
      }
      const calls = tags.map((c) => makeCall(ids, parseLooseJson(c[1] ?? "")));
      pending.set(calls);
      // the text the assistant wrote beside its calls, before, between or after the tags
      const text = said.replace(TAG("tool_call"), "\n").replace(/\n{2,}/g, "\n").trim();
      messages.push({ role: "assistant", content: text === "" ? null : text, tool_calls: calls });
    } else if (t.from === "tool") {
      const contents = [...value.matchAll(TAG("tool_response"))].map((m) => {
        let v: unknown;
        try {
          v = parseLooseJson(m[1] ?? "");
        } catch {
          return m[1] ?? "";
        }
        return valueText(isObj(v) && "content" in v ? v.content : v);
      });
      // all results in one tool turn, or one turn per result (Hermes 2 Pro's template)
      messages.push(...pending.answer(contents.length > 0 ? contents : [value]));
    } else throw new RowError(`turn ${i}: unknown role "${t.from}" (expected system, human, gpt, tool)`);
  });
  return { messages, tools, plan: null, stepOf: null };
}

/** A header block up to its end token, or (the last one, as a prompt ends) up to the next header or the end. */
const BLOCK_RE = /<\|start_header_id\|>([a-z_]+)<\|end_header_id\|>\n\n([\s\S]*?)(?:<\|(?:eot_id|eom_id)\|>|(?=<\|start_header_id\|>)|$)/g;
const LLAMA_TOOLS_INTRO = "You have access to the following functions.";
/** Meta's default template puts the tools in the first user message after this instruction (two paragraphs). */
const LLAMA_USER_TOOLS_INTRO = "Given the following functions, please respond with a JSON for a function call";

/** The JSON objects at the start of `text`, each followed by a blank line, and the text after them. */
function llamaToolBlocks(text: string): { found: unknown[]; rest: string } {
  const found: unknown[] = [];
  let rest = text;
  while (rest.startsWith("{")) {
    const end = jsonValueEnd(rest, 0);
    if (end < 0) break;
    found.push(JSON.parse(rest.slice(0, end)));
    rest = rest.slice(end).replace(/^\n\n/, "");
  }
  return { found, rest };
}

/** A tool result as Meta's template writes a string (a JSON string literal) is that string. */
function llamaResult(content: string): string {
  if (!content.startsWith('"')) return content;
  try {
    const v: unknown = JSON.parse(content);
    return typeof v === "string" ? v : content;
  } catch {
    return content;
  }
}

function llamaCalls(text: string, ids: Ids): ToolCall[] | undefined {
  return jsonTextCalls(text)?.map((c) => ({ id: ids.next(), type: "function" as const, function: c }));
}

function fromLlama(row: z.infer<typeof LlamaRowZ>, ctx: RowContext): Normal {
  const ids = new Ids();
  const pending = new PendingCalls(ids, ctx.note);
  const messages: Message[] = [];
  let tools: DatasetTool[] = [];
  for (const m of row.text.matchAll(BLOCK_RE)) {
    const role = m[1];
    const content = m[2] ?? "";
    if (role === "system") {
      let rest = content
        .replace(/^Environment: ipython\n/, "")
        .replace(/^Cutting Knowledge Date:[^\n]*\n/, "")
        .replace(/^Today Date:[^\n]*\n\n?/, "");
      if (rest.startsWith(LLAMA_TOOLS_INTRO)) {
        const para = rest.indexOf("\n\n");
        const blocks = llamaToolBlocks(para >= 0 ? rest.slice(para + 2) : "");
        rest = blocks.rest;
        tools = toolList(blocks.found, ctx.note);
      }
      if (rest.trim() !== "") messages.push({ role: "system", content: rest.trim() });
    } else if (role === "user") {
      if (!messages.some((x) => x.role === "user") && content.startsWith(LLAMA_USER_TOOLS_INTRO)) {
        // the instruction is two paragraphs; the tools follow, then the user's own text
        const second = content.indexOf("\n\n", content.indexOf("\n\n") + 2);
        const blocks = llamaToolBlocks(second >= 0 ? content.slice(second + 2) : "");
        tools = toolList(blocks.found, ctx.note);
        messages.push({ role: "user", content: blocks.rest });
      } else messages.push({ role: "user", content });
    } else if (role === "assistant") {
      const body = content.startsWith("<|python_tag|>") ? content.slice("<|python_tag|>".length) : content;
      const calls = llamaCalls(body, ids);
      if (calls) {
        pending.set(calls);
        messages.push({ role: "assistant", content: null, tool_calls: calls });
      } else messages.push({ role: "assistant", content });
    } else if (role === "ipython" || role === "tool") {
      messages.push(...pending.answer([llamaResult(content)]));
    } else throw new RowError(`unknown role "${role}" (expected system, user, assistant, ipython)`);
  }
  if (messages.length === 0) throw new RowError("no <|start_header_id|>role<|end_header_id|> blocks");
  return { messages, tools, plan: null, stepOf: null };
}

function fromXlam(row: z.infer<typeof XlamRowZ>, ctx: RowContext): Normal {
  const ids = new Ids();
  const answers = typeof row.answers === "string" ? parseLooseJson(row.answers) : row.answers;
  if (!Array.isArray(answers)) throw new RowError("answers is not a list of {name, arguments}");
  const calls = answers.map((c) => makeCall(ids, c));
  const messages: Message[] = [{ role: "user", content: row.query }];
  if (calls.length > 0) messages.push({ role: "assistant", content: null, tool_calls: calls });
  return { ...(row.id !== undefined ? { id: String(row.id) } : {}), messages, tools: toolList(row.tools ?? [], ctx.note), plan: null, stepOf: null };
}

const GLAIVE_TURN_RE = /(USER|ASSISTANT|FUNCTION RESPONSE):\s*/g;

/** A Glaive `<functioncall>` payload: JSON whose `arguments` is often a single-quoted JSON string. */
function glaiveCall(text: string, ids: Ids): ToolCall {
  const start = text.indexOf("{");
  if (start < 0) throw new RowError("<functioncall> without a JSON object");
  const body = text.slice(start).replace(/<\|endoftext\|>/g, "").trim();
  try {
    const v = JSON.parse(body) as unknown;
    return makeCall(ids, v);
  } catch {
    const name = /"name"\s*:\s*"([^"]+)"/.exec(body)?.[1];
    if (!name) throw new RowError(`<functioncall> without a name: ${body.slice(0, 80)}`);
    const a = /"arguments"\s*:\s*'([\s\S]*)'\s*\}\s*$/.exec(body)?.[1] ?? "{}";
    return { id: ids.next(), type: "function", function: { name, arguments: a } };
  }
}

function fromGlaive(row: z.infer<typeof GlaiveRowZ>, ctx: RowContext): Normal {
  const ids = new Ids();
  const pending = new PendingCalls(ids, ctx.note);
  const messages: Message[] = [];
  const sys = row.system.replace(/^SYSTEM:\s*/, "");
  const found = jsonObjects(sys);
  if (found.unread > 0) ctx.note("unnamed-tool", `${found.unread} {...} block(s) in the system text that are not JSON`, found.unread);
  const tools = toolList(found.objects, ctx.note);
  const ownSystem = sys.split("{")[0]?.trim() ?? "";
  if (ownSystem !== "") messages.push({ role: "system", content: ownSystem });
  const parts: Array<{ who: string; text: string }> = [];
  const marks = [...row.chat.matchAll(GLAIVE_TURN_RE)];
  if (marks.length === 0) throw new RowError("chat has no USER: / ASSISTANT: turns");
  marks.forEach((m, k) => {
    const from = (m.index ?? 0) + m[0].length;
    const to = marks[k + 1]?.index ?? row.chat.length;
    parts.push({ who: m[1] as string, text: row.chat.slice(from, to).replace(/<\|endoftext\|>/g, "").trim() });
  });
  for (const p of parts) {
    if (p.who === "USER") messages.push({ role: "user", content: p.text });
    else if (p.who === "ASSISTANT") {
      const at = p.text.indexOf("<functioncall>");
      if (at >= 0) {
        const calls = [glaiveCall(p.text.slice(at + "<functioncall>".length), ids)];
        pending.set(calls);
        const text = p.text.slice(0, at).trim();
        messages.push({ role: "assistant", content: text === "" ? null : text, tool_calls: calls });
      } else messages.push({ role: "assistant", content: p.text });
    } else messages.push(...pending.answer([p.text]));
  }
  return { messages, tools, plan: null, stepOf: null };
}

function fromBfclRow(row: z.infer<typeof BfclRowZ>, ctx: RowContext): Normal {
  return { ...fromBfcl(row, ctx.bfcl, ctx.note), plan: null, stepOf: null };
}

function fromToolflow(row: z.infer<typeof DialogueRecordZ>): Normal {
  return {
    id: row.id,
    messages: row.messages,
    tools: row.tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters as JsonSchema })),
    plan: row.plan ? { steps: row.plan.steps.map((s) => ({ id: s.id, kind: s.kind, tools: s.tools })) } : null,
    stepOf: row.stepOf,
  };
}

/** A toolflow record already validated against DialogueRecordZ, as readRow("toolflow", ...) reads it. */
export function toolflowDialogue(record: z.infer<typeof DialogueRecordZ>): DatasetDialogue {
  return { ...fromToolflow(record), id: record.id, format: "toolflow" };
}

interface Reader {
  schema: z.ZodTypeAny;
  read: (row: never, ctx: RowContext) => Normal;
}

const reader = <T>(schema: z.ZodType<T>, read: (row: T, ctx: RowContext) => Normal): Reader => ({
  schema,
  read: read as (row: never, ctx: RowContext) => Normal,
});

const READERS: Record<DatasetFormat, Reader> = {
  toolflow: reader(DialogueRecordZ, fromToolflow),
  openai: reader(OpenAIRowZ, fromOpenAI),
  llamafactory: reader(LlamaFactoryRowZ, fromLlamaFactory),
  sharegpt: reader(ShareGptRowZ, fromShareGpt),
  hermes: reader(ShareGptRowZ, fromHermes),
  llama31: reader(LlamaRowZ, fromLlama),
  xlam: reader(XlamRowZ, fromXlam),
  glaive: reader(GlaiveRowZ, fromGlaive),
  bfcl: reader(BfclRowZ, fromBfclRow),
};

/**
 * Normalize one row of a known format; `where` names it in errors. `ctx.note` hears what the reader could not
 * place (see NOTE_KINDS); a BFCL row gets its answer from `ctx.bfcl` (without one it is read as a question only).
 */
export function readRow(
  format: DatasetFormat,
  row: unknown,
  where: { file: string; line: number },
  ctx: Partial<RowContext> = {},
): DatasetDialogue {
  const r = READERS[format];
  const parsed = r.schema.safeParse(row);
  if (!parsed.success) {
    const p = describeZodError(parsed.error, `${format} row`);
    throw new InputError(`${p.message} (expected ${EXPECTED[format]}, as the file's first row)`, {
      file: where.file,
      line: where.line,
      pointer: p.pointer || undefined,
      code: "DATASET_FORMAT",
    });
  }
  try {
    const n = r.read(parsed.data as never, { note: ctx.note ?? noNotes, ...(ctx.bfcl ? { bfcl: ctx.bfcl } : {}) });
    return { ...n, id: n.id ?? `${where.file}:${where.line}`, format };
  } catch (err) {
    if (!(err instanceof RowError)) throw err;
    throw new InputError(`not a valid ${format} row: ${err.message} (expected ${EXPECTED[format]})`, {
      file: where.file,
      line: where.line,
      code: "DATASET_FORMAT",
      cause: err,
    });
  }
}

// ---------------------------------------------------------------- files and folders

const EXPORT_PREFERENCE = ["openai", "hermes", "sharegpt", "llama31", "xlam"] as const;
/** The split files of an exported dataset (or of one format folder of it), in split order. */
export const SPLIT_FILES: readonly string[] = SPLIT_NAMES.map((s) => `${s}.jsonl`);

/**
 * The split files of an exported dataset: those in `dir` itself, else those of its first format folder (in the
 * order of `formats`) that has any; undefined when there are none.
 */
export function exportSplitFiles(dir: string, formats: readonly string[]): string[] | undefined {
  const here = SPLIT_FILES.map((f) => join(dir, f)).filter((f) => existsSync(f));
  if (here.length > 0) return here;
  for (const fmt of formats) {
    const sub = join(dir, fmt);
    if (existsSync(sub) && statSync(sub).isDirectory()) {
      const files = SPLIT_FILES.map((f) => join(sub, f)).filter((f) => existsSync(f));
      if (files.length > 0) return files;
    }
  }
  return undefined;
}

/**
 * The data files of a path: a file is itself; a run folder its dialogues.jsonl; a format folder of an export its
 * split files; an export folder the split files of its most complete format (openai, then hermes, sharegpt,
 * llama31, xlam); any other folder its .jsonl / .json files.
 */
export function datasetFiles(path: string): string[] {
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    throw new InputError("no such file or folder", { file: path, cause: err });
  }
  if (st.isFile()) return [path];
  if (existsSync(join(path, RUN_FILES.dialogues))) return [join(path, RUN_FILES.dialogues)];
  const splits = exportSplitFiles(path, EXPORT_PREFERENCE);
  if (splits) return splits;
  const files = readdirSync(path)
    .filter((f) => f.endsWith(".jsonl") || f.endsWith(".json"))
    .sort()
    .map((f) => join(path, f));
  if (files.length === 0) throw new InputError("no dialogues.jsonl, export format folder or .jsonl/.json file here", { file: path });
  return files;
}

type BadLine = (line: number, message: string) => void;

function* jsonLinesOf(text: string, file: string, onBadLine?: BadLine): Generator<{ row: unknown; line: number }> {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const t = (lines[i] as string).trim();
    if (t === "") continue;
    let row: unknown;
    try {
      row = JSON.parse(t);
    } catch (err) {
      const message = `invalid JSON on this line: ${(err as Error).message} (expected one JSON object a line)`;
      if (onBadLine) {
        onBadLine(i + 1, message);
        continue;
      }
      throw new InputError(message, { file, line: i + 1, cause: err });
    }
    yield { row, line: i + 1 };
  }
}

/**
 * The rows of a file. `.jsonl` is streamed line by line. `.json` is read whole: one array (its items; the "line"
 * is the 1-based position), one object, or — as BFCL publishes its `.json` files — one JSON object a line.
 */
async function* rowsOf(file: string, onBadLine?: BadLine): AsyncGenerator<{ row: unknown; line: number }> {
  if (file.endsWith(".json")) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      throw new InputError("cannot read file", { file, cause: err });
    }
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (err) {
      // one JSON value a line (BFCL's .json files): read as JSONL when the first line is a JSON value of its own
      const first = text.trimStart().split("\n", 1)[0] ?? "";
      let firstOk = false;
      try {
        JSON.parse(first);
        firstOk = true;
      } catch {
        firstOk = false;
      }
      if (!firstOk) throw new InputError(`invalid JSON: ${(err as Error).message}`, { file, cause: err });
      yield* jsonLinesOf(text, file, onBadLine);
      return;
    }
    const list = Array.isArray(v) ? v : [v];
    // a JSON array has no lines: the "line" is the row's 1-based position
    for (let i = 0; i < list.length; i++) yield { row: list[i], line: i + 1 };
    return;
  }
  const rl = createInterface({ input: createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const raw of rl) {
      line++;
      const text = raw.trim();
      if (text === "") continue;
      let row: unknown;
      try {
        row = JSON.parse(text);
      } catch (err) {
        const message = `invalid JSON on this line: ${(err as Error).message} (expected one JSON object a line)`;
        if (onBadLine) {
          onBadLine(line, message);
          continue;
        }
        throw new InputError(message, { file, line, cause: err });
      }
      yield { row, line };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new InputError("file not found", { file, cause: err });
    throw err;
  } finally {
    rl.close();
  }
}

/** One file read: its format (null when it was skipped), rows read, and the BFCL answer file used. */
export interface ReadFileSummary {
  file: string;
  format: DatasetFormat | null;
  rows: number;
  /** BFCL: the possible-answer file read (null: none). */
  answers?: string | null;
  /** Why the file was skipped (a folder's file that is not a dialogue dataset). */
  skipped?: string;
}

/** One kind of note: how often, and the first place (`file line N: detail`). */
export interface ReadNoteSummary {
  kind: NoteKind;
  what: string;
  count: number;
  first: string;
}

/** What reading a dataset met: the files, rows skipped, and every note kind with its count. */
export interface ReadSummary {
  files: ReadFileSummary[];
  rowsSkipped: number;
  notes: ReadNoteSummary[];
}

/** Collects what readDataset met (pass it as `log`); `summary()` gives the ReadSummary. */
export class ReadLog {
  private readonly files: ReadFileSummary[] = [];
  private readonly notes = new Map<NoteKind, ReadNoteSummary>();

  file(entry: ReadFileSummary): void {
    this.files.push(entry);
  }

  row(): void {
    const f = this.files[this.files.length - 1];
    if (f) f.rows++;
  }

  note(kind: NoteKind, where: string, detail: string, count = 1): void {
    const n = this.notes.get(kind);
    if (n) n.count += count;
    else this.notes.set(kind, { kind, what: NOTE_KINDS[kind], count, first: detail ? `${where}: ${detail}` : where });
  }

  summary(): ReadSummary {
    return {
      files: this.files.map((f) => ({ ...f })),
      rowsSkipped: this.notes.get("skipped-row")?.count ?? 0,
      notes: [...this.notes.values()].map((n) => ({ ...n })),
    };
  }
}

export interface ReadDatasetOptions {
  /** Force a format instead of detecting it from each file's first row. */
  format?: DatasetFormat;
  /** Called once per file with the format read. */
  onFile?: (file: string, format: DatasetFormat) => void;
  /** Collects the files read, rows skipped and notes (what could not be placed as it is). */
  log?: ReadLog;
  /** Skip (and count) rows that do not fit their file's format instead of stopping at the first. */
  skipInvalid?: boolean;
  /**
   * BFCL possible answers: a file, or a folder holding answer files named as the question files; false to read
   * the questions alone. Default: `possible_answer/<same name>` beside each question file, when it exists.
   */
  answers?: string | false;
  /** Reads BFCL's multi-turn answer calls (Python syntax); without it they are counted by name with arguments {}. */
  parseCalls?: TextCallParser;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Stream the dialogues of a dataset (a file or folder, see datasetFiles), normalized. */
export async function* readDataset(path: string, options: ReadDatasetOptions = {}): AsyncGenerator<DatasetDialogue> {
  const files = datasetFiles(path);
  // a folder's own .json / .jsonl files (not a run or an export): files that are no dataset are skipped and noted
  const listed = isDir(path) && !existsSync(join(path, RUN_FILES.dialogues)) && exportSplitFiles(path, EXPORT_PREFERENCE) === undefined;
  const log = options.log;
  let readAny = false;
  const skipped: string[] = [];
  for (const file of files) {
    let format = options.format;
    let announced = false;
    let bfcl: BfclFileContext | undefined;
    let where = file;
    const note: NoteFn = (kind, detail, count = 1) => log?.note(kind, where, detail, count);
    const badRow = (line: number, message: string): void => {
      log?.note("skipped-row", `${file} line ${line}`, message);
    };
    for await (const { row, line } of rowsOf(file, options.skipInvalid ? badRow : undefined)) {
      where = `${file} line ${line}`;
      if (!format) {
        format = detectRowFormat(row);
        if (!format) {
          const why = notADialogue(row);
          if (listed) {
            // not a dataset: say so and go on with the folder's other files
            log?.file({ file, format: null, rows: 0, skipped: why ?? "unknown row format" });
            log?.note("skipped-file", file, why ?? "unknown row format");
            skipped.push(`${basename(file)} (${why ?? "unknown row format"})`);
            break;
          }
          throw new InputError(why ?? `unknown dataset format (expected ${WHAT_IS_KNOWN})`, { file, line, code: "DATASET_FORMAT" });
        }
      }
      if (!announced) {
        if (format === "bfcl") bfcl = bfclFileContext(file, { answers: options.answers, parseCalls: options.parseCalls });
        options.onFile?.(file, format);
        log?.file({ file, format, rows: 0, ...(format === "bfcl" ? { answers: bfcl?.answerFile ?? null } : {}) });
        announced = true;
      }
      let d: DatasetDialogue;
      try {
        d = readRow(format, row, { file, line }, { note, ...(bfcl ? { bfcl } : {}) });
      } catch (err) {
        if (!(options.skipInvalid && err instanceof InputError)) throw err;
        const at = `${file} line ${line}`;
        badRow(line, err.message.startsWith(at) ? err.message.slice(at.length).replace(/^:\s*/, "").trim() : err.message);
        continue;
      }
      readAny = true;
      log?.row();
      yield d;
    }
    if (bfcl?.answers) {
      const unused = [...bfcl.answers.keys()].filter((id) => !bfcl?.used.has(id));
      if (unused.length > 0) log?.note("unused-answer", bfcl.answerFile ?? file, unused.slice(0, 3).join(", "), unused.length);
    }
  }
  if (listed && !readAny && skipped.length === files.length) {
    throw new InputError(`no dialogue dataset here: ${skipped.join("; ")}`, { file: path, code: "DATASET_FORMAT" });
  }
}

/** Every dialogue of a dataset, in memory. */
export async function readDatasetAll(path: string, options: ReadDatasetOptions = {}): Promise<DatasetDialogue[]> {
  const out: DatasetDialogue[] = [];
  for await (const d of readDataset(path, options)) out.push(d);
  return out;
}
