/**
 * UserAgent: plays the user. Each turn it checks whether the current plan step is done, then either continues it
 * (for example answering the assistant's question) or starts the next step, writing a natural message in its
 * persona's voice. Without a plan (the paper's "w/o Plan") it improvises requests over the sampled tools.
 */
import { z } from "zod";
import type { Message, PlanStep } from "../core/types.js";
import type { ChatModel } from "../llm/types.js";
import { bareSchema, GenerationError, resultJson, transcript, UsageTally } from "./common.js";
import { renderPrompt } from "../core/prompts.js";
import type { UserSimContext } from "./state.js";
import { toolView } from "./planner.js";

/** What the user agent answers each turn. */
export const UserTurnZ = z.object({
  /** The current step (or improvised request) is complete; `message` then starts the next one. */
  stepDone: z.boolean(),
  /** Without a plan: the user has nothing more to ask (the conversation ends; `message` is ignored). */
  finished: z.boolean().optional(),
  /** The user's next message (empty only when the conversation ends). */
  message: z.string(),
  /** Optional: argument values the message states, per intended call (used by the sim policy). */
  values: z
    .array(z.object({ tool: z.string(), arguments: z.record(z.string(), z.unknown()) }))
    .optional(),
});
export type UserTurn = z.infer<typeof UserTurnZ>;

export const USER_TURN_JSON_SCHEMA: Record<string, unknown> = bareSchema(
  z.toJSONSchema(UserTurnZ, { io: "input" }) as Record<string, unknown>,
);

/** What the user agent needs for its next turn: the state the sim sees, plus the conversation so far. */
export type UserTurnInput = Omit<UserSimContext, "agent" | "mode"> & {
  messages: Message[];
  temperature?: number;
  signal?: AbortSignal;
};

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
    private readonly tally: UsageTally = new UsageTally(),
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
    const { messages: _conversation, temperature: _temperature, signal: _signal, ...state } = input;
    const simContext: UserSimContext = { agent: "user", mode: planMode ? "plan" : "free", ...state };
    const messages: Message[] = [
      { role: "system", content: system },
      { role: "user", content: "Reply with your next turn as JSON." },
    ];
    let lastError = "";
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const result = await this.tally.chat("user", this.model, {
        messages,
        responseFormat: { name: "user_turn", schema: USER_TURN_JSON_SCHEMA },
        temperature: input.temperature,
        seed: input.seed + input.turn * 31 + attempt - 1,
        signal: input.signal,
        simContext,
      });
      const parsed = resultJson(result);
      if (!parsed.ok) lastError = parsed.error;
      else {
        const turn = UserTurnZ.safeParse(parsed.value);
        if (!turn.success) lastError = turn.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
        else {
          const t = turn.data;
          const ends = t.finished === true || (planMode && t.stepDone && started && !input.plan!.steps[input.stepIndex + 1]);
          if (t.message.trim() === "" && !ends) lastError = "message is empty but the conversation is not over";
          else return { ...t, message: t.message.trim() };
        }
      }
      messages.push({ role: "assistant", content: result.text });
      messages.push({ role: "user", content: `That reply cannot be used: ${lastError}. Reply again with the JSON.` });
    }
    throw new GenerationError("user", `unusable user turn after ${this.maxAttempts} attempts: ${lastError}`);
  }
}
