/**
 * Llama 3.1 prompt text in Meta's format for JSON tool calling. Rows are {text}.
 *
 * toolflow's own renderer writes what Meta's default chat template (tokenizer_config.json of
 * Llama-3.1-8B-Instruct, the same in Llama 3.3) renders when a trainer or server passes the dialogue with its tools,
 * as documented in Meta's llama-models `models/llama3_1/prompt_format.md` ("JSON based tool calling"):
 * - `<|begin_of_text|>`, then `<|start_header_id|>ROLE<|end_header_id|>\n\n` + content + `<|eot_id|>` per message;
 *   user, assistant and system contents trimmed;
 * - a system message always, starting with `Environment: ipython` when there are tools, then `Cutting Knowledge
 *   Date: December 2023` and `Today Date: ...`, then the dialogue's own system prompt;
 * - the tools (each `{"type": "function", "function": {...}}` as JSON indented by 4) with the template's instruction,
 *   in the first user message (the default) or in the system message (`toolsIn: "system"`, the template's
 *   `tools_in_user_message=false`);
 * - one call per assistant message, `{"name": NAME, "parameters": ARGS}`; text the assistant wrote beside its call
 *   has no place and is not written; the turn ends with `<|eot_id|>` as the template writes it, or
 *   `<|python_tag|>` ... `<|eom_id|>` as the prompt format document shows the model's answer (`callEnd: "eom"`);
 * - results in the `ipython` role, as the template's `tojson` writes them: a result passed as a string (what an
 *   OpenAI-compatible server passes) becomes a JSON string literal; with `results: "object"`, a JSON object or list
 *   result is written as that JSON (what a Python caller passing dicts gets);
 * - JSON in Python's spelling (transformers' `tojson` is `json.dumps(ensure_ascii=False)`; see python-json.ts).
 * src/export/real-templates.test.ts renders Meta's template itself (as llama.cpp ships it) for every dialogue of a sim
 * run and holds this text to it.
 * The format has one call per assistant message: parallel calls become consecutive single calls, each followed by
 * its result (`parallel: "sequential"`), or the dialogue is left out (`"drop"`); the dataset card counts both.
 *
 * With `--chat-template FILE` (a .jinja file or a tokenizer_config.json with `chat_template`) the text comes from
 * that template through @huggingface/jinja instead; the same parallel rule applies first (`"keep"` hands parallel
 * calls to the template as they are). With `export --reasoning`, assistant messages reach such a template with
 * `reasoning_content` (Qwen3, DeepSeek-R1 distills render it); Meta's format has no place for it.
 */
import { Template } from "@huggingface/jinja";
import { InputError, ToolflowError, UsageError, jsonTextCalls, jsonValueEnd, readTextFileSync } from "../../core/index.js";
import type { DialogueRecord, Message, ToolCall } from "../../core/index.js";
import {
  ExportFormatError,
  callArgs,
  functionDefs,
  isJsonObject,
  reasoningOf,
  type ExportFormat,
  type RowOptions,
  type ParsedDialogue,
} from "./common.js";
import { pyDumps, pyDumpsText } from "./python-json.js";

import { z } from "zod";
import {
  fromRowWith,
  Ids,
  PendingCalls,
  RowError,
  toolList,
  type DataFormat,
  type DatasetTool,
  type ReadDialogue,
  type RowContext
} from "./read-helpers.js";

export const BOS = "<|begin_of_text|>";
const EOT = "<|eot_id|>";
const EOM = "<|eom_id|>";
const PYTHON_TAG = "<|python_tag|>";
const header = (role: string) => `<|start_header_id|>${role}<|end_header_id|>\n\n`;

/** The date Meta's template writes when no `date_string` is passed. */
export const TEMPLATE_DATE = "26 Jul 2024";
const KNOWLEDGE = "Cutting Knowledge Date: December 2023\n";
const ENVIRONMENT = "Environment: ipython\n";
const CALL_FORMAT = 'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.';
/** The instruction before the tools in the first user message (the template's wording; no space before "Do not"). */
export const USER_TOOLS_INTRO =
  "Given the following functions, please respond with a JSON for a function call with its proper arguments that best answers the given prompt.\n\n" +
  CALL_FORMAT +
  "Do not use variables.\n\n";
