export { ToolGraph, type EdgeAttributes } from "./tool-graph.js";
