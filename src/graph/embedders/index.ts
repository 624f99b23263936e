/**
 * Field embedders of the tool graph: `lexical` (offline default) and `openai` (any OpenAI-compatible
 * /v1/embeddings endpoint).
 */
import { UsageError } from "../../core/index.js";
import { LexicalEmbedder, type LexicalEmbedderOptions } from "./lexical.js";
import { OpenAIEmbedder, type OpenAIEmbedderOptions } from "./openai.js";
import type { FieldEmbedder } from "./types.js";

export * from "./types.js";
export { LexicalEmbedder, LEXICAL_DEFAULTS, LEXICAL_DEFAULT_THRESHOLD, type LexicalEmbedderOptions } from "./lexical.js";
export { OpenAIEmbedder, EmbeddingCache, OPENAI_DEFAULT_THRESHOLD, type OpenAIEmbedderOptions } from "./openai.js";

export const EMBEDDER_NAMES = ["lexical", "openai"] as const;
export type EmbedderName = (typeof EMBEDDER_NAMES)[number];

/** An embedder by name: `lexical`, or `openai` (needs `openai.model`). */
export function createEmbedder(
  name: string,
  options: { lexical?: LexicalEmbedderOptions; openai?: Partial<OpenAIEmbedderOptions> } = {},
): FieldEmbedder {
  if (name === "lexical") return new LexicalEmbedder(options.lexical);
  if (name === "openai") {
    const o = options.openai ?? {};
    if (!o.model) throw new UsageError("the openai embedder needs a model (--embedding-model)");
    return new OpenAIEmbedder({ ...o, model: o.model });
  }
  throw new UsageError(`unknown embedder "${name}" (expected one of ${EMBEDDER_NAMES.join(", ")})`);
}
