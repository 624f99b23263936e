/** Shared data types (zod schemas), errors and plumbing; imports no other stage. */
export {
  createAjv,
  tryCompileSchema,
  compileSchema,
  compiledSchemaCount,
  formatAjvErrors,
  type ErrorObject,
  type ValidateFunction,
  type AjvInstance,
  SchemaCompileError,
  compileToolSchema,
  toolSchemaError,
  type ToolSchemaField,
} from "./ajv.js";
export {
  pointerSegment,
  ToolflowError,
  InputError,
  UsageError,
} from "./errors.js";
export {
  writeFileAtomic,
  readJsonFile,
  readJsonOrYamlFile,
  parseJsonText,
  parseYamlText,
} from "./fs.js";
export {
  canonicalJson,
} from "./json.js";
export {
  toJsonl,
  writeJsonlAtomic,
  parseJsonlLine,
  lineError,
  readJsonl,
  readJsonlAll,
  describeZodError,
  type LineProblem,
  type ParsedLine,
  type JsonlSchemaOptions,
} from "./jsonl.js";
export { stripUrlCredentials } from "./url.js";
export {
  createProgressDisplay,
  formatDuration,
  formatTokens,
  type ProgressDisplay,
  type ProgressDisplayOptions,
} from "./progress.js";
export {
  packageVersion,
  packagePath,
} from "./package.js";
export {
  promptsDir,
  promptText,
  renderTemplateText,
  renderPrompt,
} from "./prompts.js";
export {
  hashToUint32,
  deriveSeed,
  Rng,
} from "./rng.js";
export {
  mapTypeName,
  isPlainObject,
  normalizeSchema,
} from "./schema.js";
export {
  parseSizeRange,
  checkSizeRange,
  toSizeRange,
  type SizeRange,
  MAX_SAMPLE_SIZE,
} from "./size.js";
export {
  type JsonSchema,
  DIALOGUE_ROLES,
  type DialogueRole,
  type ModelRole,
  JsonSchemaZ,
  TOOL_FORMATS,
  type ToolFormat,
  ToolSourceZ,
  type ToolSource,
  McpServerRefZ,
  type McpServerRef,
  HttpOperationRefZ,
  type HttpOperationRef,
  HTTP_PARAM_LOCATIONS,
  ToolAnnotationsZ,
  type ToolAnnotations,
  ToolExecutionZ,
  type ToolExecution,
  ToolContentPartZ,
  type ToolContentPart,
  TOOL_CONTENT_TEXT_LIMIT,
  ExecutedWriteZ,
  type ExecutedWrite,
  ToolSpecZ,
  type ToolSpec,
  EDGE_KINDS,
  type EdgeKind,
  GraphNodeZ,
  type GraphNode,
  EdgeEvidenceZ,
  type EdgeEvidence,
  GraphEdgeZ,
  type GraphEdge,
  ToolGraphJsonZ,
  type ToolGraphJson,
  SAMPLING_STRATEGIES,
  type SamplingStrategy,
  ProducerRefZ,
  type ProducerRef,
  ToolSampleZ,
  type ToolSample,
  PLAN_STEP_KINDS,
  NO_CALL_STEP_KINDS,
  DEFAULT_STEP_MIX,
  MAX_UNSUPPORTED_SHARE,
  type StepMix,
  type PlanStepKind,
  PlanStepZ,
  type PlanStep,
  DialoguePlanZ,
  type DialoguePlan,
  ToolCallZ,
  type ToolCall,
  MessageZ,
  type Message,
  UsageZ,
  type Usage,
  CheckResultZ,
  type CheckResult,
  VerificationZ,
  type Verification,
  DialogueRecordZ,
  type DialogueRecord,
  RejectedRecordZ,
  type RejectedRecord,
} from "./types.js";
export { CALL_ID_RE, isCallId, makeCallId } from "./call-id.js";
export { takeThink, thinkBlock } from "./think.js";
export { distinctTexts } from "./distinct.js";
export { parseJsonLoose, parseLooseJson, type LooseJson } from "./loose-json.js";
export {
  callShapes,
  type CallShape,
  type CallShapeOptions,
  jsonTextCalls,
  type JsonTextCallOptions,
  jsonValueEnd,
  normalizeArguments,
  parseKeepingNumbers,
  parseTextToolCalls,
  splitReasoning,
  type TextCallFormat,
  type TextCallsResult,
  type TextToolCall,
} from "./text-calls.js";
export { parseCallsFromText, parsePythonCalls, callsFromJson, type ParsedCalls, type TextCall } from "./python-calls.js";
export {
  PyFloat,
  parsePyJson,
  stringifyPyJson,
  isDict,
  pyType,
  pyEquals,
  pyContains,
  pyItems,
  type PyTypeName,
} from "./pyjson.js";
export { encodeTokens, estimateTokens } from "./tokens.js";
export { gini } from "./gini.js";
