/**
 * The llama backend, loaded on first use: node-llama-cpp is an optional dependency, and loading it costs time, so
 * nothing imports the backend's module until a `llama:` model is made.
 */
import { ToolflowError } from "../core/index.js";
import { ModelConfigError } from "./errors.js";
import type { LlamaModelOptions } from "./llama/spec.js";
import type { ChatModel } from "./types.js";

interface LlamaModule {
  createLlamaModel(spec: string, options: LlamaModelOptions): Promise<ChatModel>;
}

const LLAMA_MODULE = "./llama/index.js";

async function loadLlamaBackend(load: (() => Promise<unknown>) | undefined): Promise<LlamaModule> {
  let mod: unknown;
  try {
    mod = await (load ? load() : import(/* @vite-ignore */ LLAMA_MODULE));
  } catch (err) {
    throw llamaLoadError(err);
  }
  const fn = (mod as { createLlamaModel?: unknown } | undefined)?.createLlamaModel;
  if (typeof fn !== "function") {
    throw new ModelConfigError("the llama backend module does not export createLlamaModel()", { model: "llama" });
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
