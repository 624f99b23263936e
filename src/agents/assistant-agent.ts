/**
 * AssistantAgent: the assistant being trained. It sees the tools (ChatRequest.tools), answers directly when no
 * tool is needed, asks for a missing required argument, otherwise emits tool calls (several at once for parallel
 * requests), and answers the user from the results.
 */
import { isCallId, makeCallId } from "../core/index.js";
import type { DialoguePlan, Message, ToolCall, ToolSpec } from "../core/index.js";
import { checkToolCalls, generateChecked, ModelOutputError, type ChatModel, type ChatTool, type Checked } from "../llm/index.js";
import { GenerationError, noUsableAnswer, promptCacheKey } from "./common.js";
import { renderPrompt } from "./prompts.js";
import type { AssistantContext, CallRecord, KnownField, RequestState } from "./state.js";
import { normalizeSchema } from "./tool-schema.js";

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
  plan: DialoguePlan | null;
  request: RequestState;
  known: KnownField[];
  turnCalls: CallRecord[];
  /** Last round of the turn: no more tool calls, answer in text. */
  mustAnswer: boolean;
  /** Ids already used in the dialogue (new ids must differ). */
  usedCallIds: ReadonlySet<string>;
  /**
   * Parallel to `messages`: the model's reasoning behind each assistant message (null: none). Passed on as the
   * request's `reasoning`, for servers that want it back; `messages` stay without it.
   */
  reasoning?: readonly (string | null)[];
  /**
   * Repair at the turn: checks the calls of a reply as it is made (`GenerateOptions.checkCalls`). Its problems
   * are sent back to the model like a schema problem, within the attempt budget; calls still wrong after the last
   * attempt end the dialogue with an `UngroundedCallError`.
   */
  checkCalls?: CallCheckHook;
  temperature?: number;
  signal?: AbortSignal;
}

/**
 * Checks the calls of an assistant reply at the turn it is made, given the dialogue before it: one problem per
 * argument that is wrong, worded for the model ("nothing in the conversation gives ..."); none when all is well.
 */
export type CallCheckHook = (before: readonly Message[], reply: AssistantMessage, tools: readonly ToolSpec[]) => string[];

/**
 * The assistant's calls were still wrong (their values given by nothing in the conversation) after every attempt
 * at the turn: the run rejects the dialogue under the `provenance` check at once, with these problems.
 */
export class UngroundedCallError extends GenerationError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super("assistant", `calls still ungrounded after repair: ${problems.join("; ")}`);
    this.problems = problems;
  }
}

/** The assistant's message for this round: text, tool calls, or both. */
export type AssistantMessage = Extract<Message, { role: "assistant" }>;

export class AssistantAgent {
  constructor(
    private readonly model: ChatModel,
    private readonly maxAttempts = 2,
  ) {}

  async respond(input: AssistantTurnInput): Promise<AssistantMessage> {
    return (await this.reply(input)).message;
  }

  /** The assistant message of this round and the model's reasoning behind it, when the backend returned one. */
  async reply(input: AssistantTurnInput): Promise<{ message: AssistantMessage; reasoning?: string }> {
    const context: AssistantContext = {
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
    const tools = chatTools(input.tools);
    const toolChoice = input.mustAnswer ? "none" : "auto";
    // The problems of the last answer when they were only its calls' grounding (see checkCalls).
    let groundingProblems: string[] = [];
    try {
      const { value, result } = await generateChecked<AssistantMessage>({
        model: this.model,
        request: {
          messages: input.messages,
          ...(input.reasoning?.some((r) => r !== null && r !== "") ? { reasoning: input.reasoning } : {}),
          tools,
          toolChoice,
          temperature: input.temperature,
          seed: input.seed + input.messages.length * 7,
          cacheKey: promptCacheKey("assistant", input.seed),
          signal: input.signal,
          role: "assistant",
          context,
        },
        // On the last round calls are not wanted; a server may still send some, and they are dropped.
        check: (result) => {
          const checked = assistantMessage(result.text, input.mustAnswer ? [] : result.toolCalls, tools, input.usedCallIds);
          groundingProblems = [];
          if (!checked.ok || !input.checkCalls || !checked.value.tool_calls) return checked;
          groundingProblems = input.checkCalls(input.messages, checked.value, input.tools);
          return groundingProblems.length > 0 ? { ok: false, problems: groundingProblems } : checked;
        },
        maxAttempts: this.maxAttempts,
      });
      const reasoning = result.reasoning?.trim();
      return reasoning ? { message: value, reasoning } : { message: value };
    } catch (err) {
      // The last answer was well-formed but its values came from nowhere: a provenance rejection, made now.
      if (err instanceof ModelOutputError && groundingProblems.length > 0) throw new UngroundedCallError(groundingProblems);
      throw noUsableAnswer("assistant", "unusable assistant reply", err);
    }
  }
}

/**
 * The assistant message of an answer, or its problems: every call names an offered tool with arguments that are a
 * JSON object valid against its schema, and the reply is not empty. Call ids are made unique in the dialogue
 * (servers send none, or repeat them).
 */
export function assistantMessage(
  text: string,
  calls: readonly ToolCall[],
  tools: ChatTool[],
  usedIds: ReadonlySet<string>,
): Checked<AssistantMessage> {
  const problems = checkToolCalls([...calls], tools);
  if (problems.length > 0) return { ok: false, problems };
  const content = text.trim();
  if (content === "" && calls.length === 0) return { ok: false, problems: ["the reply is empty"] };
  const used = new Set(usedIds);
  const fixed: ToolCall[] = calls.map((c, k) => {
    let id = c.id;
    // Every id is 9 alphanumeric characters (Mistral's rule) and new in the dialogue.
    if (!isCallId(id) || used.has(id)) id = makeCallId(`${used.size + k + 1}/${c.id}/${c.function.name}`);
    for (let salt = 1; used.has(id); salt++) id = makeCallId(`${id}/${salt}`);
    used.add(id);
    const args: unknown = JSON.parse(c.function.arguments === "" ? "{}" : c.function.arguments);
    return { id, type: "function", function: { name: c.function.name, arguments: JSON.stringify(args) } };
  });
  const msg: AssistantMessage = { role: "assistant", content: content === "" ? null : content };
  if (fixed.length > 0) msg.tool_calls = fixed;
  return { ok: true, value: msg };
}
