/**
 * The overlap stage: the paper's leakage test of TRAIN's tools against EVAL's tools (shared long n-grams of the
 * tools' JSON, embedding similarity), and TRAIN without the leaked tools.
 */
export { computeOverlap, formatOverlap, OVERLAP_DEFAULTS, type LeakedTool, type LeakReason, type LeakRule, type OverlapOptions, type OverlapResult } from "./overlap.js";
export { loadOverlapTools, type LoadedTools, type ToolSourceKind } from "./load.js";
export { embeddingText, NgramIndex, ngramKey, toolTokens, Vocabulary, wordTokens, type ToolJson } from "./tokens.js";
export { lshBands, nearestAbove, type Nearest, type NearestOptions } from "./nearest.js";
