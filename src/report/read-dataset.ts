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
import { join } from "node:path";
import { z } from "zod";
import { DialogueRecordZ, InputError, describeZodError, takeThink } from "../core/index.js";
import type { JsonSchema, Message, ToolCall } from "../core/index.js";
import { jsonTextCalls, jsonValueEnd } from "../llm/index.js";
import { SPLIT_NAMES } from "./card.js";

export const DATASET_FORMATS = ["toolflow", "openai", "sharegpt", "hermes", "llama31", "xlam", "glaive"] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/** A tool as the dialogue offers it (OpenAI function fields). */
export interface DatasetTool {
  name: string;
  description: string;
  parameters: JsonSchema;
}

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
const OpenAIRowZ = z.object({ messages: z.array(LooseMessageZ).min(1), tools: z.array(OpenAIToolZ).optional() });
const TurnZ = z.object({ from: z.string(), value: z.string() });
const ShareGptRowZ = z.object({
  conversations: z.array(TurnZ).min(1),
  system: z.string().optional(),
  tools: z.union([z.string(), z.array(z.unknown())]).optional(),
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
  sharegpt: "a ShareGPT row {conversations: [{from: human|gpt|function_call|observation, value}], system?, tools?}",
  hermes: "a Hermes row {conversations: [{from: system|human|gpt|tool, value}]}",
  llama31: "a Llama 3.1 row {text} with <|start_header_id|> blocks",
  xlam: "an xLAM / APIGen row {query, tools, answers}",
  glaive: "a Glaive row {system, chat}",
};

const WHAT_IS_KNOWN =
  "a toolflow dialogue record, an OpenAI row {messages, tools}, ShareGPT / Hermes {conversations}, Llama 3.1 {text}, " +
  "xLAM {query, tools, answers} or Glaive {system, chat}";

function isObj(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === "object" && !Array.isArray(x);
}

/** The format of one row, or undefined when it is none of the known ones. */
export function detectRowFormat(row: unknown): DatasetFormat | undefined {
  if (!isObj(row)) return undefined;
  if (Array.isArray(row.messages) && Array.isArray(row.stepOf) && "verification" in row) return "toolflow";
  if (Array.isArray(row.messages)) return "openai";
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
  return undefined;
}

// ---------------------------------------------------------------- helpers

class RowError extends Error {}

class Ids {
  private n = 0;
  next(): string {
    return `call_${++this.n}`;
  }
}

function toText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((p) => (isObj(p) && typeof p.text === "string" ? p.text : typeof p === "string" ? p : "")).join("");
  }
  return content === null || content === undefined ? "" : JSON.stringify(content);
}

function argsString(a: unknown): string {
  if (typeof a === "string") return a;
  return JSON.stringify(a ?? {});
}

/** JSON, or a Python-literal dict/list (single quotes, True/False/None) as found in public dumps. */
function parseLooseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const py = text
      .replace(/'/g, '"')
      .replace(/\bTrue\b/g, "true")
      .replace(/\bFalse\b/g, "false")
      .replace(/\bNone\b/g, "null");
    try {
      return JSON.parse(py);
    } catch {
      throw new RowError(`not JSON: ${text.slice(0, 80)}`);
    }
  }
}

/** Every top-level JSON object in a text (tools listed one after another). */
function jsonObjects(text: string): unknown[] {
  const out: unknown[] = [];
  let i = text.indexOf("{");
  while (i >= 0) {
    const end = jsonValueEnd(text, i);
    if (end < 0) break;
    try {
      out.push(JSON.parse(text.slice(i, end)));
    } catch {
      // not a JSON object: skip it
    }
    i = text.indexOf("{", end);
  }
  return out;
}

function toTool(t: unknown): DatasetTool | undefined {
  const f = isObj(t) && isObj(t.function) ? t.function : t;
  if (!isObj(f) || typeof f.name !== "string") return undefined;
  return {
    name: f.name,
    description: typeof f.description === "string" ? f.description : "",
    parameters: (isObj(f.parameters) ? f.parameters : {}) as JsonSchema,
  };
}

