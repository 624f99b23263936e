/**
 * The llama backend, loaded on first use: node-llama-cpp is an optional dependency, and loading it costs time, so
 * nothing imports the backend's module until a `llama:` model is made.
 */
import { ToolflowError } from "../core/index.js";
import { ModelConfigError } from "./errors.js";
import type { LlamaEmbeddingModel, LlamaEmbeddingOptions } from "./llama/embedding.js";
import type { LlamaModelOptions } from "./llama/spec.js";
import type { ChatModel } from "./types.js";

interface LlamaModule {
  createLlamaModel(spec: string, options: LlamaModelOptions): Promise<ChatModel>;
  createLlamaEmbeddingModel(spec: string, options: LlamaEmbeddingOptions): Promise<LlamaEmbeddingModel>;
}

const LLAMA_MODULE = "./llama/index.js";

async function loadLlamaBackend(
  load: (() => Promise<unknown>) | undefined,
  factory: keyof LlamaModule = "createLlamaModel",
): Promise<LlamaModule> {
  let mod: unknown;
  try {
    mod = await (load ? load() : import(/* @vite-ignore */ LLAMA_MODULE));
  } catch (err) {
    throw llamaLoadError(err);
  }
  const fn = (mod as Partial<Record<keyof LlamaModule, unknown>> | undefined)?.[factory];
  if (typeof fn !== "function") {
    throw new ModelConfigError(`the llama backend module does not export ${factory}()`, { model: "llama" });
  }
  return mod as LlamaModule;
}

function llamaLoadError(err: unknown): ToolflowError {
  if (err instanceof ToolflowError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string }).code;
  if (/node-llama-cpp/.test(msg) || code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
    return new ModelConfigError(
      `the llama backend needs node-llama-cpp, which is not installed: run \`npm i -E node-llama-cpp@3.21.1\` (${msg})`,
      { model: "llama", cause: err },
    );
  }
  return new ModelConfigError(`cannot load the llama backend: ${msg}`, { model: "llama", cause: err });
}

/** Create a `llama:` model (`load`: a test hook that loads the backend module instead). */
export async function openLlamaModel(
  spec: string,
  options: LlamaModelOptions,
  load?: () => Promise<unknown>,
): Promise<ChatModel> {
  const mod = await loadLlamaBackend(load);
  try {
    return await mod.createLlamaModel(spec, options);
  } catch (err) {
    throw llamaLoadError(err);
  }
}

/**
 * Create a `llama:` embedding model (node-llama-cpp's embedding context; loaded on first use like the chat model).
 * `load`: a test hook that loads the backend module instead.
 */
export async function openLlamaEmbeddingModel(
  spec: string,
  options: LlamaEmbeddingOptions = {},
  load?: () => Promise<unknown>,
): Promise<LlamaEmbeddingModel> {
  const mod = await loadLlamaBackend(load, "createLlamaEmbeddingModel");
  try {
    return await mod.createLlamaEmbeddingModel(spec, options);
  } catch (err) {
    throw llamaLoadError(err);
  }
}

export type { LlamaEmbeddingModel, LlamaEmbeddingOptions, LlamaEmbedOptions } from "./llama/embedding.js";
