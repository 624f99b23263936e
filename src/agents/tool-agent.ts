/**
 * ToolAgent: simulates the results of the tool calls of each assistant message (all of them in one request) from
 * the tools' documentation and `returns` schemas, consistent with the arguments and with earlier results of the
 * same dialogue (its earlier calls and results are in its conversation, so an id stays the same id). With a
 * configurable rate a call returns a realistic error instead ({"error": "..."}), so the data teaches recovery.
 */
import type { JsonSchema, Message, ToolSpec } from "../core/index.js";
import { generateObject, validateAgainst, validateToolValue, type ChatModel, type Checked } from "../llm/index.js";
import { noUsableAnswer } from "./common.js";
import { renderPrompt } from "./prompts.js";
import type { AgentThread, CallRecord, KnownField, ToolContext } from "./state.js";
import { compactSchema, isRecord, normalizeSchema } from "./tool-schema.js";

export const TOOL_ERROR_SCHEMA: JsonSchema = {
  type: "object",
  properties: { error: { type: "string", description: "What went wrong, as the service would say it." } },
  required: ["error"],
  additionalProperties: false,
};

/**
 * The schema a tool's result must match: its `returns` as declared (normalized: a string, an array or a number stays
 * one, with no wrapper around it), or any JSON value for a tool without `returns` (it answers in the shape its
 * description implies).
 */
export function resultSchema(tool: ToolSpec): JsonSchema {
  return tool.returns ? normalizeSchema(tool.returns) : {};
}

/** The schema a call's answer must match: the error schema when the call must fail, else its tool's result schema. */
export function callTarget(call: Pick<ToolCallRequest, "tool" | "injectError">): JsonSchema {
  return call.injectError ? TOOL_ERROR_SCHEMA : resultSchema(call.tool);
}

/** One call to simulate: the tool, its arguments, and whether it must fail. */
export interface ToolCallRequest {
  /** Everything random about this call's result derives from it. */
  seed: number;
  tool: ToolSpec;
  arguments: Record<string, unknown>;
  callId: string;
  /** Return a realistic error instead of a result. */
  injectError: boolean;
}

/** The calls of one assistant message, simulated by one request. */
export interface ToolBatchInput {
  /** In the order the assistant made them; results come back in this order. */
  calls: ToolCallRequest[];
  /** Values created or passed earlier in the dialogue (the tool agent's per-dialogue state). */
  known: KnownField[];
  history: CallRecord[];
  /** Sent as the request's cacheKey (the dialogue's requests of this agent share a prompt prefix). */
  cacheKey?: string;
  /** What the user wants of this turn (the plan step's intent), so that the results fit the story. */
  intent?: string;
  /** The dialogue's tools (all documented by one system message); default: the called tools. */
  tools?: ToolSpec[];
  /**
   * The tool agent's own conversation in this dialogue: each batch of calls and its results are appended, so the
   * next batch extends the previous request and sees every earlier result. Earlier calls not in the thread (and
   * the values they made) are listed in the batch's message instead.
   */
  thread?: AgentThread;
  temperature?: number;
  signal?: AbortSignal;
}

/** One call to simulate alone (a batch of one). */
export type ToolCallInput = ToolCallRequest & Omit<ToolBatchInput, "calls">;

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

/**
 * The structured-output schema of every tool-agent request: the results of the batch's calls, in order. It is
 * the same for every request (OpenAI renders it before the conversation, so a schema that changed with the
 * called tools would end the cached prefix there); each result is checked against its own tool's schema after.
 */
export const TOOL_RESULTS_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    results: { type: "array", items: {} },
  },
  required: ["results"],
  additionalProperties: false,
};

/**
 * How a tool is documented to the tool agent: its whole description (what a result holds is often said there: "with
 * stock level and sizes") and its `returns` as declared ("" when it declares none). The arguments come with each
 * call.
 */
function toolDoc(t: ToolSpec): { name: string; description: string; returns: string } {
  return { name: t.name, description: t.description.trim(), returns: t.returns ? compactSchema(resultSchema(t), "  ") : "" };
}

export class ToolAgent {
  constructor(
    private readonly model: ChatModel,
    private readonly maxAttempts = 2,
  ) {}

