/**
 * Dense embeddings from any OpenAI-compatible `/v1/embeddings` endpoint (OpenAI, vLLM, llama.cpp server,
 * Ollama, TEI...) through the model layer's embeddings client (`OpenAIEmbeddingModel`, src/llm/embeddings.ts:
 * the openai client with the model layer's retries and error mapping). Texts are sent in batches (a few batches
 * at a time) and cached on disk by a hash of (endpoint, model, dimensions, text), so a second build of the same
 * tools makes no request. The API key is only handed to the client: it is never part of a cache key, a file,
 * meta or an error message.
 */
import { createHash } from "node:crypto";
import pLimit from "p-limit";
import { ToolflowError } from "../../core/index.js";
import { normalizeVector, OpenAIEmbeddingModel, redact } from "../../llm/index.js";
import { fieldText } from "../fields.js";
import { cachedVectors, EmbeddingCache } from "./cache.js";
import { denseRows, embedEachOnce, type DenseVectors, type EmbedProgress, type FieldEmbedder, type FieldInput } from "./types.js";

/**
 * The paper's τ for Sentence-BERT. Not calibrated for other embedding models (none could be run here):
 * pass --threshold after looking at `graph stats` for your model.
 */
export const OPENAI_DEFAULT_THRESHOLD = 0.82;

export interface OpenAIEmbedderOptions {
  model: string;
  /** e.g. http://127.0.0.1:8080/v1; default: the client's (OPENAI_BASE_URL or api.openai.com). */
  baseURL?: string;
  /** Default (undefined): OPENAI_API_KEY. "" sends none. Local servers usually need none. */
  apiKey?: string;
  /** Texts per request (default 128). */
  batchSize?: number;
  /** Requests in flight (default 2). */
  concurrency?: number;
  /** Requested output dimensions (models that support it). */
  dimensions?: number;
  /** Directory of the embedding cache (SQLite); null disables the cache. */
  cacheDir?: string | null;
  /** Request timeout in ms (default 60 s) and retries of a failed request (429, 5xx, timeouts, resets; default 2). */
  timeoutMs?: number;
  maxRetries?: number;
  /** Overrides the default threshold of this embedder. */
  defaultThreshold?: number;
}

export class OpenAIEmbedder implements FieldEmbedder {
  readonly id: string;
  readonly defaultThreshold: number;
  /** Requests sent by this embedder (cache hits send none). */
  requests = 0;
  /** Texts served from the cache in the last embed(). */
  cacheHits = 0;
  private readonly client: OpenAIEmbeddingModel;
  private readonly options: OpenAIEmbedderOptions;
  private readonly apiKey: string | undefined;
  private cache: EmbeddingCache | undefined;

  constructor(options: OpenAIEmbedderOptions) {
    if (!options.model) throw new ToolflowError("openai embedder: a model is required", { code: "USAGE_ERROR", exitCode: 2 });
    this.options = options;
    this.id = `openai:${options.model}`;
    this.defaultThreshold = options.defaultThreshold ?? OPENAI_DEFAULT_THRESHOLD;
    this.apiKey = options.apiKey !== undefined ? options.apiKey : process.env.OPENAI_API_KEY;
    this.client = new OpenAIEmbeddingModel(options.model, {
      // local servers usually take no key; the client insists on one
      apiKey: this.apiKey || "no-key",
      ...(options.baseURL ? { baseURL: options.baseURL } : {}),
      timeoutMs: options.timeoutMs ?? 60_000,
      retry: { maxRetries: options.maxRetries ?? 2 },
      // one request per batch of embedUnique
      batchSize: Math.max(1, options.batchSize ?? 128),
      ...(options.dimensions ? { dimensions: options.dimensions } : {}),
    });
    if (options.cacheDir) this.cache = new EmbeddingCache(options.cacheDir);
  }

  describe(): Record<string, unknown> {
    return {
      model: this.options.model,
      ...(this.options.baseURL ? { baseURL: this.options.baseURL } : {}),
      ...(this.options.dimensions ? { dimensions: this.options.dimensions } : {}),
      batchSize: this.options.batchSize ?? 128,
    };
  }

  private cacheKey(text: string): string {
    return createHash("sha256")
      .update(JSON.stringify([this.client.baseURL, this.options.model, this.options.dimensions ?? null, text]))
      .digest("hex");
  }

  /** Embed raw texts (unit-normalized), using and filling the cache; a repeated text is sent once. */
  async embedTexts(all: readonly string[], options: { signal?: AbortSignal; onProgress?: (p: EmbedProgress) => void } = {}): Promise<Float32Array[]> {
    return embedEachOnce(all, (texts) => this.embedUnique(texts, options));
  }

  private async embedUnique(texts: readonly string[], options: { signal?: AbortSignal; onProgress?: (p: EmbedProgress) => void }): Promise<Float32Array[]> {
    const keys = texts.map((t) => this.cacheKey(t));
    const { out, missing, hits } = cachedVectors(this.cache, keys);
    this.cacheHits = hits;
    let done = texts.length - missing.length;
    options.onProgress?.({ done, total: texts.length });
    const batchSize = Math.max(1, this.options.batchSize ?? 128);
    const limit = pLimit(Math.max(1, this.options.concurrency ?? 2));
    const batches: number[][] = [];
    for (let i = 0; i < missing.length; i += batchSize) batches.push(missing.slice(i, i + batchSize));
    await Promise.all(
      batches.map((batch) =>
        limit(async () => {
          options.signal?.throwIfAborted();
          const vectors = await this.request(batch.map((i) => texts[i] as string), options.signal);
          const entries: Array<[string, Float32Array]> = [];
          batch.forEach((i, k) => {
            const v = vectors[k] as Float32Array;
            out[i] = v;
            entries.push([keys[i] as string, v]);
          });
          this.cache?.putMany(entries);
          done += batch.length;
          options.onProgress?.({ done, total: texts.length });
        }),
      ),
    );
    return out as Float32Array[];
  }

  private async request(input: string[], signal: AbortSignal | undefined): Promise<Float32Array[]> {
    this.requests++;
    let rows: number[][];
    try {
      rows = await this.client.embed(input, signal ? { signal } : {});
    } catch (err) {
      const status = (err as { status?: number }).status;
      const msg = redact((err as Error)?.message ?? String(err), [this.apiKey]);
      throw new ToolflowError(
        `embedding request to ${this.client.endpoint} failed${status ? ` (HTTP ${status})` : ""}: ${msg}`,
        { code: "EMBEDDING_FAILED", cause: new Error(msg) },
      );
    }
    // rows are in input order, one per text, all of one non-zero length (checked by the client)
    return rows.map((row) => normalizeVector(Float32Array.from(row)));
  }

  async embed(
    fields: readonly FieldInput[],
    options: { signal?: AbortSignal; onProgress?: (p: EmbedProgress) => void } = {},
  ): Promise<DenseVectors> {
    return denseRows(await this.embedTexts(fields.map(fieldText), options), this.options.model);
  }

  async close(): Promise<void> {
    this.cache?.close();
    this.cache = undefined;
  }
}
