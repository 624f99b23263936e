/**
 * Tool ingestion: every supported format -> ToolSpec (tools.jsonl). See docs/tools.md.
 */
export { importTools, convertInput, finalizeDraft, type ImportResult } from "./import.js";
export { detectFormat, detectInputFormat, type Detection } from "./detect.js";
export { readInputFile, parseInputText, type ParsedInput } from "./read.js";
export { readToolsJsonl, writeToolsJsonl } from "./jsonl.js";
export { normalizeParameters, sanitizeToolName, SchemaChecker, TOOL_NAME_RE } from "./schema.js";
// Kept in the tools namespace for library users; they live in core.
export { canonicalJson } from "../core/index.js";
export { mapTypeName, normalizeSchema } from "../core/index.js";
export { openAIDocumentToDrafts, openAIToolToDraft } from "./formats/openai.js";
export { bfclRecordToDrafts } from "./formats/bfcl.js";
export { mcpDocumentToDrafts } from "./formats/mcp.js";
export { openApiDocumentToDrafts, toolAlpacaDocumentToDrafts } from "./formats/openapi.js";
export { templateResponseToReturns, toolBenchDocumentToDrafts, toolBenchToolName } from "./formats/toolbench.js";
export { toolSpecToDraft } from "./formats/toolspec.js";
export * from "./types.js";
