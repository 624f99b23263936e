/**
 * What every export format shares: the record -> rows / row -> messages contract, and small helpers.
 */
import { ToolflowError } from "../../core/index.js";
import type { DialogueRecord, JsonSchema, Message, ToolCall, ToolSpec } from "../../core/index.js";


export const EXPORT_FORMATS = ["openai", "sharegpt", "hermes", "llama31", "xlam"] as const;
export type ExportFormatName = (typeof EXPORT_FORMATS)[number];

/** A tool as trainers see it (OpenAI function fields). */
export interface FunctionDef {
  name: string;
  description: string;
  parameters: JsonSchema;
}

/** A dialogue read back from an exported row: optional system prompt, the other messages, the tools. */
export interface ParsedDialogue {
  system?: string;
  messages: Message[];
  tools: FunctionDef[];
}

/** How rows are written. */
export interface RowOptions {
  /**
   * `export --reasoning`: write the assistant's reasoning (DialogueRecord.reasoning) where the format has a place
   * for it. Off by default: without it no reasoning appears in any row.
   */
  reasoning?: boolean;
  /**
   * The id counter of the output file, for formats whose rows carry an integer id (xlam): each row takes the next
   * number. Without it the rows of one record are numbered from 0.
   */
  nextId?: () => number;
}

/** How a format writes, where it has a choice (`export --hermes-style`, `--tool-name`). */
export interface FormatOptions {
  /** hermes: `toolflow` (default: toolflow's Hermes layout) or `nous` (Hermes 2 Pro's `tool_use` chat template). */
  hermesStyle?: HermesStyle;
  /** openai: tool messages carry the called function's `name` (Hermes 2 Pro's template needs it). */
  toolName?: boolean;
}

export const HERMES_STYLES = ["toolflow", "nous"] as const;
export type HermesStyle = (typeof HERMES_STYLES)[number];

export interface ExportFormat {
  name: ExportFormatName;
  /** One line for the dataset card. */
  description: string;
  /** Where the format writes the assistant's reasoning with `export --reasoning` (for the dataset card). */
  reasoningPlace: string;
  /** Rows (JSONL lines) for one dialogue record. */
  toRows(record: DialogueRecord, options?: RowOptions): unknown[];
  /** Read one row back into messages (the inverse of toRows, up to what the format cannot carry). */
  fromRow(row: unknown): ParsedDialogue;
  /** Lines for the dataset card about an export of these records: what the format changed or left out, counted. */
  cardNotes?(records: DialogueRecord[]): string[];
}

/** Thrown when a row cannot be read back by a format's parser. */
export class ExportFormatError extends ToolflowError {
  constructor(format: string, message: string, options: { cause?: unknown } = {}) {
    super(`${format}: ${message}`, { code: "EXPORT_FORMAT_ERROR", cause: options.cause });
  }
}

export function functionDefs(tools: ToolSpec[]): FunctionDef[] {
  return tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters as JsonSchema }));
}

/** Split off a leading system message. */
export function splitSystem(messages: Message[]): { system: string | undefined; rest: Message[] } {
  const first = messages[0];
  if (first?.role === "system") return { system: first.content, rest: messages.slice(1) };
  return { system: undefined, rest: messages };
}

/**
 * The reasoning of each message of a record, parallel to its messages, when rows should carry it
 * (`options.reasoning` and the record has some); undefined otherwise. Only assistant messages keep an entry.
 */
export function reasoningOf(record: DialogueRecord, options: RowOptions | undefined): (string | null)[] | undefined {
  if (!options?.reasoning || !record.reasoning) return undefined;
  if (record.reasoning.length !== record.messages.length) {
    throw new ExportFormatError(
      "export",
      `dialogue ${record.id}: reasoning has ${record.reasoning.length} entries for ${record.messages.length} messages`,
    );
  }
  return assistantReasoning(record);
}

/** Each reasoning entry of a record, trimmed, where it belongs to an assistant message and is not blank; null otherwise. */
export function assistantReasoning(record: DialogueRecord): (string | null)[] {
  return (record.reasoning ?? []).map((r, i) => (record.messages[i]?.role === "assistant" && r !== null && r.trim() !== "" ? r.trim() : null));
}

/** A record's system prompt, its other messages, and (with `options.reasoning`) their reasoning, aligned with `rest`. */
export function splitRecord(
  record: DialogueRecord,
  options: RowOptions | undefined,
): { system: string | undefined; rest: Message[]; reasoning: (string | null)[] | undefined } {
  const { system, rest } = splitSystem(record.messages);
  const all = reasoningOf(record, options);
  return { system, rest, reasoning: all?.slice(record.messages.length - rest.length) };
}


/** Arguments of a call as a JSON value (the verifier guarantees they parse; fall back to the raw string). */
export function callArgs(call: ToolCall): unknown {
  try {
    return JSON.parse(call.function.arguments);
  } catch {
    return call.function.arguments;
  }
}

/** Tool result content as JSON when it is JSON, else the string itself. */
export function contentValue(content: string): unknown {
  try {
    return JSON.parse(content);
  } catch {
    return content;
  }
}

/**
 * JSON as Python's `json.dumps` writes it with its default separators (", " and ": ") and without escaping
 * non-ASCII text: the text of `tojson` in the Jinja chat templates of transformers.
 */
export function pythonJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(pythonJson).join(", ")}]`;
  if (v !== null && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}: ${pythonJson(x)}`).join(", ")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

/** Inverse of contentValue: strings stay as they are, anything else becomes compact JSON. */
export function valueToContent(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}


export function isJsonObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === "object" && !Array.isArray(x);
}

/** Build tool messages answering `calls` in order from a list of result contents. */
export function toolMessagesFor(calls: ToolCall[], contents: string[], format: string): Message[] {
  if (contents.length !== calls.length) {
    throw new ExportFormatError(format, `${contents.length} tool result(s) for ${calls.length} call(s)`);
  }
  return calls.map((c, i) => ({ role: "tool", tool_call_id: c.id, name: c.function.name, content: contents[i] as string }));
}

/**
 * Group a dialogue into assistant "actions": an assistant message with calls followed by its tool results.
 * Yields each message once with, for assistant calls, the tool messages answering them (in call order).
 */
export function* walkTurns(
  messages: Message[],
  /** Parallel to messages (splitRecord's `reasoning`): assistant turns then carry their `reasoning`. */
  reasoning?: (string | null)[],
): Generator<
  | { kind: "user"; content: string }
  | { kind: "text"; content: string; reasoning?: string }
  | { kind: "calls"; content: string | null; calls: ToolCall[]; results: string[]; reasoning?: string }
> {
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as Message;
    if (m.role === "user") yield { kind: "user", content: m.content };
    else if (m.role === "assistant") {
      const calls = m.tool_calls ?? [];
      const r = reasoning?.[i];
      const thought = r ? { reasoning: r } : {};
      if (calls.length === 0) {
        yield { kind: "text", content: m.content ?? "", ...thought };
        continue;
      }
      const byId = new Map<string, string>();
      let j = i + 1;
      for (; j < messages.length; j++) {
        const t = messages[j] as Message;
        if (t.role !== "tool") break;
        byId.set(t.tool_call_id, t.content);
      }
      yield { kind: "calls", content: m.content, calls, results: calls.map((c) => byId.get(c.id) ?? ""), ...thought };
      i = j - 1;
    }
    // system messages are handled by the caller; stray tool messages cannot occur in verified dialogues
  }
}
