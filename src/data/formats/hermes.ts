/**
 * Hermes function calling (NousResearch, hermes-function-calling-v1): ShareGPT-style `conversations` with
 * from system / human / gpt / tool. The system turn carries the tool signatures inside <tools></tools>; the
 * assistant calls tools with <tool_call>{"name": ..., "arguments": {...}}</tool_call> (one tag per call, several
 * for parallel calls, after any text); results come back in one `tool` turn as
 * <tool_response>{"name": ..., "content": ...}</tool_response> tags, in call order. With `export --reasoning`, a gpt
 * turn starts with the model's reasoning in <think>…</think> (as Hermes-3 / Qwen3 reasoning templates write it);
 * the parser takes that block off again.
 *
 * `--hermes-style nous` writes, turn by turn, the text Hermes 2 Pro's `tool_use` chat template
 * (NousResearch/Hermes-2-Pro-Llama-3-8B, as llama.cpp ships it in models/templates/; Hermes 3's is the same file)
 * renders for the same messages under transformers' Jinja, so a model tuned on it sees at training what it is
 * served with: the template's system sentence with `<tools> … </tools>` (each tool as the template writes it: a
 * Python-like signature and its Args in the description, the parameters as `tojson`), the pydantic sentence (with
 * the template's extra closing brace), calls as <tool_call>\n{"name": "…", "arguments": …}\n</tool_call> with no
 * text beside them (the template drops it), and one `tool` turn holding every result of a call turn as
 * <tool_response>\nRESULT\n</tool_response>\n, the result as it is. test/support/real-templates.ts renders the real
 * template to check this; docs/verify-export.md lists the template's slips that are kept.
 */
import type { DialogueRecord, Message, ToolCall } from "../../core/index.js";
import { ExportFormatError, callArgs, contentValue, functionDefs, isJsonObject, splitRecord, walkTurns, pythonJson, type ExportFormat, type FunctionDef, type HermesStyle } from "./common.js";
import { takeThink, thinkBlock } from "../../core/index.js";
import { pyDumpsText } from "./python-json.js";

import { z } from "zod";
import { ShareGptRowZ } from "./sharegpt.js";
import {
  blockCalls,
  fromRowWith,
  Ids,
  isObj,
  jsonObjects,
  parseLooseJson,
  PendingCalls,
  RowError,
  toolList,
  valueText,
  type DataFormat,
  type DatasetTool,
  type ReadDialogue,
  type RowContext
} from "./read-helpers.js";

export const HERMES_PREAMBLE =
  "You are a function calling AI model. You are provided with function signatures within <tools></tools> XML tags. " +
  "You may call one or more functions to assist with the user query. Don't make assumptions about what values to " +
  "plug into functions. Here are the available tools:";
export const HERMES_INSTRUCTIONS =
  "For each function call return a json object with function name and arguments within <tool_call></tool_call> " +
  'XML tags as follows:\n<tool_call>\n{"name": <function-name>, "arguments": <args-dict>}\n</tool_call>';

type Turn = { from: "system" | "human" | "gpt" | "tool"; value: string };

export function hermesSystemPrompt(tools: FunctionDef[], system: string | undefined): string {
  const toolJson = JSON.stringify(tools.map((f) => ({ type: "function", function: f })));
  const base = `${HERMES_PREAMBLE} <tools>\n${toolJson}\n</tools>\n${HERMES_INSTRUCTIONS}`;
  return system !== undefined && system.trim() !== "" ? `${base}\n\n${system}` : base;
}

/** The opening of Hermes 2 Pro's tool_use system prompt, up to its <tools> block. */
export const NOUS_PREAMBLE =
  "You are a function calling AI model. You are provided with function signatures within <tools></tools> XML tags. " +
  "You may call one or more functions to assist with the user query. Don't make assumptions about what values to " +
  "plug into functions. Here are the available tools: <tools> ";
/**
 * What follows the <tools> block: the pydantic sentence (its schema closed by one brace too many, as the template
 * has it) and the call format.
 */
