/**
 * AssistantAgent: the assistant being trained. It sees the tools (ChatRequest.tools), answers directly when no
 * tool is needed, asks for a missing required argument, otherwise emits tool calls (several at once for parallel
 * requests), and answers the user from the results.
 */
import type { Message, ToolCall, ToolSpec } from "../core/types.js";
import type { ChatModel, ChatTool } from "../llm/types.js";
import { GenerationError, UsageTally } from "./common.js";
import { renderPrompt } from "../core/prompts.js";
import type { AssistantSimContext, CallRecord, KnownField, RequestState } from "./state.js";
import { isRecord, normalizeSchema } from "./tool-schema.js";

/** Tools in the shape a ChatModel expects (schemas normalized to JSON Schema). */
export function chatTools(tools: readonly ToolSpec[]): ChatTool[] {
  return tools.map((t) => ({ name: t.name, description: t.description, parameters: normalizeSchema(t.parameters) }));
}

/** The system message of the generated dialogue (what the assistant is told). */
export function assistantSystemPrompt(tools: readonly ToolSpec[]): string {
  return renderPrompt("assistant", { tools: tools.map((t) => t.name) });
}

export interface AssistantTurnInput {
  seed: number;
  /** The dialogue so far, starting with the system message. */
  messages: Message[];
  tools: ToolSpec[];
  plan: AssistantSimContext["plan"];
  request: RequestState;
  known: KnownField[];
  turnCalls: CallRecord[];
  /** Last round of the turn: no more tool calls, answer in text. */
  mustAnswer: boolean;
  /** Ids already used in the dialogue (new ids must differ). */
  usedCallIds: ReadonlySet<string>;
  temperature?: number;
  signal?: AbortSignal;
}

/** The assistant's message for this round: text, tool calls, or both. */
export type AssistantMessage = Extract<Message, { role: "assistant" }>;

export class AssistantAgent {
  constructor(
    private readonly model: ChatModel,
    private readonly tally: UsageTally = new UsageTally(),
    private readonly maxAttempts = 2,
  ) {}

  async respond(input: AssistantTurnInput): Promise<AssistantMessage> {
    const names = new Set(input.tools.map((t) => t.name));
    const simContext: AssistantSimContext = {
      agent: "assistant",
      seed: input.seed,
      plan: input.plan,
      request: input.request,
      tools: input.tools,
      known: input.known,
      turnCalls: input.turnCalls,
      mustAnswer: input.mustAnswer,
      callCount: input.usedCallIds.size,
    };
    const messages = [...input.messages];
    let problem = "";
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const result = await this.tally.chat("assistant", this.model, {
        messages,
        tools: chatTools(input.tools),
        toolChoice: input.mustAnswer ? "none" : "auto",
        temperature: input.temperature,
        seed: input.seed + messages.length * 7 + attempt - 1,
        signal: input.signal,
        simContext,
      });
      const text = result.text.trim();
      const calls = input.mustAnswer ? [] : result.toolCalls;
      problem = "";
      const used = new Set(input.usedCallIds);
      const fixed: ToolCall[] = [];
      for (const [k, c] of calls.entries()) {
        if (!names.has(c.function.name)) {
          problem = `you called "${c.function.name}", which is not one of the available tools`;
          break;
        }
        let args: unknown;
        try {
          args = JSON.parse(c.function.arguments === "" ? "{}" : c.function.arguments);
        } catch {
          problem = `the arguments of ${c.function.name} are not valid JSON`;
          break;
        }
        if (!isRecord(args)) {
          problem = `the arguments of ${c.function.name} must be a JSON object`;
          break;
        }
        let id = c.id;
        if (!id || used.has(id)) id = `call_${used.size + k + 1}`;
        while (used.has(id)) id = `${id}_`;
        used.add(id);
        fixed.push({ id, type: "function", function: { name: c.function.name, arguments: JSON.stringify(args) } });
      }
      if (!problem && text === "" && fixed.length === 0) problem = "the reply is empty";
      if (!problem) {
        const msg: AssistantMessage = { role: "assistant", content: text === "" ? null : text };
        if (fixed.length > 0) msg.tool_calls = fixed;
        return msg;
      }
      messages.push({
        role: "user",
        content: `(note from the system, not the user) Your last reply could not be used: ${problem}. Reply again.`,
      });
    }
    throw new GenerationError("assistant", `unusable assistant reply after ${this.maxAttempts} attempts: ${problem}`);
  }
}
