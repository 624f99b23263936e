/**
 * Planned generation and the three agents of the ToolFlow method: the Planner writes a DialoguePlan for a tool
 * sample, then the UserAgent, AssistantAgent and ToolAgent hold the conversation. The synth orchestrator calls
 * `generateDialogue` once per sample. Each agent asks its model through the model layer's generateObject /
 * generateChecked and describes its call in a typed context (`AgentCallContext`) that offline backends read.
 */
export {
  generateDialogue,
  type ExecuteToolHook,
  type GenerateOptions,
  type GeneratedDialogue,
  type ToolExecutionOutcome,
  type ToolExecutionRequest,
} from "./generate.js";
export { GenerationError, type GenerationStage } from "./common.js";
export { SampleUnusableError, unsupportedStepCount, unsupportedStepTarget, validatePlan } from "./planner.js";
export type { UserTurn } from "./user-agent.js";
export { chatTools, UngroundedCallError, type AssistantMessage, type CallCheckHook } from "./assistant-agent.js";
export { callTarget, resultSchema, type ToolCallRequest } from "./tool-agent.js";
export { personaAt, type Persona } from "./prompts.js";
// How the agents read tool specs (also used by the offline simulator).
export {
  fieldFillsParam,
  humanize,
  identifierWords,
  isIdLike,
  isRecord,
  optionalParams,
  paramProperties,
  requiredParams,
  returnFields,
  toolByName,
  typesCompatible,
} from "./tool-schema.js";
export { knownFieldsOf, recordCall, stepToolsCalled } from "./state.js";
export type {
  AgentCallContext,
  AssistantContext,
  CallRecord,
  KnownField,
  PlannerContext,
  RequestState,
  ToolCallContext,
  ToolContext,
  UserContext,
} from "./state.js";
