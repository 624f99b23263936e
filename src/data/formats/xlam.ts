/**
 * xLAM / APIGen function-calling JSON (Salesforce xlam-function-calling-60k): {id, query, tools, answers} with `id`
 * an integer (the published rows number them 0, 1, 2, …), `tools` a JSON string of [{name, description, parameters}]
 * (APIGen's flat parameters: name -> {type, description, default}) and `answers` a JSON string of [{name,
 * arguments}]. A parameter that is an object with declared fields keeps them: its entry gets `properties`, the
 * fields in the same flat form (and an array of such objects an `items` entry), so no field of a nested schema is
 * lost. `dialogue_id` and `turn` name the dialogue and the row within it. Read back, the flat parameters become JSON
 * Schema again (`xlamSchema`), as every reader's tools are.
 *
 * Multi-turn mapping: one row per user turn that leads to tool calls. `query` is that user turn, preceded by the
 * earlier user turns of the same plan step (the request a clarifying question interrupted), joined by newlines;
 * `answers` are the calls of the first assistant turn after it that calls tools (the calls the query alone
 * determines: later calls that need tool results are not single-shot and are left out).
 */
import type { DialogueRecord, JsonSchema, Message, ToolCall, ToolSpec } from "../../core/index.js";
import { callArgs, isJsonObject, type ExportFormat } from "./common.js";

import { z } from "zod";
import {
  blockCalls,
  fromRowWith,
  Ids,
  makeCall,
  parseLooseJson,
  toolList,
  type DataFormat,
  type ReadDialogue,
  type RowContext
} from "./read-helpers.js";

const TYPE_NAMES: Record<string, string> = {
  string: "str",
  integer: "int",
  number: "float",
  boolean: "bool",
  array: "List",
  object: "Dict",
  null: "None",
};

function typeName(schema: Record<string, unknown>): string {
  const t = schema.type;
  if (typeof t === "string") {
    if (t === "array" && isJsonObject(schema.items) && (typeof schema.items.type === "string" || Array.isArray(schema.items.type))) {
      return `List[${typeName(schema.items)}]`;
    }
    return TYPE_NAMES[t] ?? t;
  }
  if (Array.isArray(t)) return t.map((x) => TYPE_NAMES[String(x)] ?? String(x)).join(" | ");
  if (Array.isArray(schema.enum)) return "str";
  return "Any";
}

/** One parameter in APIGen's flat form; objects with declared fields keep them (`properties`, `items`). */
export interface XlamParam {
  type: string;
  description: string;
  default?: unknown;
  properties?: Record<string, XlamParam>;
  items?: XlamParam;
}