function toolList(v: unknown): DatasetTool[] {
  let list = v;
  if (typeof v === "string") list = v.trim() === "" ? [] : parseLooseJson(v);
  if (isObj(list)) list = [list];
  if (!Array.isArray(list)) return [];
  return list.map(toTool).filter((t): t is DatasetTool => t !== undefined);
}

function makeCall(ids: Ids, c: unknown): ToolCall {
  if (!isObj(c) || typeof c.name !== "string") throw new RowError("a call without a name");
  return { id: ids.next(), type: "function", function: { name: c.name, arguments: argsString(c.arguments ?? c.parameters) } };
}

/** Tool messages answering `calls` in order; extra results are dropped, missing ones left out. */
function answer(calls: ToolCall[], contents: string[]): Message[] {
  return calls.slice(0, contents.length).map((c, i) => ({ role: "tool", tool_call_id: c.id, name: c.function.name, content: contents[i] as string }));
}

function valueText(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

// ---------------------------------------------------------------- per-format readers

type Normal = Omit<DatasetDialogue, "id" | "format"> & { id?: string };

function fromOpenAI(row: z.infer<typeof OpenAIRowZ>): Normal {
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
      pending = calls;
      messages.push(calls.length > 0 ? { role: "assistant", content: content === "" ? null : content, tool_calls: calls } : { role: "assistant", content });
    } else {
      const id = m.tool_call_id ?? pending.find((c) => c.function.name === m.name)?.id ?? pending[0]?.id ?? ids.next();
      messages.push({ role: "tool", tool_call_id: id, ...(m.name ? { name: m.name } : {}), content });
    }
  }
  return { messages, tools: toolList(row.tools ?? []), plan: null, stepOf: null };
}

function fromShareGpt(row: z.infer<typeof ShareGptRowZ>): Normal {
  const ids = new Ids();
  const messages: Message[] = row.system !== undefined && row.system !== "" ? [{ role: "system", content: row.system }] : [];
  let pending: ToolCall[] = [];
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
        const v = parseLooseJson(tagged ? (tagged[1] ?? "") : value);
        pending = (Array.isArray(v) ? v : [v]).map((c) => makeCall(ids, c));
        messages.push({ role: "assistant", content: text === "" ? null : text, tool_calls: pending });
        break;
      }
      case "observation": {
        let contents = [t.value];
        const joined = t.value.split("\n</tool_response>\n<tool_response>\n");
        if (pending.length > 1 && joined.length === pending.length) contents = joined;
        else if (pending.length > 1) {
          let v: unknown;
          try {
            v = JSON.parse(t.value);
          } catch {
            v = undefined;
          }
          contents = Array.isArray(v) ? v.map(valueText) : [t.value];
        }
        messages.push(...answer(pending, contents));
        pending = [];
        break;
      }
      default:
        throw new RowError(`turn ${i}: unknown role "${t.from}" (expected human, gpt, function_call, observation)`);
    }
  });
  return { messages, tools: toolList(row.tools ?? []), plan: null, stepOf: null };
}

const TAG = (tag: string): RegExp => new RegExp(`<${tag}>\\s*([\\s\\S]*?)\\s*</${tag}>`, "g");
const HERMES_INSTRUCTIONS_END = "</tool_call>";

