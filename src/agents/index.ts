/**
 * Planned generation and the three agents of the ToolFlow method: the Planner writes a DialoguePlan for a tool
 * sample, then the UserAgent, AssistantAgent and ToolAgent hold the conversation. The synth orchestrator calls
 * `generateDialogue` once per sample; `createSimPolicy` makes the built-in `sim` backend answer every role.
 */
export {
  generateDialogue,
  personaFor,
  sampleTools,
  type GenerateOptions,
  type GeneratedDialogue,
  type RoleModels,
} from "./generate.js";
export { GenerationError, UsageTally, type GenerationStage } from "./common.js";
export { Planner, validatePlan, planTurns, PLAN_JSON_SCHEMA, type PlanOptions, type PlannerOptions } from "./planner.js";
export { UserAgent, UserTurnZ, type UserTurn, type UserTurnInput } from "./user-agent.js";
export { AssistantAgent, assistantSystemPrompt, chatTools, type AssistantTurnInput } from "./assistant-agent.js";
export { ToolAgent, resultSchema, schemaErrors, toolErrorText, type ToolCallInput, type ToolCallOutput } from "./tool-agent.js";
export { renderPrompt, loadPersonas, promptsDir, type Persona } from "./prompts.js";
export { createSimPolicy, type SimPolicy, type SimAnswer } from "./sim/policy.js";
export { normalizeSchema } from "./tool-schema.js";
export type {
  AgentSimContext,
  AssistantSimContext,
  CallRecord,
  KnownField,
  PlannerSimContext,
  RequestState,
  ToolSimContext,
  UserSimContext,
} from "./state.js";
