/**
 * UserAgent: plays the user. Each turn it checks whether the current plan step is done, then either continues it
 * (for example answering the assistant's question) or starts the next step, writing a natural message in its
 * persona's voice. Without a plan (the paper's "w/o Plan") it improvises requests over the sampled tools.
 */
import { z } from "zod";
import type { DialoguePlan, Message, PlanStep, ToolSpec } from "../core/index.js";
import { fromZod, generateObject, type ChatModel } from "../llm/index.js";
import { bareSchema, noUsableAnswer, promptCacheKey, userTranscript } from "./common.js";
import { toolView } from "./planner.js";
import { renderPrompt, type Persona } from "./prompts.js";
import type { AgentThread, CallRecord, KnownField, RequestState, UserContext } from "./state.js";

/** What the user agent answers each turn. */
export const UserTurnZ = z.object({
  /** The current step (or improvised request) is complete; `message` then starts the next one. */
  stepDone: z.boolean(),
  /** Without a plan: the user has nothing more to ask (the conversation ends; `message` is ignored). */
  finished: z.boolean().optional(),
  /** The user's next message (empty only when the conversation ends). */
  message: z.string(),
});
export type UserTurn = z.infer<typeof UserTurnZ>;

/** The user agent's responseFormat without a plan. */
export const USER_TURN_JSON_SCHEMA: Record<string, unknown> = bareSchema(
  z.toJSONSchema(UserTurnZ, { io: "input" }) as Record<string, unknown>,
);

/** The user agent's responseFormat with a plan, where the plan says when the conversation ends (no `finished`). */
export const PLANNED_USER_TURN_JSON_SCHEMA: Record<string, unknown> = bareSchema(
  z.toJSONSchema(UserTurnZ.omit({ finished: true }), { io: "input" }) as Record<string, unknown>,
);

/** What the user agent needs for its next turn. */
export interface UserTurnInput {
  seed: number;
  persona: Persona;
  plan: DialoguePlan | null;
  /** Index of the current step in plan.steps (plan mode). */
  stepIndex: number;
  /** The current request (null before the first one). */
  current: RequestState | null;
  tools: ToolSpec[];
  /** Values of earlier calls and results. */
  known: KnownField[];
  /** Every call made so far. */
  history: CallRecord[];
  /** Tools the assistant has called for the user so far (free mode: what the user has had done). */
  requested: string[];
  /** The conversation so far. */
  messages: Message[];
  turnsLeft: number;
  /** 0-based index of this user turn in the dialogue. */
  turn: number;
  /**
   * The user agent's own conversation in this dialogue (see AgentThread): each turn's request message and answer
   * are appended, so the next request extends the previous one. Without it the turn is asked fresh, with the
   * whole conversation in its message.
   */
  thread?: AgentThread;
  temperature?: number;
  signal?: AbortSignal;
}

function stepView(step: PlanStep | undefined): Record<string, unknown> | null {
  if (!step) return null;
  return {
    id: step.id,
    kind: step.kind,
    intent: step.intent,
    tools: step.tools.join(", "),
    dependsOn: step.dependsOn.join(", "),
    missingArgs: (step.missingArgs ?? []).join(", "),
  };
}

export class UserAgent {
  constructor(
    private readonly model: ChatModel,
    private readonly maxAttempts = 2,
  ) {}

  async next(input: UserTurnInput): Promise<UserTurn> {
    const planMode = input.plan !== null;
    const current = input.current;
    const step = planMode ? input.plan!.steps[input.stepIndex] : undefined;
    const started = current !== null && current.userTurns > 0;
    // Fixed for the dialogue (role instructions, persona, plan; the tools without a plan) in the system message;
    // what changes each turn (what the assistant said since the last turn, the step status, turns left) in the
    // turn's message, appended after the earlier turns and answers: each request extends the previous one (prompt
    // caching). The user sees what a user sees: the assistant's words, not its tool calls and results.
    const system = renderPrompt(planMode ? "user" : "user_free", {
      persona: input.persona,
      plan: input.plan ? input.plan.steps.map(stepView) : [],
      tools: planMode ? [] : input.tools.map(toolView),
    });
    const thread = input.thread ?? { messages: [], seen: 0 };
    const continued = thread.messages.length > 0;
    // The user's own messages are already in the thread, as its answers.
    const fresh = input.messages.slice(continued ? thread.seen : 0).filter((m) => !(continued && m.role === "user"));
    const turnMessage: Message = {
      role: "user",
      content: renderPrompt("user_turn", {
        continued,
        conversation: userTranscript(fresh),
        step: stepView(step),
        nextStep: planMode ? stepView(input.plan!.steps[input.stepIndex + 1]) : null,
        started,
        callsMade: current ? current.calls.map((c) => `${c.tool}${c.ok ? "" : " (failed)"}`).join(", ") : "",
        requested: planMode ? "" : input.requested.join(", "),
        turnsLeft: input.turnsLeft,
      }),
    };
    const { messages: _conversation, temperature, signal, thread: _thread, ...state } = input;
    const context: UserContext = { agent: "user", mode: planMode ? "plan" : "free", ...state };
    const asTurn = fromZod(UserTurnZ);
    try {
      const { value } = await generateObject({
        model: this.model,
        request: {
          messages: [{ role: "system", content: system }, ...thread.messages, turnMessage],
          temperature,
          seed: input.seed + input.turn * 31,
          cacheKey: promptCacheKey("user", input.seed),
          signal,
          role: "user",
          context,
        },
        name: "user_turn",
        schema: planMode ? PLANNED_USER_TURN_JSON_SCHEMA : USER_TURN_JSON_SCHEMA,
        parse: (v) => {
          const turn = asTurn(v);
          if (!turn.ok) return turn;
          const t = turn.value;
          const ends = t.finished === true || (planMode && t.stepDone && started && !input.plan!.steps[input.stepIndex + 1]);
          if (t.message.trim() === "" && !ends) return { ok: false, problems: ["message is empty but the conversation is not over"] };
          return { ok: true, value: { ...t, message: t.message.trim() } };
        },
        maxAttempts: this.maxAttempts,
        instruction: "Reply again with the JSON.",
      });
      if (input.thread) {
        // The user agent's own earlier turns come back to it as its own words (what it said to the assistant), not
        // as the JSON it answered with; the assistant's words reach it in the next turn message, as the other party's.
        input.thread.messages.push(turnMessage, { role: "assistant", content: value.message });
        input.thread.seen = input.messages.length;
      }
      return value;
    } catch (err) {
      throw noUsableAnswer("user", "unusable user turn", err);
    }
  }
}
