/**
 * Export stage: dialogue records -> training formats (openai, sharegpt, hermes, llama31, xlam) with deterministic
 * grouped splits and a dataset card.
 */
export * from "./formats/index.js";
export { exportDataset, type ExportOptions, type ExportSummary } from "./export.js";
export { loadDialogues, loadRejected, DIALOGUES_FILE, REJECTED_FILE } from "./load.js";
export { assignSplits, groupRecords, parseSplit, toolSetKey, type SplitRatios } from "./split.js";
