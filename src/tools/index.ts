/**
 * Tool ingestion: every supported format -> ToolSpec (tools.jsonl). See docs/tools.md.
 */
export { importTools, finalizeDraft, type ImportResult } from "./import.js";
export { detectFormat, type Detection } from "./detect.js";
export { readToolsJsonl, writeToolsJsonl } from "./jsonl.js";
export { checkToolSpec, toolNameProblem, schemaDepthProblem, TOOL_NAME_RE, MAX_SCHEMA_DEPTH } from "./validate.js";
export { normalizeParameters, sanitizeToolName, SchemaChecker } from "./schema.js";
export {
  CUT_LEVELS,
  DEFAULT_SCHEMA_BUDGET,
  cutSchema,
  fitSchema,
  fitTool,
  DESCRIPTION_SHARE,
  schemaTokens,
  type SchemaLimits,
} from "./schema-budget.js";
export { openAIDocumentToDrafts } from "./formats/openai.js";
export { bfclRecordToDrafts } from "./formats/bfcl.js";
export { mcpDocumentToDrafts } from "./formats/mcp.js";
export {
  DEFAULT_RECURSION_DEPTH,
  openApiDocumentToDrafts,
  toolAlpacaDocumentToDrafts,
  type ImportWarning,
  type OpenApiOptions,
  type SkippedOperation,
} from "./formats/openapi.js";
export {
  connectMcp,
  describeMcpServer,
  isMcpSpec,
  listMcpTools,
  parseMcpSpec,
  type McpConnection,
  type McpConnectOptions,
} from "./mcp-live.js";
export { templateResponseToReturns, toolBenchDocumentToDrafts } from "./formats/toolbench.js";
export {
  CONFLICT_POLICIES,
  type ConflictPolicy,
  type FileReport,
  type FormatCounts,
  type ImportOptions,
  type ImportReport,
  type Location,
  type SchemaFix,
  type ToolDraft,
} from "./types.js";
export { lintTools, flaggedTools, parseIncludeFlagged, isLintRuleId, isolatedReason, LINT_RULES, LINT_RULE_INFO, SENSITIVE_TOPICS, type LintConnectivity, type LintFinding, type LintOptions, type LintReport, type LintRuleCount, type LintRuleId } from "./lint.js";
