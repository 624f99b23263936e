/**
 * Pieces every agent uses: the typed GenerationError, per-role usage accounting, JSON extraction from a
 * model result, and the transcript view given to prompt templates.
 */
import { jsonrepair } from "jsonrepair";
import { ToolflowError } from "../core/errors.js";
import type { Message, Usage } from "../core/types.js";
import type { ChatModel, ChatRequest, ChatResult } from "../llm/types.js";

/** Pipeline stage in which generation failed. */
export type GenerationStage = "planner" | "user" | "assistant" | "tool";

/**
 * A model's output could not be used after the model layer's own validation and our bounded re-asks.
 * The orchestrator rejects the dialogue with `stage` and the message as the reason.
 */
export class GenerationError extends ToolflowError {
  readonly stage: GenerationStage;
  constructor(stage: GenerationStage, message: string, options: { cause?: unknown } = {}) {
    super(`${stage}: ${message}`, { code: "GENERATION_ERROR", cause: options.cause });
    this.stage = stage;
  }
}

/** Sums token usage and remembers the model id per agent role. */
export class UsageTally {
  readonly usage: Record<string, Usage> = {};
  readonly models: Record<string, string> = {};

  record(role: string, model: ChatModel, result: ChatResult): void {
    this.models[role] = result.model || model.id;
    const u = (this.usage[role] ??= { promptTokens: 0, completionTokens: 0, cachedTokens: 0, estimated: false });
    u.promptTokens += result.usage.promptTokens;
    u.completionTokens += result.usage.completionTokens;
    u.cachedTokens += result.usage.cachedTokens ?? 0;
    u.estimated = u.estimated || Boolean(result.usage.estimated);
  }

  /** Call the model and record the usage of the answer. */
  async chat(role: string, model: ChatModel, request: ChatRequest): Promise<ChatResult> {
    request.signal?.throwIfAborted();
    const result = await model.chat({ ...request, role });
    this.record(role, model, result);
    return result;
  }
}

/** The JSON of a structured-output result: `json` when the model layer parsed it, else the (repaired) text. */
export function resultJson(result: ChatResult): { ok: true; value: unknown } | { ok: false; error: string } {
  if (result.json !== undefined) return { ok: true, value: result.json };
  const text = result.text.trim();
  if (text === "") return { ok: false, error: "empty answer (expected JSON)" };
  const m = /```(?:json)?\s*([\s\S]*?)```/.exec(text);
  const body = m ? m[1]!.trim() : text;
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch {
    try {
      return { ok: true, value: JSON.parse(jsonrepair(body)) };
    } catch (err) {
      return { ok: false, error: `answer is not JSON: ${(err as Error).message}` };
    }
  }
}

/** A plain-text rendering of a conversation for the user agent's prompt. */
export function transcript(messages: readonly Message[], maxResultChars = 600): string {
  const lines: string[] = [];
  for (const m of messages) {
    if (m.role === "system") continue;
    if (m.role === "user") lines.push(`User: ${m.content}`);
    else if (m.role === "assistant") {
      if (m.content) lines.push(`Assistant: ${m.content}`);
      for (const c of m.tool_calls ?? []) lines.push(`Assistant calls ${c.function.name}(${c.function.arguments})`);
    } else {
      const body = m.content.length > maxResultChars ? m.content.slice(0, maxResultChars) + " ..." : m.content;
      lines.push(`Tool ${m.name ?? m.tool_call_id} returned: ${body}`);
    }
  }
  return lines.join("\n");
}

/** Strip the "$schema" key zod adds, for responseFormat. */
export function bareSchema(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _drop, ...rest } = schema;
  return rest;
}
