/**
 * Similarity join: every pair of distinct field vectors whose similarity reaches the threshold, where at least
 * one side is a parameter (P-P and P-R edges need one; return-return pairs make no edge).
 *
 * - `exact`: all pairs, the brute-force reference (quadratic).
 * - indexed, sparse vectors: prefix filtering over an inverted index (Bayardo et al., "Scaling up all pairs
 *   similarity search", WWW 2007). Features are ordered rarest first; a vector's *prefix* is its shortest head
 *   whose remaining tail has norm below the threshold. Two vectors with dot >= t must share a feature of both
 *   prefixes (the tail of one alone cannot reach t, as every vector has norm <= 1), so only prefixes are indexed
 *   and probed. The result equals the exact join; common words (`id`, `page`) sit in tails and are never probed.
 * - indexed, dense vectors: random-hyperplane LSH (SimHash) with bands sized so a pair at the threshold is missed
 *   with probability <= 1 %; candidates are verified exactly. Approximate (pairs above the threshold are missed
 *   less often the more similar they are).
 */
import { Rng } from "../core/index.js";
import type { DenseVectors, FieldVectors, SparseVectors } from "./embedders/types.js";
import { rowDot } from "./embedders/types.js";

/** Role bits of a vector row: it occurs as a parameter, as a return field, or both. */
export const ROLE_PARAM = 1;
export const ROLE_RETURN = 2;

export interface JoinOptions {
  threshold: number;
  exact?: boolean;
  /** Seed of the LSH hyperplanes (dense vectors). */
  seed?: number;
  signal?: AbortSignal;
  onProgress?: (p: { done: number; total: number }) => void;
}

/** Growable list of row pairs with their similarity. */
export class PairList {
  a = new Uint32Array(1024);
  b = new Uint32Array(1024);
  sim = new Float32Array(1024);
  length = 0;

  push(a: number, b: number, sim: number): void {
    if (this.length === this.a.length) {
      const grow = <T extends Uint32Array | Float32Array>(arr: T, make: (n: number) => T): T => {
        const next = make(arr.length * 2);
        next.set(arr);
        return next;
      };
      this.a = grow(this.a, (n) => new Uint32Array(n));
      this.b = grow(this.b, (n) => new Uint32Array(n));
      this.sim = grow(this.sim, (n) => new Float32Array(n));
    }
    this.a[this.length] = a;
    this.b[this.length] = b;
    this.sim[this.length] = sim;
    this.length++;
  }
}

export interface JoinResult {
  pairs: PairList;
  /** Pairs whose similarity was computed (the work done). */
  candidates: number;
  method: "exact" | "prefix-filter" | "simhash-lsh";
  /** LSH settings when used. */
  lsh?: { bits: number; bands: number };
}

/** Does the pair (u probing, v) belong to the join, and is this the one time it is looked at? */
function accept(roles: Uint8Array, u: number, v: number): boolean {
  if (u === v || ((roles[v] as number) & ROLE_PARAM) === 0) return false;
  // u a parameter too: the pair is also seen from v's side, keep it once (v < u)
  if (((roles[u] as number) & ROLE_PARAM) !== 0) return v < u;
  return true;
}

export function similarityJoin(vectors: FieldVectors, roles: Uint8Array, options: JoinOptions): JoinResult {
  if (roles.length !== vectors.count) throw new RangeError("similarityJoin: roles and vectors differ in length");
  if (options.exact) return exactJoin(vectors, roles, options);
  return vectors.kind === "sparse" ? prefixJoin(vectors, roles, options) : lshJoin(vectors, roles, options);
}

function progressEvery(total: number): number {
  return Math.max(1, Math.min(5000, Math.floor(total / 20)));
}

// ---------------------------------------------------------------- exact

function exactJoin(v: FieldVectors, roles: Uint8Array, options: JoinOptions): JoinResult {
  const t = options.threshold;
  const n = v.count;
  const pairs = new PairList();
  let candidates = 0;
  const params: number[] = [];
  for (let i = 0; i < n; i++) if (((roles[i] as number) & ROLE_PARAM) !== 0) params.push(i);
  const every = progressEvery(n);
  if (v.kind === "sparse") {
    const scratch = new Float64Array(v.dim);
    const { offsets, indices, values } = v;
    for (let u = 0; u < n; u++) {
      if (u % every === 0) {
        options.signal?.throwIfAborted();
        options.onProgress?.({ done: u, total: n });
      }
      if (roles[u] === 0) continue;
      const us = offsets[u] as number;
      const ue = offsets[u + 1] as number;
      for (let k = us; k < ue; k++) scratch[indices[k] as number] = values[k] as number;
      for (const w of params) {
        if (!accept(roles, u, w)) continue;
        candidates++;
        let s = 0;
        const we = offsets[w + 1] as number;
        for (let k = offsets[w] as number; k < we; k++) s += (scratch[indices[k] as number] as number) * (values[k] as number);
        if (s >= t) pairs.push(u, w, s);
      }
      for (let k = us; k < ue; k++) scratch[indices[k] as number] = 0;
    }
  } else {
    for (let u = 0; u < n; u++) {
      if (u % every === 0) {
        options.signal?.throwIfAborted();
        options.onProgress?.({ done: u, total: n });
      }
      if (roles[u] === 0) continue;
      for (const w of params) {
        if (!accept(roles, u, w)) continue;
        candidates++;
        const s = rowDot(v, u, w);
        if (s >= t) pairs.push(u, w, s);
      }
    }
  }
  options.onProgress?.({ done: n, total: n });
  return { pairs, candidates, method: "exact" };
}

