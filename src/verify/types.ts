/**
 * Public types of the verification stage.
 */
import type { DialogueRecord } from "../core/index.js";

/**
 * What verification needs of a dialogue: the sampled tools, the plan (or null), the messages and stepOf; and the
 * reasoning when the run kept it (`synth --keep-reasoning`; only its shape is checked).
 */
export type VerifiableDialogue = Pick<DialogueRecord, "tools" | "plan" | "messages" | "stepOf" | "reasoning">;

/** What to do with arguments that are not grounded in an earlier user message or tool result. */
export type ProvenanceMode = "reject" | "flag" | "off";

export interface VerifyOptions {
  /** Ungrounded (hallucinated) arguments: "reject" (default) fails the dialogue, "flag" only reports them. */
  provenance?: ProvenanceMode;
  /** The dialogue must end with an assistant text message (default true). */
  requireFinalAssistant?: boolean;
  /** Also count the system prompt as a source of argument values (default false: only user turns and tool results). */
  groundInSystem?: boolean;
  /**
   * Share of a multi-word string argument's content words that must appear in earlier sources for it to count as
   * grounded when the whole phrase is not found verbatim (default 0.75; strings of one or two words need all).
   */
  minTokenCoverage?: number;
  /**
   * Accept top-level arguments a tool's schema does not declare when the schema leaves additionalProperties
   * unset (default false: an undeclared argument is a hallucinated parameter and fails the format check).
   */
  allowUnknownArgs?: boolean;
  /** Steps must start in plan order (default true). */
  requireStepOrder?: boolean;
}

/**
 * Names of the verification checks, as they appear in Verification.checks and RejectedRecord.rejectedBy. A run's
 * rejectedBy also names its own steps: `generation`, `incomplete`, `round_trip` (synth --round-trip) and `judge`
 * (synth --judge-min, or a judge call that failed).
 */
export const CHECK_NAMES = ["format", "plan", "provenance", "duplicate"] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

/** One ungrounded argument leaf. */
export interface UngroundedArg {
  tool: string;
  callId: string;
  /** JSON-pointer-like path of the leaf inside the arguments, e.g. "/passengers/0/name". */
  path: string;
  value: unknown;
}

export type DuplicateCheck =
  | { duplicate: false }
  | { duplicate: true; of: string; kind: "exact" | "near"; similarity: number };

export interface DeduperOptions {
  /** Estimated Jaccard similarity at or above which two dialogues are near-duplicates (default 0.8). */
  threshold?: number;
  /** Number of MinHash permutations (default 128). */
  numPerm?: number;
  /** LSH bands; numPerm must be divisible by it (default 16, i.e. 8 rows a band). */
  bands?: number;
  /** Words per shingle (default 3). */
  shingleSize?: number;
  /** Seed of the hash functions (default 1). */
  seed?: number;
}

export const JUDGE_CRITERIA = ["naturalness", "coherence", "helpfulness", "accuracy"] as const;
export type JudgeCriterion = (typeof JUDGE_CRITERIA)[number];
/** Judge scores, each an integer 1-5. */
export type JudgeScores = Record<JudgeCriterion, number>;
