/**
 * The offline default embedder: sparse TF-IDF vectors over stemmed words, with the field *name* weighted above
 * its description and a whole-name feature, so `access_token` matches `access_token` strongly while two fields
 * that only share description words ("the ID of the ...") stay apart.
 *
 * IDF is estimated on the collection being built, with a prior from a background collection of ~4,000 real
 * tools (background-df.ts): p(word) = (df + m * p_background) / (fields + m), m = `priorWeight`. A small
 * collection thus still knows that `id`, `name` or `page` are generic; a large one mostly speaks for itself.
 *
 * Similarity is a *smoothed* cosine: every vector gets an extra private dimension of weight `c`
 * (c = smoothing x the largest possible IDF), so sim(a, b) = a.b / (sqrt(|a|^2 + c^2) sqrt(|b|^2 + c^2)).
 * A field made only of common words (`id: The ID`, `page: Page number`) has a small norm next to c and so a low
 * similarity even to an identical field; a field with rare, specific words is barely affected. This is what keeps
 * generic fields from joining everything: IDF alone does not, because plain cosine is blind to scale.
 */
import { nameStems, stemTokens } from "../text.js";
import { BACKGROUND_DF, BACKGROUND_FIELDS } from "./background-df.js";
import type { EmbedProgress, FieldEmbedder, FieldInput, SparseVectors } from "./types.js";

export interface LexicalEmbedderOptions {
  /** Weight of a name word relative to a description word (default 2). */
  nameWeight?: number;
  /** Weight of the whole-name feature (all name stems joined), which rewards identical names (default 2). */
  compoundWeight?: number;
  /** Private-dimension weight as a share of the largest possible IDF (default 1). 0 = plain cosine. */
  smoothing?: number;
  /** Weight of a context word (parent path, or tool name of a one-word field) relative to a description word (default 2). */
  contextWeight?: number;
  /** Pseudo-count of background fields in the IDF prior (default 2000); 0 = collection statistics only. */
  priorWeight?: number;
}

/**
 * Default threshold for lexical similarity, picked on BFCL's multi-turn collections (see docs/graph.md and the
 * calibration table printed by `npm run bench graph`).
 */
export const LEXICAL_DEFAULT_THRESHOLD = 0.4;

export const LEXICAL_DEFAULTS: Required<LexicalEmbedderOptions> = {
  nameWeight: 2,
  compoundWeight: 2,
  smoothing: 1,
  contextWeight: 2,
  priorWeight: 2000,
};

/**
 * The terms of one field: name stems (plus `=whole_name` when the name has several words), description stems
 * with their counts, and context stems (words of the context that are not already in the name).
 */
export function lexicalTerms(
  name: string,
  description: string,
  context = "",
): { name: string[]; compound: boolean; description: Map<string, number>; context: string[] } {
  const ns = nameStems(name);
  const terms = [...ns];
  const compound = ns.length > 1;
  if (compound) terms.push("=" + ns.join("_"));
  const desc = new Map<string, number>();
  for (const s of stemTokens(description)) desc.set(s, (desc.get(s) ?? 0) + 1);
  const ctx = context ? [...new Set(nameStems(context))].filter((s) => !ns.includes(s)) : [];
  return { name: terms, compound, description: desc, context: ctx };
}

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
    const { nameWeight, compoundWeight, smoothing, contextWeight, priorWeight } = this.options;
    const vocab = new Map<string, number>();
    const terms: string[] = [];
    const termId = (t: string): number => {
      let id = vocab.get(t);
      if (id === undefined) {
        id = vocab.size;
        vocab.set(t, id);
        terms.push(t);
      }
      return id;
    };

    // 1. Terms of each field and their document frequency (a document = a field occurrence).
    const nameTerms: number[][] = [];
    const hasCompound: boolean[] = [];
    const descTerms: Array<Map<number, number>> = [];
    const ctxTerms: number[][] = [];
    const df: number[] = [];
    let corpus = 0;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i] as FieldInput;
      const count = f.count ?? 1;
      corpus += count;
      const lt = lexicalTerms(f.name, f.description, f.context);
      const names = lt.name.map(termId);
      const desc = new Map<number, number>();
      for (const [s, tf] of lt.description) desc.set(termId(s), tf);
      const ctx = lt.context.map(termId);
      nameTerms.push(names);
      hasCompound.push(lt.compound);
      descTerms.push(desc);
      ctxTerms.push(ctx);
      for (const id of new Set<number>([...names, ...desc.keys(), ...ctx])) df[id] = (df[id] ?? 0) + count;
      if ((i & 0x3fff) === 0 && i > 0) {
        options.signal?.throwIfAborted();
        options.onProgress?.({ done: i, total: fields.length * 2 });
        await Promise.resolve();
      }
    }

    // 2. IDF with the background prior (BM25 form, always positive); smoothing relative to the largest IDF.
    const n = corpus + priorWeight;
    const bgScale = priorWeight / BACKGROUND_FIELDS;
    const idf = new Float64Array(vocab.size);
    for (let t = 0; t < vocab.size; t++) {
      const d = (df[t] ?? 0) + bgScale * (BACKGROUND_DF[terms[t] as string] ?? 0);
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
        const isCompound = k === last && (hasCompound[i] as boolean);
        w.set(t, (w.get(t) ?? 0) + (isCompound ? compoundWeight : nameWeight) * (idf[t] as number));
      }
      for (const [t, tf] of descTerms[i] as Map<number, number>) {
        w.set(t, (w.get(t) ?? 0) + (1 + Math.log(tf)) * (idf[t] as number));
      }
      for (const t of ctxTerms[i] as number[]) w.set(t, (w.get(t) ?? 0) + contextWeight * (idf[t] as number));
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
