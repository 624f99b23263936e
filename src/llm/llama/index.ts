/**
 * The `llama:` backend (node-llama-cpp, loaded lazily): the module the factory imports when a llama model is
 * created. spec.ts (specs, defaults, options; no node-llama-cpp) is also re-exported by src/llm/index.ts.
 */
export { createLlamaModel, messagesToChatHistory } from "./chat-model.js";
export { downloadLlamaModel, resolveLlamaModelFile } from "./download.js";
export {
  createLlamaEmbeddingModel,
  LlamaEmbeddingModel,
  normalizeVector,
  type LlamaEmbeddingOptions,
  type LlamaEmbedOptions,
} from "./embedding.js";
export { llamaResourceStats, loadNodeLlamaCpp } from "./engine.js";
export {
  anyJsonGrammarSchema,
  normalizeSchemaForGrammar,
  stripOmittedOptionals,
  type NormalizeOptions,
  type OptionalPropertyMode,
} from "./grammar-schema.js";
export {
  defaultModelCacheDir,
  NODE_LLAMA_CPP_INSTALL_HINT,
  NODE_LLAMA_CPP_VERSION,
  parseLlamaSpec,
  type LlamaModelOptions,
  type LlamaProgress,
  type LlamaSource,
} from "./spec.js";
