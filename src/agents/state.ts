/**
 * Per-dialogue state shared by the agents, and the `simContext` shapes they put on each ChatRequest so the
 * deterministic `sim` policy can answer without a model. Real models get the same information through the
 * rendered prompts.
 */
import type { DialoguePlan, PlanStep, PlanStepKind, ToolSample, ToolSpec } from "../core/types.js";
import type { Persona } from "./prompts.js";
import { isRecord } from "./tool-schema.js";

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

/** Argument values the user stated for one call of the current request (by call position). */
export interface CallValues {
  tool: string;
  arguments: Record<string, unknown>;
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
  /** Values the user stated so far, per call of `tools` (merged over turns). */
  values: CallValues[];
  /** User messages sent for this request. */
  userTurns: number;
  /** Calls made for this request, in order. */
  calls: CallRecord[];
  /** The assistant's last turn ended with a question (no tool call in that turn). */
  assistantAsked: boolean;
  /** The assistant has replied with text at least once for this request. */
  answered: boolean;
}

/** simContext of a planner request. */
export interface PlannerSimContext {
  agent: "planner";
  seed: number;
  sample: Pick<ToolSample, "id" | "tools" | "edges">;
  tools: ToolSpec[];
  maxTurns: number;
  /** 1 for the first ask, 2+ for re-asks after an invalid plan. */
  attempt?: number;
}

/** simContext of a user-agent request. */
export interface UserSimContext {
  agent: "user";
  mode: "plan" | "free";
  seed: number;
  persona: Persona;
  plan: DialoguePlan | null;
  /** Index of the current step in plan.steps (plan mode). */
  stepIndex: number;
  /** The current request (null before the first one). */
  current: RequestState | null;
  tools: ToolSpec[];
  known: KnownField[];
  /** Every call made so far. */
  history: CallRecord[];
  /** Tools the user has asked for so far (free mode). */
  requested: string[];
  turnsLeft: number;
  /** 0-based index of this user turn in the dialogue. */
  turn: number;
}

/** simContext of an assistant request. */
export interface AssistantSimContext {
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

/** simContext of a tool-agent request. */
export interface ToolSimContext {
  agent: "tool";
  seed: number;
  tool: ToolSpec;
  arguments: Record<string, unknown>;
  callId: string;
  /** Return a realistic error instead of a result. */
  injectError: boolean;
  /** Values created or passed earlier in the dialogue (the tool agent's per-dialogue state). */
  known: KnownField[];
  history: CallRecord[];
}

export type AgentSimContext = PlannerSimContext | UserSimContext | AssistantSimContext | ToolSimContext;

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

/** The current plan step as a fresh request. */
export function requestFromStep(step: PlanStep): RequestState {
  return {
    stepId: step.id,
    kind: step.kind,
    intent: step.intent,
    tools: [...step.tools],
    dependsOn: [...step.dependsOn],
    missingArgs: [...(step.missingArgs ?? [])],
    values: [],
    userTurns: 0,
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

/** Merge newly stated values into a request's values (by call position, later values win). */
export function mergeValues(into: CallValues[], add: CallValues[]): CallValues[] {
  const out = into.map((v) => ({ tool: v.tool, arguments: { ...v.arguments } }));
  add.forEach((v, i) => {
    const cur = out[i];
    if (cur && cur.tool === v.tool) Object.assign(cur.arguments, v.arguments);
    else if (!cur) out[i] = { tool: v.tool, arguments: { ...v.arguments } };
    else {
      const same = out.find((o) => o.tool === v.tool);
      if (same) Object.assign(same.arguments, v.arguments);
      else out.push({ tool: v.tool, arguments: { ...v.arguments } });
    }
  });
  return out;
}
