/**
 * toolflow's library entry. Shared data types and errors at the top level; each stage as a namespace.
 *
 *   import { tools, graph, sampling, llm, agents, synth, verify, exporting } from "toolflow";
 */
export * from "./core/index.js";
export * as tools from "./tools/index.js";
export * as graph from "./graph/index.js";
export * as sampling from "./sampling/index.js";
export * as llm from "./llm/index.js";
export * as models from "./models/index.js";
export * as agents from "./agents/index.js";
export * as synth from "./synth/index.js";
export * as verify from "./verify/index.js";
export * as data from "./data/index.js";
export * as exporting from "./export/index.js";
export * as report from "./report/index.js";
export * as evaluation from "./eval/index.js";
export * as judging from "./judge/index.js";
export * as overlap from "./overlap/index.js";
export * as doctor from "./doctor/index.js";
export * as execute from "./execute/index.js";
export * as queue from "./queue/index.js";
export * as html from "./html/index.js";
