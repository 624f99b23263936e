/**
 * Prices from a maintained table: the adapter to `@pydantic/genai-prices` (the one module that imports it).
 * It turns the models a run uses (`openai:<model>` against the OpenAI API or another base URL) into toolflow's
 * `PriceTable` ($ per 1M input, cached-input and output tokens), and merges a `--prices FILE` over it.
 *
 * Which provider's prices apply is decided by the endpoint, never guessed from the model name alone:
 * - no base URL (the OpenAI API): the package's `openai` provider;
 * - a base URL the package knows (its providers' `api_pattern`, e.g. api.deepseek.com, api.mistral.ai, Gemini's
 *   OpenAI endpoint, OpenRouter): that provider;
 * - any other base URL (a local or self-hosted server, a proxy): no price. The model is listed as unpriced unless
 *   the price file names it.
 * The package's data is the snapshot bundled with the installed version (it is never fetched at run time).
 */
import { calcPrice, findProvider, type ModelPrice as PackageModelPrice } from "@pydantic/genai-prices";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { isFreeModel, loadPriceTable, type ModelPrice, type PriceTable } from "./usage.js";

/** Name and version of the price package, as manifests cite it. */
export const PRICE_PACKAGE = "@pydantic/genai-prices";

let version: string | undefined;
export function pricePackageVersion(): string {
  if (version === undefined) {
    try {
      // the package's exports do not list package.json: find it beside the resolved entry (dist/..). Read loosely
      // on purpose: an installed dependency's own file, not a user's or run's (the user's --prices file is read
      // strictly by loadPriceTable, through core's readJsonOrYamlFile)
      const require = createRequire(import.meta.url);
      const pkg = JSON.parse(readFileSync(join(dirname(require.resolve(PRICE_PACKAGE)), "..", "package.json"), "utf8")) as {
        version?: string;
      };
      version = pkg.version ?? "unknown";
    } catch {
      version = "unknown";
    }
  }
  return version;
}

/** What the package says about one model: the price, the provider and model ids it matched. */
export interface PackagePriceMatch {
  price: ModelPrice;
  provider: string;
  model: string;
}

/** The lookup the adapter uses; tests may inject another. */
export type PriceLookup = (model: string, endpoint: { baseURL?: string | undefined; at?: Date }) => PackagePriceMatch | undefined;

const OPENAI_API = /^https?:\/\/api\.openai\.com(\/|$)/i;

/** A number from a price entry: a flat price, or the base price of a tiered one (toolflow prices do not tier). */
function flat(x: PackageModelPrice[string]): number | undefined {
  if (typeof x === "number") return x;
  if (x && typeof x === "object" && typeof (x as { base?: unknown }).base === "number") return (x as { base: number }).base;
  return undefined;
}

/** The bare model name of a spec: "openai:gpt-4o-mini" -> "gpt-4o-mini"; other backends: undefined. */
function openaiModelName(spec: string): string | undefined {
  if (spec.startsWith("openai:")) return spec.slice("openai:".length) || undefined;
  return spec.includes(":") ? undefined : spec || undefined;
}

/** The package's own lookup (calcPrice over a probe usage; its price data at `at`, default now). */
export const packageLookup: PriceLookup = (spec, endpoint) => {
  const name = openaiModelName(spec);
  if (!name) return undefined;
  const baseURL = endpoint.baseURL?.trim() || undefined;
  let options: { providerId?: string; provider?: ReturnType<typeof findProvider>; timestamp?: Date };
  if (!baseURL || OPENAI_API.test(baseURL)) options = { providerId: "openai" };
  else {
    const provider = findProvider({ providerApiUrl: baseURL });
    if (!provider) return undefined;
    options = { provider };
  }
  if (endpoint.at) options.timestamp = endpoint.at;
  const r = calcPrice({ input_tokens: 1, output_tokens: 1 }, name, options as Parameters<typeof calcPrice>[2]);
  if (!r) return undefined;
  const input = flat(r.model_price.input_mtok);
  const output = flat(r.model_price.output_mtok);
  if (input === undefined || output === undefined) return undefined;
  const cachedInput = flat(r.model_price.cache_read_mtok);
  const price: ModelPrice = { input, output, ...(cachedInput !== undefined ? { cachedInput } : {}) };
  return { price, provider: r.provider.id, model: r.model.id };
};

/** Where a model's price came from. */
export interface PriceSource {
  price: ModelPrice;
  /** "file" (--prices) or the package with its version, e.g. "@pydantic/genai-prices@0.1.8 (openai/gpt-4o-mini)". */
  source: string;
}

export interface ResolvedPrices {
  /** Package prices for the run's models, with the file's entries over them. */
  table: PriceTable;
  /** The price each non-free model of the run gets and where it came from (for manifests); null: none. */
  sources: Record<string, PriceSource | null>;
}

/**
 * The price table of a run: for each model spec, the package's price (see the module comment for which
 * provider), then the file's entries over it (a file entry for the model, with or without the `openai:` prefix,
 * wins; the file's `*` only prices models that neither names). Free models (sim, llama:) need no entry.
 */
export function resolvePrices(
  models: readonly string[],
  options: { baseURL?: string | undefined; file?: PriceTable | undefined; lookup?: PriceLookup; at?: Date } = {},
): ResolvedPrices {
  const lookup = options.lookup ?? packageLookup;
  const file = options.file ?? {};
  const table: PriceTable = { ...file };
  const sources: Record<string, PriceSource | null> = {};
  for (const spec of [...new Set(models)].sort()) {
    if (isFreeModel(spec)) continue;
    const bare = spec.includes(":") ? spec.slice(spec.indexOf(":") + 1) : spec;
    const fromFile = file[spec] ?? file[bare];
    if (fromFile) {
      sources[spec] = { price: fromFile, source: "file" };
      continue;
    }
    const match = lookup(spec, { baseURL: options.baseURL, ...(options.at ? { at: options.at } : {}) });
    if (match) {
      table[spec] = match.price;
      sources[spec] = { price: match.price, source: `${PRICE_PACKAGE}@${pricePackageVersion()} (${match.provider}/${match.model})` };
    } else if (file["*"]) {
      sources[spec] = { price: file["*"], source: "file (*)" };
    } else sources[spec] = null;
  }
  return { table, sources };
}

/** `resolvePrices` with the file read from disk (`--prices FILE`). */
export async function loadRunPrices(
  models: readonly string[],
  options: { baseURL?: string | undefined; pricesFile?: string | undefined; lookup?: PriceLookup; at?: Date } = {},
): Promise<ResolvedPrices> {
  const file = options.pricesFile ? await loadPriceTable(options.pricesFile) : undefined;
  return resolvePrices(models, {
    baseURL: options.baseURL,
    file,
    ...(options.lookup ? { lookup: options.lookup } : {}),
    ...(options.at ? { at: options.at } : {}),
  });
}
