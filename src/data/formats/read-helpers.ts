/**
 * Pieces shared by the format readers (src/data/formats/*.ts): the normalized dialogue every reader returns, the
 * reader contract (`DataFormat`: detect, row schema, read) and how a row is read and its errors named (`readWith`),
 * loose JSON, tool lists, calls, and the matching of tool results to the calls they answer — with a note for
 * everything a reader cannot place, so that no row, field or call is lost without a word.
 */
import type { z } from "zod";
import { InputError, describeZodError, jsonTextCalls, jsonValueEnd, makeCallId, parseLooseJson as coreLooseJson } from "../../core/index.js";
import type { JsonSchema, Message, ToolCall } from "../../core/index.js";
import type { BfclFileContext } from "./bfcl.js";
import type { ParsedDialogue } from "./common.js";

/** A tool as the dialogue offers it (OpenAI function fields). */
export interface DatasetTool {
  name: string;
  description: string;
  parameters: JsonSchema;
}

/**
 * What a reader could not place as it is, counted by kind (`toolflow stats` prints each kind with its count and
 * the first place it happened).
 */
export const NOTE_KINDS = {
  "skipped-file": "files skipped: not a dialogue dataset",
  "skipped-row": "rows skipped: not valid for the file's format (--skip-invalid)",
  "no-answer-file": "BFCL questions read without calls: no possible_answer file for their file",
  "no-answer": "BFCL questions read without calls: their id is not in the answer file",
  "unused-answer": "BFCL answers not read: no question has their id",
  "answer-args-unread": "BFCL answer calls counted with arguments {}: not a call with keyword arguments",
  "unmatched-result": "tool results with no call left to answer (kept as tool messages)",
  "unnamed-tool": "offered tools without a name (left out)",
  "unknown-class": "BFCL involved classes without a function doc file (their tools left out)",
} as const;
export type NoteKind = keyof typeof NOTE_KINDS;

/** Record `count` occurrences of a note kind at the current row. */
export type NoteFn = (kind: NoteKind, detail: string, count?: number) => void;

export const noNotes: NoteFn = () => undefined;

/** A row that cannot be read; read-dataset.ts turns it into an InputError naming file and line. */
export class RowError extends Error {}

export function isObj(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === "object" && !Array.isArray(x);
}

/** Call ids for formats that carry none: 9 alphanumeric characters each (as every export writes them), sequential. */
export class Ids {
  private n = 0;
  next(prefix = "call"): string {
    return makeCallId(`${prefix}/${++this.n}`);
  }
}

/** Text of a message content: a string, or the text parts of a list (`{text}` as OpenAI, `{type: "text", value}` as LLaMA-Factory). */
export function toText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((p) => {
        if (typeof p === "string") return p;
        if (!isObj(p)) return "";
        if (typeof p.text === "string") return p.text;
        if ((p.type === undefined || p.type === "text") && typeof p.value === "string") return p.value;
        return "";
      })
      .join("");
  }
  return content === null || content === undefined ? "" : JSON.stringify(content);
}

export function argsString(a: unknown): string {
  if (typeof a === "string") return a;
  return JSON.stringify(a ?? {});
}