/** Parameters of an object schema in APIGen's flat form, recursively. */
function flatProperties(schema: Record<string, unknown>): Record<string, XlamParam> {
  const props = isJsonObject(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const out: Record<string, XlamParam> = {};
  for (const [name, raw] of Object.entries(props)) {
    const s = isJsonObject(raw) ? raw : {};
    out[name] = flatParam(s, required.has(name));
  }
  return out;
}

function flatParam(s: Record<string, unknown>, required: boolean): XlamParam {
  let description = typeof s.description === "string" ? s.description : "";
  if (Array.isArray(s.enum)) description = `${description}${description ? " " : ""}One of: ${s.enum.map((e) => JSON.stringify(e)).join(", ")}.`;
  const nested = isJsonObject(s.properties) && Object.keys(s.properties).length > 0 ? { properties: flatProperties(s) } : {};
  const items = isJsonObject(s.items) && isJsonObject(s.items.properties) && Object.keys(s.items.properties).length > 0 ? { items: flatParam(s.items, true) } : {};
  return {
    type: typeName(s) + (required ? "" : ", optional"),
    description,
    ...("default" in s ? { default: s.default } : {}),
    ...nested,
    ...items,
  };
}

/** APIGen's flat parameter description of a tool. */
export function xlamParameters(tool: ToolSpec): Record<string, XlamParam> {
  return flatProperties(tool.parameters as Record<string, unknown>);
}

// ---------------------------------------------------------------- APIGen's flat parameters, read back as JSON Schema

const SCHEMA_TYPES: Record<string, string> = {
  str: "string",
  string: "string",
  int: "integer",
  integer: "integer",
  float: "number",
  number: "number",
  bool: "boolean",
  boolean: "boolean",
  list: "array",
  array: "array",
  dict: "object",
  object: "object",
  none: "null",
  null: "null",
};

/** Split `a, b[c, d], e` at the top-level commas (or `|`). */
function splitTop(text: string, sep: "," | "|"): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of text) {
    if (ch === "[") depth++;
    else if (ch === "]") depth--;
    if (ch === sep && depth === 0) {
      out.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

/**
 * The JSON Schema of an APIGen type name (`str`, `int`, `List[str]`, `Dict[str, Any]`, `str | None`,
 * `Union[int, float]`, `Optional[str]`); `{}` for `Any` and names of no JSON type (`Tuple`, `Callable`...).
 */
function schemaOfTypeName(name: string): Record<string, unknown> {
  const t = name.trim();
  const union = splitTop(t, "|");
  if (union.length > 1) return unionSchema(union);
  const m = /^([A-Za-z_]+)\s*(?:\[(.*)\])?$/.exec(t);
  if (!m) return {};
  const head = (m[1] as string).toLowerCase();
  const args = m[2] !== undefined ? splitTop(m[2], ",") : [];
  if (head === "optional" && args.length === 1) return schemaOfTypeName(args[0] as string);
  if (head === "union") return unionSchema(args);
  const type = SCHEMA_TYPES[head];
  if (type === undefined) return {};
  if (type === "array" && args.length === 1) {
    const items = schemaOfTypeName(args[0] as string);
    return Object.keys(items).length > 0 ? { type, items } : { type };
  }
  return { type };
}

function unionSchema(names: readonly string[]): Record<string, unknown> {
  const parts = names.map(schemaOfTypeName);
  if (parts.some((p) => Object.keys(p).length === 0)) return {};
  const simple = parts.every((p) => Object.keys(p).length === 1 && typeof p.type === "string");
  return simple ? { type: [...new Set(parts.map((p) => p.type as string))] } : { anyOf: parts };
}

/** One parameter in APIGen's flat form as JSON Schema, and whether it is required (no `optional` in its type). */
function paramSchema(raw: unknown): { schema: Record<string, unknown>; required: boolean } {
  const p = isJsonObject(raw) ? raw : {};
  const typeText = typeof p.type === "string" ? p.type : "";
  // "str, optional" (toolflow's export and APIGen's rows); "Optional[str]" marks it too
  const parts = splitTop(typeText, ",");
  const optional = parts.slice(1).some((x) => /^optional$/i.test(x)) || /^optional\[/i.test(typeText.trim());
  const schema: Record<string, unknown> = typeText !== "" ? schemaOfTypeName(parts[0] as string) : {};
  if (typeof p.description === "string" && p.description !== "") schema.description = p.description;
  if ("default" in p) schema.default = p.default;
  if (isJsonObject(p.properties)) Object.assign(schema, { type: "object", ...flatToSchema(p.properties) });
  if (isJsonObject(p.items)) {
    const item = paramSchema(p.items).schema;
    schema.type = "array";
    schema.items = item;
  }
  return { schema, required: !optional };
}

/** APIGen's flat parameters (name -> {type, description, default}), as an object schema. */
function flatToSchema(flat: Record<string, unknown>): { properties: Record<string, unknown>; required?: string[] } {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const [name, raw] of Object.entries(flat)) {
    const p = paramSchema(raw);
    properties[name] = p.schema;
    if (p.required) required.push(name);
  }
  return { properties, ...(required.length > 0 ? { required } : {}) };
}

/**
 * A tool's parameters as an xLAM row gives them, as JSON Schema: APIGen's flat form is converted (types by name,
 * `optional` to not required, nested `properties` / `items` kept); parameters that are a JSON Schema already (a
 * `type` or `properties` at the top) are kept as they are. What the flat form never held (enums, formats, bounds:
 * toolflow's export writes an enum into the description) cannot come back.
 */
export function xlamSchema(parameters: unknown): Record<string, unknown> {
  if (!isJsonObject(parameters)) return { type: "object", properties: {} };
  // a JSON Schema has a string `type` or a `properties` map (a flat parameter named "properties" has a string `type`)
  const props = parameters.properties;
  if (typeof parameters.type === "string" || (isJsonObject(props) && typeof props.type !== "string")) return parameters;
  return { type: "object", ...flatToSchema(parameters) };
}

/** Indices of user messages whose next assistant action is a tool call, with the call message index. */
function callingTurns(messages: Message[]): Array<{ user: number; calls: number }> {
  const out: Array<{ user: number; calls: number }> = [];
  for (let i = 0; i < messages.length; i++) {
    if (messages[i]?.role !== "user") continue;
    for (let j = i + 1; j < messages.length; j++) {
      const m = messages[j] as Message;
      if (m.role === "user") break;
      if (m.role === "assistant") {
        if ((m.tool_calls?.length ?? 0) > 0) out.push({ user: i, calls: j });
        break;
      }
    }
  }
  return out;
}

export const xlamFormat: ExportFormat = {
  name: "xlam",
  description:
    "xLAM / APIGen JSON: one row per user turn that leads to calls, {id (integer), query, tools (JSON string), answers (JSON string of [{name, arguments}])}, with `dialogue_id` and `turn`.",
  reasoningPlace: "none (rows hold only the query and the calls)",
  toRows(record: DialogueRecord, options) {
    let local = 0;
    const nextId = options?.nextId ?? (() => local++);
    const tools = JSON.stringify(
      record.tools.map((t) => ({ name: t.name, description: t.description, parameters: xlamParameters(t) })),
    );
    return callingTurns(record.messages).map(({ user, calls }, k) => {
      const step = record.stepOf[user];
      const parts: string[] = [];
      // earlier user turns of the same plan step (e.g. the request before a clarifying question)
      if (step !== null && step !== undefined) {
        for (let i = 0; i < user; i++) {
          const m = record.messages[i];
          if (m?.role === "user" && record.stepOf[i] === step) parts.push(m.content);
        }
      }
      parts.push((record.messages[user] as Extract<Message, { role: "user" }>).content);
      const a = record.messages[calls] as Extract<Message, { role: "assistant" }>;
      const answers = (a.tool_calls ?? []).map((c) => ({ name: c.function.name, arguments: callArgs(c) }));
      return { id: nextId(), query: parts.join("\n"), tools, answers: JSON.stringify(answers), dialogue_id: record.id, turn: k };
    });
  },
  fromRow: (row) => fromRowWith(xlamReader)(row),
  cardNotes: (records) => {
    // a row holds the first call turn after a user turn; later call turns of the same user turn (chained on a
    // result) have no place in the format: say how many, never lose them silently
    let turns = 0, calls = 0;
    const dialogues = new Set<string>();
    for (const r of records) {
      const written = new Set(callingTurns(r.messages).map((t) => t.calls));
      r.messages.forEach((m, i) => {
        if (m.role !== "assistant" || (m.tool_calls?.length ?? 0) === 0 || written.has(i)) return;
        turns++;
        calls += m.tool_calls?.length ?? 0;
        dialogues.add(r.id);
      });
    }
    return turns === 0
      ? ["every call turn is in a row (one row per user turn that leads to calls)."]
      : [
          `one row per user turn holds that turn's first calls; ${turns} later call turns (${calls} calls, chained on an earlier result) in ${dialogues.size} dialogues have no row in this format (the other formats keep them).`,
        ];
  },
};

// ---------------------------------------------------------------- reading (toolflow's export and xLAM / APIGen rows)

export const XlamRowZ = z.object({
  id: z.union([z.string(), z.number()]).optional(),
  query: z.string(),
  tools: z.union([z.string(), z.array(z.unknown())]).optional(),
  answers: z.union([z.string(), z.array(z.unknown())]),
});

function fromXlam(row: z.infer<typeof XlamRowZ>, ctx: RowContext): ReadDialogue {
  const ids = new Ids();
  // answers as JSON text (toolflow's export, APIGen's files): core's reader of calls written as text, numbers as written
  let calls: ToolCall[];
  if (typeof row.answers === "string") {
    const empty = parseLooseJson(row.answers);
    calls = Array.isArray(empty) && empty.length === 0 ? [] : blockCalls(row.answers, ids);
  } else calls = row.answers.map((c) => makeCall(ids, c));
  const messages: Message[] = [{ role: "user", content: row.query }];
  if (calls.length > 0) messages.push({ role: "assistant", content: null, tool_calls: calls });
  const tools = toolList(row.tools ?? [], ctx.note).map((t) => ({ ...t, parameters: xlamSchema(t.parameters) as JsonSchema }));
  return { ...(row.id !== undefined ? { id: String(row.id) } : {}), messages, tools, plan: null, stepOf: null };
}

export const xlamReader: DataFormat<z.infer<typeof XlamRowZ>> = {
  name: "xlam",
  expected: "an xLAM / APIGen row {query, tools, answers}",
  detect: (row) => typeof row.query === "string" && "answers" in row,
  schema: XlamRowZ,
  read: fromXlam,
};
