/**
 * The tool graph stage: tools -> ToolGraph (P-P and P-R edges between tools whose fields are similar).
 */
export { ToolGraph, type EdgeAttributes } from "./tool-graph.js";
export { buildToolGraph, uniqueTools, topHubs, type BuildToolGraphOptions, type BuildProgress, type BuildMeta } from "./builder.js";
export { graphStats, formatGraphStats, degreeHistogram, type GraphStats, type GraphHub } from "./stats.js";
export { toGexf, toDot, writeGraph, serializeGraph, graphFormatFor, evidenceText, GRAPH_FORMATS, type GraphFormat } from "./export.js";
export { extractFields, fieldText, type ToolField, type FieldRole } from "./fields.js";
export { similarityJoin, lshParameters, type JoinOptions, type JoinResult } from "./similarity-join.js";
export { bestThreshold, calibrationSweep, CALIBRATION_FILES, NEGATIVE_PAIRS, POSITIVE_PAIRS, type CalibrationRow, type LabelledPair } from "./calibration.js";
export * from "./embedders/index.js";
