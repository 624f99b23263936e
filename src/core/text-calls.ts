/**
 * What servers put in `content` that is not text: tool calls written out as text (when the server's tool-call
 * parser does not fit the model) and reasoning (`<think>…</think>`).
 *
 * Formats read by `parseTextToolCalls` (only called when tools were offered and no native call came back):
 * - Hermes / Qwen: `<tool_call>{"name": …, "arguments": {…}}</tool_call>`, one or more (an unclosed last tag too);
 * - Llama 3.x: `<|python_tag|>{"name": …, "parameters": {…}}` (several separated by `;`), up to `<|eom_id|>`;
 * - Mistral: `[TOOL_CALLS][{"name": …, "arguments": {…}}, …]`, and the newer `[TOOL_CALLS]name[ARGS]{…}`;
 * - bare JSON: `{"name": …, "parameters"|"arguments": …}` or a list of them anywhere in the text (a code fence
 *   too), taken only when every name is one of the offered tools (so JSON the model talks about is left alone).
 * The text around the calls stays text. Arguments come back as JSON strings (objects accepted, almost-JSON
 * repaired: see `normalizeArguments`), their numbers as the model wrote them: JSON is read with lossless-json, so a
 * whole float written 2.0 stays 2.0 (BFCL's checker tells it from 2).
 */
import { jsonrepair } from "jsonrepair";
import { parseJsonLoose } from "./loose-json.js";
import { isLosslessNumber, parse as parseLossless, stringify as stringifyLossless } from "lossless-json";

export type TextCallFormat = "hermes" | "llama" | "mistral" | "json";

export interface TextToolCall {
  name: string;
  /** JSON text of the arguments (as repaired as could be). */
  arguments: string;
}

export interface TextCallsResult {
  calls: TextToolCall[];
  /** The text with the calls taken out (trimmed). */
  text: string;
  /** The format the calls were written in, when any were found. */
  format?: TextCallFormat;
}

/**
 * JSON.parse, but every number is kept as written (a lossless-json `LosslessNumber`), so that arguments serialized
 * again with `normalizeArguments` say 2.0 where the model wrote 2.0.
 */
export function parseKeepingNumbers(text: string): unknown {
  try {
    return parseLossless(text);
  } catch (err) {
    // lossless-json refuses a key given twice; JSON.parse keeps the last one, as models expect
    if (err instanceof SyntaxError && /Duplicate key/.test(err.message)) return JSON.parse(text) as unknown;
    throw err;
  }
}

function almostJson(text: string, parse: (text: string) => unknown): unknown {
  const r = parseJsonLoose(text, parse, { extract: false });
  return r.ok ? r.value : undefined;
}

/**
 * Tool-call arguments as a JSON string: an object is serialized, a JSON string is kept, a string that is almost
 * JSON (a missing closing brace, single quotes, a trailing comma) is repaired; anything else is kept as sent so
 * the caller's check can say what is wrong. Absent arguments are `{}`.
 */
