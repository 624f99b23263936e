/**
 * Dense embeddings in process from a GGUF embedding model (`llama:<file.gguf | hf:...>`): all-MiniLM, nomic-embed,
 * bge, e5 and the like, the Sentence-BERT class the paper used, through node-llama-cpp's embedding context
 * (the model layer's `LlamaEmbeddingModel`, loaded only when a text is not in the cache).
 *
 * Like the openai embedder: the paper's text `"{name}: {description}"` per field, each distinct text embedded
 * once, unit vectors, and a disk cache keyed by a hash of (model file identity, text), so a second build of the
 * same tools loads no model. A local file's identity is its path, size and modification time (replacing the file
 * invalidates the cache); an `hf:` model's is its URI.
 *
 * The default threshold is the paper's τ for Sentence-BERT and is NOT calibrated for any particular GGUF model:
 * calibrate one with `calibrationSweep` / the graph bench (docs/graph.md, "Calibrating a threshold").
 */
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { UsageError } from "../../core/index.js";
import { openLlamaEmbeddingModel, parseLlamaSpec, type LlamaEmbeddingModel, type LlamaEmbeddingOptions } from "../../llm/index.js";
import { fieldText } from "../fields.js";
import { cachedVectors, EmbeddingCache } from "./cache.js";
import { denseRows, embedEachOnce, type DenseVectors, type EmbedProgress, type FieldEmbedder, type FieldInput } from "./types.js";

/** The paper's τ for Sentence-BERT; uncalibrated for GGUF models (see the file comment). */
export const LLAMA_DEFAULT_THRESHOLD = 0.82;

export interface LlamaEmbedderOptions {
  /** `llama:<file.gguf | hf:...>` (the `llama:` prefix is optional). */
  model: string;
  /** Directory of the embedding cache (SQLite); null or undefined disables the cache. */
  cacheDir?: string | null;
  /** Overrides the default threshold of this embedder (e.g. one you calibrated). */
  defaultThreshold?: number;
  /** Model options: threads, GPU, context size, the model cache of `hf:` downloads (`cacheDir` there)... */
  llama?: Omit<LlamaEmbeddingOptions, "normalize">;
  /** For tests: how the llama backend module is loaded (see openLlamaEmbeddingModel). */
  load?: () => Promise<unknown>;
}

type EmbedCallOptions = { signal?: AbortSignal; onProgress?: (p: EmbedProgress) => void };

export class LlamaEmbedder implements FieldEmbedder {
  readonly id: string;
  readonly defaultThreshold: number;
  /** Texts embedded by the model (cache hits are not). */
  embedded = 0;
  /** Texts served from the cache in the last embed(). */
  cacheHits = 0;
  private readonly options: LlamaEmbedderOptions;
  private model: Promise<LlamaEmbeddingModel> | undefined;
  private cache: EmbeddingCache | undefined;
  private dimensions: number | undefined;

  constructor(options: LlamaEmbedderOptions) {
    const spec = options.model?.trim() ?? "";
    const body = spec.startsWith("llama:") ? spec.slice("llama:".length) : spec;
    if (body.trim() === "") {
      throw new UsageError('the llama embedder needs a model: --embedder llama:/path/to/model.gguf or llama:hf:user/repo/file.gguf');
    }
    parseLlamaSpec(spec); // a malformed hf: spec fails here, before any work
    this.options = { ...options, model: spec };
    this.id = `llama:${body}`;
    this.defaultThreshold = options.defaultThreshold ?? LLAMA_DEFAULT_THRESHOLD;
    if (options.cacheDir) this.cache = new EmbeddingCache(options.cacheDir);
  }

  describe(): Record<string, unknown> {
    return {
      model: this.id,
      ...(this.dimensions !== undefined ? { dimensions: this.dimensions } : {}),
      ...(this.options.llama?.contextSize !== undefined ? { contextSize: this.options.llama.contextSize } : {}),
      thresholdCalibrated: this.options.defaultThreshold !== undefined,
    };
  }

  /** What the vectors depend on besides the text: the model file (path, size, mtime) or the remote URI. */
  private modelIdentity(): string {
    const source = parseLlamaSpec(this.options.model);
    if (source.kind === "remote") return JSON.stringify(["remote", source.uri, this.options.llama?.contextSize ?? null]);
    const st = statSync(source.path); // a missing file throws: the caller opens the model for its error
    return JSON.stringify(["file", source.path, st.size, st.mtimeMs, this.options.llama?.contextSize ?? null]);
  }

  private openModel(): Promise<LlamaEmbeddingModel> {
    if (!this.model) {
      this.model = openLlamaEmbeddingModel(this.options.model, this.options.llama ?? {}, this.options.load);
      this.model.catch(() => (this.model = undefined));
    }
    return this.model;
  }

  /** Embed raw texts (unit vectors), using and filling the cache; a repeated text is embedded once. */
  async embedTexts(all: readonly string[], options: EmbedCallOptions = {}): Promise<Float32Array[]> {
    return embedEachOnce(all, (texts) => this.embedUnique(texts, options));
  }

  private async embedUnique(texts: readonly string[], options: EmbedCallOptions): Promise<Float32Array[]> {
    let identity: string | undefined;
    if (this.cache) {
      try {
        identity = this.modelIdentity();
      } catch {
        await this.openModel(); // no such file: the model layer's error names it
      }
    }
    const keys = texts.map((t) => (identity === undefined ? undefined : createHash("sha256").update(JSON.stringify([identity, t])).digest("hex")));
    const { out, missing, hits } = cachedVectors(this.cache, keys);
    this.cacheHits = hits;
    const done = texts.length - missing.length;
    options.onProgress?.({ done, total: texts.length });
    if (missing.length > 0) {
      const model = await this.openModel();
      this.dimensions = model.dimensions;
      const rows = await model.embed(
        missing.map((i) => texts[i] as string),
        {
          ...(options.signal ? { signal: options.signal } : {}),
          onProgress: (p) => options.onProgress?.({ done: done + p.done, total: texts.length }),
        },
      );
      const entries: Array<[string, Float32Array]> = [];
      missing.forEach((i, k) => {
        const v = Float32Array.from(rows[k] as number[]);
        out[i] = v;
        const key = keys[i];
        if (key !== undefined) entries.push([key, v]);
      });
      this.embedded += missing.length; // distinct indices
      this.cache?.putMany(entries);
    }
    return out as Float32Array[];
  }

  async embed(fields: readonly FieldInput[], options: EmbedCallOptions = {}): Promise<DenseVectors> {
    const rows = denseRows(await this.embedTexts(fields.map(fieldText), options), this.id);
    this.dimensions ??= rows.dim;
    return rows;
  }

  /** Close the cache and give back the loaded model. */
  async close(): Promise<void> {
    this.cache?.close();
    this.cache = undefined;
    const model = this.model;
    this.model = undefined;
    if (model) await (await model.catch(() => undefined))?.close();
  }
}
