/**
 * ToolAgent: simulates each tool call's result from the tool's documentation and `returns` schema, consistent
 * with the arguments and with earlier results of the same dialogue (ids and values created earlier are passed in
 * the prompt, so an id stays the same id). With a configurable rate it returns a realistic error instead
 * ({"error": "..."}), so the data teaches recovery.
 */
import type { JsonSchema, Message, ToolSpec } from "../core/index.js";
import { generateObject, validateAgainst, type ChatModel, type Checked } from "../llm/index.js";
import { noUsableAnswer } from "./common.js";
import { toolView } from "./planner.js";
import { renderPrompt } from "./prompts.js";
import type { AgentThread, CallRecord, KnownField, ToolContext } from "./state.js";
import { isRecord, normalizeSchema } from "./tool-schema.js";

export const TOOL_ERROR_SCHEMA: JsonSchema = {
  type: "object",
  properties: { error: { type: "string", description: "What went wrong, as the service would say it." } },
  required: ["error"],
  additionalProperties: false,
};

/** The schema a tool's result must match: its normalized `returns`, wrapped as {result: ...} when not an object. */
export function resultSchema(tool: ToolSpec): { schema: JsonSchema; wrapped: boolean } {
  if (!tool.returns) return { schema: { type: "object" }, wrapped: false };
  const s = normalizeSchema(tool.returns);
  const isObject = s.type === "object" || (s.type === undefined && isRecord(s.properties));
  if (isObject) return { schema: s, wrapped: false };
  return { schema: { type: "object", properties: { result: s }, required: ["result"] }, wrapped: true };
}

/**
 * The structured-output schema of every tool-agent request of a dialogue: an error, or the result of one of its
 * tools (each as `resultSchema` makes it).
 */
export function dialogueResultSchema(tools: readonly ToolSpec[]): JsonSchema {
  const seen = new Set<string>();
  const anyOf: JsonSchema[] = [];
  for (const s of [TOOL_ERROR_SCHEMA, ...tools.map((t) => resultSchema(t).schema)]) {
    const key = JSON.stringify(s);
    if (seen.has(key)) continue;
    seen.add(key);
    anyOf.push(s);
  }
  return anyOf.length === 1 ? anyOf[0]! : { anyOf };
}

/** One call to simulate. */
export interface ToolCallInput {
  seed: number;
  tool: ToolSpec;
  arguments: Record<string, unknown>;
  callId: string;
  /** Return a realistic error instead of a result. */
  injectError: boolean;
  /** Values created or passed earlier in the dialogue (the tool agent's per-dialogue state). */
  known: KnownField[];
  history: CallRecord[];
  /** Sent as the request's cacheKey (the dialogue's requests of this agent share a prompt prefix). */
  cacheKey?: string;
  /** The dialogue's tools (all simulated by one system message); default: the called tool alone. */
  tools?: ToolSpec[];
  /**
   * The tool agent's own conversation in this dialogue: each call and its result are appended, so the next call
   * extends the previous request and sees every earlier result. Earlier calls not in the thread (and the values
   * they made) are listed in the call's message instead.
   */
  thread?: AgentThread;
  temperature?: number;
  signal?: AbortSignal;
}

export interface ToolCallOutput {
  /** The JSON value the tool message carries. */
  result: unknown;
  ok: boolean;
  error?: string;
}

/** A value reported as a tool error: {"error": "..."} (alone or with a code/status). */
export function toolErrorText(result: unknown): string | undefined {
  if (!isRecord(result)) return undefined;
  const e = result.error;
  if (typeof e === "string" && e.trim() !== "") return e;
  if (isRecord(e) && typeof e.message === "string") return e.message;
  return undefined;
}

export class ToolAgent {
  constructor(
    private readonly model: ChatModel,
    private readonly maxAttempts = 2,
  ) {}

  async call(input: ToolCallInput): Promise<ToolCallOutput> {
    const { schema, wrapped } = resultSchema(input.tool);
    const target = input.injectError ? TOOL_ERROR_SCHEMA : schema;
    // Fixed for the dialogue first (role instructions, every tool's documentation), then the session's calls and
    // results as messages, the new call last: each request extends the previous one (prompt caching).
    const system = renderPrompt("tool", { tools: (input.tools ?? [input.tool]).map(toolView) });
    const thread = input.thread ?? { messages: [], seen: 0, count: 0 };
    const inThread = new Set(thread.callIds ?? []);
    const outside = thread.callIds ? input.history.filter((c) => !inThread.has(c.callId)) : input.history.slice(thread.count);
    const outsideIds = new Set(outside.map((c) => c.callId));
    const earlier = outside
      .slice(-12)
      .map((c) => `${c.tool}(${JSON.stringify(c.arguments)}) -> ${JSON.stringify(c.result).slice(0, 400)}`);
    const ids = input.known
      .filter((k) => k.from === "result" && outsideIds.has(k.callId))
      .slice(-40)
      .map((k) => `${k.path} = ${JSON.stringify(k.value)}`);
    const callMessage: Message = {
      role: "user",
      content: renderPrompt("tool_call", {
        call: `${input.tool.name}(${JSON.stringify(input.arguments)})`,
        earlier,
        known: ids,
        name: input.tool.name,
        injectError: input.injectError,
        wrapped,
      }),
    };
    // The structured-output schema is part of the cached prefix on some servers (OpenAI puts it before the
    // messages), so it is the same for every call of the dialogue: any result of its tools, or an error. The
    // answer is then checked against this call's own schema (and re-asked with the problems).
    const format = input.tools ? dialogueResultSchema(input.tools) : target;
    const exact = (v: unknown): Checked<unknown> => {
      if (format === target) return { ok: true, value: v };
      const valid = validateAgainst(target, v);
      return valid.ok ? { ok: true, value: v } : { ok: false, problems: valid.errors.map((e) => `schema: ${e}`) };
    };
    const { temperature, signal, thread: _thread, tools: _tools, cacheKey: _key, ...state } = input;
    const context: ToolContext = { agent: "tool", ...state };
    let value: unknown;
    try {
      let text: string;
      ({ value, result: { text } } = await generateObject({
        model: this.model,
        request: {
          messages: [{ role: "system", content: system }, ...thread.messages, callMessage],
          temperature,
          seed: input.seed,
          ...(input.cacheKey ? { cacheKey: input.cacheKey } : {}),
          signal,
          role: "tool",
          context,
        },
        name: "tool_result",
        schema: format,
        parse: exact,
        maxAttempts: this.maxAttempts,
        instruction: "Return the JSON result again.",
      }));
      if (input.thread) {
        input.thread.messages.push(callMessage, { role: "assistant", content: text.trim() });
        input.thread.count++;
        // By id: calls executed for real (synth --execute) are in the history but not in this thread.
        (input.thread.callIds ??= []).push(input.callId);
      }
    } catch (err) {
      throw noUsableAnswer("tool", "unusable result", err, `${input.tool.name}: `);
    }
    const result = wrapped && !input.injectError && isRecord(value) ? value.result : value;
    const errorText = input.injectError ? toolErrorText(value) : undefined;
    return errorText !== undefined ? { result, ok: false, error: errorText } : { result, ok: true };
  }
}
