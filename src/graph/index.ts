/**
 * The tool graph stage: tools -> ToolGraph (P-P and P-R edges between tools whose fields are similar).
 */
export { ToolGraph, type EdgeAttributes } from "./tool-graph.js";
export { buildToolGraph, type BuildToolGraphOptions, type BuildProgress, type BuildMeta } from "./builder.js";
export { graphStats, formatGraphStats, type GraphStats, type GraphHub } from "./stats.js";
export { toGexf, toDot, writeGraph, serializeGraph, graphFormatFor, type GraphFormat } from "./export.js";
export { bestThreshold, calibrationSweep, CALIBRATION_FILES, NEGATIVE_PAIRS, POSITIVE_PAIRS, type CalibrationRow, type LabelledPair } from "./calibration.js";
export { createEmbedder } from "./embedders/index.js";
export { LexicalEmbedder, LEXICAL_DEFAULT_THRESHOLD, type LexicalEmbedderOptions } from "./embedders/lexical.js";
export { OpenAIEmbedder, type OpenAIEmbedderOptions } from "./embedders/openai.js";
export { LlamaEmbedder, LLAMA_DEFAULT_THRESHOLD, type LlamaEmbedderOptions } from "./embedders/llama.js";
export { rowDot } from "./embedders/types.js";
export { paramMentions, toolsNamedIn, type ParamMention } from "./mentions.js";
export { returnFeedsParam, fieldKind, typesAgree, identifierEntity, entitiesAgree, isIdentifierName, type FieldKind, type FieldType } from "./field-kinds.js";
export { lshBandsFor, SimHash } from "./similarity-join.js";
export type { FieldEmbedder, FieldInput, FieldVectors, SparseVectors, DenseVectors, EmbedProgress } from "./embedders/types.js";
