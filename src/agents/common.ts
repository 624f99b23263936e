/**
 * Pieces every agent uses: the typed GenerationError and the transcript view given to prompt templates.
 */
import { ToolflowError } from "../core/index.js";
import type { DialogueRole, Message } from "../core/index.js";
import { ModelOutputError } from "../llm/index.js";

/** Pipeline stage in which generation failed. */
export type GenerationStage = DialogueRole;

/**
 * A dialogue could not be generated: a model gave no usable answer within its attempts, or an agent broke the
 * dialogue's rules.
 * The orchestrator rejects the dialogue with `stage` and the message as the reason.
 */
export class GenerationError extends ToolflowError {
  readonly stage: GenerationStage;
  constructor(stage: GenerationStage, message: string, options: { cause?: unknown } = {}) {
    super(`${stage}: ${message}`, { code: "GENERATION_ERROR", cause: options.cause });
    this.stage = stage;
  }
}

/**
 * The typed error of an agent for a model that gave no usable answer within its attempts: wraps the model layer's
 * ModelOutputError with the agent's stage; `what` says what was asked for ("no valid plan").
 */
export function noUsableAnswer(stage: GenerationStage, what: string, err: unknown, detail = ""): unknown {
  if (!(err instanceof ModelOutputError)) return err;
  const n = err.answers.length || err.attempts || 1;
  return new GenerationError(stage, `${detail}${what} after ${n} attempt${n === 1 ? "" : "s"}: ${err.problems.slice(0, 5).join("; ")}`, {
    cause: err,
  });
}

/**
 * A plain-text rendering of a conversation as its user saw it: the user's and the assistant's words, without the
 * tool calls and results a user never sees (the user agent is told which calls were made apart).
 */
export function userTranscript(messages: readonly Message[]): string {
  const lines: string[] = [];
  for (const m of messages) {
    if (m.role === "user") lines.push(`User: ${m.content}`);
    else if (m.role === "assistant" && m.content) lines.push(`Assistant: ${m.content}`);
  }
  return lines.join("\n");
}

/**
 * A zod JSON Schema as a responseFormat: without the "$schema" key zod adds, and without the safe-integer bounds it
 * puts on every integer (±9007199254740991), which say nothing and cost prompt tokens on servers that render the
 * schema into the prompt.
 */
export function bareSchema(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _drop, ...rest } = schema;
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v === null || typeof v !== "object") return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if ((k === "minimum" || k === "maximum") && typeof x === "number" && Math.abs(x) === Number.MAX_SAFE_INTEGER) continue;
      out[k] = strip(x);
    }
    return out;
  };
  return strip(rest) as Record<string, unknown>;
}

/**
 * The `cacheKey` of an agent's requests in one dialogue (sent as `prompt_cache_key`): the requests of one agent in
 * one dialogue share a prompt prefix. `seed` is the agent's seed for the dialogue.
 */
export function promptCacheKey(agent: GenerationStage, seed: number): string {
  return `toolflow-${agent}-${seed}`;
}
