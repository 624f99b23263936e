/**
 * The model layer: one ChatModel interface over `sim`, `openai:<model>` and `llama:<path|hf:...>`, with
 * validation of everything a model returns, retries, a shared limiter, a response cache and usage accounting.
 */
export type {
  AgentRole,
  ChatModel,
  ChatRequest,
  ChatResult,
  ChatTool,
  EmbeddingModel,
  FinishReason,
} from "./types.js";
export {
  ModelAbortError,
  ModelAuthError,
  ModelConfigError,
  ModelError,
  ModelOutputError,
  ModelRequestError,
  ModelTimeoutError,
  ModelUnavailableError,
} from "./errors.js";
export {
  AGENT_ROLES,
  createChatModel,
  createRoleModels,
  meteredModel,
  ModelPool,
  parseModelList,
  parseModelSpec,
  parseRoleMap,
  RoleModelSet,
  type LlamaModelOptions,
  type ModelFactoryOptions,
  type ParsedSpec,
  type PipelineRole,
} from "./factory.js";
export { createSimModel, simGenericAnswer, SIM_MODEL_ID, type SimAnswer, type SimModelOptions, type SimPolicy } from "./sim.js";
export { OpenAIChatModel, type OpenAIModelOptions } from "./openai.js";
export { OpenAIEmbeddingModel, type OpenAIEmbeddingOptions } from "./embeddings.js";
export { RequestLimiter, type LimiterOptions } from "./limiter.js";
export { DEFAULT_RETRY_POLICY, parseRetryAfter, type RetryPolicy } from "./retry.js";
export { cachedModel, canonicalJson, requestCacheKey, SqliteResponseCache, type ResponseCache } from "./cache.js";
export {
  estimatePromptTokens,
  estimateTokens,
  loadPriceTable,
  priceFor,
  UsageMeter,
  type ModelPrice,
  type PriceTable,
  type UsageBucket,
  type UsageSummary,
} from "./usage.js";
export { redact, registerSecret } from "./redact.js";
export { checkJsonOutput, checkToolCalls, parseJsonLoose, validateAgainst } from "./validate.js";
export { schemaExample } from "./schema-example.js";
// Sync helpers of the llama backend (src/llm/llama/ loads node-llama-cpp only when a llama model is created).
export { defaultModelSpec, defaultModelCacheDir, parseLlamaSpec, NODE_LLAMA_CPP_INSTALL_HINT } from "./llama/spec.js";
export { openModelRuntime, type ModelRuntime, type ModelRuntimeConfig } from "./runtime.js";
