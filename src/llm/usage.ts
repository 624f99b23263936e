/**
 * Usage accounting per agent role and per model, with an optional price table, so every run can say what it
 * cost. Counts come from the server; when a server omits them they are estimated with gpt-tokenizer and the
 * record is marked estimated. Responses served from the cache are counted apart (they cost nothing).
 */
import { z } from "zod";
import { estimateTokens, InputError, readJsonOrYamlFile } from "../core/index.js";
export { encodeTokens, estimateTokens } from "../core/index.js";
import { writeFileAtomic } from "../core/index.js";
import type { Message, Usage } from "../core/index.js";
import type { ModelMiddleware } from "./middleware.js";

/** $ per 1M tokens. `cachedInput` (provider prompt-cache price) defaults to `input`. */
export const ModelPriceZ = z.object({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  cachedInput: z.number().nonnegative().optional(),
});
export type ModelPrice = z.infer<typeof ModelPriceZ>;
/** Model id (with or without the "openai:" prefix, or "*" for a default) -> price. */
export const PriceTableZ = z.record(z.string().min(1), ModelPriceZ);
export type PriceTable = z.infer<typeof PriceTableZ>;

/** Load a price table from a JSON or YAML file; errors name the file and the field. */
export async function loadPriceTable(path: string): Promise<PriceTable> {
  const data = await readJsonOrYamlFile(path, "the price table");
  const r = PriceTableZ.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0];
    const pointer = "/" + (issue?.path ?? []).map(String).join("/");
    throw new InputError(`invalid price table: ${issue?.message ?? "bad value"}`, { file: path, pointer, cause: r.error });
  }
  return r.data;
}

/** Find the price of a model id: exact, then without the backend prefix, then "*". */
export function priceFor(table: PriceTable | undefined, model: string): ModelPrice | undefined {
  if (!table) return undefined;
  const bare = model.includes(":") ? model.slice(model.indexOf(":") + 1) : model;
  return table[model] ?? table[bare] ?? table["*"];
}

export function costOf(price: ModelPrice, usage: { promptTokens: number; completionTokens: number; cachedTokens?: number }): number {
  const cached = Math.min(usage.cachedTokens ?? 0, usage.promptTokens);
  return (
    ((usage.promptTokens - cached) * price.input +
      cached * (price.cachedInput ?? price.input) +
      usage.completionTokens * price.output) /
    1_000_000
  );
}

/**
 * Prompt tokens a provider's prompt cache serves under the OpenAI rule: none below a shared prefix of 1,024
 * tokens, then the shared prefix rounded down to a multiple of 128.
 */
export function openAICachedPrefix(sharedPrefixTokens: number): number {
  return sharedPrefixTokens < 1024 ? 0 : Math.floor(sharedPrefixTokens / 128) * 128;
}

/** Estimated prompt tokens of a chat request (messages + tool specs + schema), ~4 tokens overhead a message. */
export function estimatePromptTokens(messages: Message[], extra: unknown[] = []): number {
  let n = 3;
  for (const m of messages) {
    n += 4;
    if (m.role === "assistant") {
      n += estimateTokens(m.content ?? "");
      for (const c of m.tool_calls ?? []) n += estimateTokens(c.function.name + c.function.arguments) + 3;
    } else n += estimateTokens(m.content);
  }
  for (const e of extra) if (e !== undefined) n += estimateTokens(typeof e === "string" ? e : JSON.stringify(e));
  return n;
}

/** Token counts of a role or model, as run records and manifests store them. */
export interface UsageTotals {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  /** True when some of the counts were estimated (a server omitted usage). */
  estimated: boolean;
}

export interface UsageBucket {
  /** Model calls answered (by a server or the cache). */
  requests: number;
  /** Of those, answered from the response cache. */
  cachedResponses: number;
  /** Tokens paid for (cache hits excluded). */
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens the provider served from its own prompt cache. */
  cachedTokens: number;
  /** Tokens that cache hits would have cost. */
  savedPromptTokens: number;
  savedCompletionTokens: number;
  /** Requests whose counts were estimated (server omitted usage). */
  estimatedRequests: number;
  /** Dollars paid (response-cache hits cost 0, provider-cached prompt tokens at the cached-input price), when
   * every model in the bucket has a price; null otherwise. */
  costUsd: number | null;
  /** Dollars the same calls would have cost with no response-cache hits and no provider prompt caching: every
   * prompt token (cache hits included) at the input price, every completion token at the output price. */
  costWithoutCacheUsd: number | null;
}