export function normalizeArguments(args: unknown): string {
  if (args === undefined || args === null) return "{}";
  if (typeof args !== "string") return stringifyLossless(args) ?? "{}";
  const t = args.trim();
  if (t === "") return "{}";
  try {
    JSON.parse(t);
    return t;
  } catch {
    if (!/^[[{]/.test(t)) return args;
  }
  // Almost JSON: single quotes or trailing commas, or cut short (what is missing is only added at the end).
  // Text that needs guessing ("{not json") is kept as sent: the caller's check re-asks.
  const requoted = t.replace(/'/g, '"').replace(/,\s*([}\]])/g, "$1");
  try {
    const v: unknown = JSON.parse(requoted);
    if (v !== null && typeof v === "object") return requoted; // its own text: 2.0 stays 2.0
  } catch {
    // try the truncation repair below
  }
  try {
    const fixed = jsonrepair(requoted);
    const v: unknown = JSON.parse(fixed);
    if (v !== null && typeof v === "object" && fixed.startsWith(requoted.replace(/[\s,]+$/, ""))) return fixed;
  } catch {
    // not repairable
  }
  return args;
}

/** Index just after the JSON object/array starting at `start` (strings respected), or -1 when it is not closed. */
export function jsonValueEnd(text: string, start: number): number {
  let depth = 0;
  let inString: string | undefined;
  for (let i = start; i < text.length; i++) {
    const ch = text[i]!;
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === inString) inString = undefined;
      continue;
    }
    if (ch === '"') inString = ch;
    else if (ch === "{" || ch === "[") depth++;
    else if (ch === "}" || ch === "]") {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/** A JSON object (not a list, nor a number kept as written). */
function isRecord(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === "object" && !Array.isArray(x) && !isLosslessNumber(x);
}

/** How `callShapes` recognizes calls in a parsed JSON value. */
export interface CallShapeOptions {
  /** Only name / arguments keys (and id, type, a `function` wrapper), a non-empty name: other objects are not calls. */
  strict?: boolean;
  /** A call must give `arguments` or `parameters`. */
  requireArguments?: boolean;
  /** `{"tool_calls": [...]}`, BFCL's decoded `{"fn": {args}}` and an empty list (no calls) are read too (eval). */
  wrapped?: boolean;
}

/** One call as JSON gives it: its name and its arguments as written (undefined when absent). */
export interface CallShape {
  name: string;
  args: unknown;
}

const CALL_KEYS = ["name", "arguments", "parameters", "args", "id", "type"];

/**
 * The calls in a parsed JSON value: `{"name", "arguments"|"parameters"|"args"}` (in an OpenAI `function` wrapper
 * or not), or a list of them; a string says why the value holds no calls. The one recognizer of calls written as
 * JSON: the model layer's text calls, `jsonTextCalls` (datasets) and eval's `parseCallsFromText` use it.
 */
export function callShapes(value: unknown, o: CallShapeOptions = {}): CallShape[] | string {
  if (o.wrapped && isRecord(value) && Array.isArray(value.tool_calls)) return callShapes(value.tool_calls, o);
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0 && !o.wrapped) return "no calls";
  const out: CallShape[] = [];
  for (const [i, item] of items.entries()) {
    if (!isRecord(item)) return `item ${i} is not an object`;
    const fn = isRecord(item.function) ? item.function : item;
    if (typeof fn.name === "string" && !(o.strict && fn.name === "")) {
      if (o.strict && Object.keys(fn).some((k) => !CALL_KEYS.includes(k))) return `item ${i} has keys a call does not have`;
      if (o.requireArguments && !("arguments" in fn) && !("parameters" in fn)) return `item ${i} (${fn.name}) has no arguments`;
      out.push({ name: fn.name, args: fn.arguments ?? fn.parameters ?? fn.args });
      continue;
    }
    const keys = Object.keys(item);
    const only = keys[0];
    if (o.wrapped && keys.length === 1 && only !== undefined && isRecord(item[only])) {
      out.push({ name: only, args: item[only] });
      continue;
    }
    return `item ${i} has no "name" and is not {function_name: {arguments}}`;
  }
  return out;
}

/** Calls in a parsed value (the model layer's shape: strict, arguments a JSON string or object when given). */
function callsFrom(value: unknown): TextToolCall[] | undefined {
  const shapes = callShapes(value, { strict: true });
  if (typeof shapes === "string") return undefined;
  if (shapes.some((c) => c.args !== undefined && typeof c.args !== "string" && !isRecord(c.args))) return undefined;
  return shapes.map((c) => ({ name: c.name, arguments: normalizeArguments(c.args) }));
}

interface JsonSpan {
  start: number;
  /** Where the value ends, or -1 when it is not closed (it runs to the end of the text). */
  end: number;
  raw: string;
  /** Parsed (repaired when almost JSON, numbers as written); undefined when it is not JSON. */
  value: unknown;
}

/** Visit the JSON value starting at each `{` / `[` of `text`; `visit` says where to look next. */
function scanJson(text: string, visit: (span: JsonSpan) => number): void {
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch !== "{" && ch !== "[") {
      i++;
      continue;
    }
    const end = jsonValueEnd(text, i);
    const raw = text.slice(i, end < 0 ? text.length : end);
    i = visit({ start: i, end, raw, value: almostJson(raw, parseKeepingNumbers) });
  }
}

/** All JSON values in `text` (from `{` / `[`), each parsed (repaired when almost JSON); unclosed: to the end. */
function jsonValuesIn(text: string): Array<{ value: unknown; text: string }> {
  const out: Array<{ value: unknown; text: string }> = [];
  scanJson(text, (s) => {
    if (s.value !== undefined) out.push({ value: s.value, text: s.raw });
    return s.end < 0 ? text.length : s.end;
  });
  return out;
}

interface Span {
  start: number;
  end: number;
}

function cut(text: string, spans: Span[]): string {
  let out = "";
  let at = 0;
  for (const s of spans.sort((a, b) => a.start - b.start)) {
    out += text.slice(at, s.start);
    at = Math.max(at, s.end);
  }
  out += text.slice(at);
  return out
    .replace(/```(?:json|python)?\s*```/g, "")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

function hermes(text: string): TextCallsResult | undefined {
  if (!text.includes("<tool_call>")) return undefined;
  const calls: TextToolCall[] = [];
  const spans: Span[] = [];
  for (const m of text.matchAll(/<tool_call>([\s\S]*?)(?:<\/tool_call>|$)/g)) {
    let found = false;
    for (const v of jsonValuesIn(m[1] ?? "")) {
      const cs = callsFrom(v.value);
      if (cs) {
        calls.push(...cs);
        found = true;
      }
    }
    if (found) spans.push({ start: m.index, end: m.index + m[0].length });
  }
  return calls.length > 0 ? { calls, text: cut(text, spans), format: "hermes" } : undefined;
}

function llama(text: string): TextCallsResult | undefined {
  const tag = "<|python_tag|>";
  const at = text.indexOf(tag);
  if (at < 0) return undefined;
  const stop = /<\|(?:eom_id|eot_id)\|>/.exec(text.slice(at));
  const end = stop ? at + stop.index + stop[0].length : text.length;
  const body = text.slice(at + tag.length, stop ? at + stop.index : text.length);
  const calls: TextToolCall[] = [];
  for (const v of jsonValuesIn(body)) {
    const cs = callsFrom(v.value);
    if (!cs) return undefined;
    calls.push(...cs);
  }
  return calls.length > 0 ? { calls, text: cut(text, [{ start: at, end }]), format: "llama" } : undefined;
}

function mistral(text: string): TextCallsResult | undefined {
  const tag = "[TOOL_CALLS]";
  if (!text.includes(tag)) return undefined;
  const calls: TextToolCall[] = [];
  const spans: Span[] = [];
  let from = 0;
  for (;;) {
    const at = text.indexOf(tag, from);
    if (at < 0) break;
    let i = at + tag.length;
    while (i < text.length && /\s/.test(text[i]!)) i++;
    let end = -1;
    if (text[i] === "[" || text[i] === "{") {
      end = jsonValueEnd(text, i);
      const raw = text.slice(i, end < 0 ? text.length : end);
      const cs = callsFrom(almostJson(raw, parseKeepingNumbers));
      if (cs) calls.push(...cs);
      else end = -2;
      if (end === -1) end = text.length;
    } else {
      // [TOOL_CALLS]name[ARGS]{…} (optionally [CALL_ID]xxxxxxxxx before [ARGS])
      const m = /^([A-Za-z0-9_.-]+)(?:\[CALL_ID\][A-Za-z0-9]+)?\[ARGS\]\s*/.exec(text.slice(i));
      if (m && text[i + m[0].length] === "{") {
        const s = i + m[0].length;
        end = jsonValueEnd(text, s);
        if (end < 0) end = text.length;
        calls.push({ name: m[1]!, arguments: normalizeArguments(text.slice(s, end)) });
      } else end = -2;
    }
    if (end >= 0) spans.push({ start: at, end });
    from = end >= 0 ? end : at + tag.length;
  }
  return calls.length > 0 ? { calls, text: cut(text, spans), format: "mistral" } : undefined;
}

function bareJson(text: string, toolNames: ReadonlySet<string>): TextCallsResult | undefined {
  if (toolNames.size === 0) return undefined;
  const calls: TextToolCall[] = [];
  const spans: Span[] = [];
  scanJson(text, (s) => {
    const end = s.end < 0 ? text.length : s.end;
    const cs = callsFrom(s.value);
    if (cs && cs.every((c) => toolNames.has(c.name))) {
      calls.push(...cs);
      spans.push({ start: s.start, end });
      return end;
    }
    // other JSON: not a call, nor are the objects inside it; not JSON: look inside it
    return s.end > 0 && s.value !== undefined ? s.end : s.start + 1;
  });
  return calls.length > 0 ? { calls, text: cut(text, spans), format: "json" } : undefined;
}

/** How `jsonTextCalls` reads. */
export interface JsonTextCallOptions {
  /** Almost-JSON too (single quotes, Python literals, trailing commas: core's loose JSON), as public datasets hold it. */
  loose?: boolean;
  /** A call without `arguments` / `parameters` has arguments `{}` (dataset rows); by default it is not a call. */
  argumentsOptional?: boolean;
}

/**
 * A text that is nothing but tool calls in JSON: one `{"name": …, "parameters"|"arguments": …}` object or a list of
 * them (how Llama 3.x chat templates write calls, and how datasets store them); undefined when it is anything else.
 * Numbers stay as written (2.0 stays 2.0). The reader of calls written as JSON text for the model layer and for every
 * dataset format (src/data/formats); eval's `parseCallsFromText` (python-calls.ts) reads arguments into Python's types.
 */
export function jsonTextCalls(text: string, options: JsonTextCallOptions = {}): TextToolCall[] | undefined {
  const t = text.trim();
  if (!t.startsWith("{") && !t.startsWith("[")) return undefined;
  let v: unknown;
  if (options.loose) {
    const r = parseJsonLoose(t, parseKeepingNumbers, { extract: false });
    if (!r.ok) return undefined;
    v = r.value;
  } else {
    try {
      v = parseKeepingNumbers(t);
    } catch {
      return undefined;
    }
  }
  const shapes = callShapes(v, { requireArguments: options.argumentsOptional !== true });
  if (typeof shapes === "string") return undefined;
  return shapes.map((c) => ({ name: c.name, arguments: normalizeArguments(c.args) }));
}

/**
 * Tool calls written as text in an answer, in any of the formats above; `toolNames` are the offered tools
 * (needed for bare JSON). No calls found: `{ calls: [], text }` with the text unchanged.
 */
export function parseTextToolCalls(text: string, toolNames: Iterable<string> = []): TextCallsResult {
  return (
    hermes(text) ??
    mistral(text) ??
    llama(text) ??
    bareJson(text, new Set(toolNames)) ?? { calls: [], text }
  );
}

/**
 * Take reasoning out of an answer's text: every `<think>…</think>` block, an unclosed `<think>` to the end, and
 * text before a lone `</think>` (templates that open the block in the prompt). The reasoning is returned apart.
 */
export function splitReasoning(text: string): { text: string; reasoning?: string } {
  if (!/<\/?think>/.test(text)) return { text };
  const parts: string[] = [];
  let rest = text;
  const lone = rest.indexOf("</think>");
  const open = rest.indexOf("<think>");
  if (lone >= 0 && (open < 0 || lone < open)) {
    parts.push(rest.slice(0, lone));
    rest = rest.slice(lone + "</think>".length);
  }
  rest = rest.replace(/<think>([\s\S]*?)(?:<\/think>|$)/g, (_m, inner: string) => {
    parts.push(inner);
    return "";
  });
  const reasoning = parts
    .map((p) => p.trim())
    .filter((p) => p !== "")
    .join("\n\n");
  return reasoning === "" ? { text: rest.trim() } : { text: rest.trim(), reasoning };
}