function fromHermes(row: z.infer<typeof ShareGptRowZ>): Normal {
  const ids = new Ids();
  const messages: Message[] = [];
  let tools: DatasetTool[] = [];
  let pending: ToolCall[] = [];
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
          list = jsonObjects(inner);
        }
        tools = toolList(Array.isArray(list) ? list : [list]);
        // Hermes 2 Pro's template writes descriptions unescaped (not JSON): take the tool names at least
        if (tools.length === 0) tools = toolList([...inner.matchAll(/"function": \{"name": "([^"]+)"/g)].map((x) => ({ name: x[1] })));
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
      pending = tags.map((c) => makeCall(ids, parseLooseJson(c[1] ?? "")));
      const text = said.slice(0, said.indexOf("<tool_call>")).trim();
      messages.push({ role: "assistant", content: text === "" ? null : text, tool_calls: pending });
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
      const answered = answer(pending, contents.length > 0 ? contents : [value]);
      messages.push(...answered);
      pending = pending.slice(answered.length);
    } else throw new RowError(`turn ${i}: unknown role "${t.from}" (expected system, human, gpt, tool)`);
  });
  return { messages, tools, plan: null, stepOf: null };
}

const BLOCK_RE = /<\|start_header_id\|>([a-z_]+)<\|end_header_id\|>\n\n([\s\S]*?)<\|(?:eot_id|eom_id)\|>/g;
const LLAMA_TOOLS_INTRO = "You have access to the following functions.";

function llamaCalls(text: string, ids: Ids): ToolCall[] | undefined {
  return jsonTextCalls(text)?.map((c) => ({ id: ids.next(), type: "function" as const, function: c }));
}

function fromLlama(row: z.infer<typeof LlamaRowZ>): Normal {
  const ids = new Ids();
  const messages: Message[] = [];
  let tools: DatasetTool[] = [];
  let pending: ToolCall[] = [];
  for (const m of row.text.matchAll(BLOCK_RE)) {
    const role = m[1];
    const content = m[2] ?? "";
    if (role === "system") {
      let rest = content.replace(/^Cutting Knowledge Date:[^\n]*\n/, "").replace(/^Today Date:[^\n]*\n\n?/, "");
      if (rest.startsWith(LLAMA_TOOLS_INTRO)) {
        const para = rest.indexOf("\n\n");
        rest = para >= 0 ? rest.slice(para + 2) : "";
        const found: unknown[] = [];
        while (rest.startsWith("{")) {
          const end = jsonValueEnd(rest, 0);
          if (end < 0) break;
          found.push(JSON.parse(rest.slice(0, end)));
          rest = rest.slice(end).replace(/^\n\n/, "");
        }
        tools = toolList(found);
      }
      if (rest.trim() !== "") messages.push({ role: "system", content: rest.trim() });
    } else if (role === "user") messages.push({ role: "user", content });
    else if (role === "assistant") {
      const calls = llamaCalls(content, ids);
      if (calls) {
        pending = [...calls];
        messages.push({ role: "assistant", content: null, tool_calls: calls });
      } else messages.push({ role: "assistant", content });
    } else if (role === "ipython" || role === "tool") {
      const call = pending.shift();
      if (!call) throw new RowError("an ipython turn without a pending call");
      messages.push({ role: "tool", tool_call_id: call.id, name: call.function.name, content });
    } else throw new RowError(`unknown role "${role}" (expected system, user, assistant, ipython)`);
  }
  if (messages.length === 0) throw new RowError("no <|start_header_id|>role<|end_header_id|> blocks");
  return { messages, tools, plan: null, stepOf: null };
}

