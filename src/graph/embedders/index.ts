/**
 * Field embedders of the tool graph: `lexical` (offline default), `openai` (any OpenAI-compatible
 * /v1/embeddings endpoint) and `llama:<file.gguf|hf:...>` (a GGUF embedding model in process, node-llama-cpp).
 */
import { UsageError } from "../../core/index.js";
import { LexicalEmbedder, type LexicalEmbedderOptions } from "./lexical.js";
import { LlamaEmbedder, type LlamaEmbedderOptions } from "./llama.js";
import { OpenAIEmbedder, type OpenAIEmbedderOptions } from "./openai.js";
import type { FieldEmbedder } from "./types.js";

export * from "./types.js";
export { LexicalEmbedder, LEXICAL_DEFAULTS, LEXICAL_DEFAULT_THRESHOLD, type LexicalEmbedderOptions } from "./lexical.js";
export { OpenAIEmbedder, OPENAI_DEFAULT_THRESHOLD, type OpenAIEmbedderOptions } from "./openai.js";
export { EmbeddingCache } from "./cache.js";
export { LlamaEmbedder, LLAMA_DEFAULT_THRESHOLD, type LlamaEmbedderOptions } from "./llama.js";

/** Embedder names; `llama` is written `llama:<file.gguf|hf:...>`. */
export const EMBEDDER_NAMES = ["lexical", "openai", "llama"] as const;
export type EmbedderName = (typeof EMBEDDER_NAMES)[number];

/**
 * An embedder by name: `lexical`, `openai` (needs `openai.model`), or `llama:<file.gguf|hf:...>` (a GGUF
 * embedding model in process; `llama` options: cache, threshold, model options).
 */
export function createEmbedder(
  name: string,
  options: {
    lexical?: LexicalEmbedderOptions;
    openai?: Partial<OpenAIEmbedderOptions>;
    llama?: Omit<LlamaEmbedderOptions, "model">;
  } = {},
): FieldEmbedder {
  if (name === "lexical") return new LexicalEmbedder(options.lexical);
  if (name === "llama" || name.startsWith("llama:")) return new LlamaEmbedder({ ...options.llama, model: name === "llama" ? "llama:" : name });
  if (name === "openai") {
    const o = options.openai ?? {};
    if (!o.model) throw new UsageError("the openai embedder needs a model (--embedding-model)");
    return new OpenAIEmbedder({ ...o, model: o.model });
  }
  throw new UsageError(`unknown embedder "${name}" (expected lexical, openai or llama:<file.gguf|hf:user/repo/file.gguf>)`);
}
