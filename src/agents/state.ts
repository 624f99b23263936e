/**
 * Per-dialogue state shared by the agents, and the typed contexts they put on each ChatRequest.
 */
import type { DialoguePlan, Message, PlanStep, PlanStepKind, StepMix, ToolSample, ToolSpec } from "../core/index.js";
import type { CallContext } from "../llm/index.js";
import type { ToolBatchInput, ToolCallRequest } from "./tool-agent.js";
import { isRecord } from "./tool-schema.js";
import type { UserTurnInput } from "./user-agent.js";

/** A leaf value of an earlier (successful) tool result or call argument, with where it came from. */
export interface KnownField {
  tool: string;
  callId: string;
  /** Plan step of the call (null without a plan). */
  stepId: number | null;
  /** Dotted path inside the result ("booking_history.booking_id"), or the argument name. */
  path: string;
  /** Last path segment. */
  name: string;
  value: string | number | boolean;
  /** "result": returned by the tool; "argument": passed to it. */
  from: "result" | "argument";
}

/** A tool call made during the dialogue, with its outcome. */
export interface CallRecord {
  callId: string;
  tool: string;
  arguments: Record<string, unknown>;
  result: unknown;
  ok: boolean;
  /** Error text when !ok. */
  error?: string;
  stepId: number | null;
}

/** The user's current requirement: a plan step, or an improvised request without a plan. */
export interface RequestState {
  stepId: number | null;
  kind: PlanStepKind;
  intent: string;
  tools: string[];
  dependsOn: number[];
  missingArgs: string[];
  /** User messages sent for this request. */
  userTurns: number;
  /** What the user said for this request, in order. */
  userMessages: string[];
  /** Calls made for this request, in order. */
  calls: CallRecord[];
  /** The assistant's last turn ended with a question (no tool call in that turn). */
  assistantAsked: boolean;
  /** The assistant has replied with text at least once for this request. */
  answered: boolean;
}

/**
 * What each agent tells the model layer about a call beyond its messages (ChatRequest.context, a side channel that
 * real backends ignore and the offline `sim` backend answers from). Real models get the same facts through the
 * rendered prompts.
 */
export interface PlannerContext extends CallContext {
  agent: "planner";
  seed: number;
  sample: Pick<ToolSample, "id" | "tools" | "edges">;
  tools: ToolSpec[];
  maxTurns: number;
  /** The desired share of step kinds (`synth --step-mix`; absent = DEFAULT_STEP_MIX); the prompt states it too. */
  stepMix?: StepMix;
}

/** The user agent's call: its turn input, without the conversation (which is in the prompt) and call options. */
export interface UserContext extends CallContext, Omit<UserTurnInput, "messages" | "temperature" | "signal" | "thread"> {
  agent: "user";
  mode: "plan" | "free";
}

export interface AssistantContext extends CallContext {
  agent: "assistant";
  seed: number;
  plan: DialoguePlan | null;
  request: RequestState;
  tools: ToolSpec[];
  known: KnownField[];
  /** Calls made since the last user message, in order (their results are the last messages). */
  turnCalls: CallRecord[];
  /** Set on the last allowed round: answer in text. */
  mustAnswer: boolean;
  /** Number of tool calls so far in the dialogue (for call ids). */
  callCount: number;
}

/** The tool agent's request: the calls of one assistant message and the dialogue's state before them. */
export interface ToolContext extends CallContext, Omit<ToolBatchInput, "temperature" | "signal" | "thread" | "tools" | "cacheKey"> {
  agent: "tool";
}

/** One call of a tool-agent request with the dialogue's state when it runs (earlier calls of the batch included). */
export interface ToolCallContext extends ToolCallRequest {
  known: KnownField[];
  history: CallRecord[];
}

export type AgentCallContext = PlannerContext | UserContext | AssistantContext | ToolContext;

/** Whether every tool of a request was called successfully (a multiset check: a tool listed twice needs two calls). */
export function stepToolsCalled(req: RequestState): boolean {
  const ok = req.calls.filter((c) => c.ok).map((c) => c.tool);
  for (const t of req.tools) {
    const i = ok.indexOf(t);
    if (i < 0) return false;
    ok.splice(i, 1);
  }
  return true;
}

/**
 * Whether a request needs nothing more from the user: the user has asked, every tool of it was called
 * successfully, and the assistant's last reply was an answer in words, not a question.
 */
export function stepSettled(req: RequestState): boolean {
  return req.userTurns > 0 && req.answered && !req.assistantAsked && stepToolsCalled(req);
}

/** The current plan step as a fresh request. */
export function requestFromStep(step: PlanStep): RequestState {
  return {
    stepId: step.id,
    kind: step.kind,
    intent: step.intent,
    tools: [...step.tools],
    dependsOn: [...step.dependsOn],
    missingArgs: [...(step.missingArgs ?? [])],
    userTurns: 0,
    userMessages: [],
    calls: [],
    assistantAsked: false,
    answered: false,
  };
}

/** Leaves of a JSON value as KnownFields (objects and arrays walked; at most `limit` leaves). */
export function knownFieldsOf(
  value: unknown,
  base: Omit<KnownField, "path" | "name" | "value">,
  limit = 200,
): KnownField[] {
  const out: KnownField[] = [];
  const walk = (v: unknown, path: string, name: string, depth: number) => {
    if (out.length >= limit || depth > 6) return;
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
      if (path !== "") out.push({ ...base, path, name, value: v });
    } else if (Array.isArray(v)) {
      v.forEach((x) => walk(x, path, name, depth + 1));
    } else if (isRecord(v)) {
      for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k, k, depth + 1);
    }
  };
  walk(value, "", "", 0);
  return out;
}

/**
 * Record a finished call in the dialogue's state: append it to `history`, and to `known` the leaves of its
 * arguments, then (when it succeeded with an object or array result) the leaves of its result.
 */
export function recordCall(known: KnownField[], history: CallRecord[], record: CallRecord): void {
  history.push(record);
  const base = { tool: record.tool, callId: record.callId, stepId: record.stepId };
  known.push(...knownFieldsOf(record.arguments, { ...base, from: "argument" }));
  if (record.ok && (isRecord(record.result) || Array.isArray(record.result)))
    known.push(...knownFieldsOf(record.result, { ...base, from: "result" }));
}

/**
 * An agent's own conversation over one dialogue, kept by the caller and extended by the agent after each answer
 * it accepts: the messages it sent after its system message (each request's message, then its answer), and how
 * many dialogue messages it has seen. Each request is the previous one plus what is new, so a server's prefix
 * cache serves everything but the new part.
 */
export interface AgentThread {
  messages: Message[];
  /** Dialogue messages already shown to the agent (user agent). */
  seen: number;
  /**
   * Tool agent: the ids of the calls answered in `messages`. Calls executed for real (`synth --execute`) are not,
   * so the thread's calls need not be a prefix of the dialogue's.
   */
  callIds?: string[];
}
