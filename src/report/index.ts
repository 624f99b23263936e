/** Dataset statistics, the paper's diversity metrics (H, D-3) and the dataset card. */
export { words, shannonEntropy, distinctN, diversity, type DiversityMetrics } from "./diversity.js";
export { datasetStats, distribution, type DatasetStats, type Distribution } from "./stats.js";
export { renderDatasetCard, SPLIT_NAMES, type SplitName, type CardInput, type CardFormat } from "./card.js";
