/**
 * Export job: dialogue records -> training formats (openai, sharegpt, hermes, llama31, xlam: the writers are in
 * src/data/formats) with deterministic grouped splits and a dataset card.
 */
export {
  EXPORT_FORMATS,
  HERMES_STYLES,
  ExportFormatError,
  type ExportFormat,
  type ExportFormatName,
  type FormatOptions,
  type FunctionDef,
  type HermesStyle,
  type ParsedDialogue,
  type RowOptions,
} from "../data/index.js";
export {
  getFormat,
  isFormatName,
  LLAMA31_DEFAULTS,
  LLAMA_CALL_END,
  LLAMA_PARALLEL,
  LLAMA_RESULTS,
  LLAMA_TOOLS_IN,
  type Llama31Options,
} from "../data/index.js";
export { exportDataset, type ExportOptions, type ExportSummary } from "./export.js";