// ---------------------------------------------------------------- sparse: prefix filtering

function prefixJoin(v: SparseVectors, roles: Uint8Array, options: JoinOptions): JoinResult {
  const t = options.threshold;
  const n = v.count;
  const { offsets, indices, values } = v;
  // Global feature order: rarest first (document frequency over the rows that take part).
  const df = new Uint32Array(v.dim);
  for (let i = 0; i < n; i++) {
    if (roles[i] === 0) continue;
    for (let k = offsets[i] as number; k < (offsets[i + 1] as number); k++) df[indices[k] as number]!++;
  }
  const order = new Uint32Array(v.dim);
  for (let d = 0; d < v.dim; d++) order[d] = d;
  order.sort((a, b) => (df[a] as number) - (df[b] as number) || a - b);
  const rank = new Uint32Array(v.dim);
  for (let r = 0; r < v.dim; r++) rank[order[r] as number] = r;

  // Each row's features in rank order (positions into indices/values) with the norm of the tail from each
  // position on; the prefix is the head up to where that tail norm drops below t.
  const nnz = offsets[n] as number;
  const sorted = new Uint32Array(nnz);
  const tail = new Float32Array(nnz);
  const prefixLen = new Uint32Array(n);
  const bound = t * (1 - 1e-9);
  const rowPos: number[] = [];
  for (let i = 0; i < n; i++) {
    if (roles[i] === 0) continue;
    const start = offsets[i] as number;
    const end = offsets[i + 1] as number;
    rowPos.length = 0;
    for (let k = start; k < end; k++) rowPos.push(k);
    rowPos.sort((a, b) => (rank[indices[a] as number] as number) - (rank[indices[b] as number] as number));
    let rest = 0;
    for (let j = rowPos.length - 1; j >= 0; j--) {
      const k = rowPos[j] as number;
      sorted[start + j] = k;
      rest += (values[k] as number) ** 2;
      tail[start + j] = Math.sqrt(rest);
    }
    let len = 0;
    while (len < rowPos.length && (tail[start + len] as number) >= bound) len++;
    prefixLen[i] = len;
  }

  // Inverted index over the prefix features of parameter rows: the row, and its tail norm at that feature.
  const postCount = new Uint32Array(v.dim + 1);
  for (let i = 0; i < n; i++) {
    if (((roles[i] as number) & ROLE_PARAM) === 0) continue;
    const start = offsets[i] as number;
    for (let j = 0; j < (prefixLen[i] as number); j++) postCount[(indices[sorted[start + j] as number] as number) + 1]!++;
  }
  for (let d = 0; d < v.dim; d++) postCount[d + 1]! += postCount[d] as number;
  const postRow = new Uint32Array(postCount[v.dim] as number);
  const postTail = new Float32Array(postCount[v.dim] as number);
  const fill = postCount.slice(0, v.dim);
  for (let i = 0; i < n; i++) {
    if (((roles[i] as number) & ROLE_PARAM) === 0) continue;
    const start = offsets[i] as number;
    for (let j = 0; j < (prefixLen[i] as number); j++) {
      const d = indices[sorted[start + j] as number] as number;
      const q = fill[d]!++;
      postRow[q] = i;
      postTail[q] = tail[start + j] as number;
    }
  }

  // Probe with every row's prefix, rarest feature first. The first time u meets w (at feature d), every feature
  // they share ranks at or after d, so dot(u, w) <= tail_u(d) * tail_w(d): verify only when that bound reaches t.
  const pairs = new PairList();
  const stamp = new Int32Array(n).fill(-1);
  const scratch = new Float64Array(v.dim);
  let candidates = 0;
  const every = progressEvery(n);
  for (let u = 0; u < n; u++) {
    if (u % every === 0) {
      options.signal?.throwIfAborted();
      options.onProgress?.({ done: u, total: n });
    }
    const plen = prefixLen[u] as number;
    if (roles[u] === 0 || plen === 0) continue;
    const us = offsets[u] as number;
    const ue = offsets[u + 1] as number;
    for (let k = us; k < ue; k++) scratch[indices[k] as number] = values[k] as number;
    const uParam = ((roles[u] as number) & ROLE_PARAM) !== 0;
    for (let j = 0; j < plen; j++) {
      const d = indices[sorted[us + j] as number] as number;
      const tailU = tail[us + j] as number;
      const qe = postCount[d + 1] as number;
      for (let q = postCount[d] as number; q < qe; q++) {
        const w = postRow[q] as number;
        if (stamp[w] === u) continue;
        stamp[w] = u;
        // w is a parameter (only those are indexed); if u is one too, keep the pair once (w < u)
        if ((uParam && w >= u) || tailU * (postTail[q] as number) < bound) continue;
        candidates++;
        let s = 0;
        const we = offsets[w + 1] as number;
        for (let k = offsets[w] as number; k < we; k++) s += (scratch[indices[k] as number] as number) * (values[k] as number);
        if (s >= t) pairs.push(u, w, s);
      }
    }
    for (let k = us; k < ue; k++) scratch[indices[k] as number] = 0;
  }
  options.onProgress?.({ done: n, total: n });
  return { pairs, candidates, method: "prefix-filter" };
}

