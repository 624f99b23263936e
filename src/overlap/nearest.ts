/**
 * Top-1 search above a threshold: for each query row, the most similar target row whose similarity (dot product
 * of the embedder's vectors) reaches the threshold. No pair list is ever materialized.
 *
 * - sparse vectors (lexical): an inverted index of the targets. A query probes only its *prefix*: its features
 *   ordered by rising posting length (rarest first), cut where the norm of the remaining tail times the largest
 *   target norm falls below the threshold. A target reaching the threshold must share a prefix feature (the
 *   tail alone cannot reach it: dot(tail, v) <= |tail| |v|), so the search is exact, and common words, with
 *   their long postings, sit in the tail and are never probed.
 * - dense vectors: random-hyperplane LSH (SimHash), 12 bits a band, as many bands as make a pair at the
 *   threshold missed with probability <= 1 %; candidates are verified exactly. Approximate; `exact` scans all
 *   targets per query (linear memory, quadratic time).
 */
import { lshBandsFor, rowDot, SimHash, type DenseVectors, type FieldVectors, type SparseVectors } from "../graph/index.js";

export interface Nearest {
  /** Index into the target list, or -1 when no target reaches the threshold. */
  target: number;
  similarity: number;
}

export interface NearestOptions {
  threshold: number;
  exact?: boolean;
  seed?: number;
}

/** For each query row, the best target row (position in `targets`) with similarity >= threshold. */
export function nearestAbove(vectors: FieldVectors, queries: readonly number[], targets: readonly number[], options: NearestOptions): Nearest[] {
  if (options.exact || targets.length === 0) return exactNearest(vectors, queries, targets, options.threshold);
  return vectors.kind === "sparse"
    ? sparseNearest(vectors, queries, targets, options.threshold)
    : denseNearest(vectors, queries, targets, options.threshold, options.seed ?? 1);
}

function exactNearest(vectors: FieldVectors, queries: readonly number[], targets: readonly number[], t: number): Nearest[] {
  return queries.map((q) => {
    let best: Nearest = { target: -1, similarity: -Infinity };
    for (let j = 0; j < targets.length; j++) {
      const s = rowDot(vectors, q, targets[j] as number);
      if (s >= t && s > best.similarity) best = { target: j, similarity: s };
    }
    return best.target < 0 ? { target: -1, similarity: 0 } : best;
  });
}

function sparseNearest(v: SparseVectors, queries: readonly number[], targets: readonly number[], t: number): Nearest[] {
  const { offsets, indices, values, dim } = v;
  // inverted index of the targets (CSR by feature)
  const df = new Uint32Array(dim + 1);
  let maxNorm = 0;
  for (const r of targets) {
    let nn = 0;
    for (let k = offsets[r] as number; k < (offsets[r + 1] as number); k++) {
      df[indices[k] as number]!++;
      nn += (values[k] as number) ** 2;
    }
    maxNorm = Math.max(maxNorm, Math.sqrt(nn));
  }
  const start = new Uint32Array(dim + 1);
  for (let f = 0; f < dim; f++) start[f + 1] = (start[f] as number) + (df[f] as number);
  const fill = start.slice(0, dim);
  const post = new Uint32Array(start[dim] as number);
  targets.forEach((r, j) => {
    for (let k = offsets[r] as number; k < (offsets[r + 1] as number); k++) post[fill[indices[k] as number]!++] = j;
  });

  const mark = new Int32Array(targets.length).fill(-1);
  const scratch = new Float32Array(dim);
  const out: Nearest[] = [];
  queries.forEach((q, qi) => {
    const feats: number[] = [];
    for (let k = offsets[q] as number; k < (offsets[q + 1] as number); k++) if ((df[indices[k] as number] as number) > 0) feats.push(k);
    feats.sort((a, b) => (df[indices[a] as number] as number) - (df[indices[b] as number] as number));
    // tail norms from the end
    const tail = new Float64Array(feats.length + 1);
    for (let i = feats.length - 1; i >= 0; i--) tail[i] = (tail[i + 1] as number) + (values[feats[i] as number] as number) ** 2;
    const cands: number[] = [];
    for (let i = 0; i < feats.length; i++) {
      if (Math.sqrt(tail[i] as number) * maxNorm < t) break;
      const f = indices[feats[i] as number] as number;
      for (let p = start[f] as number; p < (start[f + 1] as number); p++) {
        const j = post[p] as number;
        if (mark[j] !== qi) {
          mark[j] = qi;
          cands.push(j);
        }
      }
    }
    let best: Nearest = { target: -1, similarity: 0 };
    if (cands.length > 0) {
      for (let k = offsets[q] as number; k < (offsets[q + 1] as number); k++) scratch[indices[k] as number] = values[k] as number;
      for (const j of cands) {
        const r = targets[j] as number;
        let s = 0;
        for (let k = offsets[r] as number; k < (offsets[r + 1] as number); k++) s += (scratch[indices[k] as number] as number) * (values[k] as number);
        if (s >= t && (best.target < 0 || s > best.similarity)) best = { target: j, similarity: s };
      }
      for (let k = offsets[q] as number; k < (offsets[q + 1] as number); k++) scratch[indices[k] as number] = 0;
    }
    out.push(best);
  });
  return out;
}

const BAND_BITS = 12;

/** Bands of 12 bits so that a pair of cosine t is missed with probability <= 1 % (at most 64 bands). */
export function lshBands(t: number): number {
  return Math.min(64, Math.max(1, lshBandsFor(t, BAND_BITS)));
}

function denseNearest(v: DenseVectors, queries: readonly number[], targets: readonly number[], t: number, seed: number): Nearest[] {
  const { data, dim } = v;
  const bands = lshBands(t);
  const hash = new SimHash(dim, BAND_BITS, bands, seed);
  const signature = (row: number): Uint32Array => {
    const sig = new Uint32Array(bands);
    hash.codes(data, row * dim, sig);
    return sig;
  };
  // one bucket table per band: band * 2^12 + code -> target positions
  const buckets = new Map<number, number[]>();
  targets.forEach((r, j) => {
    const sig = signature(r);
    for (let b = 0; b < bands; b++) {
      const key = b * 4096 + (sig[b] as number);
      const list = buckets.get(key);
      if (list) list.push(j);
      else buckets.set(key, [j]);
    }
  });
  const mark = new Int32Array(targets.length).fill(-1);
  return queries.map((q, qi) => {
    const sig = signature(q);
    let best: Nearest = { target: -1, similarity: 0 };
    for (let b = 0; b < bands; b++) {
      for (const j of buckets.get(b * 4096 + (sig[b] as number)) ?? []) {
        if (mark[j] === qi) continue;
        mark[j] = qi;
        const s = rowDot(v, q, targets[j] as number);
        if (s >= t && (best.target < 0 || s > best.similarity)) best = { target: j, similarity: s };
      }
    }
    return best;
  });
}
