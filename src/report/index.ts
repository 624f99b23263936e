/** Dataset statistics (with the paper's diversity metrics, H and D-3) and the dataset card. */
export type { DiversityMetrics } from "./diversity.js";
export { datasetStats, type DatasetStats, type Distribution } from "./stats.js";
export { toolResultSources, ToolResultTally, type ToolResultSource, type ToolResultSourceKind } from "./tool-results.js";
export { renderDatasetCard, llamaFactoryDatasetInfo, type CardInput, type CardFormat } from "./card.js";
export {
  readDataset,
  readDatasetAll,
  readRow,
  toolflowDialogue,
  detectRowFormat,
  datasetFiles,
  exportSplitFiles,
  SPLIT_FILES,
  DATASET_FORMATS,
  NOTE_KINDS,
  notADialogue,
  ReadLog,
  type ReadSummary,
  type ReadFileSummary,
  type ReadNoteSummary,
  type NoteKind,
  type RowContext,
  type DatasetFormat,
  type DatasetDialogue,
  type DatasetTool,
  type DatasetPlanStep,
  type ReadDatasetOptions,
} from "./read-dataset.js";
export { bfclAnswerFile, readBfclAnswers, BFCL_CLASS_DOCS, type TextCallParser, type ParsedTextCall } from "./read-bfcl.js";
export { asksQuestion, QUESTION_MARKS } from "./questions.js";
export {
  datasetFigures,
  FigureAccumulator,
  valueKey,
  type DatasetFigures,
  type FigureOptions,
  type LengthDistribution,
} from "./dataset-figures.js";