export const NOUS_AFTER_TOOLS =
  " </tools>Use the following pydantic model json schema for each tool call you will make: " +
  '{"properties": {"name": {"title": "Name", "type": "string"}, "arguments": {"title": "Arguments", "type": "object"}}, ' +
  '"required": ["name", "arguments"], "title": "FunctionCall", "type": "object"}}\n' +
  "For each function call return a json object with function name and arguments within <tool_call></tool_call> XML tags as follows:\n" +
  '<tool_call>\n{"name": <function-name>, "arguments": <args-dict>}\n</tool_call>';

const PY_TYPES: Record<string, string> = { string: "str", number: "float", integer: "int", boolean: "bool" };

/**
 * A JSON Schema as the template's `json_to_python_type` names it under transformers' (Python) Jinja: str, float,
 * int, bool, dict, dict[str, …], Union[str,int]. Kept as the template has them: an array is `list[Union[]]`
 * whatever its items (the macro recurses on `json_spec|items`, the schema's key-value pairs, not on its `items`, and
 * an undefined type counts as an empty iterable), and so is any schema without `type` `Union[]`. A type name the
 * map does not know (`"null"`) makes the macro recurse without end (a RecursionError); toolflow writes `Any` there.
 */
export function nousPythonType(schema: unknown): string {
  const t = isJsonObject(schema) ? schema.type : undefined;
  if (t === undefined) return "Union[]";
  if (typeof t === "string" && PY_TYPES[t]) return PY_TYPES[t] as string;
  if (t === "array") return "list[Union[]]";
  if (t === "object") {
    const extra = (schema as Record<string, unknown>).additionalProperties;
    return extra === undefined ? "dict" : `dict[str, ${nousPythonType(extra)}]`;
  }
  if (Array.isArray(t)) return `Union[${t.map((x) => nousPythonType({ type: x })).join(",")}]`;
  return "Any";
}

function nousProperties(f: FunctionDef): Array<[string, Record<string, unknown>]> {
  const props = isJsonObject(f.parameters.properties) ? f.parameters.properties : {};
  return Object.entries(props).map(([k, v]) => [k, isJsonObject(v) ? v : {}]);
}

/** The part of a tool's description the template writes before the tool's own description. */
function nousSignature(f: FunctionDef): string {
  const params = nousProperties(f).map(([k, v]) => `${k}: ${nousPythonType(v)}`);
  return `${f.name}(${params.join(", ")}) - `;
}

/** The part after it: a blank line and the Args (the template writes no line break between two of them). */
function nousArgs(f: FunctionDef): string {
  const props = nousProperties(f);
  const args = props.map(([k, v]) => `        ${k}(${nousPythonType(v)}): ${typeof v.description === "string" ? v.description.trim() : ""}`);
  return `\n\n${props.length > 0 ? `    Args:\n${args.join("")}` : ""}`;
}

/** One tool as the template writes it inside <tools> (its text, not JSON: the description is not escaped, one brace is left open). */
export function nousTool(f: FunctionDef): string {
  const params = nousProperties(f).length === 0 ? "{}" : pythonJson(f.parameters);
  return `{"type": "function", "function": {"name": "${f.name}", "description": "${nousSignature(f)}${f.description}${nousArgs(f)}", "parameters": ${params}}`;
}

export function nousSystemPrompt(tools: FunctionDef[]): string {
  return `${NOUS_PREAMBLE}${tools.map(nousTool).join("\n")}${NOUS_AFTER_TOOLS}`;
}

