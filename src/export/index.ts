/**
 * Export stage: dialogue records -> training formats (openai, sharegpt, hermes, llama31, xlam) with deterministic
 * grouped splits and a dataset card.
 */
export {
  EXPORT_FORMATS,
  ExportFormatError,
  type ExportFormat,
  type ExportFormatName,
  type FunctionDef,
  type ParsedDialogue,
  type RowOptions,
} from "./formats/common.js";
export {
  getFormat,
  isFormatName,
  LLAMA31_DEFAULTS,
  LLAMA_CALL_END,
  LLAMA_PARALLEL,
  LLAMA_RESULTS,
  LLAMA_TOOLS_IN,
  type Llama31Options,
} from "./formats/index.js";
export { exportDataset, type ExportOptions, type ExportSummary } from "./export.js";
export { loadDialogues, DIALOGUES_FILE } from "./load.js";
export { assignSplits, parseSplit, type SplitRatios } from "./split.js";
