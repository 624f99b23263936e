/**
 * Export job: dialogue records -> training formats (openai, sharegpt, hermes, llama31, xlam: the writers are in
 * src/data/formats) with deterministic grouped splits and a dataset card. The formats themselves (EXPORT_FORMATS,
 * getFormat, the llama31 options, ...) are exported by `data`.
 */
export { exportDataset, type ExportOptions, type ExportSummary } from "./export.js";