/** The instruction before the tools in the system message (`tools_in_user_message=false`). */
export const SYSTEM_TOOLS_INTRO =
  "You have access to the following functions. To call a function, please respond with JSON for a function call." + CALL_FORMAT + "Do not use variables.\n\n";

export const LLAMA_TOOLS_IN = ["user", "system"] as const;
export const LLAMA_PARALLEL = ["sequential", "drop", "keep"] as const;
export const LLAMA_CALL_END = ["eot", "eom"] as const;
export const LLAMA_RESULTS = ["string", "object"] as const;

export interface Llama31Options {
  /** Where the tool list goes: the first user message (Meta's default) or the system message. */
  toolsIn: (typeof LLAMA_TOOLS_IN)[number];
  /** Parallel calls: consecutive single calls, the dialogue left out, or (with a chat template only) as they are. */
  parallel: (typeof LLAMA_PARALLEL)[number];
  /** How a call turn ends: `<|eot_id|>` (the template) or `<|python_tag|>` ... `<|eom_id|>` (the prompt format document). */
  callEnd: (typeof LLAMA_CALL_END)[number];
  /** Tool results as strings (JSON string literals) or JSON objects / lists as JSON. */
  results: (typeof LLAMA_RESULTS)[number];
  /** The Today Date line: "template" (26 Jul 2024, the template's default), "created" (each dialogue's date), or a date as written. */
  date: string;
}

export const LLAMA31_DEFAULTS: Llama31Options = { toolsIn: "user", parallel: "sequential", callEnd: "eot", results: "string", date: "template" };

/** The chat template text of a file: a Jinja file, or tokenizer_config.json's `chat_template` (string or named list). */
export function readChatTemplate(file: string): string {
  // strict UTF-8: a bad byte is an InputError naming the file, line and byte offset (--lossy-utf8 replaces)
  const text = readTextFileSync(file, "chat template");
  if (!file.endsWith(".json")) return text;
  let cfg: unknown;
  try {
    cfg = JSON.parse(text);
  } catch (err) {
    throw new InputError(`invalid JSON: ${(err as Error).message}`, { file, cause: err });
  }
  const ct = isJsonObject(cfg) ? cfg.chat_template : undefined;
  if (typeof ct === "string") return ct;
  if (Array.isArray(ct)) {
    const named = new Map<string, string>();
    for (const t of ct) if (isJsonObject(t) && typeof t.name === "string" && typeof t.template === "string") named.set(t.name, t.template);
    const pick = named.get("tool_use") ?? named.get("default") ?? [...named.values()][0];
    if (pick !== undefined) return pick;
  }
  throw new InputError("no chat_template string in this tokenizer config", { file, pointer: "/chat_template" });
}

