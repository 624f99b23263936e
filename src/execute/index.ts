/**
 * Executors: run tool calls on their real servers instead of simulating them (`synth --execute`). `simulate` is
 * the tool agent (the default), `mcp` calls the tool on the MCP server it was listed from, `http` calls the
 * OpenAPI operation on its server. See docs/execute.md.
 */
export {
  assignExecutors,
  createToolExecution,
  formatExecutionPlan,
  parseExecuteSpec,
  scrubSecrets,
  type DialogueExecution,
  type ExecuteSpec,
  type ExecutionOptions,
  type ExecutionPlanRow,
  type ToolExecutionSetup,
} from "./execute.js";
export {
  ExecuteConfigZ,
  loadExecuteConfig,
  type ExecuteConfig,
  type ExecuteConfigInput,
  type ExecuteLimits,
  type Isolation,
  type SourceConfig,
} from "./config.js";
export { badBaseUrl, HttpExecutor, joinUrl, type HttpEndpoint } from "./http.js";
export { keepContent, McpExecutor, mcpResultValue } from "./mcp.js";
export {
  EXECUTOR_KINDS,
  ExecuteError,
  withRetries,
  type AttemptLimits,
  type Executor,
  type ExecutorKind,
  type RealCall,
  type RealResult,
} from "./types.js";
