/**
 * What every export format shares: the record -> rows / row -> messages contract, and small helpers.
 */
import { makeCallId, ToolflowError } from "../../core/index.js";
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

export interface ExportFormat {
  name: ExportFormatName;
  /** One line for the dataset card. */
  description: string;
  /** Rows (JSONL lines) for one dialogue record. */
  toRows(record: DialogueRecord): unknown[];
  /** Read one row back into messages (the inverse of toRows, up to what the format cannot carry). */
  fromRow(row: unknown): ParsedDialogue;
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

/** Inverse of contentValue: strings stay as they are, anything else becomes compact JSON. */
export function valueToContent(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** Call ids for parsed dialogues (formats that do not carry ids): sequential, 9 alphanumeric characters each. */
export class CallIds {
  private n = 0;
  next(): string {
    this.n++;
    return makeCallId(`call/${this.n}`);
  }
}

export function isRecord(x: unknown): x is Record<string, unknown> {
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
): Generator<
  | { kind: "user"; content: string }
  | { kind: "text"; content: string }
  | { kind: "calls"; content: string | null; calls: ToolCall[]; results: string[] }
> {
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as Message;
    if (m.role === "user") yield { kind: "user", content: m.content };
    else if (m.role === "assistant") {
      const calls = m.tool_calls ?? [];
      if (calls.length === 0) {
        yield { kind: "text", content: m.content ?? "" };
        continue;
      }
      const byId = new Map<string, string>();
      let j = i + 1;
      for (; j < messages.length; j++) {
        const t = messages[j] as Message;
        if (t.role !== "tool") break;
        byId.set(t.tool_call_id, t.content);
      }
      yield { kind: "calls", content: m.content, calls, results: calls.map((c) => byId.get(c.id) ?? "") };
      i = j - 1;
    }
    // system messages are handled by the caller; stray tool messages cannot occur in verified dialogues
  }
}
