/**
 * Option parsers shared by the commands: each names its flag in the error (a UsageError, exit code 2).
 */
import type { Command } from "commander";
import { ENDPOINT_OPTION_SPECS, endpointSettingsFromFlags, urlOption, type EndpointSettings } from "../core/index.js";
import { addOptionSpecs } from "./option-specs.js";
import type { OpenAIEmbedderOptions } from "../graph/index.js";

// The value parsers live in core (a stage's option table uses them too); re-exported for the commands.
export { intOption, numberOption, urlOption, listOption } from "../core/index.js";

// `--tool-mode native|prompt|auto` (eval heldout, judge) is parsed in core (judge's option table uses it too).
export { parseToolMode } from "../core/index.js";

/** The `--llm` of a command run without one: openai: when an endpoint is configured, llama: when a local model is set, else sim. */
export async function defaultLlm(): Promise<string> {
  const { defaultModelSpec } = await import("../models/index.js");
  return defaultModelSpec(process.env);
}

/** A repeatable option collected into an array. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The flags of `endpointOptions`, as commander parses them. */
export interface EndpointFlags {
  baseUrl?: string;
  rpm?: number;
  tpm?: number;
  timeout?: number;
  cache?: string;
  prices?: string;
}

/**
 * The options of every command that asks a served model (eval bfcl, eval heldout, judge, verify): the endpoint, the
 * request and token budgets, the per-attempt timeout, the response cache and the price table (core's
 * ENDPOINT_OPTION_SPECS; judge and eval bfcl have them in their option tables).
 */
export function endpointOptions(cmd: Command): Command {
  return addOptionSpecs(cmd, ENDPOINT_OPTION_SPECS);
}

/** `endpointOptions`' flags as the model layer's settings (only those given). */
export function endpointSettings(f: EndpointFlags): EndpointSettings {
  return endpointSettingsFromFlags(f as Readonly<Record<string, unknown>>);
}

/** The dense embedders' flags (`graph build`, `overlap`): the openai model and endpoint, the key's variable, the cache. */
export interface EmbedderFlags {
  embedder: string;
  embeddingModel?: string;
  baseUrl?: string;
  apiKeyEnv: string;
  cacheDir: string;
  cache: boolean;
}

/** Adds the `EmbedderFlags` options (besides `--embedder`, whose help each command words itself). */
export function embedderOptions(cmd: Command): Command {
  return cmd
    .option("--embedding-model <model>", "openai: the embedding model")
    .option("--base-url <url>", "openai: endpoint, e.g. http://127.0.0.1:8080/v1", urlOption("--base-url"))
    .option("--api-key-env <name>", "openai: environment variable holding the API key", "OPENAI_API_KEY")
    .option("--cache-dir <dir>", "openai, llama: embedding cache directory", ".toolflow-cache/embeddings")
    .option("--no-cache", "openai, llama: do not read or write the embedding cache");
}

/** `createEmbedder`'s openai and llama options from the flags (the key read from the named variable). */
export function embedderSettings(
  f: EmbedderFlags,
  openai: Pick<Partial<OpenAIEmbedderOptions>, "batchSize" | "dimensions"> = {},
): { openai: Partial<OpenAIEmbedderOptions>; llama: { cacheDir: string | null } } {
  const cacheDir = f.cache ? f.cacheDir : null;
  return {
    openai: {
      ...(f.embeddingModel ? { model: f.embeddingModel } : {}),
      ...(f.baseUrl ? { baseURL: f.baseUrl } : {}),
      apiKey: process.env[f.apiKeyEnv] ?? "",
      ...openai,
      cacheDir,
    },
    llama: { cacheDir },
  };
}

// `--include-flagged [rules]` (sample, synth) is parsed by the tools stage (its lint rules); re-exported here.
export { parseIncludeFlagged } from "../tools/index.js";