export function compileChatTemplate(text: string, file = "chat template"): Template {
  try {
    return new Template(text);
  } catch (err) {
    throw new InputError(`chat template does not parse: ${(err as Error).message}`, { file, cause: err });
  }
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "01 May 2024" (strftime "%d %b %Y", as Meta's examples) from an ISO timestamp; today's date when it does not parse. */
export function dateString(iso: string): string {
  const d = new Date(iso);
  const ok = !Number.isNaN(d.getTime()) ? d : new Date();
  return `${String(ok.getUTCDate()).padStart(2, "0")} ${MONTHS[ok.getUTCMonth()]} ${ok.getUTCFullYear()}`;
}

/** The Today Date of a record under the options; undefined for the template's own default. */
function todayDate(record: DialogueRecord, options: Llama31Options): string | undefined {
  if (options.date === "template") return undefined;
  if (options.date === "created") return dateString(record.createdAt);
  return options.date;
}

function hasParallel(record: DialogueRecord): boolean {
  return record.messages.some((m) => m.role === "assistant" && (m.tool_calls?.length ?? 0) > 1);
}

/**
 * The messages (and their reasoning, aligned) with each parallel call turn written as consecutive single calls,
 * each followed by the result that answers it. The first single call keeps the turn's text and reasoning.
 */
export function sequentialCalls(messages: Message[], reasoning?: (string | null)[]): { messages: Message[]; reasoning?: (string | null)[] } {
  const out: Message[] = [];
  const thoughts: (string | null)[] = [];
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as Message;
    const calls = m.role === "assistant" ? (m.tool_calls ?? []) : [];
    if (calls.length <= 1) {
      out.push(m);
      thoughts.push(reasoning?.[i] ?? null);
      continue;
    }
    let j = i + 1;
    const results: Message[] = [];
    for (; j < messages.length && messages[j]?.role === "tool"; j++) results.push(messages[j] as Message);
    const used = new Set<Message>();
    calls.forEach((c, k) => {
      out.push({ role: "assistant", content: k === 0 ? (m as { content: string | null }).content : null, tool_calls: [c] });
      thoughts.push(k === 0 ? (reasoning?.[i] ?? null) : null);
      const r = results.find((t) => t.role === "tool" && t.tool_call_id === c.id && !used.has(t));
      if (r) {
        used.add(r);
        out.push(r);
        thoughts.push(null);
      }
    });
    for (const r of results) {
      if (!used.has(r)) {
        out.push(r);
        thoughts.push(null);
      }
    }
    i = j - 1;
  }
  return { messages: out, ...(reasoning ? { reasoning: thoughts } : {}) };
}

/** A call's arguments as the template writes them (`arguments | tojson` of the dict a server or trainer decoded). */
function argumentsJson(call: ToolCall): string {
  try {
    return pyDumpsText(call.function.arguments);
  } catch {
    return pyDumps(call.function.arguments);
  }
}

/** A JSON object or list written as text, or undefined. */
function structured(content: string): string | undefined {
  const t = content.trim();
  if (!t.startsWith("{") && !t.startsWith("[")) return undefined;
  try {
    JSON.parse(t);
    return t;
  } catch {
    return undefined;
  }
}

/** A tool result as the template writes it: `tojson` of the string, or (results "object") of the JSON object / list. */
function resultText(content: string, options: Llama31Options): string {
  const json = options.results === "object" ? structured(content) : undefined;
  return json !== undefined ? pyDumpsText(json) : JSON.stringify(content);
}

/** Meta's layout for one dialogue (messages already without parallel calls). */
function renderMeta(record: DialogueRecord, messages: Message[], options: Llama31Options): string {
  const tools = functionDefs(record.tools);
  const toolBlock = tools.map((f) => pyDumps({ type: "function", function: f }, 4) + "\n\n").join("");
  let rest = messages;
  let system = "";
  if (rest[0]?.role === "system") {
    system = rest[0].content.trim();
    rest = rest.slice(1);
  }
  let text = BOS + header("system");
  if (tools.length > 0) text += ENVIRONMENT;
  text += KNOWLEDGE + `Today Date: ${todayDate(record, options) ?? TEMPLATE_DATE}\n\n`;
  if (tools.length > 0 && options.toolsIn === "system") text += SYSTEM_TOOLS_INTRO + toolBlock;
  text += system + EOT;
  if (tools.length > 0 && options.toolsIn === "user") {
    const first = rest[0];
    if (first?.role !== "user") {
      throw new ExportFormatError("llama31", `dialogue ${record.id}: the tools go into the first user message, and the dialogue does not start with one`);
    }
    text += header("user") + USER_TOOLS_INTRO + toolBlock + first.content.trim() + EOT;
    rest = rest.slice(1);
  }
  for (const m of rest) {
    if (m.role === "tool") text += header("ipython") + resultText(m.content, options) + EOT;
    else if (m.role === "assistant" && (m.tool_calls?.length ?? 0) > 0) {
      const calls = m.tool_calls ?? [];
      if (calls.length > 1) throw new ExportFormatError("llama31", `dialogue ${record.id}: Meta's format has one call per assistant message`);
      const c = calls[0] as ToolCall;
      const call = `{"name": "${c.function.name}", "parameters": ${argumentsJson(c)}}`;
      text += header("assistant") + (options.callEnd === "eom" ? PYTHON_TAG + call + EOM : call + EOT);
    } else text += header(m.role) + (m.content ?? "").trim() + EOT;
  }
  return text;
}

/** Messages as chat templates expect them: call arguments as objects; reasoning as `reasoning_content`; results per `results`. */
function templateMessages(messages: Message[], reasoning: (string | null)[] | undefined, options: Llama31Options): unknown[] {
  return messages.map((m, i) => {
    const r = reasoning?.[i];
    const thought = m.role === "assistant" && r ? { reasoning_content: r } : {};
    if (m.role === "assistant" && (m.tool_calls?.length ?? 0) > 0) {
      return {
        role: "assistant",
        content: m.content ?? "",
        ...thought,
        tool_calls: (m.tool_calls ?? []).map((c) => ({
          id: c.id,
          type: "function",
          function: { name: c.function.name, arguments: callArgs(c) },
        })),
      };
    }
    if (m.role === "assistant") return { role: "assistant", content: m.content ?? "", ...thought };
    if (m.role === "tool" && options.results === "object") {
      const json = structured(m.content);
      if (json !== undefined) return { ...m, content: JSON.parse(json) as unknown };
    }
    return m;
  });
}

function renderWithTemplate(record: DialogueRecord, messages: Message[], reasoning: (string | null)[] | undefined, template: Template, options: Llama31Options): string {
  const date = todayDate(record, options);
  const tools = functionDefs(record.tools).map((f) => ({ type: "function", function: f }));
  try {
    return template.render({
      messages: templateMessages(messages, reasoning, options),
      ...(tools.length > 0 ? { tools } : {}),
      tools_in_user_message: options.toolsIn === "user",
      bos_token: BOS,
      eos_token: EOT,
      add_generation_prompt: false,
      ...(date !== undefined ? { date_string: date } : {}),
    });
  } catch (err) {
    // a template that takes one call per message (Meta's) raises on parallel calls handed to it as they are
    const hint =
      options.parallel === "keep" && hasParallel(record)
        ? " (the dialogue has parallel calls, passed as they are with --parallel keep; --parallel sequential, the default, writes them as consecutive single calls, --parallel drop leaves such dialogues out)"
        : "";
    throw new ToolflowError(`chat template failed on dialogue ${record.id}: ${(err as Error).message}${hint}`, {
      code: "CHAT_TEMPLATE_ERROR",
      cause: err,
    });
  }
}

/** The text of one record, or undefined when the options leave it out (`parallel: "drop"`). */
export function renderLlama31(
  record: DialogueRecord,
  template?: Template,
  options?: RowOptions,
  llama: Partial<Llama31Options> = {},
): string | undefined {
  const o = { ...LLAMA31_DEFAULTS, ...llama };
  if (o.parallel === "drop" && hasParallel(record)) return undefined;
  const reasoning = template ? reasoningOf(record, options) : undefined;
  const prepared = o.parallel === "keep" ? { messages: record.messages, reasoning } : sequentialCalls(record.messages, reasoning);
  return template ? renderWithTemplate(record, prepared.messages, prepared.reasoning, template, o) : renderMeta(record, prepared.messages, o);
}

// ---------------------------------------------------------------- the format

/** "1 dialogue", "2 dialogues". */
const count = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** What the dataset card says about a llama31 export of `records`. */
function cardNotes(records: DialogueRecord[], o: Llama31Options, template: boolean): string[] {
  let turns = 0;
  let calls = 0;
  let dialogues = 0;
  let textBeside = 0;
  for (const r of records) {
    let p = 0;
    for (const m of r.messages) {
      if (m.role !== "assistant" || (m.tool_calls?.length ?? 0) === 0) continue;
      if ((m.tool_calls?.length ?? 0) > 1) {
        p++;
        calls += m.tool_calls?.length ?? 0;
      }
      if ((m.content ?? "").trim() !== "" && !(o.parallel === "drop" && hasParallel(r))) textBeside++;
    }
    turns += p;
    if (p > 0) dialogues++;
  }
  const notes: string[] = [];
  if (!template) {
    notes.push(
      "Meta's Llama 3.1 format for JSON tool calling, as Meta's default chat template (Llama-3.1-8B-Instruct's tokenizer_config.json) " +
        "renders it: `Environment: ipython` and `Cutting Knowledge Date` / `Today Date` lines in the system message, " +
        (o.toolsIn === "user" ? "the tools in the first user message (the template's default)" : "the tools in the system message (`--llama-tools-in system`)") +
        ", `{\"name\", \"parameters\"}` calls " +
        (o.callEnd === "eom" ? "after `<|python_tag|>`, ending with `<|eom_id|>` (`--llama-call-end eom`)" : "ending with `<|eot_id|>`") +
        ", results in the `ipython` role " +
        (o.results === "object" ? "as JSON when they are JSON objects or lists (`--llama-results object`)" : "as JSON string literals (a string result through `tojson`)") +
        `, Today Date ${o.date === "template" ? `${TEMPLATE_DATE} (the template's default)` : o.date === "created" ? "the day each dialogue was made" : o.date}.`,
    );
  }
  if (turns === 0) notes.push("No assistant turn has parallel calls.");
  else if (o.parallel === "sequential") {
    notes.push(
      `${count(turns, "assistant turn")} with parallel calls (${count(calls, "call")}, in ${count(dialogues, "dialogue")}) written as consecutive single calls, ` +
        "each followed by its result (`--parallel sequential`): the format has one call per assistant message.",
    );
  } else if (o.parallel === "drop") {
    notes.push(`${count(dialogues, "dialogue")} with parallel calls (${count(turns, "turn")}, ${count(calls, "call")}) left out (\`--parallel drop\`); the row counts above do not include them.`);
  } else notes.push(`${count(turns, "assistant turn")} with parallel calls (${count(calls, "call")}) handed to the chat template as they are (\`--parallel keep\`).`);
  if (textBeside > 0) {
    notes.push(
      template
        ? `${count(textBeside, "assistant turn")} with text beside the calls: the text reached the chat template as the message content.`
        : `${count(textBeside, "assistant turn")} with text beside the calls: Meta's format has no place for it, and it is not written.`,
    );
  }
  return notes;
}

/** The llama31 format with its options, rendered by toolflow's renderer or by `template` when given. */
export function makeLlama31Format(llama: Partial<Llama31Options> = {}, template?: Template): ExportFormat {
  const o = { ...LLAMA31_DEFAULTS, ...llama };
  if (o.parallel === "keep" && !template) {
    throw new UsageError("--parallel keep needs --chat-template (Meta's Llama 3.1 format has one call per assistant message)");
  }
  return {
    name: "llama31",
    description:
      "Llama 3.1 prompt text ({text}) in Meta's JSON tool-calling format: Environment: ipython, tools in the " +
      `${o.toolsIn === "user" ? "first user" : "system"} message, one {"name", "parameters"} call per assistant message, results in the ipython role.`,
    reasoningPlace:
      "`reasoning_content` handed to the chat template: none in Meta's Llama 3.1 format; where a --chat-template that reads it puts it",
    toRows(record: DialogueRecord, options?: RowOptions) {
      const text = renderLlama31(record, template, options, o);
      return text === undefined ? [] : [{ text }];
    },
    fromRow: (row) => fromRowWith(llama31Reader)(row),
    cardNotes: (records) => cardNotes(records, o, template !== undefined),
  };
}

export const llama31Format: ExportFormat = makeLlama31Format();

/** A llama31 format that renders with a given (e.g. a model's own) chat template. */
export function llama31WithTemplate(template: Template, llama: Partial<Llama31Options> = {}): ExportFormat {
  return makeLlama31Format(llama, template);
}

// ---------------------------------------------------------------- reading (toolflow's export, Meta's template, public Llama 3.1 text)

export const LlamaRowZ = z.object({ text: z.string().includes("<|start_header_id|>") });
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

function fromLlama(row: z.infer<typeof LlamaRowZ>, ctx: RowContext): ReadDialogue {
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

export const llama31Reader: DataFormat<z.infer<typeof LlamaRowZ>> = {
  name: "llama31",
  expected: "a Llama 3.1 row {text} with <|start_header_id|> blocks",
  detect: (row) => typeof row.text === "string" && row.text.includes("<|start_header_id|>"),
  schema: LlamaRowZ,
  read: fromLlama,
};

/** Read a row's text back (the llama31 reader). */
export function parseLlama31(text: string): ParsedDialogue {
  return fromRowWith(llama31Reader)({ text });
}
