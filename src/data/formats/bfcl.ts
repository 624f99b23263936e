/**
 * BFCL's question files as dialogues, with their possible answers as the assistant's calls.
 *
 * A question file (`BFCL_v4_<category>.json`, one JSON object a line despite the `.json`) holds
 * `{id, question, function}`: `question` is a list of turns, each a list of `{role, content}` messages, and
 * `function` the offered functions. The multi-turn categories give `involved_classes` instead of `function`; their
 * functions are the docs of those classes in the sibling `multi_turn_func_doc/` folder (BFCL's file names:
 * TwitterAPI -> posting_api.json, ...).
 *
 * The answers (`possible_answer/<same file name>`, `{id, ground_truth}`) become the assistant's calls:
 * - single-turn categories: `ground_truth` is a list of `{function: {argument: [acceptable values]}}`, one entry
 *   per expected call; all of them form one assistant turn after the question (two or more are a parallel turn).
 *   Each argument takes its first acceptable value that is neither `""` (BFCL's "may be left out") nor `null`, at
 *   every level of nested objects; an argument with no other acceptable value is left out.
 * - multi-turn categories: `ground_truth` is one list per turn of calls written in Python syntax
 *   (`cd(folder='document')`); each call is an assistant turn of its own after its turn's user message (they run
 *   one after another, each on the previous one's state; BFCL gives no results).
 */
import { existsSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { z } from "zod";
import { InputError, describeZodError, parsePythonCalls, readTextFileSync } from "../../core/index.js";
import type { Message, ToolCall } from "../../core/index.js";
import { Ids, RowError, isObj, toolList, type DataFormat, type DatasetTool, type NoteFn, type ReadDialogue, type RowContext } from "./read-helpers.js";

/** A call written as text (multi-turn answers), read by core's `parsePythonCalls` unless a caller gives another parser. */
export interface ParsedTextCall {
  name: string;
  arguments: Record<string, unknown>;
}
export type TextCallParser = (text: string) => ParsedTextCall[];

const MessageZ = z.object({ role: z.string(), content: z.union([z.string(), z.null()]).optional() }).passthrough();
export const BfclRowZ = z
  .object({
    id: z.string(),
    // a list of turns, each a list of messages (BFCL v3/v4); a turn given as one message is read as a turn of one
    question: z.array(z.union([z.array(MessageZ), MessageZ])),
    function: z.array(z.unknown()).optional(),
    involved_classes: z.array(z.string()).optional(),
    excluded_function: z.array(z.string()).optional(),
  })
  .passthrough()
  .refine((r) => r.function !== undefined || r.involved_classes !== undefined, {
    message: "a BFCL question has `function` (its functions) or `involved_classes` (multi-turn)",
  });
export type BfclRow = z.infer<typeof BfclRowZ>;

const SingleTurnTruthZ = z.array(z.record(z.string(), z.unknown()));
const MultiTurnTruthZ = z.array(z.array(z.string()));
const AnswerRowZ = z.object({ id: z.string(), ground_truth: z.union([MultiTurnTruthZ, SingleTurnTruthZ]) }).passthrough();

/** BFCL's class -> function doc file (multi_turn_func_doc/); other classes are looked up by their snake_case name. */
export const BFCL_CLASS_DOCS: Readonly<Record<string, string>> = {
  GorillaFileSystem: "gorilla_file_system.json",
  MathAPI: "math_api.json",
  MessageAPI: "message_api.json",
  TwitterAPI: "posting_api.json",
  TicketAPI: "ticket_api.json",
  TradingBot: "trading_bot.json",
  TravelAPI: "travel_booking.json",
  VehicleControlAPI: "vehicle_control.json",
  WebSearchAPI: "web_search.json",
  MemoryAPI_kv: "memory_kv.json",
  MemoryAPI_vector: "memory_vector.json",
  MemoryAPI_rec_sum: "memory_rec_sum.json",
};

/** What one BFCL question file is read with. */
export interface BfclFileContext {
  /** The answers by id (null: no answer file). */
  answers: Map<string, unknown> | null;
  /** The answer file read, if any. */
  answerFile: string | null;
  /** Ids whose answer was used. */
  used: Set<string>;
  /** The tools of a multi-turn class, or undefined when its doc file is missing. */
  classTools: (cls: string) => DatasetTool[] | undefined;
  parseCalls?: TextCallParser;
}

/** Where `--answers` (or the default) points for a question file: null for none. */
export function bfclAnswerFile(questionFile: string, answers: string | false | undefined): string | null {
  if (answers === false) return null;
  if (answers === undefined) {
    const sibling = join(dirname(questionFile), "possible_answer", basename(questionFile));
    return existsSync(sibling) ? sibling : null;
  }
  let st;
  try {
    st = statSync(answers);
  } catch (err) {
    throw new InputError("no such answer file or folder (--answers)", { file: answers, cause: err });
  }
  if (!st.isDirectory()) return answers;
  const inDir = join(answers, basename(questionFile));
  return existsSync(inDir) ? inDir : null;
}

function jsonLines(file: string, what: string): Array<{ value: unknown; line: number }> {
  // strict UTF-8: a bad byte is an InputError naming the file, line and byte offset (--lossy-utf8 replaces)
  const text = readTextFileSync(file, `the ${what}`);
  const t = text.trimStart();
  if (t.startsWith("[")) {
    try {
      return (JSON.parse(t) as unknown[]).map((value, i) => ({ value, line: i + 1 }));
    } catch (err) {
      throw new InputError(`invalid JSON in the ${what}: ${(err as Error).message}`, { file, cause: err });
    }
  }
  const out: Array<{ value: unknown; line: number }> = [];
  text.split("\n").forEach((raw, i) => {
    if (raw.trim() === "") return;
    try {
      out.push({ value: JSON.parse(raw), line: i + 1 });
    } catch (err) {
      throw new InputError(`invalid JSON on this line of the ${what}: ${(err as Error).message}`, { file, line: i + 1, cause: err });
    }
  });
  return out;
}

/** Read a possible-answer file into a map by id (small files: read whole); every row validated. */
export function readBfclAnswers(file: string): Map<string, unknown> {
  const map = new Map<string, unknown>();
  for (const { value, line } of jsonLines(file, "BFCL possible answer file")) {
    const r = AnswerRowZ.safeParse(value);
    if (!r.success) {
      const p = describeZodError(r.error, "BFCL possible answer");
      throw new InputError(`${p.message} (expected {id, ground_truth})`, { file, line, pointer: p.pointer || undefined, code: "DATASET_FORMAT" });
    }
    map.set(r.data.id, r.data.ground_truth);
  }
  return map;
}

/** The context of one question file: its answers and (multi-turn) its function docs, read once. */
export function bfclFileContext(questionFile: string, options: { answers?: string | false; parseCalls?: TextCallParser }): BfclFileContext {
  const answerFile = bfclAnswerFile(questionFile, options.answers);
  const docsDir = join(dirname(questionFile), "multi_turn_func_doc");
  const docs = new Map<string, DatasetTool[] | undefined>();
  return {
    answers: answerFile ? readBfclAnswers(answerFile) : null,
    answerFile,
    used: new Set(),
    parseCalls: options.parseCalls ?? parsePythonCalls,
    classTools(cls) {
      if (!docs.has(cls)) {
        const name = BFCL_CLASS_DOCS[cls] ?? `${cls.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase()}.json`;
        const file = join(docsDir, name);
        docs.set(cls, existsSync(file) ? toolList(jsonLines(file, "BFCL function doc file").map((l) => l.value)) : undefined);
      }
      return docs.get(cls);
    },
  };
}

// ---------------------------------------------------------------- answers -> calls

/**
 * BFCL's acceptable values: the first that is neither "" ("may be left out") nor null (the default, None);
 * undefined — the argument is left out — when there is no other.
 */
function firstAcceptable(values: unknown): { value: unknown } | undefined {
  if (!Array.isArray(values)) return { value: values };
  for (const v of values) if (v !== "" && v !== null) return { value: acceptableValue(v) };
  return undefined;
}

/** A nested object lists acceptable values per key again; so does each object of a list of objects. */
function acceptableValue(v: unknown): unknown {
  if (isObj(v)) return acceptableObject(v);
  if (Array.isArray(v) && v.length > 0 && v.every(isObj)) return v.map(acceptableObject);
  return v;
}

function acceptableObject(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, vals] of Object.entries(o)) {
    const a = firstAcceptable(vals);
    if (a) out[k] = a.value;
  }
  return out;
}

