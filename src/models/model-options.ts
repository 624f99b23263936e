/**
 * The model options every evaluation and the judge take (the same as a synthesis run's: one model spec or pool, the
 * endpoint, limits, retries, cache, prices, middleware), and the run-models config made from them.
 */
import type { RunModelsConfig } from "./run-models.js";

export const EVAL_MODEL_KEYS = [
  "llm",
  "baseURL",
  "apiKey",
  "env",
  "concurrency",
  "requestsPerMinute",
  "tokensPerMinute",
  "timeoutMs",
  "retry",
  "cacheDir",
  "pricesFile",
  "nativeTools",
  "middleware",
] as const satisfies ReadonlyArray<keyof RunModelsConfig>;

export type EvalModelOptions = Pick<RunModelsConfig, (typeof EVAL_MODEL_KEYS)[number]>;

/** The models config of an evaluation or a judge run: the model options given (undefined ones left out), with overrides. */
export function evalModelsConfig(options: EvalModelOptions, overrides: Partial<RunModelsConfig> = {}): RunModelsConfig {
  const out: Record<string, unknown> = {};
  for (const k of EVAL_MODEL_KEYS) if (options[k] !== undefined) out[k] = options[k];
  return { ...(out as unknown as RunModelsConfig), ...overrides };
}
