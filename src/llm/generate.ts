/**
 * The one structured-output path (in the spirit of the AI SDK's `generateObject`): ask a model, check its answer
 * once, and when the answer cannot be used, ask again with what was wrong, at most `maxAttempts` calls in all.
 * The result is a typed value, or one ModelOutputError that carries every answer and its problems.
 *
 * Backends only return what the model said; nothing below this helper re-asks. So the cost of a step is bounded
 * here: a plan with maxAttempts 3 costs at most 3 calls.
 *
 *   generateChecked  any check of a ChatResult (e.g. the assistant's tool calls)
 *   generateObject   a JSON value valid against a JSON Schema, plus an optional typed parse (zod, semantic rules)
 */
import type { z } from "zod";
import type { JsonSchema, Message } from "../core/index.js";
import { ModelOutputError, ModelRequestError } from "./errors.js";
import { renderPrompt } from "../core/index.js";
import type { ChatModel, ChatRequest, ChatResult } from "./types.js";
import { parseJsonLoose, SchemaCompileError, validateAgainst } from "./validate.js";

/** The outcome of checking one answer: the value it gives, or what is wrong with it. */
export type Checked<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** Turns the model's answer into a value, or lists its problems (shown to the model when it is asked again). */
export type AnswerCheck<T> = (result: ChatResult) => Checked<T>;

/** One answer that could not be used. */
export interface RejectedAnswer {
  /** The answer as the model gave it (text, or its tool calls as JSON), truncated. */
  output: string;
  problems: string[];
  model: string;
}

export interface GenerateCheckedOptions<T> {
  model: ChatModel;
  request: ChatRequest;
  check: AnswerCheck<T>;
  /** Calls in all: the first ask plus the re-asks. Default 3. */
  maxAttempts?: number;
  /** The last line of a re-ask: what to send again. Default: by request kind (JSON, tool calls, text). */
  instruction?: string;
}

export interface CheckedAnswer<T> {
  value: T;
  /** The answer that passed. */
  result: ChatResult;
  /** Calls made (1 = the first answer passed). */
  attempts: number;
}

export const DEFAULT_MAX_ATTEMPTS = 3;

function outputOf(result: ChatResult): string {
  if (result.toolCalls.length > 0) {
    const calls = result.toolCalls.map((c) => ({ name: c.function.name, arguments: c.function.arguments }));
    return (result.text ? result.text + "\n" : "") + JSON.stringify({ tool_calls: calls });
  }
  return result.text;
}

function defaultInstruction(request: ChatRequest): string {
  if (request.responseFormat) return "Reply again with a single JSON value that validates against the JSON Schema given before. No prose.";
  if (request.tools && request.tools.length > 0) return "Reply again, calling only the offered tools with arguments that match their schemas.";
  return "Reply again.";
}

/** Ask, check, and re-ask with the problems until an answer passes or `maxAttempts` calls were made. */
export async function generateChecked<T>(options: GenerateCheckedOptions<T>): Promise<CheckedAnswer<T>> {
  const { model, request, check } = options;
  const maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS));
  const instruction = options.instruction ?? defaultInstruction(request);
  const messages: Message[] = [...request.messages];
  const rejected: RejectedAnswer[] = [];
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    request.signal?.throwIfAborted();
    const result = await model.chat({ ...request, messages: attempt === 1 ? request.messages : [...messages] });
    let checked: Checked<T>;
    try {
      checked = check(result);
    } catch (err) {
      // A schema that does not compile is the caller's bug (or a bad tool file), not the model's: no re-ask.
      if (err instanceof SchemaCompileError) {
        throw new ModelRequestError(`a schema of the request is invalid: ${err.message}`, { model: model.id, cause: err });
      }
      throw err;
    }
    if (checked.ok) return { value: checked.value, result, attempts: attempt };
    const output = outputOf(result);
    rejected.push({ output: output.slice(0, 2000), problems: checked.problems, model: result.model || model.id });
    if (attempt === maxAttempts) break;
    messages.push(
      { role: "assistant", content: output === "" ? "(empty reply)" : output },
      { role: "user", content: renderPrompt("llm-reask", { problems: checked.problems, instruction }) },
    );
  }
  const last = rejected[rejected.length - 1]!;
  throw new ModelOutputError(
    `no usable answer after ${rejected.length} attempt${rejected.length === 1 ? "" : "s"}: ${last.problems.slice(0, 3).join("; ")}`,
    { model: last.model, problems: last.problems, output: last.output, attempts: rejected.length, answers: rejected },
  );
}

export interface GenerateObjectOptions<T> extends Omit<GenerateCheckedOptions<T>, "check" | "request"> {
  request: Omit<ChatRequest, "responseFormat">;
  /** Name of the value (sent as the json_schema name). */
  name: string;
  /** JSON Schema of the value: asked for as structured output and checked with ajv. */
  schema: JsonSchema;
  /** Further checks and typing after the JSON Schema passed (e.g. `fromZod(Z)`, semantic rules). */
  parse?: (value: unknown) => Checked<T>;
  /**
   * Maps an answer in a known other shape onto the schema's before it is checked (what models write when no
   * schema holds them, e.g. a bare array for {"items": [...]}); return the value unchanged otherwise.
   */
  coerce?: (value: unknown) => unknown;
}

/** Ask for a JSON value valid against `schema` (and `parse`), re-asking with the problems. */
export async function generateObject<T = unknown>(options: GenerateObjectOptions<T>): Promise<CheckedAnswer<T>> {
  const { name, schema, parse, coerce, request, ...rest } = options;
  return generateChecked<T>({
    ...rest,
    request: { ...request, responseFormat: { name, schema } },
    check: (result) => {
      if (result.toolCalls.length > 0 && result.text.trim() === "") {
        return { ok: false, problems: ["a JSON value was asked for, not a tool call"] };
      }
      const parsed = parseJsonLoose(result.text);
      if (!parsed.ok) return { ok: false, problems: [parsed.error ?? "the answer is not JSON"] };
      const value = coerce ? coerce(parsed.value) : parsed.value;
      const valid = validateAgainst(schema, value);
      if (!valid.ok) return { ok: false, problems: valid.errors.map((e) => `schema: ${e}`) };
      return parse ? parse(value) : { ok: true, value: value as T };
    },
  });
}

/** A `parse` for generateObject from a zod schema: its issues become the problems shown to the model. */
export function fromZod<T>(schema: z.ZodType<T>): (value: unknown) => Checked<T> {
  return (value) => {
    const r = schema.safeParse(value);
    if (r.success) return { ok: true, value: r.data };
    return {
      ok: false,
      problems: r.error.issues.map((i) => `${i.path.length > 0 ? i.path.join(".") : "(root)"}: ${i.message}`),
    };
  };
}
