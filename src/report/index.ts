/** Dataset statistics (with the paper's diversity metrics, H and D-3) and the dataset card. */
export { datasetStats, type DatasetStats } from "./stats.js";
export { toolResultSources, ToolResultTally, type ToolResultSource, type ToolResultSourceKind } from "./tool-results.js";
export { renderDatasetCard, llamaFactoryDatasetInfo, type CardInput, type CardFormat } from "./card.js";
