/**
 * The offline default embedder: sparse TF-IDF vectors over stemmed words, with the field *name* weighted above
 * its description and a whole-name feature, so `access_token` matches `access_token` strongly while two fields
 * that only share description words ("the ID of the ...") stay apart.
 *
 * Similarity is a *smoothed* cosine: every vector gets an extra private dimension of weight `c`
 * (c = smoothing x the largest IDF of the collection), so sim(a, b) = a.b / (sqrt(|a|^2 + c^2) sqrt(|b|^2 + c^2)).
 * A field made only of common words (`id: The ID`, `page: Page number`) has a small norm next to c and so a low
 * similarity even to an identical field; a field with rare, specific words is barely affected. This is what keeps
 * generic fields from joining everything: IDF alone does not, because plain cosine is blind to scale.
 */
import { nameStems, stemTokens } from "../text.js";
import type { EmbedProgress, FieldEmbedder, FieldInput, SparseVectors } from "./types.js";

export interface LexicalEmbedderOptions {
  /** Weight of a name word relative to a description word (default 2). */
  nameWeight?: number;
  /** Weight of the whole-name feature (all name stems joined), which rewards identical names (default 2). */
  compoundWeight?: number;
  /** Private-dimension weight as a share of the collection's largest IDF (default 0.8). 0 = plain cosine. */
  smoothing?: number;
}

/**
 * Default threshold for lexical similarity, picked on the BFCL multi-turn collections (see docs/graph.md and the
 * calibration table printed by `npm run bench graph`).
 */
export const LEXICAL_DEFAULT_THRESHOLD = 0.5;

export const LEXICAL_DEFAULTS: Required<LexicalEmbedderOptions> = {
  nameWeight: 2,
  compoundWeight: 2,
  smoothing: 0.8,
};

export class LexicalEmbedder implements FieldEmbedder {
  readonly id = "lexical";
  readonly defaultThreshold = LEXICAL_DEFAULT_THRESHOLD;
  readonly options: Required<LexicalEmbedderOptions>;

  constructor(options: LexicalEmbedderOptions = {}) {
    this.options = { ...LEXICAL_DEFAULTS, ...stripUndefined(options) };
    for (const [k, v] of Object.entries(this.options)) {
      if (!Number.isFinite(v) || v < 0) throw new RangeError(`lexical embedder: ${k} must be a number >= 0 (got ${v})`);
    }
  }

  describe(): Record<string, unknown> {
    return { ...this.options };
  }

  async embed(
    fields: readonly FieldInput[],
    options: { signal?: AbortSignal; onProgress?: (p: EmbedProgress) => void } = {},
  ): Promise<SparseVectors> {
    const { nameWeight, compoundWeight, smoothing } = this.options;
    const vocab = new Map<string, number>();
    const termId = (t: string): number => {
      let id = vocab.get(t);
      if (id === undefined) {
        id = vocab.size;
        vocab.set(t, id);
      }
      return id;
    };

    // 1. Terms of each field: name stems (+ the whole name) and description stems with their counts.
    const nameTerms: number[][] = [];
    const hasCompound: boolean[] = [];
    const descTerms: Array<Map<number, number>> = [];
    const df: number[] = [];
    let corpus = 0;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i] as FieldInput;
      const count = f.count ?? 1;
      corpus += count;
      const ns = nameStems(f.name);
      const names = ns.map(termId);
      if (ns.length > 1) names.push(termId("=" + ns.join("_")));
      const desc = new Map<number, number>();
      for (const s of stemTokens(f.description)) {
        const id = termId(s);
        desc.set(id, (desc.get(id) ?? 0) + 1);
      }
      nameTerms.push(names);
      hasCompound.push(ns.length > 1);
      descTerms.push(desc);
      const seen = new Set<number>([...names, ...desc.keys()]);
      for (const id of seen) df[id] = (df[id] ?? 0) + count;
      if ((i & 0x3fff) === 0 && i > 0) {
        options.signal?.throwIfAborted();
        options.onProgress?.({ done: i, total: fields.length * 2 });
        await Promise.resolve();
      }
    }

    // 2. BM25-style IDF (always positive), and the smoothing constant relative to the largest possible IDF.
    const n = Math.max(corpus, 1);
    const idf = new Float64Array(vocab.size);
    for (let t = 0; t < vocab.size; t++) {
      const d = df[t] ?? 0;
      idf[t] = Math.log(1 + (n - d + 0.5) / (d + 0.5));
    }
    const maxIdf = Math.log(1 + (n - 1 + 0.5) / 1.5);
    const c2 = (smoothing * maxIdf) ** 2;

    // 3. Weighted vectors, divided by sqrt(|w|^2 + c^2).
    const offsets = new Uint32Array(fields.length + 1);
    const indices: number[] = [];
    const values: number[] = [];
    const w = new Map<number, number>();
    for (let i = 0; i < fields.length; i++) {
      w.clear();
      const names = nameTerms[i] as number[];
      const last = names.length - 1;
      for (let k = 0; k <= last; k++) {
        const t = names[k] as number;
        // the last entry is the whole-name feature when the name has several stems
        const isCompound = k === last && (hasCompound[i] as boolean);
        const weight = (isCompound ? compoundWeight : nameWeight) * (idf[t] as number);
        w.set(t, (w.get(t) ?? 0) + weight);
      }
      for (const [t, tf] of descTerms[i] as Map<number, number>) {
        w.set(t, (w.get(t) ?? 0) + (1 + Math.log(tf)) * (idf[t] as number));
      }
      let norm2 = c2;
      for (const v of w.values()) norm2 += v * v;
      const inv = norm2 > 0 ? 1 / Math.sqrt(norm2) : 0;
      const keys = [...w.keys()].sort((a, b) => a - b);
      for (const t of keys) {
        indices.push(t);
        values.push((w.get(t) as number) * inv);
      }
      offsets[i + 1] = indices.length;
      if ((i & 0x3fff) === 0 && i > 0) {
        options.signal?.throwIfAborted();
        options.onProgress?.({ done: fields.length + i, total: fields.length * 2 });
        await Promise.resolve();
      }
    }
    options.onProgress?.({ done: fields.length * 2, total: fields.length * 2 });
    return {
      kind: "sparse",
      count: fields.length,
      dim: vocab.size,
      offsets,
      indices: Uint32Array.from(indices),
      values: Float32Array.from(values),
    };
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
