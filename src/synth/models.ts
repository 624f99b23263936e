/**
 * The models of a run, from the model layer: per-role pools (`--llm a,b,c`, `--llm-<role>`), one shared limiter
 * sized by --concurrency, the response cache (--cache), the usage meter with the price table (--prices), the
 * pipeline-aware sim policy, and the optional judge.
 */
import { createSimPolicy } from "../agents/index.js";
import {
  createChatModel,
  loadPriceTable,
  openModelRuntime,
  priceFor,
  type ChatModel,
  type PriceTable,
} from "../llm/index.js";
import { costOf } from "../llm/usage.js";
import type { PriceFn } from "./manifest.js";
import type { SynthOptions } from "./options.js";
import type { ModelSetup, ModelSetupContext } from "./synth.js";

/** Local and simulated models cost nothing; others cost what the price table says, or are unpriced. */
export function priceFunction(table: PriceTable | undefined): PriceFn {
  return (model, usage) => {
    if (model === "sim" || model.startsWith("sim:") || model.startsWith("llama:")) return 0;
    const price = priceFor(table, model);
    return price ? costOf(price, usage) : undefined;
  };
}

export async function createModelSetup(
  options: SynthOptions,
  context: ModelSetupContext = { env: process.env },
): Promise<ModelSetup> {
  const simPolicy = createSimPolicy();
  const runtime = await openModelRuntime({
    llm: options.llm.join(","),
    roles: { ...options.roleLlm },
    ...(options.baseUrl !== undefined ? { baseURL: options.baseUrl } : {}),
    env: context.env,
    ...context.runtime,
    // each dialogue makes one request at a time; the judge adds at most one more per dialogue
    concurrency: options.concurrency,
    ...(options.cache !== undefined ? { cacheDir: options.cache } : {}),
    ...(options.prices !== undefined ? { pricesFile: options.prices } : {}),
    simPolicy,
  });
  let judge: ChatModel | undefined;
  try {
    if (options.judge) {
      judge = await createChatModel(options.judge, {
        ...(options.baseUrl !== undefined ? { baseURL: options.baseUrl } : {}),
        env: context.env,
        ...(context.runtime?.retry ? { retry: context.runtime.retry } : {}),
        ...(context.runtime?.timeoutMs !== undefined ? { timeoutMs: context.runtime.timeoutMs } : {}),
        ...(context.runtime?.maxReasks !== undefined ? { maxReasks: context.runtime.maxReasks } : {}),
        limiter: runtime.limiter,
        ...(runtime.cache ? { cache: runtime.cache } : {}),
        meter: runtime.meter,
        simPolicy,
      });
    }
  } catch (err) {
    await runtime.close();
    throw err;
  }
  const table = options.prices ? await loadPriceTable(options.prices) : undefined;
  const setup: ModelSetup = {
    provider: {
      forDialogue: (seed) => runtime.models.forDialogue(seed),
      ...(judge ? { judge } : {}),
    },
    price: priceFunction(table),
    describe: { roles: runtime.models.describe(), judge: options.judge ?? null, cache: options.cache ?? null },
    sessionUsage: () => runtime.meter.summary(),
    async close() {
      await judge?.close?.();
      await runtime.close();
    },
  };
  return setup;
}