/** Read the tools back from a nous system prompt (the inverse of nousSystemPrompt; also the template's earlier revision). */
function nousTools(value: string): FunctionDef[] {
  const start = value.indexOf(NOUS_PREAMBLE);
  const end = value.lastIndexOf(" </tools>Use the following pydantic model");
  if (start < 0 || end < start) throw new ExportFormatError("hermes", "system turn: no Hermes 2 Pro <tools> block");
  const block = value.slice(start + NOUS_PREAMBLE.length, end);
  const head = '{"type": "function", "function": {"name": "';
  const starts: number[] = [];
  for (let at = block.indexOf(head); at >= 0; at = block.indexOf(head, at + 1)) {
    if (at === 0 || block[at - 1] === "\n") starts.push(at);
  }
  return starts.map((at, k) => {
    const chunk = block.slice(at + head.length, k + 1 < starts.length ? (starts[k + 1] as number) - 1 : block.length);
    const nameEnd = chunk.indexOf('", "description": "');
    const paramsAt = chunk.lastIndexOf('", "parameters": ');
    if (nameEnd < 0 || paramsAt < nameEnd || !chunk.endsWith("}")) throw new ExportFormatError("hermes", `system turn: tool ${k + 1} is not as the template writes it`);
    const name = chunk.slice(0, nameEnd);
    let parameters: FunctionDef["parameters"];
    try {
      parameters = JSON.parse(chunk.slice(paramsAt + '", "parameters": '.length, -1)) as FunctionDef["parameters"];
    } catch (err) {
      throw new ExportFormatError("hermes", `system turn: the parameters of ${name} are not JSON`, { cause: err });
    }
    const text = chunk.slice(nameEnd + '", "description": "'.length, paramsAt);
    const probe: FunctionDef = { name, description: "", parameters };
    const before = nousSignature(probe);
    const after = nousArgs(probe);
    const description = text.startsWith(before) && text.endsWith(after) ? text.slice(before.length, text.length - after.length) : text;
    return { name, description, parameters };
  });
}

/** A call's arguments as the template's `tool_call.arguments|tojson` writes the object a server decoded (Python's json.dumps). */
function nousArguments(call: ToolCall): string {
  try {
    return pyDumpsText(call.function.arguments);
  } catch {
    return pythonJson(callArgs(call));
  }
}

function hermesRows(style: HermesStyle): ExportFormat["toRows"] {
  return (record: DialogueRecord, options) => {
    const { system, rest, reasoning } = splitRecord(record, options);
    const defs = functionDefs(record.tools);
    const conversations: Turn[] =
      style === "nous"
        ? [{ from: "system", value: nousSystemPrompt(defs) }, ...(system !== undefined && system.trim() !== "" ? [{ from: "system" as const, value: system }] : [])]
        : [{ from: "system", value: hermesSystemPrompt(defs, system) }];
    for (const t of walkTurns(rest, reasoning)) {
      if (t.kind === "user") conversations.push({ from: "human", value: t.content });
      else if (t.kind === "text") conversations.push({ from: "gpt", value: thinkBlock(t.reasoning) + t.content });
      else if (style === "nous") {
        // the template writes no text beside calls, and every result of the turn in one tool turn, as it is
        const tags = t.calls.map((c) => `<tool_call>\n{"name": "${c.function.name}", "arguments": ${nousArguments(c)}}\n</tool_call>`);
        conversations.push({ from: "gpt", value: thinkBlock(t.reasoning) + tags.join("\n") });
        conversations.push({ from: "tool", value: t.results.map((r) => `<tool_response>\n${r}\n</tool_response>\n`).join("") });
      } else {
        const tags = t.calls.map((c) => `<tool_call>\n${JSON.stringify({ name: c.function.name, arguments: callArgs(c) })}\n</tool_call>`);
        const text = t.content?.trim() ? `${t.content.trim()}\n` : "";
        conversations.push({ from: "gpt", value: thinkBlock(t.reasoning) + text + tags.join("\n") });
        const responses = t.calls.map(
          (c, i) => `<tool_response>\n${JSON.stringify({ name: c.function.name, content: contentValue(t.results[i] ?? "") })}\n</tool_response>`,
        );
        conversations.push({ from: "tool", value: responses.join("\n") });
      }
    }
    return [{ id: record.id, conversations }];
  };
}

const hermesBase = {
  name: "hermes" as const,
  reasoningPlace: "<think>…</think> at the start of gpt turns",
  fromRow: (row: unknown) => fromRowWith(hermesReader)(row),
};

export const hermesFormat: ExportFormat = {
  ...hermesBase,
  description:
    "Hermes function calling (NousResearch): `conversations` with a system prompt holding <tools>, <tool_call> tags in gpt turns, <tool_response> tags in tool turns.",
  toRows: hermesRows("toolflow"),
};