// ---------------------------------------------------------------- dense: SimHash LSH

/** Bands of `bits` bits a pair at similarity t needs to collide in some band with prob >= 99 % (at least 1). */
export function lshBandsFor(t: number, bits: number): number {
  const p = 1 - Math.acos(Math.max(-1, Math.min(1, t))) / Math.PI;
  const hit = p ** bits;
  return hit >= 1 ? 1 : Math.ceil(Math.log(0.01) / Math.log(1 - hit));
}

/** Bits per band and number of bands so that a pair at similarity t collides in some band with prob >= 99 %. */
export function lshParameters(t: number, maxBands = 64): { bits: number; bands: number } {
  let best = { bits: 4, bands: maxBands };
  for (let bits = 4; bits <= 16; bits++) {
    const bands = lshBandsFor(t, bits);
    if (bands <= maxBands) best = { bits, bands };
  }
  return best;
}

/**
 * SimHash over `bands` bands of `bits` random hyperplanes each (normal deviates from the seed, Box-Muller): vectors
 * at cosine similarity s agree on a bit with probability 1 - acos(s)/pi.
 */
export class SimHash {
  private readonly planes: Float32Array;
  constructor(
    readonly dim: number,
    readonly bits: number,
    readonly bands: number,
    seed: number,
  ) {
    const rng = new Rng(seed);
    this.planes = new Float32Array(bits * bands * dim);
    for (let i = 0; i < this.planes.length; i++) {
      const u1 = Math.max(rng.next(), 1e-12);
      this.planes[i] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * rng.next());
    }
  }

  /** Writes the band codes of the vector data[offset .. offset + dim) to out[at .. at + bands). */
  codes(data: Float32Array, offset: number, out: Uint32Array, at = 0): void {
    const { dim, bits, planes } = this;
    for (let b = 0; b < this.bands; b++) {
      let code = 0;
      for (let r = 0; r < bits; r++) {
        const op = (b * bits + r) * dim;
        let s = 0;
        for (let k = 0; k < dim; k++) s += (data[offset + k] as number) * (planes[op + k] as number);
        if (s >= 0) code |= 1 << r;
      }
      out[at + b] = code;
    }
  }
}

function lshJoin(v: DenseVectors, roles: Uint8Array, options: JoinOptions): JoinResult {
  const t = options.threshold;
  const n = v.count;
  const { dim, data } = v;
  const { bits, bands } = lshParameters(t);
  const hash = new SimHash(dim, bits, bands, options.seed ?? 0x5eed);
  const codes = new Uint32Array(n * bands);
  for (let i = 0; i < n; i++) if (roles[i] !== 0) hash.codes(data, i * dim, codes, i * bands);
  const buckets = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    if (((roles[i] as number) & ROLE_PARAM) === 0) continue;
    for (let b = 0; b < bands; b++) {
      const key = b * 65536 + (codes[i * bands + b] as number);
      const list = buckets.get(key);
      if (list) list.push(i);
      else buckets.set(key, [i]);
    }
  }
  const pairs = new PairList();
  const stamp = new Int32Array(n).fill(-1);
  let candidates = 0;
  const every = progressEvery(n);
  for (let u = 0; u < n; u++) {
    if (u % every === 0) {
      options.signal?.throwIfAborted();
      options.onProgress?.({ done: u, total: n });
    }
    if (roles[u] === 0) continue;
    for (let b = 0; b < bands; b++) {
      const list = buckets.get(b * 65536 + (codes[u * bands + b] as number));
      if (!list) continue;
      for (const w of list) {
        if (stamp[w] === u || !accept(roles, u, w)) continue;
        stamp[w] = u;
        candidates++;
        const s = rowDot(v, u, w);
        if (s >= t) pairs.push(u, w, s);
      }
    }
  }
  options.onProgress?.({ done: n, total: n });
  return { pairs, candidates, method: "simhash-lsh", lsh: { bits, bands } };
}