export interface UsageSummary {
  total: UsageBucket;
  byRole: Record<string, UsageBucket>;
  byModel: Record<string, UsageBucket>;
  /** Per role, per model (manifests price each role's tokens at its models' prices). */
  byRoleModel: Record<string, Record<string, UsageBucket>>;
  /** Models used that the price table does not cover (their cost is unknown). */
  unpricedModels: string[];
}

/** Usage per role, per model and per role and model, in the record format. */
export interface UsageBreakdown {
  total: UsageTotals;
  byRole: Record<string, UsageTotals>;
  byModel: Record<string, UsageTotals>;
  byRoleModel: Record<string, Record<string, UsageTotals>>;
}

function emptyBucket(): UsageBucket {
  return {
    requests: 0,
    cachedResponses: 0,
    promptTokens: 0,
    completionTokens: 0,
    cachedTokens: 0,
    savedPromptTokens: 0,
    savedCompletionTokens: 0,
    estimatedRequests: 0,
    costUsd: 0,
    costWithoutCacheUsd: 0,
  };
}

/** Models that cost nothing: the simulator and local inference. */
export function isFreeModel(model: string): boolean {
  return model === "sim" || model.startsWith("sim:") || model.startsWith("llama:");
}

/** Dollars of `usage` on `model`: 0 for free models, undefined when the table has no price for it. */
export function costFor(table: PriceTable | undefined, model: string, usage: Omit<UsageTotals, "estimated">): number | undefined {
  if (isFreeModel(model)) return 0;
  const price = priceFor(table, model);
  return price ? costOf(price, usage) : undefined;
}

