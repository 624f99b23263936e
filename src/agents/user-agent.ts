/**
 * UserAgent: plays the user. Each turn it checks whether the current plan step is done, then either continues it
 * (for example answering the assistant's question) or starts the next step, writing a natural message in its
 * persona's voice. Without a plan (the paper's "w/o Plan") it improvises requests over the sampled tools.
 */
import { z } from "zod";
import type { DialoguePlan, Message, PlanStep, ToolSpec } from "../core/index.js";
import { fromZod, generateObject, type ChatModel } from "../llm/index.js";
import { bareSchema, noUsableAnswer, transcript } from "./common.js";
import { toolView } from "./planner.js";
import { renderPrompt, type Persona } from "./prompts.js";
import type { CallRecord, KnownField, RequestState, UserContext } from "./state.js";

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

export const USER_TURN_JSON_SCHEMA: Record<string, unknown> = bareSchema(
  z.toJSONSchema(UserTurnZ, { io: "input" }) as Record<string, unknown>,
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
    const system = renderPrompt(planMode ? "user" : "user_free", {
      persona: input.persona,
      plan: input.plan ? input.plan.steps.map(stepView) : [],
      step: stepView(step),
      nextStep: planMode ? stepView(input.plan!.steps[input.stepIndex + 1]) : null,
      started,
      callsMade: current ? current.calls.map((c) => `${c.tool}${c.ok ? "" : " (failed)"}`).join(", ") : "",
      tools: input.tools.map(toolView),
      requested: input.requested.join(", "),
      conversation: transcript(input.messages),
      turnsLeft: input.turnsLeft,
      firstTurn: input.turn === 0,
    });
    const { messages: _conversation, temperature, signal, ...state } = input;
    const context: UserContext = { agent: "user", mode: planMode ? "plan" : "free", ...state };
    const asTurn = fromZod(UserTurnZ);
    try {
      const { value } = await generateObject({
        model: this.model,
        request: {
          messages: [
            { role: "system", content: system },
            { role: "user", content: "Reply with your next turn as JSON." },
          ],
          temperature,
          seed: input.seed + input.turn * 31,
          signal,
          role: "user",
          context,
        },
        name: "user_turn",
        schema: USER_TURN_JSON_SCHEMA,
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
      return value;
    } catch (err) {
      throw noUsableAnswer("user", "unusable user turn", err);
    }
  }
}
