/**
 * Llama 3.1 prompt text, rendered from a chat template with @huggingface/jinja: the bundled
 * templates/llama31.jinja (Meta's documented JSON tool-calling layout) or a model's own template
 * (`--chat-template FILE`: a .jinja file or a tokenizer_config.json with `chat_template`). Rows are {text}.
 * The parser reads the bundled template's layout back. With `export --reasoning`, assistant messages reach the
 * template with `reasoning_content`: the bundled Llama 3.1 template has no place for it and writes none; a model's
 * own template that reads it (Qwen3, DeepSeek-R1 distills) renders it where that model expects it.
 */
import { existsSync, readFileSync } from "node:fs";
import { Template } from "@huggingface/jinja";
import { InputError, ToolflowError } from "../../core/index.js";
import { packagePath } from "../../core/index.js";
import { jsonTextCalls, jsonValueEnd } from "../../llm/index.js";
import type { DialogueRecord, Message, ToolCall } from "../../core/index.js";
import {
  CallIds,
  ExportFormatError,
  callArgs,
  functionDefs,
  isRecord,
  reasoningOf,
  type ExportFormat,
  type RowOptions,
  type FunctionDef,
  type ParsedDialogue,
} from "./common.js";

export const BOS = "<|begin_of_text|>";

function findTemplateFile(name: string): string {
  const file = packagePath("templates", name);
  if (!existsSync(file)) throw new ToolflowError(`bundled chat template templates/${name} not found`, { code: "TEMPLATE_NOT_FOUND" });
  return file;
}

/** The chat template text of a file: a Jinja file, or tokenizer_config.json's `chat_template` (string or named list). */
export function readChatTemplate(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new InputError(`cannot read chat template (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { file, cause: err });
  }
  if (!file.endsWith(".json")) return text;
  let cfg: unknown;
  try {
    cfg = JSON.parse(text);
  } catch (err) {
    throw new InputError(`invalid JSON: ${(err as Error).message}`, { file, cause: err });
  }
  const ct = isRecord(cfg) ? cfg.chat_template : undefined;
  if (typeof ct === "string") return ct;
  if (Array.isArray(ct)) {
    const named = new Map<string, string>();
    for (const t of ct) if (isRecord(t) && typeof t.name === "string" && typeof t.template === "string") named.set(t.name, t.template);
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

let bundled: Template | undefined;
function bundledTemplate(): Template {
  bundled ??= compileChatTemplate(readFileSync(findTemplateFile("llama31.jinja"), "utf8"), "templates/llama31.jinja");
  return bundled;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "01 May 2024" from an ISO timestamp (Meta's Today Date line); today's date when it does not parse. */
export function dateString(iso: string): string {
  const d = new Date(iso);
  const ok = !Number.isNaN(d.getTime()) ? d : new Date();
  return `${String(ok.getUTCDate()).padStart(2, "0")} ${MONTHS[ok.getUTCMonth()]} ${ok.getUTCFullYear()}`;
}

/** Messages as chat templates expect them: tool call arguments as objects; reasoning (when given) as `reasoning_content`. */
function templateMessages(messages: Message[], reasoning?: (string | null)[]): unknown[] {
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
    return m;
  });
}

/** Render one record with a chat template. */
export function renderLlama31(record: DialogueRecord, template?: Template, options?: RowOptions): string {
  const t = template ?? bundledTemplate();
  const reasoning = reasoningOf(record, options);
  try {
    return t.render({
      messages: templateMessages(record.messages, reasoning),
      tools: functionDefs(record.tools).map((f) => ({ type: "function", function: f })),
      bos_token: BOS,
      eos_token: "<|eot_id|>",
      add_generation_prompt: false,
      date_string: dateString(record.createdAt),
    });
  } catch (err) {
    throw new ToolflowError(`chat template failed on dialogue ${record.id}: ${(err as Error).message}`, {
      code: "CHAT_TEMPLATE_ERROR",
      cause: err,
    });
  }
}

const BLOCK_RE = /<\|start_header_id\|>([a-z_]+)<\|end_header_id\|>\n\n([\s\S]*?)<\|(?:eot_id|eom_id)\|>/g;
const TOOLS_INTRO = "You have access to the following functions.";

function parseSystem(content: string): { system?: string; tools: FunctionDef[] } {
  let rest = content.replace(/^Cutting Knowledge Date:[^\n]*\n/, "").replace(/^Today Date:[^\n]*\n\n?/, "");
  const tools: FunctionDef[] = [];
  if (rest.startsWith(TOOLS_INTRO)) {
    const para = rest.indexOf("\n\n");
    rest = para >= 0 ? rest.slice(para + 2) : "";
    while (rest.startsWith("{")) {
      const end = jsonValueEnd(rest, 0);
      if (end < 0) break;
      const v = JSON.parse(rest.slice(0, end)) as unknown;
      tools.push((isRecord(v) && isRecord(v.function) ? v.function : v) as unknown as FunctionDef);
      rest = rest.slice(end).replace(/^\n\n/, "");
    }
  }
  const system = rest.trim();
  return { ...(system !== "" ? { system } : {}), tools };
}

/** Tool call(s) written as {"name", "parameters"} or a list of them; undefined when the text is not that. */
function parseCalls(text: string, ids: CallIds): ToolCall[] | undefined {
  return jsonTextCalls(text)?.map((c) => ({ id: ids.next(), type: "function" as const, function: c }));
}

export const llama31Format: ExportFormat = {
  name: "llama31",
  description:
    "Llama 3.1 prompt text ({text}) rendered with a chat template: tools in the system prompt, {\"name\", \"parameters\"} calls, results in the ipython role.",
  reasoningPlace:
    "`reasoning_content` handed to the chat template: none with the bundled Llama 3.1 template; where a --chat-template that reads it puts it",
  toRows(record: DialogueRecord, options) {
    return [{ text: renderLlama31(record, undefined, options) }];
  },
  fromRow(row: unknown): ParsedDialogue {
    if (!isRecord(row) || typeof row.text !== "string") throw new ExportFormatError("llama31", "row has no text");
    const ids = new CallIds();
    const messages: Message[] = [];
    let system: string | undefined;
    let tools: FunctionDef[] = [];
    let pending: ToolCall[] = [];
    for (const m of row.text.matchAll(BLOCK_RE)) {
      const role = m[1];
      const content = m[2] ?? "";
      if (role === "system") ({ system, tools } = parseSystem(content));
      else if (role === "user") messages.push({ role: "user", content });
      else if (role === "assistant") {
        const calls = parseCalls(content, ids);
        if (calls) {
          pending = [...calls];
          messages.push({ role: "assistant", content: null, tool_calls: calls });
        } else messages.push({ role: "assistant", content });
      } else if (role === "ipython") {
        const call = pending.shift();
        if (!call) throw new ExportFormatError("llama31", "ipython turn without a pending call");
        messages.push({ role: "tool", tool_call_id: call.id, name: call.function.name, content });
      } else throw new ExportFormatError("llama31", `unknown role "${role}"`);
    }
    return { ...(system !== undefined ? { system } : {}), messages, tools };
  },
};

/** A llama31 format that renders with a given (e.g. a model's own) chat template. */
export function llama31WithTemplate(template: Template): ExportFormat {
  return {
    ...llama31Format,
    toRows: (record: DialogueRecord, options?: RowOptions) => [{ text: renderLlama31(record, template, options) }],
  };
}