const sortedKeys = <T>(r: Map<string, T>): string[] => [...r.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * Counts model calls and their tokens per role and model: one per dialogue (what the dialogue's record says it
 * cost), one per run. A counter can pass everything it records on to a `parent` (a dialogue's counter feeds the
 * run's). Responses served from the response cache cost nothing: their tokens count as saved, not paid.
 */
export class UsageCounter {
  private readonly cells = new Map<string, Map<string, UsageBucket>>();
  private readonly firstModel = new Map<string, string>();
  private readonly unpriced = new Set<string>();
  private readonly prices: PriceTable | undefined;
  private readonly parent: UsageCounter | undefined;

  constructor(options: { prices?: PriceTable; parent?: UsageCounter } = {}) {
    this.prices = options.prices;
    this.parent = options.parent;
  }

  /** Add one model call (or, from a stored record, one role's usage). */
  record(role: string, model: string, usage: Usage | UsageTotals, options: { cached?: boolean } = {}): void {
    const r = role || "default";
    if (!this.firstModel.has(r)) this.firstModel.set(r, model);
    let byModel = this.cells.get(r);
    if (!byModel) this.cells.set(r, (byModel = new Map()));
    let b = byModel.get(model);
    if (!b) byModel.set(model, (b = emptyBucket()));
    const cost = options.cached ? 0 : costFor(this.prices, model, usage);
    const full = costFor(this.prices, model, { promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, cachedTokens: 0 });
    if (cost === undefined && !options.cached) this.unpriced.add(model);
    b.requests++;
    if (options.cached) {
      b.cachedResponses++;
      b.savedPromptTokens += usage.promptTokens;
      b.savedCompletionTokens += usage.completionTokens;
    } else {
      b.promptTokens += usage.promptTokens;
      b.completionTokens += usage.completionTokens;
      b.cachedTokens += usage.cachedTokens ?? 0;
      if (usage.estimated) b.estimatedRequests++;
    }
    b.costUsd = b.costUsd === null || cost === undefined ? null : b.costUsd + cost;
    b.costWithoutCacheUsd = b.costWithoutCacheUsd === null || full === undefined ? null : b.costWithoutCacheUsd + full;
    this.parent?.record(role, model, usage, options);
  }

  /** Calls recorded, and how many of them the response cache answered. */
  get calls(): number {
    return this.fold().total.requests;
  }

  get cachedCalls(): number {
    return this.fold().total.cachedResponses;
  }

  /** The model that first answered each role. */
  models(): Record<string, string> {
    return Object.fromEntries(sortedKeys(this.firstModel).map((k) => [k, this.firstModel.get(k)!]));
  }

  /** Tokens paid per role, in the record format (DialogueRecord.usage). */
  byRole(): Record<string, Usage> {
    return this.breakdown().byRole;
  }

  /** Tokens per role, model, and role and model (run manifests). */
  breakdown(): UsageBreakdown {
    const totals = (b: UsageBucket): UsageTotals => ({
      promptTokens: b.promptTokens,
      completionTokens: b.completionTokens,
      cachedTokens: b.cachedTokens,
      estimated: b.estimatedRequests > 0,
    });
    const f = this.fold();
    const byRoleModel: Record<string, Record<string, UsageTotals>> = {};
    for (const role of sortedKeys(this.cells)) {
      const m = this.cells.get(role)!;
      byRoleModel[role] = Object.fromEntries(sortedKeys(m).map((k) => [k, totals(m.get(k)!)]));
    }
    return {
      total: totals(f.total),
      byRole: Object.fromEntries(sortedKeys(f.byRole).map((k) => [k, totals(f.byRole.get(k)!)])),
      byModel: Object.fromEntries(sortedKeys(f.byModel).map((k) => [k, totals(f.byModel.get(k)!)])),
      byRoleModel,
    };
  }

  /** Calls, cache hits, tokens and dollars per role and model (the session summary of a run). */
  summary(): UsageSummary {
    const r6 = (x: number | null) => (x === null ? null : Math.round(x * 1e6) / 1e6);
    const round = (b: UsageBucket): UsageBucket => ({ ...b, costUsd: r6(b.costUsd), costWithoutCacheUsd: r6(b.costWithoutCacheUsd) });
    const f = this.fold();
    return {
      total: round(f.total),
      byRole: Object.fromEntries(sortedKeys(f.byRole).map((k) => [k, round(f.byRole.get(k)!)])),
      byModel: Object.fromEntries(sortedKeys(f.byModel).map((k) => [k, round(f.byModel.get(k)!)])),
      byRoleModel: Object.fromEntries(
        sortedKeys(this.cells).map((role) => {
          const m = this.cells.get(role)!;
          return [role, Object.fromEntries(sortedKeys(m).map((k) => [k, round(m.get(k)!)]))];
        }),
      ),
      unpricedModels: [...this.unpriced].sort(),
    };
  }

  /** Write the summary as JSON (atomically). */
  async writeSummary(path: string): Promise<void> {
    await writeFileAtomic(path, JSON.stringify(this.summary(), null, 2) + "\n");
  }

  /** One line for the end of a run, e.g. "312 model calls (40 cached), 1.2M prompt + 80k completion tokens, $0.42". */
  describe(): string {
    const t = this.fold().total;
    const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n));
    const cost =
      t.costUsd === null
        ? `cost unknown (no price for ${[...this.unpriced].join(", ")})`
        : `$${t.costUsd.toFixed(4)}` +
          (t.costWithoutCacheUsd !== null && t.costWithoutCacheUsd.toFixed(4) !== t.costUsd.toFixed(4)
            ? ` ($${t.costWithoutCacheUsd.toFixed(4)} without cache hits)`
            : "");
    const est = t.estimatedRequests > 0 ? `, ${t.estimatedRequests} estimated` : "";
    return `${t.requests} model calls (${t.cachedResponses} cached${est}), ${fmt(t.promptTokens)} prompt + ${fmt(t.completionTokens)} completion tokens, ${cost}`;
  }

  private fold(): { total: UsageBucket; byRole: Map<string, UsageBucket>; byModel: Map<string, UsageBucket> } {
    const total = emptyBucket();
    const byRole = new Map<string, UsageBucket>();
    const byModel = new Map<string, UsageBucket>();
    const add = (into: UsageBucket, b: UsageBucket) => {
      into.requests += b.requests;
      into.cachedResponses += b.cachedResponses;
      into.promptTokens += b.promptTokens;
      into.completionTokens += b.completionTokens;
      into.cachedTokens += b.cachedTokens;
      into.savedPromptTokens += b.savedPromptTokens;
      into.savedCompletionTokens += b.savedCompletionTokens;
      into.estimatedRequests += b.estimatedRequests;
      into.costUsd = into.costUsd === null || b.costUsd === null ? null : into.costUsd + b.costUsd;
      into.costWithoutCacheUsd =
        into.costWithoutCacheUsd === null || b.costWithoutCacheUsd === null ? null : into.costWithoutCacheUsd + b.costWithoutCacheUsd;
    };
    for (const [role, m] of this.cells) {
      for (const [model, b] of m) {
        add(total, b);
        let r = byRole.get(role);
        if (!r) byRole.set(role, (r = emptyBucket()));
        add(r, b);
        let mm = byModel.get(model);
        if (!mm) byModel.set(model, (mm = emptyBucket()));
        add(mm, b);
      }
    }
    return { total, byRole, byModel };
  }
}

/** Count every call of the wrapped model in `counter`, under the request's role (cached answers marked so). */
export function usageMiddleware(counter: UsageCounter): ModelMiddleware {
  return {
    name: "usage",
    async chat({ request, next, model }) {
      const result = await next(request);
      counter.record(request.role ?? "default", result.model || model.id, result.usage, { cached: result.cached === true });
      return result;
    },
  };
}
