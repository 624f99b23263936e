/**
 * The embedder interface of the tool graph. An embedder turns field texts into vectors whose dot product is the
 * similarity the threshold applies to (cosine, or a smoothed cosine for the lexical embedder).
 */
import { distinctTexts, ToolflowError } from "../../core/index.js";

/** One distinct field to embed: the paper's `"{name}: {description}"`, kept as parts so a lexical embedder can weigh them. */
export interface FieldInput {
  name: string;
  description: string;
  /**
   * Words that place the field: its parent path for a nested field (`matching_tweets` for
   * `matching_tweets[].id`), the tool name for a one-word top-level field (`post_tweet` for `id`). The lexical
   * embedder weighs them like description words; the openai embedder embeds the paper's text without them.
   */
  context?: string;
  /** How many fields of the collection have this exact text (corpus statistics such as IDF count them all). */
  count?: number;
}

/** Row-compressed sparse vectors: row i has indices[offsets[i]..offsets[i+1]) (ascending) and values. */
export interface SparseVectors {
  kind: "sparse";
  count: number;
  /** Number of dimensions (vocabulary size). */
  dim: number;
  offsets: Uint32Array;
  indices: Uint32Array;
  values: Float32Array;
}

/** Dense vectors, row-major, each of unit length. */
export interface DenseVectors {
  kind: "dense";
  count: number;
  dim: number;
  data: Float32Array;
}

export type FieldVectors = SparseVectors | DenseVectors;

export interface EmbedProgress {
  done: number;
  total: number;
}

export interface FieldEmbedder {
  /** Stable id recorded in graph.json meta, e.g. `lexical`, `openai:text-embedding-3-small`. */
  readonly id: string;
  /** The similarity threshold this embedder was calibrated for (used when no threshold is given). */
  readonly defaultThreshold: number;
  /**
   * Embed the distinct fields of a whole collection at once (a lexical embedder needs corpus statistics).
   * Row i of the result belongs to fields[i]; dot products of rows are similarities in [-1, 1].
   */
  embed(fields: readonly FieldInput[], options?: { signal?: AbortSignal; onProgress?: (p: EmbedProgress) => void }): Promise<FieldVectors>;
  /** Settings worth recording in graph.json meta (never secrets). */
  describe(): Record<string, unknown>;
  close?(): Promise<void>;
}

/** Dot product of rows a and b. */
export function rowDot(v: FieldVectors, a: number, b: number): number {
  if (v.kind === "dense") {
    const { data, dim } = v;
    let s = 0;
    const oa = a * dim;
    const ob = b * dim;
    for (let k = 0; k < dim; k++) s += (data[oa + k] as number) * (data[ob + k] as number);
    return s;
  }
  const { offsets, indices, values } = v;
  let i = offsets[a] as number;
  const ie = offsets[a + 1] as number;
  let j = offsets[b] as number;
  const je = offsets[b + 1] as number;
  let s = 0;
  while (i < ie && j < je) {
    const x = indices[i] as number;
    const y = indices[j] as number;
    if (x === y) {
      s += (values[i] as number) * (values[j] as number);
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return s;
}

/** Vectors for texts that may repeat: each distinct text is embedded once (by `embedUnique`, in order). */
export async function embedEachOnce(
  all: readonly string[],
  embedUnique: (texts: readonly string[]) => Promise<Float32Array[]>,
): Promise<Float32Array[]> {
  const { texts, slotOf } = distinctTexts(all);
  const unique = await embedUnique(texts);
  return slotOf.map((i) => unique[i] as Float32Array);
}

/** One row per field from per-text vectors, which must all have one size (else an EMBEDDING_FAILED error naming `model`). */
export function denseRows(vectors: readonly Float32Array[], model: string): DenseVectors {
  const dim = vectors[0]?.length ?? 0;
  const data = new Float32Array(vectors.length * dim);
  vectors.forEach((v, i) => {
    if (v.length !== dim) {
      throw new ToolflowError(
        `embedding model ${model} gave vectors of different sizes (${dim} and ${v.length}); clear the embedding cache (--cache-dir) if the model changed`,
        { code: "EMBEDDING_FAILED" },
      );
    }
    data.set(v, i * dim);
  });
  return { kind: "dense", count: vectors.length, dim, data };
}
