/**
 * Planned generation and the three agents of the ToolFlow method: the Planner writes a DialoguePlan for a tool
 * sample, then the UserAgent, AssistantAgent and ToolAgent hold the conversation. The synth orchestrator calls
 * `generateDialogue` once per sample. Each agent asks its model through the model layer's generateObject /
 * generateChecked and describes its call in a typed context (`AgentCallContext`) that offline backends read.
 */
export {
  generateDialogue,
  personaFor,
  toolsOfSample,
  type GenerateOptions,
  type GeneratedDialogue,
} from "./generate.js";
export { GenerationError, type GenerationStage } from "./common.js";
export { Planner, validatePlan, planTurns, PLAN_JSON_SCHEMA, type PlanOptions, type PlannerOptions } from "./planner.js";
export { UserAgent, UserTurnZ, type UserTurn, type UserTurnInput } from "./user-agent.js";
export { AssistantAgent, assistantMessage, assistantSystemPrompt, chatTools, type AssistantMessage, type AssistantTurnInput } from "./assistant-agent.js";
export { ToolAgent, resultSchema, toolErrorText, type ToolCallInput, type ToolCallOutput } from "./tool-agent.js";
export { renderPrompt, loadPersonas, promptsDir, type Persona } from "./prompts.js";
export { normalizeSchema } from "./tool-schema.js";
// How the agents read tool specs (also used by the offline simulator).
export {
  fieldFillsParam,
  humanize,
  identifierWords,
  isIdLike,
  isRecord,
  optionalParams,
  paramProperties,
  producesParam,
  requiredParams,
  returnFields,
  toolByName,
  typesCompatible,
} from "./tool-schema.js";
export { stepToolsCalled } from "./state.js";
export type {
  AgentCallContext,
  AssistantContext,
  CallRecord,
  KnownField,
  PlannerContext,
  RequestState,
  ToolContext,
  UserContext,
} from "./state.js";