/** One single-turn ground-truth entry `{name: {arg: [acceptable...]}}` as a call with the first acceptable values. */
export function bfclAnswerCall(entry: Record<string, unknown>, ids: Ids): ToolCall[] {
  return Object.entries(entry).map(([name, args]) => ({
    id: ids.next(),
    type: "function" as const,
    function: { name, arguments: JSON.stringify(isObj(args) ? acceptableObject(args) : {}) },
  }));
}

const CALL_NAME_RE = /^\s*([A-Za-z_][\w.]*)\s*\(/;

/** One multi-turn ground-truth call (Python syntax); noted and counted with `{}` when its arguments cannot be read. */
function pythonCall(text: string, ctx: BfclFileContext, ids: Ids, note: NoteFn): ToolCall[] {
  if (ctx.parseCalls) {
    try {
      return ctx.parseCalls(text).map((c) => ({ id: ids.next(), type: "function" as const, function: { name: c.name, arguments: JSON.stringify(c.arguments) } }));
    } catch {
      // positional arguments and the like: counted by name below
    }
  }
  const name = CALL_NAME_RE.exec(text)?.[1];
  if (!name) throw new RowError(`an answer call that is not a call: ${text.slice(0, 80)}`);
  note("answer-args-unread", text.slice(0, 80));
  return [{ id: ids.next(), type: "function", function: { name, arguments: "{}" } }];
}

// ---------------------------------------------------------------- one question

export interface BfclNormal {
  id: string;
  messages: Message[];
  tools: DatasetTool[];
}

function turnMessages(turn: BfclRow["question"][number]): Message[] {
  const list = Array.isArray(turn) ? turn : [turn];
  return list.map((m, i): Message => {
    const content = typeof m.content === "string" ? m.content : "";
    if (m.role === "user" || m.role === "system") return { role: m.role, content };
    if (m.role === "assistant") return { role: "assistant", content };
    throw new RowError(`question message ${i}: role "${m.role}" (expected user, system or assistant)`);
  });
}

/** One BFCL question (and its answer, when the context has one) as a dialogue. */
export function fromBfcl(row: BfclRow, ctx: BfclFileContext | undefined, note: NoteFn): BfclNormal {
  const ids = new Ids();
  let tools: DatasetTool[];
  if (row.function !== undefined) tools = toolList(row.function, note);
  else {
    tools = [];
    for (const cls of row.involved_classes ?? []) {
      const t = ctx?.classTools(cls);
      if (t) tools.push(...t);
      else note("unknown-class", cls);
    }
  }
  if (row.excluded_function) {
    const out = new Set(row.excluded_function);
    tools = tools.filter((t) => !out.has(t.name));
  }

  let truth: unknown;
  if (ctx?.answers) {
    truth = ctx.answers.get(row.id);
    if (truth === undefined) note("no-answer", row.id);
    else ctx.used.add(row.id);
  } else note("no-answer-file", row.id);

  const messages: Message[] = [];
  const multiTurn = Array.isArray(truth) && truth.length > 0 && truth.every(Array.isArray);
  if (multiTurn && ctx) {
    const turns = truth as string[][];
    const n = Math.max(row.question.length, turns.length);
    for (let t = 0; t < n; t++) {
      const turn = row.question[t];
      if (turn !== undefined) messages.push(...turnMessages(turn));
      for (const text of turns[t] ?? []) {
        for (const c of pythonCall(text, ctx, ids, note)) messages.push({ role: "assistant", content: null, tool_calls: [c] });
      }
    }
  } else {
    for (const turn of row.question) messages.push(...turnMessages(turn));
    const calls = Array.isArray(truth) ? (truth as unknown[]).flatMap((e) => (isObj(e) ? bfclAnswerCall(e, ids) : [])) : [];
    if (calls.length > 0) messages.push({ role: "assistant", content: null, tool_calls: calls });
  }
  return { id: row.id, messages, tools };
}

function fromBfclRow(row: BfclRow, ctx: RowContext): ReadDialogue {
  return { ...fromBfcl(row, ctx.bfcl, ctx.note), plan: null, stepOf: null };
}

/** BFCL questions `{id, question, function}` (or `involved_classes`), with their possible answers as calls (read only). */
export const bfclReader: DataFormat<BfclRow> = {
  name: "bfcl",
  expected: "a BFCL question {id, question: [[{role, content}]], function} (or involved_classes)",
  detect: (row) => typeof row.id === "string" && Array.isArray(row.question) && (Array.isArray(row.function) || Array.isArray(row.involved_classes)),
  schema: BfclRowZ,
  read: fromBfclRow,
};
