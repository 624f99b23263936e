/**
 * The models of a run, opened from plain options (what the CLI parses): a pool of models per role (`--llm a,b,c`,
 * `--llm-<role>`; one is picked per dialogue by its seed), the optional judge, one shared limiter, the response
 * cache (--cache), and one usage counter for every call the run makes (with the price table, --prices).
 */
import { join } from "node:path";
import { UsageError } from "../core/index.js";
import { deriveSeed, Rng } from "../core/index.js";
import { DIALOGUE_ROLES, type DialogueRole } from "../core/index.js";
import {
  endpointOf,
  loadRunPrices,
  RequestLimiter,
  SqliteResponseCache,
  UsageCounter,
  usageMiddleware,
  type ChatModel,
  type DialogueModels,
  type LlamaModelOptions,
  type ModelMiddleware,
  type PriceLookup,
  type PriceSource,
  type PriceTable,
  type RetryPolicy,
} from "../llm/index.js";
import { loadEndpointProfile, startOptionsFor } from "../doctor/index.js";
import { createChatModel, parseModelList, parseModelSpec } from "./factory.js";

export interface RunModelsConfig {
  /** `--llm a,b,c`: the default pool of every role. */
  llm: string;
  /** Per-role pools, e.g. {user: "openai:a,openai:b"} from `--llm-user`. */
  roles?: Partial<Record<DialogueRole, string | undefined>>;
  /** `--judge SPEC`. */
  judge?: string;
  /** `synth --round-trip SPEC`: the model that re-answers each call turn (src/judge's round trip). */
  roundTrip?: string;
  /** `--provenance judge:SPEC`: the model asked about argument values the provenance rules leave ungrounded. */
  provenanceJudge?: string;
  baseURL?: string;
  apiKey?: string;
  env?: Record<string, string | undefined>;
  /** Requests in flight at once over all models. Default 8. */
  concurrency?: number;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Folder of the response cache (file responses.sqlite inside). No cache when unset. */
  cacheDir?: string;
  /** Price table file (JSON or YAML); its entries win over the package's prices (src/llm/prices.ts). */
  pricesFile?: string;
  /** Test hook: the price lookup used instead of @pydantic/genai-prices. */
  priceLookup?: PriceLookup;
  nativeTools?: boolean | "auto";
  nativeJsonSchema?: boolean | "auto";
  llama?: LlamaModelOptions;
  /** Middleware around every model of the run (outermost first), e.g. a test's hook. */
  middleware?: ModelMiddleware[];
  log?: (line: string) => void;
  /** Test hook: how to load the llama backend module. */
  loadLlama?: () => Promise<unknown>;
}

export interface RunModels {
  /** The models of the dialogue with this seed: per role, one model of the role's pool, picked by the seed. */
  forDialogue(seed: number): DialogueModels;
  readonly judge?: ChatModel;
  readonly roundTrip?: ChatModel;
  readonly provenanceJudge?: ChatModel;
  /** Every call of this run's models: calls, cache hits, tokens, dollars. */
  readonly usage: UsageCounter;
  readonly prices: PriceTable | undefined;
  /** The price of each non-free model of the run and where it came from (package or file); null: none. */
  readonly priceSources?: Record<string, PriceSource | null>;
  /** Model ids per role, the judge and the cache folder (for manifests; never a key). */
  describe(): Record<string, unknown>;
  close(): Promise<void>;
}

/** Several models; one is picked per dialogue, deterministically from the dialogue's seed. */
export class ModelPool {
  constructor(readonly models: readonly ChatModel[]) {
    if (models.length === 0) throw new UsageError("a model pool needs at least one model");
  }

  get ids(): string[] {
    return this.models.map((m) => m.id);
  }

  pick(seed: number): ChatModel {
    if (this.models.length === 1) return this.models[0] as ChatModel;
    return new Rng(deriveSeed(seed, "model-pool")).pick(this.models);
  }
}

