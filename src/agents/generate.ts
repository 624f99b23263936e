/**
 * generateDialogue: one conversation from one tool sample. The Planner writes the DialoguePlan (unless
 * usePlan is false), then the UserAgent, AssistantAgent and ToolAgent take turns until every plan step is done
 * or the user-turn limit is hit.
 */
import { InputError, MAX_UNSUPPORTED_SHARE } from "../core/index.js";
import { deriveSeed, Rng } from "../core/index.js";
import type { DialoguePlan, Message, StepMix, ToolExecution, ToolSample, ToolSpec } from "../core/index.js";
import type { DialogueModels } from "../llm/index.js";
import { AssistantAgent, assistantSystemPrompt, type CallCheckHook } from "./assistant-agent.js";
import { GenerationError, promptCacheKey } from "./common.js";
import { Planner } from "./planner.js";
import { personaFromSeed, type Persona } from "./prompts.js";
import {
  recordCall,
  requestFromStep,
  stepSettled,
  stepToolsCalled,
  type CallRecord,
  type KnownField,
  type AgentThread,
  type RequestState,
} from "./state.js";
import { ToolAgent, toolErrorText } from "./tool-agent.js";
import { UserAgent } from "./user-agent.js";



/** One tool call the assistant made, offered to `GenerateOptions.executeTool`. */
export interface ToolExecutionRequest {
  tool: ToolSpec;
  arguments: Record<string, unknown>;
  callId: string;
  signal?: AbortSignal;
}

/**
 * What `executeTool` did with a call: ran it for real (the result, or a real error as `ok: false` with
 * {"error": ...}, handled like a simulated error), or left it to the ToolAgent to simulate.
 */
export type ToolExecutionOutcome =
  | { kind: "executed"; result: unknown; ok: boolean; error?: string; execution: ToolExecution }
  | { kind: "simulate"; execution: ToolExecution };

/** Runs tool calls on their real servers (`synth --execute`; src/execute). */
export type ExecuteToolHook = (request: ToolExecutionRequest) => Promise<ToolExecutionOutcome>;

export interface GenerateOptions {
  seed: number;
  /** false = --no-plan (the paper's "w/o Plan"): the user improvises over the sampled tools. */
  usePlan: boolean;
  /**
   * The simulated user (default: drawn from the seed). A run gives dialogue k `personaAt(runSeed, k)`, so that
   * consecutive dialogues are written by different people.
   */
  persona?: Persona;
  /** Maximum user turns; default 12. */
  maxTurns?: number;
  /** Probability that a simulated tool call returns an error; default 0.05. Retries of a failed call never fail by injection. */
  toolErrorRate?: number;
  /** Desired share of step kinds in plans (`--step-mix`); default DEFAULT_STEP_MIX (no unsupported steps). */
  stepMix?: StepMix;
  temperature?: number;
  signal?: AbortSignal;
  /** Assistant rounds (model replies) per user turn before a text answer is forced; default 6. */
  maxToolRounds?: number;
  /** `synth --keep-reasoning`: keep the assistant model's reasoning per assistant message (`GeneratedDialogue.reasoning`). */
  keepReasoning?: boolean;
  /**
   * `synth --execute`: offered every tool call first; a call it executes skips the ToolAgent (and error injection).
   * The dialogue then carries `execution`, parallel to messages.
   */
  executeTool?: ExecuteToolHook;
  /**
   * Repair at the turn: checks each assistant reply's calls as they are made (synth gives the verifier's provenance
   * rule); a problem is sent back to the assistant within its attempt budget, and calls still wrong end the
   * dialogue with an UngroundedCallError.
   */
  checkCalls?: CallCheckHook;
}

export interface GeneratedDialogue {
  plan: DialoguePlan | null;
  messages: Message[];
  /** Parallel to messages: the plan step each message belongs to (null for the system message, or without a plan). */
  stepOf: (number | null)[];
  /**
   * Only with `keepReasoning`: parallel to messages, the assistant model's reasoning for each assistant message
   * (null when it gave none, and for every other message).
   */
  reasoning?: (string | null)[];
  /** Only with `executeTool`: parallel to messages, how each tool message's result was made (null for the others). */
  execution?: (ToolExecution | null)[];
  /** The simulated user, as "Name, description". */
  persona: string;
  /** Every plan step was done (and its tools called successfully) before the turn limit; without a plan, the user finished. */
  complete: boolean;
}

/** The persona of a dialogue made with `seed` and no `persona` option (a run gives each dialogue `personaAt`). */
export function personaFor(seed: number): Persona {
  return personaFromSeed(seed);
}

