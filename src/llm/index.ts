/**
 * The model layer: one ChatModel interface over the backends (`openai:<model>` here, `llama:<path|hf:...>` in
 * llama/, the offline simulator in src/sim; src/models picks one from a spec), one structured-output helper that
 * validates and re-asks (generateObject / generateChecked), and one middleware chain (wrapModel) for the response
 * cache and usage counting. Retries, timeouts and the shared limiter are options of the backends.
 */
export type { CallContext, ChatModel, DialogueModels, ChatRequest, ChatResult, ChatTool, EmbeddingModel, FinishReason } from "./types.js";
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
  fromZod,
  generateChecked,
  generateObject,
  type AnswerCheck,
  type CheckedAnswer,
  type Checked,
  type GenerateCheckedOptions,
  type GenerateObjectOptions,
  type RejectedAnswer,
} from "./generate.js";
export { wrapModel, type ModelMiddleware } from "./middleware.js";
export {
  authFailure,
  cleanSchema,
  createOpenAIClient,
  endpointOf,
  openAICredentials,
  OpenAIChatModel,
  refusesToolChoice,
  rejectsSchemaKeywords,
  serverMessage,
  type OpenAIModelOptions,
  type OpenAIStartMode,
} from "./openai.js";
export { OpenAIEmbeddingModel, type OpenAIEmbeddingOptions } from "./embeddings.js";
export { RequestLimiter, type LimiterOptions } from "./limiter.js";
export type { RetryPolicy } from "./retry.js";
export { sleep } from "./retry.js";
export { cacheMiddleware, requestCacheKey, SqliteResponseCache, type ResponseCache, type SqliteCacheOptions } from "./cache.js";
export {
  costFor,
  costOf,
  estimatePromptTokens,
  isFreeModel,
  loadPriceTable,
  openAICachedPrefix,
  priceFor,
  UsageCounter,
  usageMiddleware,
  type ModelPrice,
  type PriceTable,
  type UsageBreakdown,
  type UsageBucket,
  type UsageSummary,
  type UsageTotals,
} from "./usage.js";
export {
  loadRunPrices,
  packageLookup,
  PRICE_PACKAGE,
  pricePackageVersion,
  resolvePrices,
  type PackagePriceMatch,
  type PriceLookup,
  type PriceSource,
  type ResolvedPrices,
} from "./prices.js";
export { redact, redactedJson, redactError, redactKnown, redactKnownDeep, registerSecret, REDACTED } from "./redact.js";
export { base64Windows, DEFAULT_SECRET_PREFIXES, secretForms, secretScanner, SecretScanner } from "./secret-forms.js";
// the readers of calls written as text and the loose-JSON parser are core's (one each): import them from there
export { checkToolCalls, validateAgainst, validateToolValue } from "./validate.js";
export { normalizeVector } from "./vector.js";
// The llama backend: sync helpers here; the backend itself (src/llm/llama/, node-llama-cpp) is loaded on first use
// by openLlamaModel.
export {
  openLlamaEmbeddingModel,
  openLlamaModel,
  type LlamaEmbeddingModel,
  type LlamaEmbeddingOptions,
  type LlamaEmbedOptions,
} from "./llama-loader.js";
export { defaultModelCacheDir, parseLlamaSpec, type LlamaModelOptions } from "./llama/spec.js";
