/**
 * ToolAgent: simulates each tool call's result from the tool's documentation and `returns` schema, consistent
 * with the arguments and with earlier results of the same dialogue (ids and values created earlier are passed in
 * the prompt, so an id stays the same id). With a configurable rate it returns a realistic error instead
 * ({"error": "..."}), so the data teaches recovery.
 */
import type { JsonSchema, ToolSpec } from "../core/index.js";
import { generateObject, type ChatModel } from "../llm/index.js";
import { noUsableAnswer } from "./common.js";
import { toolView } from "./planner.js";
import { renderPrompt } from "./prompts.js";
import type { CallRecord, KnownField, ToolContext } from "./state.js";
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
    const earlier = input.history
      .slice(-12)
      .map((c) => `${c.tool}(${JSON.stringify(c.arguments)}) -> ${JSON.stringify(c.result).slice(0, 400)}`);
    const ids = input.known.filter((k) => k.from === "result").slice(-40).map((k) => `${k.path} = ${JSON.stringify(k.value)}`);
    const system = renderPrompt("tool", {
      tool: toolView(input.tool),
      arguments: JSON.stringify(input.arguments),
      earlier,
      known: ids,
      injectError: input.injectError,
      schema: JSON.stringify(target),
      wrapped,
    });
    const { temperature, signal, ...state } = input;
    const context: ToolContext = { agent: "tool", ...state };
    let value: unknown;
    try {
      ({ value } = await generateObject({
        model: this.model,
        request: {
          messages: [
            { role: "system", content: system },
            { role: "user", content: `${input.tool.name}(${JSON.stringify(input.arguments)})` },
          ],
          temperature,
          seed: input.seed,
          signal,
          role: "tool",
          context,
        },
        name: "tool_result",
        schema: target,
        maxAttempts: this.maxAttempts,
        instruction: "Return the JSON result again.",
      }));
    } catch (err) {
      throw noUsableAnswer("tool", "unusable result", err, `${input.tool.name}: `);
    }
    const result = wrapped && !input.injectError && isRecord(value) ? value.result : value;
    const errorText = input.injectError ? toolErrorText(value) : undefined;
    return errorText !== undefined ? { result, ok: false, error: errorText } : { result, ok: true };
  }
}