/** The specs of a sample's tools, in sample order (InputError naming the sample and the tool when one is missing). */
export function toolsOfSample(sample: ToolSample, tools: readonly ToolSpec[]): ToolSpec[] {
  const byName = new Map(tools.map((t) => [t.name, t]));
  return sample.tools.map((name) => {
    const t = byName.get(name);
    if (!t) throw new InputError(`sample ${sample.id}: tool "${name}" is not among the given tool specs`);
    return t;
  });
}

export async function generateDialogue(
  sample: ToolSample,
  tools: ToolSpec[],
  models: DialogueModels,
  options: GenerateOptions,
): Promise<GeneratedDialogue> {
  const maxTurns = options.maxTurns ?? 12;
  if (!Number.isInteger(maxTurns) || maxTurns < 1) throw new InputError(`maxTurns must be a positive integer (got ${maxTurns})`);
  const errorRate = options.toolErrorRate ?? 0.05;
  if (!(errorRate >= 0 && errorRate <= 1)) throw new InputError(`toolErrorRate must be between 0 and 1 (got ${errorRate})`);
  const unsupportedShare = options.stepMix?.unsupported ?? 0;
  if (!(unsupportedShare >= 0 && unsupportedShare <= MAX_UNSUPPORTED_SHARE))
    throw new InputError(`stepMix.unsupported must be between 0 and ${MAX_UNSUPPORTED_SHARE} (got ${unsupportedShare})`);
  const maxRounds = Math.max(1, options.maxToolRounds ?? 6);
  const seed = options.seed;
  const signal = options.signal;
  const temperature = options.temperature;
  const sampled = toolsOfSample(sample, tools);

  const persona = options.persona ?? personaFor(seed);
  const errorRng = new Rng(deriveSeed(seed, "tool-errors"));
  const userAgent = new UserAgent(models.user);
  const assistant = new AssistantAgent(models.assistant);
  const toolAgent = new ToolAgent(models.tool);

  const plan = options.usePlan
    ? await new Planner(models.planner).plan(sample, sampled, {
        seed: deriveSeed(seed, "plan"),
        maxTurns,
        persona,
        ...(options.stepMix ? { stepMix: options.stepMix } : {}),
        temperature,
        signal,
      })
    : null;

  const messages: Message[] = [{ role: "system", content: assistantSystemPrompt(sampled) }];
  const stepOf: (number | null)[] = [null];
  const reasoning: (string | null)[] = [null];
  const execution: (ToolExecution | null)[] = [null];
  const push = (m: Message, step: number | null, thought: string | null = null, how: ToolExecution | null = null) => {
    messages.push(m);
    stepOf.push(plan ? step : null);
    reasoning.push(thought);
    execution.push(how);
  };
  const known: KnownField[] = [];
  const history: CallRecord[] = [];
  const requested: string[] = [];
  const usedIds = new Set<string>();
  const finishedSteps: RequestState[] = [];
  let stepIndex = 0;
  let current: RequestState | null = null;
  let userTurns = 0;
  let complete = false;
  // The user and tool agents' own conversations: each of their requests extends the previous one.
  const userThread: AgentThread = { messages: [], seen: 0 };
  const toolThread: AgentThread = { messages: [], seen: 0 };
  const toolCacheKey = promptCacheKey("tool", deriveSeed(seed, "tool"));

  for (;;) {
    signal?.throwIfAborted();
    // The last step is settled (its tools called successfully and the assistant answered in words): the
    // conversation ends without asking the user agent, whose only answer could be "done".
    if (plan && current && stepIndex === plan.steps.length - 1 && stepSettled(current)) {
      finishedSteps.push(current);
      complete = finishedSteps.every(stepToolsCalled);
      break;
    }
    const turn = await userAgent.next({
      seed: deriveSeed(seed, "user"),
      persona,
      plan,
      stepIndex,
      current,
      tools: sampled,
      known,
      history,
      requested,
      messages,
      turnsLeft: maxTurns - userTurns,
      turn: userTurns,
      thread: userThread,
      temperature,
      signal,
    });
    if (plan) {
      if (current && current.userTurns > 0 && turn.stepDone) {
        finishedSteps.push(current);
        stepIndex++;
        current = null;
        if (stepIndex >= plan.steps.length) {
          complete = finishedSteps.every(stepToolsCalled);
          break;
        }
      }
      if (!current) current = requestFromStep(plan.steps[stepIndex]!);
    } else {
      if (turn.finished) {
        complete = true;
        break;
      }
      if (!current || (turn.stepDone && current.userTurns > 0)) {
        current = {
          stepId: null,
          kind: "single",
          intent: "",
          tools: [],
          dependsOn: [],
          missingArgs: [],
          userTurns: 0,
          userMessages: [],
          calls: [],
          assistantAsked: false,
          answered: false,
        };
      }
    }
    if (userTurns >= maxTurns) break;
    if (turn.message === "") throw new GenerationError("user", "the user agent ended the conversation with steps left");
    const req: RequestState = current;
    push({ role: "user", content: turn.message }, req.stepId);
    req.userTurns++;
    req.userMessages.push(turn.message);
    userTurns++;
    const turnCalls: CallRecord[] = [];
    for (let round = 0; round < maxRounds; round++) {
      const { message: reply, reasoning: thought } = await assistant.reply({
        seed: deriveSeed(seed, "assistant"),
        messages,
        tools: sampled,
        plan,
        request: req,
        known,
        turnCalls,
        mustAnswer: round === maxRounds - 1,
        usedCallIds: usedIds,
        reasoning,
        ...(options.checkCalls ? { checkCalls: options.checkCalls } : {}),
        temperature,
        signal,
      });
      push(reply, req.stepId, thought ?? null);
      if (!reply.tool_calls || reply.tool_calls.length === 0) {
        req.answered = true;
        // Without a plan the request's tools are only known from the calls made; a text reply to a fresh request
        // (no call yet) is the assistant asking for something.
        req.assistantAsked = turnCalls.length === 0 && (plan ? req.tools.length > 0 : req.calls.length === 0);
        break;
      }
      // Real executions first (synth --execute), then one tool-agent request for every call of the message left to
      // simulate; the tool messages and the dialogue's state follow in call order.
      const pending: {
        call: (typeof reply.tool_calls)[number];
        spec: ToolSpec;
        args: Record<string, unknown>;
        injectError: boolean;
        real: ToolExecutionOutcome | undefined;
      }[] = [];
      for (const call of reply.tool_calls) {
        usedIds.add(call.id);
        const spec = sampled.find((t) => t.name === call.function.name)!;
        const args = JSON.parse(call.function.arguments) as Record<string, unknown>;
        const isRetry = turnCalls.some(
          (c) => !c.ok && c.tool === spec.name && JSON.stringify(c.arguments) === JSON.stringify(args),
        );
        const injectError = !isRetry && errorRate > 0 && errorRng.chance(errorRate);
        const real = options.executeTool
          ? await options.executeTool({ tool: spec, arguments: args, callId: call.id, ...(signal ? { signal } : {}) })
          : undefined;
        pending.push({ call, spec, args, injectError, real });
      }
      const simulate = pending.filter((p) => p.real?.kind !== "executed");
      const simulated = await toolAgent.callAll({
        calls: simulate.map((p) => ({
          seed: deriveSeed(seed, `tool:${p.call.id}`),
          tool: p.spec,
          arguments: p.args,
          callId: p.call.id,
          injectError: p.injectError,
        })),
        known,
        history,
        tools: sampled,
        thread: toolThread,
        cacheKey: toolCacheKey,
        ...(req.intent !== "" ? { intent: req.intent } : {}),
        temperature,
        signal,
      });
      let nextSimulated = 0; // `simulated` follows `pending` with the executed calls left out
      for (const { call, spec, args, real } of pending) {
        const out = real?.kind === "executed" ? real : simulated[nextSimulated++]!;
        const error = out.ok ? undefined : (out.error ?? toolErrorText(out.result) ?? "error");
        const record: CallRecord = {
          callId: call.id,
          tool: spec.name,
          arguments: args,
          result: out.result,
          ok: out.ok,
          stepId: req.stepId,
          ...(error !== undefined ? { error } : {}),
        };
        push(
          { role: "tool", tool_call_id: call.id, name: spec.name, content: JSON.stringify(out.result) },
          req.stepId,
          null,
          real ? real.execution : null,
        );
        turnCalls.push(record);
        req.calls.push(record);
        if (!plan) {
          // Without a plan, a request is about the tools the assistant calls for it.
          if (!req.tools.includes(spec.name)) req.tools.push(spec.name);
          if (!requested.includes(spec.name)) requested.push(spec.name);
        }
        recordCall(known, history, record);
      }
    }
  }

  return {
    plan,
    messages,
    stepOf,
    ...(options.keepReasoning ? { reasoning } : {}),
    ...(options.executeTool ? { execution } : {}),
    persona: `${persona.name}, ${persona.description}`,
    complete,
  };
}
