/**
 * Verification stage: rule checks run on every dialogue before it is accepted (format, plan, argument
 * provenance), near-duplicate detection (MinHash + LSH), the LLM judge, and rejection summaries.
 */
export * from "./types.js";
export { verifyDialogue, checkFormat, checkPlan, checkProvenance } from "./verify.js";
export { Deduper } from "./dedup.js";
export { buildJudgePrompt, judgeDialogue, type JudgeOptions } from "./judge.js";
export { summarizeRejections, type RejectionSummary } from "./summary.js";
export { findUngroundedArgs, parseArguments } from "./verify.js";
export { duplicateCheckResult, type DedupDialogue } from "./dedup.js";
export { rejectionsOf, meanCheckMetrics, type RejectionEntry } from "./summary.js";
export { JUDGE_SCHEMA, type JudgeResult, renderTranscript } from "./judge.js";
export { SourceIndex, isValueGrounded, normalizeText } from "./grounding.js";
export { isErrorResult, unknownArguments } from "./verify.js";
