/**
 * `sim` — the built-in deterministic backend: no model, structurally valid, readable, template-based answers.
 *
 * Generic behaviour (the fallback):
 * - with `responseFormat`: a schema-valid JSON instance, deterministic from the request (seed + hash), with
 *   readable strings based on property names;
 * - with `tools` and toolChoice "required" or a named tool: a call whose arguments validate;
 * - otherwise a short text.
 * A `policy(request)` hook lets a pipeline stage answer with pipeline-aware content (using `request.simContext`);
 * whatever it returns is validated like a real model's answer. Every result is marked model "sim".
 */
import { Rng, hashToUint32 } from "../core/rng.js";
import type { ToolCall, Usage } from "../core/types.js";
import { requestCacheKey } from "./cache.js";
import { ModelOutputError, ModelRequestError } from "./errors.js";
import { schemaExample } from "./schema-example.js";
import type { ChatModel, ChatRequest, ChatResult, FinishReason } from "./types.js";
import { checkToolCalls, SchemaCompileError, validateAgainst } from "./validate.js";

/** What a policy may return; missing parts are filled in. Tool-call arguments may be objects. */
export interface SimAnswer {
  text?: string;
  toolCalls?: Array<ToolCall | { name: string; arguments: unknown; id?: string }>;
  json?: unknown;
  finishReason?: FinishReason;
  /** Usage to report (default: estimated from text lengths). */
  usage?: Usage;
}

export type SimPolicy = (request: ChatRequest) => SimAnswer | undefined | Promise<SimAnswer | undefined>;

export interface SimModelOptions {
  policy?: SimPolicy;
  /** Validate policy answers like a real model's (default true): invalid -> ModelOutputError. */
  validatePolicy?: boolean;
}

export const SIM_MODEL_ID = "sim";

/** A deterministic Rng for a request: same request (and seed) -> same answer. */
export function simRng(request: ChatRequest): Rng {
  return new Rng(hashToUint32(`${request.seed ?? 0}/${requestCacheKey(SIM_MODEL_ID, request)}`));
}

function approxTokens(text: string): number {
  return text === "" ? 0 : Math.ceil(text.length / 4);
}

function simUsage(request: ChatRequest, text: string, calls: ToolCall[]): Usage {
  let prompt = 0;
  for (const m of request.messages) prompt += approxTokens(m.content ?? "") + 4;
  const completion = approxTokens(text) + calls.reduce((n, c) => n + approxTokens(c.function.name + c.function.arguments), 0);
  return { promptTokens: prompt, completionTokens: completion, cachedTokens: 0, estimated: true };
}

function clip(text: string, n: number): string {
  const t = text.replace(/\s+/g, " ").trim();
  return t.length <= n ? t : t.slice(0, n - 1).trimEnd() + "…";
}

function genericText(request: ChatRequest, rng: Rng): string {
  const msgs = request.messages;
  const last = msgs[msgs.length - 1];
  if (last?.role === "tool") {
    return `Here is what I found: ${clip(last.content, 120)}`;
  }
  const lastUser = [...msgs].reverse().find((m) => m.role === "user")?.content ?? "";
  if (request.role === "user") {
    return rng.pick(["Thanks, that helps a lot.", "Great, could you tell me a bit more?", "Perfect, let's move on."]);
  }
  if (lastUser) {
    return rng.pick([
      `Sure, about "${clip(lastUser, 60)}": here is a short answer.`,
      `Happy to help with "${clip(lastUser, 60)}".`,
      `Understood: "${clip(lastUser, 60)}". Let me take care of it.`,
    ]);
  }
  return rng.pick(["Hello! How can I help you today?", "Hi there, what can I do for you?"]);
}

function callId(request: ChatRequest, i: number, name: string): string {
  return `call_${hashToUint32(`${requestCacheKey(SIM_MODEL_ID, request)}/${i}/${name}`).toString(36)}`;
}