/** `--hermes-style nous`: the text of Hermes 2 Pro's tool_use chat template. */
export const hermesNousFormat: ExportFormat = {
  ...hermesBase,
  description:
    "Hermes function calling as Hermes 2 Pro's `tool_use` chat template writes it (`--hermes-style nous`): its system prompt with <tools> and the pydantic sentence, <tool_call> tags in gpt turns, one tool turn per call turn with each result as it is in <tool_response> tags.",
  toRows: hermesRows("nous"),
  cardNotes(records) {
    const beside = records.reduce(
      (n, r) => n + r.messages.filter((m) => m.role === "assistant" && (m.tool_calls?.length ?? 0) > 0 && (m.content ?? "").trim() !== "").length,
      0,
    );
    return beside === 0
      ? []
      : [`${beside} assistant turn${beside === 1 ? "" : "s"} with text beside the calls: Hermes 2 Pro's template does not write it, and it is not written (\`--hermes-style nous\`).`];
  },
};

// ---------------------------------------------------------------- reading (toolflow's export, Hermes 2 Pro's template, public Hermes rows)

const TAG = (tag: string): RegExp => new RegExp(`<${tag}>\\s*([\\s\\S]*?)\\s*</${tag}>`, "g");
const HERMES_INSTRUCTIONS_END = "</tool_call>";

function fromHermes(row: z.infer<typeof ShareGptRowZ>, ctx: RowContext): ReadDialogue {
  const ids = new Ids();
  const pending = new PendingCalls(ids, ctx.note);
  const messages: Message[] = [];
  let tools: DatasetTool[] = [];
  // Hermes 2 Pro's template (its current revision) writes each result as it is; other rows wrap it in {name, content}
  let rawResults = false;
  row.conversations.forEach((t, i) => {
    const value = t.value;
    if (t.from === "system") {
      if (value.includes(NOUS_AFTER_TOOLS)) rawResults = true;
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
        // Hermes 2 Pro's template (`--hermes-style nous`) writes descriptions unescaped (not JSON): read them as it
        // writes them; other lists as (loose) JSON, else the tool names at least
        tools = value.includes(NOUS_PREAMBLE) ? nousToolsOrNone(value) : [];
        if (tools.length === 0) tools = toolList(Array.isArray(list) ? list : [list], ctx.note);
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
      const calls = tags.flatMap((c) => blockCalls(c[1] ?? "", ids));
      pending.set(calls);
      // the text the assistant wrote beside its calls, before, between or after the tags
      const text = said.replace(TAG("tool_call"), "\n").replace(/\n{2,}/g, "\n").trim();
      messages.push({ role: "assistant", content: text === "" ? null : text, tool_calls: calls });
    } else if (t.from === "tool") {
      const contents = [...value.matchAll(TAG("tool_response"))].map((m) => {
        if (rawResults) return m[1] ?? "";
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

function nousToolsOrNone(value: string): DatasetTool[] {
  try {
    return nousTools(value);
  } catch {
    return [];
  }
}

/** ShareGPT-like rows in Hermes' layout: a `tool` turn, <tools> in the system turn, or <tool_call> tags (and no ShareGPT roles). */
function isHermes(row: Record<string, unknown>): boolean {
  if (!Array.isArray(row.conversations)) return false;
  const turns = row.conversations;
  const froms = new Set(turns.map((t) => (isObj(t) ? t.from : undefined)));
  if (froms.has("function_call") || froms.has("observation")) return false;
  if (froms.has("tool")) return true;
  const sys = turns.find((t) => isObj(t) && t.from === "system");
  if (isObj(sys) && typeof sys.value === "string" && sys.value.includes("<tools>")) return true;
  return turns.some((t) => isObj(t) && typeof t.value === "string" && t.value.includes("<tool_call>"));
}

export const hermesReader: DataFormat<z.infer<typeof ShareGptRowZ>> = {
  name: "hermes",
  expected: "a Hermes row {conversations: [{from: system|human|gpt|tool, value}]}",
  detect: isHermes,
  schema: ShareGptRowZ,
  read: fromHermes,
};
