/**
 * `openai:<embedding-model>` embeddings: batched `/v1/embeddings` requests to any OpenAI-compatible server
 * (OpenAI, vLLM, llama.cpp server, Ollama, TEI...) through the same openai client setup as chat (openai.ts:
 * key and base-URL resolution, the node:http keep-alive fetch or the runtime's, no client retries), with the
 * model layer's retries, limiter, error mapping and redaction. The tool graph's `openai` embedder
 * (src/graph/embedders/openai.ts) uses this client, adding its disk cache on top.
 */
import type OpenAI from "openai";
import { z } from "zod";
import { RequestLimiter } from "./limiter.js";
import { classifyFailure, createOpenAIClient, MalformedResponseError, OpenAIChatModel, type OpenAIModelOptions } from "./openai.js";
import { DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from "./retry.js";
import type { EmbeddingModel } from "./types.js";

export interface OpenAIEmbeddingOptions
  extends Pick<OpenAIModelOptions, "baseURL" | "apiKey" | "env" | "timeoutMs" | "retry" | "limiter" | "log" | "http"> {
  /** Texts per request. Default 128. */
  batchSize?: number;
  /** Ask for this many dimensions (models that support it). */
  dimensions?: number;
}

const EmbeddingResponseZ = z.object({
  data: z.array(z.object({ index: z.number().int().min(0).optional(), embedding: z.array(z.number()) })),
});

/** `openai:<embedding-model>` embeddings, batched, with the same retries, limiter and redaction as chat. */
export class OpenAIEmbeddingModel implements EmbeddingModel {
  readonly id: string;
  /** Base URL without credentials (for messages). */
  readonly endpoint: string;
  /** The base URL the client sends to (may hold credentials: never show it). */
  readonly baseURL: string;
  private readonly chat: OpenAIChatModel;
  private readonly client: OpenAI;
  private readonly policy: RetryPolicy;
  private readonly limiter: RequestLimiter;

  constructor(
    readonly model: string,
    private readonly options: OpenAIEmbeddingOptions = {},
  ) {
    // The chat model resolves and checks the key and base URL (and registers the key for redaction), and maps
    // failures to typed errors; the embeddings go through a client set up the same way.
    this.chat = new OpenAIChatModel(model, options);
    const env = options.env ?? process.env;
    const apiKey = options.apiKey ?? env.OPENAI_API_KEY;
    this.id = `openai:${model}`;
    this.endpoint = this.chat.endpoint;
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.limiter = options.limiter ?? new RequestLimiter();
    this.client = createOpenAIClient({
      // a local server usually takes no key (the chat model allows none only with a base URL)
      apiKey: apiKey ? apiKey : "no-key",
      baseURL: options.baseURL ?? env.OPENAI_BASE_URL ?? undefined,
      timeoutMs: options.timeoutMs ?? 60_000,
      http: options.http,
    });
    this.baseURL = this.client.baseURL;
  }

  /** Embed `texts` (one request per `batchSize` texts, one after the other), in order. */
  async embed(texts: string[], opts: { signal?: AbortSignal } = {}): Promise<number[][]> {
    const size = Math.max(1, this.options.batchSize ?? 128);
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += size) {
      const batch = texts.slice(i, i + size);
      out.push(...(await this.embedBatch(batch, opts.signal)));
    }
    return out;
  }

  private async embedBatch(batch: string[], signal?: AbortSignal): Promise<number[][]> {
    const tokens = batch.reduce((n, t) => n + Math.ceil(t.length / 4), 0);
    try {
      return await withRetry(
        () =>
          this.limiter.run(
            async () => {
              const params: OpenAI.Embeddings.EmbeddingCreateParams = { model: this.model, input: batch };
              if (this.options.dimensions !== undefined) params.dimensions = this.options.dimensions;
              const raw: unknown = await this.client.embeddings.create(params, { signal });
              const parsed = EmbeddingResponseZ.safeParse(raw);
              if (!parsed.success || parsed.data.data.length !== batch.length) {
                throw new MalformedResponseError(`embeddings answer has ${parsed.success ? parsed.data.data.length : "no"} vectors for ${batch.length} texts`);
              }
              const rows = parsed.data.data.slice().sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
              const dim = rows[0]?.embedding.length ?? 0;
              if (dim === 0 || rows.some((r) => r.embedding.length !== dim)) throw new MalformedResponseError("embeddings of unequal or zero length");
              return rows.map((r) => r.embedding);
            },
            { tokens, signal },
          ),
        this.policy,
        { classify: (err) => classifyFailure(err, this.policy), signal },
      );
    } catch (err) {
      throw this.chat.toModelError(err);
    }
  }
}