function instance(schema: Record<string, unknown>, rng: Rng, what: string): unknown {
  const readable = schemaExample(schema, { mode: "readable", rng });
  if (validateAgainst(schema, readable).ok) return readable;
  const minimal = schemaExample(schema, { mode: "minimal" });
  const check = validateAgainst(schema, minimal);
  if (check.ok) return minimal;
  throw new ModelOutputError(`cannot build a valid instance of ${what}: ${check.errors.join("; ")}`, {
    model: SIM_MODEL_ID,
    problems: check.errors,
    output: JSON.stringify(minimal),
  });
}

/** The generic sim answer for a request (also usable by policies as a starting point). */
export function simGenericAnswer(request: ChatRequest): SimAnswer {
  const rng = simRng(request);
  const tools = request.tools ?? [];
  const tc = request.toolChoice;
  const forced = typeof tc === "object" ? tc.name : tc === "required" && tools.length > 0 ? rng.pick(tools).name : undefined;
  if (forced !== undefined) {
    const tool = tools.find((t) => t.name === forced);
    if (!tool) {
      throw new ModelRequestError(`tool_choice names "${forced}", which is not among the offered tools`, { model: SIM_MODEL_ID });
    }
    const args = instance(tool.parameters, rng, `the arguments of "${tool.name}"`);
    return { toolCalls: [{ name: tool.name, arguments: args }], finishReason: "tool_calls" };
  }
  if (request.responseFormat) {
    const json = instance(request.responseFormat.schema, rng, `the schema "${request.responseFormat.name}"`);
    return { json, text: JSON.stringify(json) };
  }
  return { text: genericText(request, rng) };
}

class SimChatModel implements ChatModel {
  readonly id = SIM_MODEL_ID;
  readonly backend = "sim";
  constructor(private readonly options: SimModelOptions) {}

  async chat(request: ChatRequest): Promise<ChatResult> {
    if (request.signal?.aborted) throw request.signal.reason ?? new Error("aborted");
    const fromPolicy = this.options.policy ? await this.options.policy(request) : undefined;
    const answer = fromPolicy ?? simGenericAnswer(request);
    const toolCalls: ToolCall[] = (answer.toolCalls ?? []).map((c, i) =>
      "function" in c
        ? c
        : {
            id: c.id ?? callId(request, i, c.name),
            type: "function" as const,
            function: { name: c.name, arguments: typeof c.arguments === "string" ? c.arguments : JSON.stringify(c.arguments ?? {}) },
          },
    );
    let json = answer.json;
    let text = answer.text ?? (json !== undefined ? JSON.stringify(json) : "");
    if (fromPolicy && this.options.validatePolicy !== false) {
      const problems: string[] = [];
      try {
        if (toolCalls.length > 0 || (request.tools && request.tools.length > 0)) {
          problems.push(...checkToolCalls(toolCalls, request.tools, request.toolChoice));
        }
        if (request.responseFormat && toolCalls.length === 0) {
          if (json === undefined) {
            try {
              json = JSON.parse(text);
            } catch {
              problems.push("the sim policy gave no JSON for a structured-output request");
            }
          }
          if (json !== undefined) problems.push(...validateAgainst(request.responseFormat.schema, json).errors.map((e) => `schema: ${e}`));
        }
      } catch (err) {
        if (err instanceof SchemaCompileError) throw new ModelRequestError(err.message, { model: SIM_MODEL_ID, cause: err });
        throw err;
      }
      if (problems.length > 0) {
        throw new ModelOutputError(`sim policy answer is invalid: ${problems.slice(0, 3).join("; ")}`, {
          model: SIM_MODEL_ID,
          problems,
          output: toolCalls.length > 0 ? JSON.stringify(toolCalls) : text,
        });
      }
    }
    if (request.responseFormat && json !== undefined && answer.text === undefined) text = JSON.stringify(json);
    const result: ChatResult = {
      text,
      toolCalls,
      finishReason: answer.finishReason ?? (toolCalls.length > 0 ? "tool_calls" : "stop"),
      usage: answer.usage ?? simUsage(request, text, toolCalls),
      model: SIM_MODEL_ID,
    };
    if (request.responseFormat && json !== undefined) result.json = json;
    return result;
  }
}

/** The built-in simulator. `policy` supplies pipeline-aware answers; the generic part is the fallback. */
export function createSimModel(options: SimModelOptions = {}): ChatModel {
  return new SimChatModel(options);
}