export async function openRunModels(config: RunModelsConfig): Promise<RunModels> {
  const specs = [config.llm, ...Object.values(config.roles ?? {}), config.judge, config.roundTrip, config.provenanceJudge]
    .filter((l): l is string => typeof l === "string" && l.trim() !== "")
    .flatMap((l) => parseModelList(l).map((s) => parseModelSpec(s).spec));
  const resolved = await loadRunPrices(specs, {
    baseURL: config.baseURL ?? (config.env ?? process.env).OPENAI_BASE_URL,
    pricesFile: config.pricesFile,
    ...(config.priceLookup ? { lookup: config.priceLookup } : {}),
  });
  const prices: PriceTable = resolved.table;
  const usage = new UsageCounter({ prices });
  const limiter = new RequestLimiter({
    concurrency: config.concurrency,
    requestsPerMinute: config.requestsPerMinute,
    tokensPerMinute: config.tokensPerMinute,
  });
  const cache = config.cacheDir ? new SqliteResponseCache(join(config.cacheDir, "responses.sqlite"), config.log ? { warn: config.log } : {}) : undefined;
  const instances = new Map<string, ChatModel>();
  const close = async () => {
    await Promise.all([...instances.values()].map((m) => m.close?.()));
    cache?.close();
  };
  try {
    const options = {
      baseURL: config.baseURL,
      apiKey: config.apiKey,
      env: config.env,
      timeoutMs: config.timeoutMs,
      retry: config.retry,
      nativeTools: config.nativeTools,
      nativeJsonSchema: config.nativeJsonSchema,
      llama: config.llama,
      log: config.log,
      loadLlama: config.loadLlama,
      limiter,
      cache,
      middleware: [...(config.middleware ?? []), usageMiddleware(usage)],
    };
    // A stored `toolflow doctor` profile of the endpoint (beside the cache) sets where an openai model starts;
    // options given explicitly win.
    const storedStart = (spec: string) => {
      const parsed = parseModelSpec(spec);
      if (parsed.backend !== "openai" || !config.cacheDir) return {};
      const endpoint = endpointOf(config.baseURL ?? (config.env ?? process.env).OPENAI_BASE_URL);
      const start = startOptionsFor(loadEndpointProfile(config.cacheDir, endpoint, parsed.name));
      if (config.nativeTools !== undefined) delete start.nativeTools;
      if (start.nativeTools !== undefined || start.startMode) {
        config.log?.(`${spec}: starting as the stored doctor profile says (${JSON.stringify(start)})`);
      }
      return start;
    };
    // Each distinct spec is made once and shared by every role and pool that names it.
    const get = async (spec: string): Promise<ChatModel> => {
      const key = parseModelSpec(spec).spec;
      let m = instances.get(key);
      if (!m) {
        m = await createChatModel(key, { ...options, ...storedStart(key) });
        instances.set(key, m);
      }
      return m;
    };
    const poolOf = async (list: string) => new ModelPool(await Promise.all(parseModelList(list).map(get)));
    const defaultPool = await poolOf(config.llm);
    const pools = {} as Record<DialogueRole, ModelPool>;
    for (const role of DIALOGUE_ROLES) {
      const list = config.roles?.[role];
      pools[role] = list !== undefined && list.trim() !== "" ? await poolOf(list) : defaultPool;
    }
    const judge = config.judge ? await get(config.judge) : undefined;
    const roundTrip = config.roundTrip ? await get(config.roundTrip) : undefined;
    const provenanceJudge = config.provenanceJudge ? await get(config.provenanceJudge) : undefined;
    const models: RunModels = {
      forDialogue(seed) {
        return Object.fromEntries(DIALOGUE_ROLES.map((r) => [r, pools[r].pick(seed)])) as DialogueModels;
      },
      usage,
      prices,
      priceSources: resolved.sources,
      describe() {
        const roles: Record<string, string[]> = { default: defaultPool.ids };
        for (const r of DIALOGUE_ROLES) if (pools[r] !== defaultPool) roles[r] = pools[r].ids;
        return {
          roles,
          judge: config.judge ?? null,
          ...(config.roundTrip ? { roundTrip: config.roundTrip } : {}),
          ...(config.provenanceJudge ? { provenanceJudge: config.provenanceJudge } : {}),
          cache: config.cacheDir ?? null,
        };
      },
      close,
    };
    return { ...models, ...(judge ? { judge } : {}), ...(roundTrip ? { roundTrip } : {}), ...(provenanceJudge ? { provenanceJudge } : {}) };
  } catch (err) {
    await close();
    throw err;
  }
}
