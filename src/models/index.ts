/**
 * Model specs to models: `sim`, `openai:<model>`, `llama:<path|hf:...>` (the one place that sees every backend),
 * and the models of a run (per-role pools, judge, limiter, cache, usage).
 */
export { createChatModel, defaultModelSpec, parseModelList, parseRoleMap, type ModelFactoryOptions } from "./factory.js";
export { openRunModels, type RunModels, type RunModelsConfig } from "./run-models.js";
export { EVAL_MODEL_KEYS, evalModelsConfig, type EvalModelOptions } from "./model-options.js";
