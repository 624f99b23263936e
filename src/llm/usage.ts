/**
 * Usage accounting per agent role and per model, with an optional price table, so every run can say what it
 * cost. Counts come from the server; when a server omits them they are estimated with gpt-tokenizer and the
 * record is marked estimated. Responses served from the cache are counted apart (they cost nothing).
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { InputError } from "../core/errors.js";
import { writeFileAtomic } from "../core/fs.js";
import type { Message, Usage } from "../core/types.js";

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
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new InputError(`cannot read price table (${(err as NodeJS.ErrnoException).code ?? String(err)})`, {
      file: path,
      cause: err,
    });
  }
  let data: unknown;
  try {
    data = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new InputError(`price table does not parse: ${(err as Error).message}`, { file: path, cause: err });
  }
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

export function costOf(price: ModelPrice, usage: { promptTokens: number; completionTokens: number; cachedTokens: number }): number {
  const cached = Math.min(usage.cachedTokens, usage.promptTokens);
  return (
    ((usage.promptTokens - cached) * price.input +
      cached * (price.cachedInput ?? price.input) +
      usage.completionTokens * price.output) /
    1_000_000
  );
}

type CountTokens = (text: string) => number;
let countTokens: CountTokens | undefined;

/**
 * gpt-tokenizer, loaded (synchronously, through its CommonJS build) on first use: its tables take over a second
 * to load, and most runs never need them.
 */
function tokenizer(): CountTokens {
  if (!countTokens) {
    const mod = createRequire(import.meta.url)("gpt-tokenizer") as { countTokens: CountTokens };
    countTokens = mod.countTokens;
  }
  return countTokens;
}

/** Tokens of a text (o200k encoding). */
export function estimateTokens(text: string): number {
  return text === "" ? 0 : tokenizer()(text);
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
  /** Dollars, when every model in the bucket has a price; null otherwise. */
  costUsd: number | null;
}

export interface UsageSummary {
  total: UsageBucket;
  byRole: Record<string, UsageBucket>;
  byModel: Record<string, UsageBucket>;
  /** Models used that the price table does not cover (their cost is unknown). */
  unpricedModels: string[];
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
  };
}

export class UsageMeter {
  private readonly byRole = new Map<string, UsageBucket>();
  private readonly byModel = new Map<string, UsageBucket>();
  private readonly total = emptyBucket();
  private readonly unpriced = new Set<string>();

  constructor(private readonly prices?: PriceTable) {}

  /** Add one model call. `cached`: served from the response cache (costs nothing). */
  record(role: string, model: string, usage: Usage, options: { cached?: boolean } = {}): void {
    const price = priceFor(this.prices, model);
    const free = model === "sim" || model.startsWith("sim:") || model.startsWith("llama:");
    if (!price && !free && !options.cached) this.unpriced.add(model);
    const cost = options.cached || free ? 0 : price ? costOf(price, usage) : null;
    for (const b of [this.bucket(this.byRole, role || "default"), this.bucket(this.byModel, model), this.total]) {
      b.requests++;
      if (options.cached) {
        b.cachedResponses++;
        b.savedPromptTokens += usage.promptTokens;
        b.savedCompletionTokens += usage.completionTokens;
      } else {
        b.promptTokens += usage.promptTokens;
        b.completionTokens += usage.completionTokens;
        b.cachedTokens += usage.cachedTokens;
        if (usage.estimated) b.estimatedRequests++;
      }
      b.costUsd = b.costUsd === null || cost === null ? null : b.costUsd + cost;
    }
  }

  private bucket(map: Map<string, UsageBucket>, key: string): UsageBucket {
    let b = map.get(key);
    if (!b) map.set(key, (b = emptyBucket()));
    return b;
  }

  summary(): UsageSummary {
    const round = (b: UsageBucket): UsageBucket => ({
      ...b,
      costUsd: b.costUsd === null ? null : Math.round(b.costUsd * 1e6) / 1e6,
    });
    return {
      total: round(this.total),
      byRole: Object.fromEntries([...this.byRole].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, round(v)])),
      byModel: Object.fromEntries([...this.byModel].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, round(v)])),
      unpricedModels: [...this.unpriced].sort(),
    };
  }

  /** Write the summary as JSON (atomically). */
  async writeSummary(path: string): Promise<void> {
    await writeFileAtomic(path, JSON.stringify(this.summary(), null, 2) + "\n");
  }

  /** One line for the end of a run, e.g. "312 calls (40 cached), 1.2M prompt + 80k completion tokens, $0.42". */
  describe(): string {
    const t = this.total;
    const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n));
    const cost = t.costUsd === null ? `cost unknown (no price for ${[...this.unpriced].join(", ")})` : `$${t.costUsd.toFixed(4)}`;
    const est = t.estimatedRequests > 0 ? `, ${t.estimatedRequests} estimated` : "";
    return `${t.requests} model calls (${t.cachedResponses} cached${est}), ${fmt(t.promptTokens)} prompt + ${fmt(t.completionTokens)} completion tokens, ${cost}`;
  }
}
