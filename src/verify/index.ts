/**
 * Verification stage: rule checks run on every dialogue before it is accepted (format, plan, argument
 * provenance), near-duplicate detection (MinHash + LSH), the LLM judge, and rejection summaries.
 */
export type {
  CheckName,
  DeduperOptions,
  DuplicateCheck,
  JudgeCriterion,
  JudgeScores,
  ProvenanceMode,
  UngroundedArg,
  VerifiableDialogue,
  VerifyOptions,
} from "./types.js";
export { verifyDialogue, findUngroundedArgs, groundDialogue, ungroundedAtTurn, type ProvenanceLeaf } from "./verify.js";
export {
  groundCall,
  groundLeaf,
  sourceIndexOf,
  LEAF_VERDICTS,
  type CallToGround,
  type GroundCallOptions,
  type GroundedLeaf,
  type LeafVerdict,
} from "./ground-call.js";
export { SourceIndex } from "./grounding.js";
export type { ArgLeaf } from "./schema.js";
export {
  judgeProvenance,
  parseProvenanceOption,
  buildProvenancePrompt,
  withProvenanceCheck,
  PROVENANCE_JUDGE_PREFIX,
  PROVENANCE_JUDGE_SCHEMA,
  type ProvenanceJudgeOptions,
  type ProvenanceJudgeResult,
  type ProvenanceJudgement,
  type ProvenanceQuestion,
} from "./provenance-judge.js";
export { argumentSources, type ArgumentSource, type ArgumentOrigin } from "./sources.js";
export { Deduper, duplicateCheckResult, type DedupDialogue } from "./dedup.js";
export {
  buildJudgePrompt,
  judgeDialogue,
  JUDGE_FLAW_KINDS,
  JUDGE_SCHEMA,
  type JudgedTool,
  type JudgeFlaw,
  type JudgeFlawKind,
  type JudgeOptions,
  type JudgeResult,
} from "./judge.js";
export { summarizeRejections, rejectionsOf, type RejectionEntry, type RejectionSummary } from "./summary.js";