function fromXlam(row: z.infer<typeof XlamRowZ>): Normal {
  const ids = new Ids();
  const answers = typeof row.answers === "string" ? parseLooseJson(row.answers) : row.answers;
  if (!Array.isArray(answers)) throw new RowError("answers is not a list of {name, arguments}");
  const calls = answers.map((c) => makeCall(ids, c));
  const messages: Message[] = [{ role: "user", content: row.query }];
  if (calls.length > 0) messages.push({ role: "assistant", content: null, tool_calls: calls });
  return { ...(row.id !== undefined ? { id: String(row.id) } : {}), messages, tools: toolList(row.tools ?? []), plan: null, stepOf: null };
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

function fromGlaive(row: z.infer<typeof GlaiveRowZ>): Normal {
  const ids = new Ids();
  const messages: Message[] = [];
  const sys = row.system.replace(/^SYSTEM:\s*/, "");
  const tools = toolList(jsonObjects(sys));
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
  let pending: ToolCall[] = [];
  for (const p of parts) {
    if (p.who === "USER") messages.push({ role: "user", content: p.text });
    else if (p.who === "ASSISTANT") {
      const at = p.text.indexOf("<functioncall>");
      if (at >= 0) {
        pending = [glaiveCall(p.text.slice(at + "<functioncall>".length), ids)];
        const text = p.text.slice(0, at).trim();
        messages.push({ role: "assistant", content: text === "" ? null : text, tool_calls: pending });
      } else messages.push({ role: "assistant", content: p.text });
    } else {
      messages.push(...answer(pending, [p.text]));
      pending = [];
    }
  }
  return { messages, tools, plan: null, stepOf: null };
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
  read: (row: never) => Normal;
}

const READERS: Record<DatasetFormat, Reader> = {
  toolflow: { schema: DialogueRecordZ, read: fromToolflow as (row: never) => Normal },
  openai: { schema: OpenAIRowZ, read: fromOpenAI as (row: never) => Normal },
  sharegpt: { schema: ShareGptRowZ, read: fromShareGpt as (row: never) => Normal },
  hermes: { schema: ShareGptRowZ, read: fromHermes as (row: never) => Normal },
  llama31: { schema: LlamaRowZ, read: fromLlama as (row: never) => Normal },
  xlam: { schema: XlamRowZ, read: fromXlam as (row: never) => Normal },
  glaive: { schema: GlaiveRowZ, read: fromGlaive as (row: never) => Normal },
};

/** Normalize one row of a known format; `where` names it in errors. */
export function readRow(format: DatasetFormat, row: unknown, where: { file: string; line: number }): DatasetDialogue {
  const reader = READERS[format];
  const parsed = reader.schema.safeParse(row);
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
    const n = reader.read(parsed.data as never);
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
  if (existsSync(join(path, "dialogues.jsonl"))) return [join(path, "dialogues.jsonl")];
  const splits = exportSplitFiles(path, EXPORT_PREFERENCE);
  if (splits) return splits;
  const files = readdirSync(path)
    .filter((f) => f.endsWith(".jsonl") || f.endsWith(".json"))
    .sort()
    .map((f) => join(path, f));
  if (files.length === 0) throw new InputError("no dialogues.jsonl, export format folder or .jsonl/.json file here", { file: path });
  return files;
}

async function* rowsOf(file: string): AsyncGenerator<{ row: unknown; line: number }> {
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
      throw new InputError(`invalid JSON: ${(err as Error).message}`, { file, cause: err });
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
        throw new InputError(`invalid JSON on this line: ${(err as Error).message} (expected one JSON object a line)`, { file, line, cause: err });
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

export interface ReadDatasetOptions {
  /** Force a format instead of detecting it from each file's first row. */
  format?: DatasetFormat;
  /** Called once per file with the format read. */
  onFile?: (file: string, format: DatasetFormat) => void;
}

/** Stream the dialogues of a dataset (a file or folder, see datasetFiles), normalized. */
export async function* readDataset(path: string, options: ReadDatasetOptions = {}): AsyncGenerator<DatasetDialogue> {
  for (const file of datasetFiles(path)) {
    let format = options.format;
    let announced = false;
    for await (const { row, line } of rowsOf(file)) {
      if (!format) {
        format = detectRowFormat(row);
        if (!format) throw new InputError(`unknown dataset format (expected ${WHAT_IS_KNOWN})`, { file, line, code: "DATASET_FORMAT" });
      }
      if (!announced) {
        options.onFile?.(file, format);
        announced = true;
      }
      yield readRow(format, row, { file, line });
    }
  }
}

/** Every dialogue of a dataset, in memory. */
export async function readDatasetAll(path: string, options: ReadDatasetOptions = {}): Promise<DatasetDialogue[]> {
  const out: DatasetDialogue[] = [];
  for await (const d of readDataset(path, options)) out.push(d);
  return out;
}
