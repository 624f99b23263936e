/**
 * The data layer under the jobs: every dataset format (read and, where toolflow writes it, write) and the figures
 * of a dataset. Imports only core; the stages never import it.
 */
export * from "./formats/index.js";
export {
  datasetFigures,
  FigureAccumulator,
  valueKey,
  type DatasetFigures,
  type Distribution,
  type FigureOptions,
  type LengthDistribution,
} from "./figures.js";
export { asksQuestion, QUESTION_MARKS } from "./questions.js";
export { diversity, DiversityAccumulator, distinctN, shannonEntropy, words, type DiversityMetrics } from "./diversity.js";
