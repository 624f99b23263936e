/**
 * `llama:<file.gguf | hf:...>` embeddings: in-process, through node-llama-cpp's embedding context, for
 * SBERT-class GGUF models (all-MiniLM, nomic-embed, bge, e5...) and, less usefully, any other GGUF model.
 *
 * - The weights are loaded once per process and shared with the chat engines of the same file (engine.ts); the
 *   embedding context is shared by every LlamaEmbeddingModel of the same (file, context size, threads).
 * - `hf:` models and URLs are downloaded once into the model cache, like chat models.
 * - Texts are embedded one at a time (node-llama-cpp evaluates one sequence per embedding context); `embed`
 *   takes a batch, embeds each distinct text once and returns the vectors in order, unit-normalized by default.
 * - A text longer than the context is cut to fit (as Sentence-BERT truncates to its maximum sequence length).
 * - An empty text has no tokens: its vector is all zeros (similarity 0 to everything).
 */
import type { Token } from "node-llama-cpp";
import { distinctTexts } from "../../core/index.js";
import { ModelAbortError, ModelRequestError } from "../errors.js";
import type { EmbeddingModel } from "../types.js";
import { normalizeVector } from "../vector.js";
import { resolveLlamaModelFile } from "./download.js";
import { acquireEmbeddingEngine, releaseEmbeddingEngine, type EmbeddingEngine } from "./engine.js";
import type { LlamaModelOptions } from "./spec.js";

export { normalizeVector };

export interface LlamaEmbeddingOptions
  extends Pick<
    LlamaModelOptions,
    "cacheDir" | "contextSize" | "threads" | "onProgress" | "gpu" | "downloadTimeoutMs" | "downloadStallMs" | "importer"
  > {
  /** Unit-normalize every vector (default true: dot products are cosines). */
  normalize?: boolean;
}

export interface LlamaEmbedOptions {
  signal?: AbortSignal;
  /** Called after each distinct text is embedded. */
  onProgress?: (p: { done: number; total: number }) => void;
}

/** An in-process embedding model on a GGUF file. `close()` gives back its share of the loaded model. */
export class LlamaEmbeddingModel implements EmbeddingModel {
  readonly backend = "llama";
  /** Texts embedded by the model (a repeated text within one call counts once). */
  embedded = 0;
  private closed = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    readonly id: string,
    private readonly engine: EmbeddingEngine,
    private readonly options: LlamaEmbeddingOptions = {},
  ) {}

  /** Length of the vectors. */
  get dimensions(): number {
    return this.engine.dimensions;
  }

  /** The model file embedded with. */
  get modelPath(): string {
    return this.engine.modelPath;
  }

  /** Tokens of a text the model sees at most (longer texts are cut). */
  get maxTokens(): number {
    // room for the BOS/EOS tokens node-llama-cpp adds, and under the context size as it requires
    return Math.max(1, Math.min(this.engine.contextSize - 1, this.engine.batchSize) - 2);
  }

  /** Embed `texts` in order: one vector per text, each distinct text evaluated once. */
  async embed(texts: string[], options: LlamaEmbedOptions = {}): Promise<number[][]> {
    if (this.closed) throw new ModelRequestError(`the embedding model ${this.id} is closed`, { model: this.id });
    const run = this.embedAll(texts, options);
    this.inFlight.add(run);
    try {
      return await run;
    } finally {
      this.inFlight.delete(run);
    }
  }

  private async embedAll(texts: readonly string[], options: LlamaEmbedOptions): Promise<number[][]> {
    if (texts.some((t) => typeof t !== "string")) throw new ModelRequestError(`embed: every input must be a string`, { model: this.id });
    const { texts: distinct, slotOf } = distinctTexts(texts);
    const vectors: number[][] = [];
    for (const text of distinct) {
      if (options.signal?.aborted) {
        throw new ModelAbortError("the embedding request was aborted", { model: this.id, cause: options.signal.reason });
      }
      vectors.push(await this.embedOne(text));
      this.embedded++;
      options.onProgress?.({ done: vectors.length, total: distinct.length });
    }
    return slotOf.map((i) => [...(vectors[i] as number[])]);
  }

  private async embedOne(text: string): Promise<number[]> {
    const { context, model, dimensions } = this.engine;
    let tokens: Token[] = model.tokenize(text);
    if (tokens.length === 0) return new Array<number>(dimensions).fill(0);
    if (tokens.length > this.maxTokens) tokens = tokens.slice(0, this.maxTokens);
    let vector: number[];
    try {
      vector = [...(await context.getEmbeddingFor(tokens)).vector];
    } catch (err) {
      throw new ModelRequestError(
        `cannot embed a text of ${tokens.length} tokens with ${this.engine.modelPath}: ${(err as Error).message ?? String(err)}`,
        { model: this.id, cause: err },
      );
    }
    if (vector.length !== dimensions || vector.some((x) => !Number.isFinite(x))) {
      throw new ModelRequestError(
        `${this.engine.modelPath} returned an unusable embedding (${vector.length} values, expected ${dimensions} finite numbers)`,
        { model: this.id },
      );
    }
    return this.options.normalize === false ? vector : normalizeVector(vector);
  }

  /** Give back this model's share of the embedding context (after the requests in flight). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await releaseEmbeddingEngine(this.engine);
  }
}

/**
 * Create an embedding model for `llama:<path.gguf | hf:...>`. Throws ModelConfigError when node-llama-cpp is
 * missing, the file does not exist or is not a model llama.cpp can load (the message names the file), or the
 * download of an `hf:` model fails.
 */
export async function createLlamaEmbeddingModel(spec: string, options: LlamaEmbeddingOptions = {}): Promise<LlamaEmbeddingModel> {
  const { id, path } = await resolveLlamaModelFile(spec, options);
  const engine = await acquireEmbeddingEngine(path, id, options);
  return new LlamaEmbeddingModel(id, engine, options);
}
