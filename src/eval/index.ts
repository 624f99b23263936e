/**
 * Evaluating models the way BFCL does: BFCL's AST call checker, BFCL's data folders, and the function-name
 * mapping used to send BFCL's functions to chat APIs.
 */
export {
  checkCalls,
  isEmptyOutput,
  isFunctionCallFormat,
  isIrrelevanceCategory,
  isRelevanceCategory,
  needsPossibleAnswer,
  standardizeString,
  type CallCheck,
  type DecodedCall,
  type FunctionDoc,
  type ParamDoc,
  type PossibleAnswer,
} from "./checker.js";
export { BFCL_FILE_RE, BfclData, loadBfclData, loadBfclFolder, type BfclQuestion } from "./bfcl-data.js";
export { createNameMap, restoreCallNames, toApiName, type NameMap } from "./names.js";
export {
  accuracyByCategory,
  answerRecordSchema,
  checkAnswerRecords,
  formatAccuracyTable,
  readAnswerRecords,
  type AnswerRecord,
  type CategoryAccuracy,
  type CheckedRecord,
} from "./check-file.js";
// `eval bfcl --llm`: ask a served model every question and score its calls as they came.
export {
  readBfclEvalItems,
  runBfclEval,
  type BfclEvalItem,
  type BfclEvalSummary,
  type BfclResult,
  type BfclRunOptions,
  type ToolMode,
} from "./bfcl-run.js";
// its flags as one table: the CLI's flags, the options built from them and the eval definition (eval.json)
export {
  BFCL_EVAL_ADDED_LATER,
  BFCL_EVAL_DEFAULTS,
  BFCL_EVAL_DEFINITION_FLAGS,
  BFCL_EVAL_OPTION_TABLE,
  bfclEvalDefinition,
  bfclEvalOptionsFromFlags,
  type BfclEvalDefinition,
} from "./option-table.js";
export { BFCL_EVAL_CATEGORIES, bfclFigures, formatBfclTable, type BfclFigures, type CategoryScore } from "./bfcl-summary.js";
// `eval heldout`: a dataset's held-out assistant turns.
export {
  formatHeldoutTable,
  HELDOUT_SPLITS,
  runHeldoutEval,
  type HeldoutEvalOptions,
  type HeldoutResult,
  type HeldoutSplit,
  type HeldoutSummary,
} from "./heldout.js";
// The turn extraction and scoring of `eval heldout`, for src/judge's round trip; its fatal-error rule for judge run.
export {
  dialogueTurns,
  everyRequestFailed,
  isFatalModelError,
  loadHeldoutDialogues,
  scoreTurn,
  TURN_KINDS,
  type HeldoutDialogue,
  type HeldoutSource,
  type HeldoutTurn,
  type TurnKind,
  type TurnVerdict,
} from "./heldout.js";
export { turnRequest } from "./heldout-turns.js";
