/**
 * What the run orchestrator needs from the other stages, as injectable functions. The CLI wires the real ones
 * (src/agents, src/verify, src/llm); tests can pass doubles.
 */
import type { GenerateOptions, GeneratedDialogue } from "../agents/index.js";
import type { CheckResult, DialoguePlan, Message, ToolSample, ToolSpec, Verification } from "../core/index.js";
import type { ChatModel, DialogueModels } from "../llm/index.js";

/** The parts of a dialogue that verification, deduplication and judging look at. */
export interface DialogueForChecks {
  tools: ToolSpec[];
  plan: DialoguePlan | null;
  messages: Message[];
  stepOf: (number | null)[];
  /** With `--keep-reasoning`: the assistant's reasoning, parallel to messages. */
  reasoning?: (string | null)[];
}

export type DuplicateCheck =
  | { duplicate: false }
  | { duplicate: true; of: string; kind: string; similarity: number };

export interface DeduperLike {
  check(d: DialogueForChecks): DuplicateCheck;
  add(id: string, d: DialogueForChecks): void;
}

export interface SynthDeps {
  generateDialogue(
    sample: ToolSample,
    tools: ToolSpec[],
    models: DialogueModels,
    options: GenerateOptions,
  ): Promise<GeneratedDialogue>;
  verifyDialogue(d: DialogueForChecks, options: { provenance: "reject" | "flag" }): Verification;
  /**
   * Repair at the turn: the problems of the calls `callIds` (the last message of `d`), by the provenance rule the
   * verifier applies at the end, worded for the assistant; empty when they are grounded.
   */
  checkCallsAtTurn?(d: DialogueForChecks, callIds: readonly string[]): string[];
  createDeduper(): DeduperLike;
  /** `--judge`: the judge's scores (1-5 per rubric axis) and its reason (`--judge-min` rejects with them). */
  judgeDialogue?(model: ChatModel, d: DialogueForChecks): Promise<JudgeVerdict>;
  /**
   * `--provenance judge:SPEC`: the provenance check again, with the model asked about the values the rules leave
   * ungrounded (src/verify's judgeProvenance); run only when the rules' provenance check failed.
   */
  judgeProvenance?(model: ChatModel, d: DialogueForChecks, options: { signal?: AbortSignal }): Promise<CheckResult>;
  /** `--round-trip`: a model re-answers each call turn from the conversation so far (src/judge's roundTripSynthDeps). */
  roundTrip?(model: ChatModel, d: DialogueForChecks, options: { signal?: AbortSignal }): Promise<RoundTripCheck>;
}

/** What the judge said of one dialogue. */
export interface JudgeVerdict {
  /** Score per rubric axis (naturalness, coherence, helpfulness, accuracy), 1-5. */
  scores: Record<string, number>;
  /** The judge's reason (its rationale: the main weakness, if any). */
  rationale?: string;
  /** The flaws it named (`--judge-flaws` rejects on any). */
  flaws?: Array<{ kind: string; note: string }>;
}

/** What the round trip of one dialogue found. */
export interface RoundTripCheck {
  /** agreed / turns; null when the dialogue has no call turn (it passes). */
  agreement: number | null;
  turns: number;
  agreed: number;
  /** The rejection reasons when the agreement is below `min`. */
  reasons(min: number): string[];
}

