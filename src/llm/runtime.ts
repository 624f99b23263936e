/**
 * Everything a run needs from the model layer, opened from plain options (what the CLI parses): one shared
 * limiter, the response cache, the usage meter with its price table, and the per-role model pools.
 */
import { join } from "node:path";
import { SqliteResponseCache } from "./cache.js";
import { createRoleModels, type LlamaModelOptions, type RoleModelSet } from "./factory.js";
import { RequestLimiter } from "./limiter.js";
import type { RetryPolicy } from "./retry.js";
import type { SimPolicy } from "./sim.js";
import { loadPriceTable, UsageMeter } from "./usage.js";

export interface ModelRuntimeConfig {
  /** `--llm a,b,c` */
  llm: string;
  /** Per-role overrides, e.g. {user: "openai:gpt-4o"} from `--llm-user`. */
  roles?: Record<string, string | undefined>;
  baseURL?: string;
  apiKey?: string;
  env?: Record<string, string | undefined>;
  /** Requests in flight at once over all stages. Default 8. */
  concurrency?: number;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Folder of the response cache (file responses.sqlite inside). No cache when unset. */
  cacheDir?: string;
  /** Price table file (JSON or YAML). */
  pricesFile?: string;
  simPolicy?: SimPolicy;
  nativeTools?: boolean | "auto";
  nativeJsonSchema?: boolean | "auto";
  maxReasks?: number;
  llama?: LlamaModelOptions;
  log?: (line: string) => void;
}

export interface ModelRuntime {
  models: RoleModelSet;
  limiter: RequestLimiter;
  meter: UsageMeter;
  cache: SqliteResponseCache | undefined;
  close(): Promise<void>;
}

export async function openModelRuntime(config: ModelRuntimeConfig): Promise<ModelRuntime> {
  const prices = config.pricesFile ? await loadPriceTable(config.pricesFile) : undefined;
  const meter = new UsageMeter(prices);
  const limiter = new RequestLimiter({
    concurrency: config.concurrency,
    requestsPerMinute: config.requestsPerMinute,
    tokensPerMinute: config.tokensPerMinute,
  });
  const cache = config.cacheDir ? new SqliteResponseCache(join(config.cacheDir, "responses.sqlite")) : undefined;
  try {
    const models = await createRoleModels(
      { llm: config.llm, roles: config.roles },
      {
        baseURL: config.baseURL,
        apiKey: config.apiKey,
        env: config.env,
        timeoutMs: config.timeoutMs,
        retry: config.retry,
        limiter,
        cache,
        meter,
        simPolicy: config.simPolicy,
        nativeTools: config.nativeTools,
        nativeJsonSchema: config.nativeJsonSchema,
        maxReasks: config.maxReasks,
        llama: config.llama,
        log: config.log,
      },
    );
    return {
      models,
      limiter,
      meter,
      cache,
      async close() {
        await models.close();
        cache?.close();
      },
    };
  } catch (err) {
    cache?.close();
    throw err;
  }
}
