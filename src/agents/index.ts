/**
 * Planned generation and the three agents (UserAgent, AssistantAgent, ToolAgent) of the ToolFlow method.
 * Public API of the agents stage; the synth orchestrator calls `generateDialogue` once per sample.
 *
 * NOTE: first commit publishes the signatures; the implementations follow.
 */
import type { DialoguePlan, Message, ToolSample, ToolSpec, Usage } from "../core/types.js";
import type { ChatModel, ChatRequest, ChatResult } from "../llm/types.js";
import { ToolflowError } from "../core/errors.js";

export interface RoleModels {
  planner: ChatModel;
  user: ChatModel;
  assistant: ChatModel;
  tool: ChatModel;
}

export interface GenerateOptions {
  seed: number;
  /** false = --no-plan (the paper's "w/o Plan"). */
  usePlan: boolean;
  /** Maximum user turns; default 12. */
  maxTurns?: number;
  /** Probability that a simulated tool call returns an error; default 0.05. */
  toolErrorRate?: number;
  temperature?: number;
  signal?: AbortSignal;
}

export interface GeneratedDialogue {
  plan: DialoguePlan | null;
  messages: Message[];
  /** Parallel to messages: the plan step each message belongs to (null for system / unplanned). */
  stepOf: (number | null)[];
  persona: string;
  /** Model id per role. */
  models: Record<string, string>;
  /** Token usage per role. */
  usage: Record<string, Usage>;
  /** True when every plan step was done before the turn limit. */
  complete: boolean;
}

/** Pipeline stage in which generation failed. */
export type GenerationStage = "planner" | "user" | "assistant" | "tool";

/** A model's output could not be used (after the model layer's own validation and re-asks). */
export class GenerationError extends ToolflowError {
  readonly stage: GenerationStage;
  constructor(stage: GenerationStage, message: string, options: { cause?: unknown } = {}) {
    super(`${stage}: ${message}`, { code: "GENERATION_ERROR", cause: options.cause });
    this.stage = stage;
  }
}

/** Answers of the built-in `sim` backend: a partial ChatResult, or undefined to fall back to the default. */
export type SimPolicy = (request: ChatRequest) => Partial<ChatResult> | undefined;

export async function generateDialogue(
  _sample: ToolSample,
  _tools: ToolSpec[],
  _models: RoleModels,
  _options: GenerateOptions,
): Promise<GeneratedDialogue> {
  throw new ToolflowError("generateDialogue: not implemented yet");
}

export function createSimPolicy(): SimPolicy {
  return () => undefined;
}

export function renderPrompt(name: string, _vars: Record<string, unknown>): string {
  throw new ToolflowError(`renderPrompt(${name}): not implemented yet`);
}
