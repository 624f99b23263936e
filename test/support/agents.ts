/**
 * Test helpers for the agents and the simulator: BFCL multi-turn tools loaded through src/tools, the sim models, a
 * scripted ChatModel double, and message accessors.
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Message, ToolCall, ToolSample, ToolSpec } from "../../src/core/index.js";
import type { ChatModel, ChatRequest, ChatResult, DialogueModels } from "../../src/llm/index.js";
import { createSimModel } from "../../src/sim/index.js";
import { importTools } from "../../src/tools/index.js";

export const BFCL_MULTI_TURN = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../../shared/data/bfcl/multi_turn_func_doc", // ../shared/data from the project root
);

let cached: Promise<ToolSpec[]> | undefined;
/** The BFCL multi-turn travel_booking and ticket_api tools, converted by src/tools. */
export function bfclTools(): Promise<ToolSpec[]> {
  cached ??= importTools([resolve(BFCL_MULTI_TURN, "travel_booking.json"), resolve(BFCL_MULTI_TURN, "ticket_api.json")]).then(
    (r) => r.tools,
  );
  return cached;
}

export function sampleOf(tools: string[], id = "s1"): ToolSample {
  return { id, tools, edges: [], strategy: "walk", seed: 0, requestedSize: tools.length };
}

export function simModels(): DialogueModels {
  const sim = createSimModel();
  return { planner: sim, user: sim, assistant: sim, tool: sim };
}

/** What a scripted answer may give: a ChatResult's parts, or `json` (sent as its text). */
export type ScriptedAnswer = Partial<ChatResult> & { json?: unknown };

/** A ChatModel that answers from a script (one function call per request) and records the requests. */
export class ScriptedModel implements ChatModel {
  readonly id = "scripted";
  readonly backend = "test";
  readonly requests: ChatRequest[] = [];
  constructor(private readonly answer: (req: ChatRequest, n: number) => ScriptedAnswer | Promise<ScriptedAnswer>) {}
  async chat(request: ChatRequest): Promise<ChatResult> {
    this.requests.push(request);
    const a = await this.answer(request, this.requests.length);
    return {
      text: a.text ?? (a.json !== undefined ? JSON.stringify(a.json) : ""),
      ...(a.reasoning !== undefined ? { reasoning: a.reasoning } : {}),
      toolCalls: a.toolCalls ?? [],
      finishReason: a.finishReason ?? "stop",
      usage: a.usage ?? { promptTokens: 10, completionTokens: 5, cachedTokens: 0, estimated: false },
      model: a.model ?? "scripted",
    };
  }
}

export function callsOf(m: Message): ToolCall[] {
  return m.role === "assistant" ? (m.tool_calls ?? []) : [];
}

export function argsOf(c: ToolCall): Record<string, unknown> {
  return JSON.parse(c.function.arguments) as Record<string, unknown>;
}
