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
 * repaired: see `normalizeArguments`).
 */
import { jsonrepair } from "jsonrepair";

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

/** Parse JSON, or repair it when it is almost JSON; undefined when neither works. */
export function parseAlmostJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    try {
      return JSON.parse(jsonrepair(text));
    } catch {
      return undefined;
    }
  }
}

/**
 * Tool-call arguments as a JSON string: an object is serialized, a JSON string is kept, a string that is almost
 * JSON (a missing closing brace, single quotes, a trailing comma) is repaired; anything else is kept as sent so
 * the caller's check can say what is wrong. Absent arguments are `{}`.
 */
export function normalizeArguments(args: unknown): string {
  if (args === undefined || args === null) return "{}";
  if (typeof args !== "string") return JSON.stringify(args);
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

function isRecord(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === "object" && !Array.isArray(x);
}

/** End of the JSON value starting at `i` (any kind), or -1. */
function valueEnd(text: string, i: number): number {
  const ch = text[i];
  if (ch === "{" || ch === "[") return jsonValueEnd(text, i);
  if (ch === '"') {
    for (let j = i + 1; j < text.length; j++) {
      if (text[j] === "\\") j++;
      else if (text[j] === '"') return j + 1;
    }
    return -1;
  }
  const m = /^[^,}\]\s]+/.exec(text.slice(i));
  return m ? i + m[0].length : -1;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && /\s/.test(text[i]!)) i++;
  return i;
}

/** The members of the JSON object at `start` as raw text spans (undefined when it is not plain JSON). */
function rawMembers(text: string, start: number): Map<string, string> | undefined {
  const out = new Map<string, string>();
  let i = skipSpace(text, start);
  if (text[i] !== "{") return undefined;
  i = skipSpace(text, i + 1);
  if (text[i] === "}") return out;
  for (;;) {
    if (text[i] !== '"') return undefined;
    const keyEnd = valueEnd(text, i);
    if (keyEnd < 0) return undefined;
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipSpace(text, keyEnd);
    if (text[i] !== ":") return undefined;
    i = skipSpace(text, i + 1);
    const end = valueEnd(text, i);
    if (end < 0) return undefined;
    out.set(key, text.slice(i, end));
    i = skipSpace(text, end);
    if (text[i] === "}") return out;
    if (text[i] !== ",") return undefined;
    i = skipSpace(text, i + 1);
  }
}

/**
 * The arguments of each call in `text` (one call object or a list of them) as the model wrote them, so that a
 * number written 2.0 stays 2.0 (re-serializing parsed JSON would make it 2); undefined when not plain JSON.
 */
function rawArguments(text: string): Array<string | undefined> | undefined {
  const t = text.trim();
  const objects: number[] = [];
  if (t.startsWith("[")) {
    let i = skipSpace(t, 1);
    while (i < t.length && t[i] !== "]") {
      if (t[i] !== "{") return undefined;
      objects.push(i);
      const end = jsonValueEnd(t, i);
      if (end < 0) return undefined;
      i = skipSpace(t, end);
      if (t[i] === ",") i = skipSpace(t, i + 1);
    }
  } else objects.push(0);
  return objects.map((at) => {
    let members = rawMembers(t, at);
    const fn = members?.get("function");
    if (fn !== undefined && fn.startsWith("{")) members = rawMembers(fn, 0);
    const raw = members?.get("arguments") ?? members?.get("parameters") ?? members?.get("args");
    if (raw === undefined || !raw.startsWith("{")) return undefined;
    try {
      JSON.parse(raw);
      return raw;
    } catch {
      return undefined;
    }
  });
}

/** Calls in a value parsed from `text`, with the arguments' own text where it is plain JSON. */
function callsFromText(value: unknown, text: string): TextToolCall[] | undefined {
  const calls = callsFrom(value);
  if (!calls) return undefined;
  let raws: Array<string | undefined> | undefined;
  try {
    raws = rawArguments(text);
  } catch {
    raws = undefined;
  }
  if (!raws || raws.length !== calls.length) return calls;
  return calls.map((c, i) => (raws[i] !== undefined ? { ...c, arguments: raws[i] } : c));
}

function callFrom(value: unknown): TextToolCall | undefined {
  if (!isRecord(value)) return undefined;
  const fn = isRecord(value.function) ? value.function : value;
  const name = fn.name;
  if (typeof name !== "string" || name === "") return undefined;
  const args = fn.arguments ?? fn.parameters ?? fn.args;
  if (args !== undefined && typeof args !== "string" && !isRecord(args)) return undefined;
  // Only name / arguments (and wrapper keys): an object with other content is not a call.
  const extra = Object.keys(fn).filter((k) => !["name", "arguments", "parameters", "args", "id", "type"].includes(k));
  if (extra.length > 0) return undefined;
  return { name, arguments: normalizeArguments(args) };
}

/** Calls in a parsed value: one call object, or a non-empty list of them. */
function callsFrom(value: unknown): TextToolCall[] | undefined {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) return undefined;
  const calls: TextToolCall[] = [];
  for (const v of list) {
    const c = callFrom(v);
    if (!c) return undefined;
    calls.push(c);
  }
  return calls;
}

/** All JSON values in `text` (from `{` / `[`), each parsed (repaired when almost JSON); unclosed: to the end. */
function jsonValuesIn(text: string): Array<{ value: unknown; text: string }> {
  const out: Array<{ value: unknown; text: string }> = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch !== "{" && ch !== "[") {
      i++;
      continue;
    }
    const end = jsonValueEnd(text, i);
    const raw = text.slice(i, end < 0 ? text.length : end);
    const v = parseAlmostJson(raw);
    if (v !== undefined) out.push({ value: v, text: raw });
    if (end < 0) break;
    i = end;
  }
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
      const cs = callsFromText(v.value, v.text);
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
    const cs = callsFromText(v.value, v.text);
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
      const cs = callsFromText(parseAlmostJson(raw), raw);
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
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch !== "{" && ch !== "[") {
      i++;
      continue;
    }
    const end = jsonValueEnd(text, i);
    const raw = text.slice(i, end < 0 ? text.length : end);
    const value = parseAlmostJson(raw);
    const cs = callsFromText(value, raw);
    if (cs && cs.every((c) => toolNames.has(c.name))) {
      calls.push(...cs);
      spans.push({ start: i, end: end < 0 ? text.length : end });
      if (end < 0) break;
      i = end;
    } else if (end > 0 && value !== undefined) i = end; // other JSON: not a call, nor are the objects inside it
    else i++;
  }
  return calls.length > 0 ? { calls, text: cut(text, spans), format: "json" } : undefined;
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