export function valueText(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** JSON, or a Python-literal dict/list (single quotes, True/False/None) as found in public dumps (core's loose JSON). */
export function parseLooseJson(text: string): unknown {
  try {
    return coreLooseJson(text);
  } catch (err) {
    throw new RowError((err as Error).message);
  }
}

/** Every top-level JSON object in a text (tools listed one after another); `unread` counts `{...}` blocks that are not JSON. */
export function jsonObjects(text: string): { objects: unknown[]; unread: number } {
  const objects: unknown[] = [];
  let unread = 0;
  let i = text.indexOf("{");
  while (i >= 0) {
    const end = jsonValueEnd(text, i);
    if (end < 0) break;
    try {
      objects.push(JSON.parse(text.slice(i, end)));
    } catch {
      unread++;
    }
    i = text.indexOf("{", end);
  }
  return { objects, unread };
}

export function toTool(t: unknown): DatasetTool | undefined {
  const f = isObj(t) && isObj(t.function) ? t.function : t;
  if (!isObj(f) || typeof f.name !== "string") return undefined;
  return {
    name: f.name,
    description: typeof f.description === "string" ? f.description : "",
    parameters: (isObj(f.parameters) ? f.parameters : {}) as JsonSchema,
  };
}

/** Tools given as a list, one object, or a JSON string of either; entries without a name are noted. */
export function toolList(v: unknown, note: NoteFn = noNotes): DatasetTool[] {
  let list = v;
  if (typeof v === "string") list = v.trim() === "" ? [] : parseLooseJson(v);
  if (isObj(list)) list = [list];
  if (!Array.isArray(list)) {
    if (list !== undefined && list !== null) note("unnamed-tool", `tools is ${typeof list}, not a list`);
    return [];
  }
  const out: DatasetTool[] = [];
  for (const t of list) {
    const tool = toTool(t);
    if (tool) out.push(tool);
    else note("unnamed-tool", JSON.stringify(t).slice(0, 80));
  }
  return out;
}

export function makeCall(ids: Ids, c: unknown): ToolCall {
  if (!isObj(c) || typeof c.name !== "string") throw new RowError("a call without a name");
  return { id: ids.next(), type: "function", function: { name: c.name, arguments: argsString(c.arguments ?? c.parameters) } };
}

/**
 * LLaMA-Factory's converter joins the results of parallel calls into one observation with this separator (the
 * ShareGPT writer joins them so too).
 */
export const OBSERVATION_JOIN = "\n</tool_response>\n<tool_response>\n";

/**
 * The calls of the last assistant turn that still wait for a result. Each result answers the next waiting call
 * in order, across consecutive tool turns; one text holding every result of a parallel turn (a JSON array of as
 * many items, or LLaMA-Factory's `</tool_response><tool_response>`-joined form) is split. A result with no call
 * left is kept as a tool message of its own and noted.
 */
export class PendingCalls {
  private waiting: ToolCall[] = [];
  constructor(
    private readonly ids: Ids,
    private readonly note: NoteFn,
  ) {}

  set(calls: ToolCall[]): void {
    this.waiting = [...calls];
  }

  get size(): number {
    return this.waiting.length;
  }

  /** Tool messages for the results of one tool turn. */
  answer(contents: string[]): Message[] {
    let results = contents;
    if (results.length === 1 && this.waiting.length > 1) results = splitJoined(results[0] as string, this.waiting.length);
    return results.map((content) => {
      const call = this.waiting.shift();
      if (call) return { role: "tool", tool_call_id: call.id, name: call.function.name, content };
      this.note("unmatched-result", content.slice(0, 80));
      return { role: "tool", tool_call_id: this.ids.next("result"), content };
    });
  }
}

function splitJoined(text: string, n: number): string[] {
  const parts = text.split(OBSERVATION_JOIN);
  if (parts.length === n) return parts;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return [text];
  }
  if (!Array.isArray(v) || v.length !== n) return [text];
  // items may be {name, content} (or {tool_call_id, name, content}) wrappers, as in LLaMA-Factory's demo data
  return v.map((item) => valueText(isObj(item) && "content" in item && typeof item.name === "string" ? item.content : item));
}

/**
 * Calls written as JSON text in a dataset row (a tool_call block, a `function_call` turn, a <tool_call> tag, xLAM's
 * answers): `{"name", "arguments"|"parameters"}` or a list of them, read by core's `jsonTextCalls` (loose JSON, numbers
 * as written, so 2.0 stays 2.0); a RowError when the text is not that.
 */
export function blockCalls(value: string, ids: Ids): ToolCall[] {
  const calls = jsonTextCalls(value, { loose: true, argumentsOptional: true });
  if (!calls) throw new RowError(`not a call {"name", "arguments"} (or a list of them): ${value.slice(0, 80)}`);
  return calls.map((c) => ({ id: ids.next(), type: "function" as const, function: c }));
}

// ---------------------------------------------------------------- the normalized dialogue and the reader contract

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

/** What a format's reader returns: a dialogue without its format (and an id when the row carries one). */
export type ReadDialogue = Omit<DatasetDialogue, "id" | "format"> & { id?: string };

/** What a reader gets besides its row: where to note what it cannot place, and (BFCL) the file's answers. */
export interface RowContext {
  note: NoteFn;
  bfcl?: BfclFileContext;
}

/**
 * One format's reader: whether a row is of this format (`detect`; formats are tried in the order of
 * formats/index.ts), the row schema (zod), and the reader of a validated row. The one reader of the format:
 * `toolflow stats`, the report, eval, judge, overlap and the round trip of export (`ExportFormat.fromRow`) use it.
 */
export interface DataFormat<T = unknown> {
  name: DatasetFormat;
  /** What a row looks like, for errors. */
  expected: string;
  detect(row: Record<string, unknown>): boolean;
  schema: z.ZodType<T>;
  read(row: T, ctx: RowContext): ReadDialogue;
}

/**
 * Normalize one row with a format's reader; `where` names it in errors (an InputError with code DATASET_FORMAT
 * naming file, line and what was expected). `ctx.note` hears what the reader could not place (see NOTE_KINDS).
 */
export function readWith<T>(format: DataFormat<T>, row: unknown, where: { file: string; line: number }, ctx: Partial<RowContext> = {}): DatasetDialogue {
  const parsed = format.schema.safeParse(row);
  if (!parsed.success) {
    const p = describeZodError(parsed.error, `${format.name} row`);
    throw new InputError(`${p.message} (expected ${format.expected}, as the file's first row)`, {
      file: where.file,
      line: where.line,
      pointer: p.pointer || undefined,
      code: "DATASET_FORMAT",
    });
  }
  try {
    const n = format.read(parsed.data, { note: ctx.note ?? noNotes, ...(ctx.bfcl ? { bfcl: ctx.bfcl } : {}) });
    return { ...n, id: n.id ?? `${where.file}:${where.line}`, format: format.name };
  } catch (err) {
    if (!(err instanceof RowError)) throw err;
    throw new InputError(`not a valid ${format.name} row: ${err.message} (expected ${format.expected})`, {
      file: where.file,
      line: where.line,
      code: "DATASET_FORMAT",
      cause: err,
    });
  }
}

/** A dialogue as an export's parser returns it: the leading system prompt apart (several are joined), the tools. */
export function parsedDialogue(d: ReadDialogue): ParsedDialogue {
  const system: string[] = [];
  let i = 0;
  while (d.messages[i]?.role === "system") system.push((d.messages[i++] as Extract<Message, { role: "system" }>).content);
  return { ...(system.length > 0 ? { system: system.join("\n\n") } : {}), messages: d.messages.slice(i), tools: d.tools };
}

/** An export's `fromRow`: the format's one reader, errors naming the format. */
export function fromRowWith<T>(format: DataFormat<T>): (row: unknown) => ParsedDialogue {
  return (row) => parsedDialogue(readWith(format, row, { file: `${format.name} row`, line: 0 }));
}
