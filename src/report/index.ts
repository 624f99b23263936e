/** Dataset statistics (with the paper's diversity metrics, H and D-3) and the dataset card. */
export { datasetStats, type DatasetStats } from "./stats.js";
export { toolResultSources, ToolResultTally, type ToolResultSource, type ToolResultSourceKind } from "./tool-results.js";
export { renderDatasetCard, llamaFactoryDatasetInfo, type CardInput, type CardFormat } from "./card.js";
// Reading any dataset path (files, folders, runs, exports); the formats and the figures are in src/data.
export {
  readDataset,
  readDatasetAll,
  datasetFiles,
  exportSplitFiles,
  SPLIT_FILES,
  ReadLog,
  type ReadSummary,
  type ReadFileSummary,
  type ReadNoteSummary,
  type ReadDatasetOptions,
} from "./read-dataset.js";
