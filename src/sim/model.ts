/**
 * `sim`: the built-in offline model backend. No model runs: answers are computed, deterministically for a request.
 *
 * - Requests of the pipeline's agents (planner, user, assistant, tool) are answered from the context the agent put
 *   on the request (ChatRequest.context): plans over the sampled tools, user turns in a persona's voice, tool
 *   calls whose values come from the user or earlier results, results that fit the tool's `returns` schema
 *   (policy.ts and the modules it uses).
 * - Anything else gets a generic answer: a schema-valid JSON instance for `responseFormat`, a call with valid
 *   arguments when a tool call is required, otherwise a short text.
 *
 * Like every backend it returns what it "said"; it does not validate itself (generateObject does). Every answer
 * is marked model "sim": sim output is not real data.
 */
import { Rng, hashToUint32, makeCallId } from "../core/index.js";
import type { ToolCall, Usage } from "../core/index.js";
import {
  ModelRequestError,
  requestCacheKey,
  validateAgainst,
  type ChatModel,
  type ChatRequest,
  type ChatResult,
  type FinishReason,
} from "../llm/index.js";
import { pipelineAnswer } from "./policy.js";
import { schemaExample } from "./schema-example.js";

/** What the simulator says; missing parts are filled in. Tool-call arguments may be objects. */
export interface SimAnswer {
  text?: string;
  toolCalls?: Array<ToolCall | { name: string; arguments: unknown; id?: string }>;
  json?: unknown;
  finishReason?: FinishReason;
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
  return makeCallId(`${requestCacheKey(SIM_MODEL_ID, request)}/${i}/${name}`);
}

function instance(schema: Record<string, unknown>, rng: Rng, what: string): unknown {
  const readable = schemaExample(schema, { mode: "readable", rng });
  if (validateAgainst(schema, readable).ok) return readable;
  // The minimal instance; if even that is invalid, the caller's check says so (as for any model's answer).
  void what;
  return schemaExample(schema, { mode: "minimal" });
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

  async chat(request: ChatRequest): Promise<ChatResult> {
    request.signal?.throwIfAborted();
    const answer = pipelineAnswer(request) ?? simGenericAnswer(request);
    const toolCalls: ToolCall[] = (answer.toolCalls ?? []).map((c, i) =>
      "function" in c
        ? c
        : {
            id: c.id ?? callId(request, i, c.name),
            type: "function" as const,
            function: { name: c.name, arguments: typeof c.arguments === "string" ? c.arguments : JSON.stringify(c.arguments ?? {}) },
          },
    );
    const text = answer.text ?? (answer.json !== undefined ? JSON.stringify(answer.json) : "");
    return {
      text,
      toolCalls,
      finishReason: answer.finishReason ?? (toolCalls.length > 0 ? "tool_calls" : "stop"),
      usage: simUsage(request, text, toolCalls),
      model: SIM_MODEL_ID,
    };
  }
}

/** The built-in simulator. */
export function createSimModel(): ChatModel {
  return new SimChatModel();
}