  /** Simulates one call (a batch of one). */
  async call(input: ToolCallInput): Promise<ToolCallOutput> {
    const { seed, tool, arguments: args, callId, injectError, ...rest } = input;
    const [out] = await this.callAll({ ...rest, calls: [{ seed, tool, arguments: args, callId, injectError }] });
    return out!;
  }

  /** Simulates the calls of one assistant message with one request; the outputs are in call order. */
  async callAll(input: ToolBatchInput): Promise<ToolCallOutput[]> {
    const calls = input.calls;
    if (calls.length === 0) return [];
    const targets = calls.map(callTarget);
    // Fixed for the dialogue first (role instructions, every tool's documentation), then the session's calls and
    // results as messages, the new calls last: each request extends the previous one (prompt caching).
    const documented = input.tools ?? [...new Map(calls.map((c) => [c.tool.name, c.tool])).values()];
    const system = renderPrompt("tool", { tools: documented.map(toolDoc) });
    const thread = input.thread ?? { messages: [], seen: 0 };
    const inThread = new Set(thread.callIds ?? []);
    const outside = input.history.filter((c) => !inThread.has(c.callId));
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
        calls: calls.map((c) => ({ call: `${c.tool.name}(${JSON.stringify(c.arguments)})`, fails: c.injectError })),
        intent: input.intent ?? "",
        earlier,
        known: ids,
      }),
    };
    const check = (v: unknown): Checked<unknown[]> => {
      const results = isRecord(v) ? v.results : undefined;
      if (!Array.isArray(results)) return { ok: false, problems: ['the answer must be {"results": [...]}, one result per call'] };
      if (results.length !== calls.length)
        return { ok: false, problems: [`results has ${results.length} entries; there ${calls.length === 1 ? "is 1 call" : `are ${calls.length} calls`}`] };
      const problems: string[] = [];
      results.forEach((r, i) => {
        // A result is checked against its tool's returns (an injected error against the error schema, not the tool's).
        const valid = calls[i]!.injectError ? validateAgainst(targets[i]!, r) : validateToolValue(calls[i]!.tool.name, "returns", targets[i]!, r);
        if (!valid.ok) for (const e of valid.errors) problems.push(`results[${i}] (${calls[i]!.tool.name}): ${e}`);
      });
      return problems.length > 0 ? { ok: false, problems } : { ok: true, value: results };
    };
    const { temperature, signal, thread: _thread, tools: _tools, cacheKey: _key, intent: _intent, ...state } = input;
    const context: ToolContext = { agent: "tool", ...state };
    let values: unknown[];
    try {
      let text: string;
      ({ value: values, result: { text } } = await generateObject({
        model: this.model,
        request: {
          messages: [{ role: "system", content: system }, ...thread.messages, callMessage],
          temperature,
          seed: calls[0]!.seed,
          ...(input.cacheKey ? { cacheKey: input.cacheKey } : {}),
          signal,
          role: "tool",
          context,
        },
        name: "tool_result",
        schema: TOOL_RESULTS_SCHEMA,
        // What models write without a schema to hold them: the bare array of results, or for one call its bare
        // result (not when it has a "results" key: a search tool's result may).
        coerce: (v) => (Array.isArray(v) ? { results: v } : calls.length === 1 && !(isRecord(v) && "results" in v) ? { results: [v] } : v),
        parse: check,
        maxAttempts: this.maxAttempts,
        instruction: "Return the JSON results again.",
      }));
      if (input.thread) {
        input.thread.messages.push(callMessage, { role: "assistant", content: text.trim() });
        // By id: calls executed for real (synth --execute) are in the history but not in this thread.
        (input.thread.callIds ??= []).push(...calls.map((c) => c.callId));
      }
    } catch (err) {
      throw noUsableAnswer("tool", "unusable result", err, `${[...new Set(calls.map((c) => c.tool.name))].join(", ")}: `);
    }
    return calls.map((c, i) => {
      const result = values[i];
      const errorText = c.injectError ? toolErrorText(result) : undefined;
      return errorText !== undefined ? { result, ok: false, error: errorText } : { result, ok: true };
    });
  }
}
