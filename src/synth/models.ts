/**
 * The models of a synthesis run, from its options: per-role pools (`--llm a,b,c`, `--llm-<role>`), the judge
 * (--judge), one shared limiter sized by --concurrency (with --rpm / --tpm budgets), the response cache (--cache) and the price table
 * (--prices). See src/models.
 */
import { openRunModels, type RunModels } from "../models/index.js";
import type { SynthOptions } from "./options.js";
import type { SynthIo } from "./synth.js";

export const openSynthModels: NonNullable<SynthIo["models"]> = async (options: SynthOptions, context): Promise<RunModels> =>
  openRunModels({
    llm: options.llm.join(","),
    roles: { ...options.roleLlm },
    ...(options.judge !== undefined ? { judge: options.judge } : {}),
    ...(options.roundTrip !== undefined ? { roundTrip: options.roundTrip } : {}),
    ...(options.provenance.startsWith("judge:") ? { provenanceJudge: options.provenance.slice("judge:".length) } : {}),
    ...(options.baseUrl !== undefined ? { baseURL: options.baseUrl } : {}),
    env: context.env,
    ...context.runtime,
    // each dialogue makes one request at a time; the judge adds at most one more per dialogue
    concurrency: options.concurrency,
    ...(options.rpm !== undefined ? { requestsPerMinute: options.rpm } : {}),
    ...(options.tpm !== undefined ? { tokensPerMinute: options.tpm } : {}),
    ...(options.cache !== undefined ? { cacheDir: options.cache } : {}),
    ...(options.prices !== undefined ? { pricesFile: options.prices } : {}),
    ...(context.middleware ? { middleware: context.middleware } : {}),
  });
