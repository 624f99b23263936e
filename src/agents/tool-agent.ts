/**
 * ToolAgent: simulates each tool call's result from the tool's documentation and `returns` schema, consistent
 * with the arguments and with earlier results of the same dialogue (ids and values created earlier are passed in
 * the prompt, so an id stays the same id). With a configurable rate it returns a realistic error instead
 * ({"error": "..."}), so the data teaches recovery.
 */
import { schemaErrors } from "../core/ajv.js";
import type { JsonSchema, Message, ToolSpec } from "../core/types.js";
import type { ChatModel } from "../llm/types.js";
import { GenerationError, resultJson, UsageTally } from "./common.js";
import { toolView } from "./planner.js";
import { renderPrompt } from "../core/prompts.js";
import type { ToolSimContext } from "./state.js";
import { isRecord, normalizeSchema } from "./tool-schema.js";

/** Validate a value against a schema (one shared ajv, compiled once per schema text); empty = valid. */
export { schemaErrors };

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

/** One call to simulate: the state the sim sees, plus sampling options. */
export type ToolCallInput = Omit<ToolSimContext, "agent"> & { temperature?: number; signal?: AbortSignal };

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
    private readonly tally: UsageTally = new UsageTally(),
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
    const { temperature: _temperature, signal: _signal, ...state } = input;
    const simContext: ToolSimContext = { agent: "tool", ...state };
    const messages: Message[] = [
      { role: "system", content: system },
      { role: "user", content: `${input.tool.name}(${JSON.stringify(input.arguments)})` },
    ];
    let problem = "";
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const result = await this.tally.chat("tool", this.model, {
        messages,
        responseFormat: { name: "tool_result", schema: target },
        temperature: input.temperature,
        seed: input.seed + attempt - 1,
        signal: input.signal,
        simContext,
      });
      const parsed = resultJson(result);
      if (!parsed.ok) problem = parsed.error;
      else {
        const errs = schemaErrors(target, parsed.value);
        if (errs.length === 0) {
          const value = wrapped && !input.injectError && isRecord(parsed.value) ? parsed.value.result : parsed.value;
          const errorText = input.injectError ? toolErrorText(parsed.value) : undefined;
          return errorText !== undefined ? { result: value, ok: false, error: errorText } : { result: value, ok: true };
        }
        problem = `the result does not match the schema: ${errs.slice(0, 5).join("; ")}`;
      }
      messages.push({ role: "assistant", content: result.text });
      messages.push({ role: "user", content: `That result cannot be used: ${problem}. Return the JSON again.` });
    }
    throw new GenerationError("tool", `${input.tool.name}: unusable result after ${this.maxAttempts} attempts: ${problem}`);
  }
}
