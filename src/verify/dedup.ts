/**
 * Duplicate dialogues: exact (same normalized user turns) and near (MinHash over word shingles of the user
 * turns, with LSH banding to find candidates, then the MinHash estimate of Jaccard similarity against a threshold).
 */
import { createHash } from "node:crypto";
import type { CheckResult, Message } from "../core/index.js";
import { Rng } from "../core/index.js";
import { normalizeText } from "./grounding.js";
import type { DeduperOptions, DuplicateCheck } from "./types.js";

/** What the deduper reads of a dialogue. */
export interface DedupDialogue {
  messages: Message[];
}

/** The user turns of a dialogue, normalized, one string per turn. */
export function userTurns(d: DedupDialogue): string[] {
  const out: string[] = [];
  for (const m of d.messages) if (m.role === "user") out.push(normalizeText(m.content));
  return out;
}

/** 32-bit FNV-1a of a string. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Word shingles (k words) of each user turn, hashed; a turn shorter than k words is one shingle. */
export function shingles(turns: string[], k: number): Set<number> {
  const out = new Set<number>();
  for (const t of turns) {
    const words = t.split(" ").filter((w) => w !== "");
    if (words.length === 0) continue;
    if (words.length < k) {
      out.add(fnv1a(words.join(" ")));
      continue;
    }
    for (let i = 0; i + k <= words.length; i++) out.add(fnv1a(words.slice(i, i + k).join(" ")));
  }
  return out;
}

/** Share of equal positions of two MinHash signatures: an unbiased estimate of the Jaccard similarity. */
export function estimateJaccard(a: Uint32Array, b: Uint32Array): number {
  let eq = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) eq++;
  return a.length === 0 ? 0 : eq / a.length;
}

/** Probability that two sets of Jaccard similarity s share at least one LSH bucket with b bands of r rows. */
export function candidateProbability(s: number, bands: number, rows: number): number {
  return 1 - Math.pow(1 - Math.pow(s, rows), bands);
}

/**
 * Bands and rows (bands * rows <= numPerm) minimizing the weighted area of false candidates below the threshold
 * and missed pairs above it (as datasketch does); misses weigh more, since candidates are re-checked anyway.
 */
export function optimalBands(threshold: number, numPerm: number, fpWeight = 0.1, fnWeight = 0.9): [number, number] {
  const integrate = (f: (x: number) => number, a: number, b: number) => {
    const n = 100;
    const h = (b - a) / n;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += f(a + (i + 0.5) * h);
    return sum * h;
  };
  let best: [number, number] = [1, numPerm];
  let bestErr = Infinity;
  for (let b = 1; b <= numPerm; b++) {
    const maxR = Math.floor(numPerm / b);
    for (let r = 1; r <= maxR; r++) {
      const fp = integrate((s) => candidateProbability(s, b, r), 0, threshold);
      const fn = integrate((s) => 1 - candidateProbability(s, b, r), threshold, 1);
      const err = fpWeight * fp + fnWeight * fn;
      if (err < bestErr) {
        bestErr = err;
        best = [b, r];
      }
    }
  }
  return best;
}

export class Deduper {
  readonly threshold: number;
  readonly numPerm: number;
  readonly bands: number;
  readonly rows: number;
  readonly shingleSize: number;
  private readonly seeds: Uint32Array;
  private readonly ids = new Set<string>();
  private readonly exact = new Map<string, string>();
  private readonly signatures = new Map<string, Uint32Array>();
  /** One bucket table per band: band hash -> ids. */
  private readonly tables: Array<Map<number, string[]>>;

  constructor(options: DeduperOptions = {}) {
    this.threshold = options.threshold ?? 0.8;
    this.numPerm = options.numPerm ?? 128;
    this.shingleSize = options.shingleSize ?? 3;
    if (!(this.threshold > 0 && this.threshold <= 1)) throw new RangeError("Deduper: threshold must be in (0, 1]");
    if (!Number.isInteger(this.numPerm) || this.numPerm < 1) throw new RangeError("Deduper: numPerm must be a positive integer");
    if (options.bands !== undefined) {
      if (!Number.isInteger(options.bands) || options.bands < 1 || this.numPerm % options.bands !== 0) {
        throw new RangeError(`Deduper: bands (${options.bands}) must divide numPerm (${this.numPerm})`);
      }
      this.bands = options.bands;
      this.rows = this.numPerm / options.bands;
    } else {
      [this.bands, this.rows] = optimalBands(this.threshold, this.numPerm);
    }
    const rng = new Rng(options.seed ?? 1);
    this.seeds = new Uint32Array(this.numPerm);
    for (let i = 0; i < this.numPerm; i++) this.seeds[i] = rng.nextUint32();
    this.tables = Array.from({ length: this.bands }, () => new Map<number, string[]>());
  }

  /** Number of dialogues added. */
  get size(): number {
    return this.ids.size;
  }

  /** Exact key: hash of the normalized user turns. */
  exactKey(d: DedupDialogue): string {
    return createHash("sha256").update(JSON.stringify(userTurns(d))).digest("hex");
  }

  /** MinHash signature of the dialogue's user-turn shingles (undefined when it has no words). */
  signature(d: DedupDialogue): Uint32Array | undefined {
    const sh = shingles(userTurns(d), this.shingleSize);
    if (sh.size === 0) return undefined;
    const n = this.numPerm;
    const seeds = this.seeds;
    const sig = new Uint32Array(n).fill(0xffffffff);
    for (const x of sh) {
      for (let i = 0; i < n; i++) {
        // murmur3 fmix32 of x ^ seed_i (inlined mix())
        let h = x ^ (seeds[i] as number);
        h ^= h >>> 16;
        h = Math.imul(h, 0x85ebca6b);
        h ^= h >>> 13;
        h = Math.imul(h, 0xc2b2ae35);
        h = (h ^ (h >>> 16)) >>> 0;
        if (h < (sig[i] as number)) sig[i] = h;
      }
    }
    return sig;
  }

  /** One key per band: a 53-bit hash of the band's rows. */
  private bandKeys(sig: Uint32Array): number[] {
    const keys: number[] = [];
    for (let b = 0; b < this.bands; b++) {
      let h1 = 0x811c9dc5 ^ b;
      let h2 = 0x9e3779b9 ^ b;
      for (let i = b * this.rows; i < (b + 1) * this.rows; i++) {
        const v = sig[i] as number;
        h1 = Math.imul(h1 ^ v, 0x01000193);
        h2 = Math.imul(h2 ^ v, 0x85ebca6b) ^ (h2 >>> 15);
      }
      keys.push((h1 >>> 0) * 2097152 + ((h2 >>> 0) & 0x1fffff));
    }
    return keys;
  }

  private fingerprint(d: DedupDialogue): { key: string; sig: Uint32Array | undefined } {
    return { key: this.exactKey(d), sig: this.signature(d) };
  }

  private checkPrint(fp: { key: string; sig: Uint32Array | undefined }): DuplicateCheck {
    const same = this.exact.get(fp.key);
    if (same !== undefined) return { duplicate: true, of: same, kind: "exact", similarity: 1 };
    const sig = fp.sig;
    if (!sig) return { duplicate: false };
    let best: { id: string; sim: number } | undefined;
    const seen = new Set<string>();
    this.bandKeys(sig).forEach((key, b) => {
      for (const id of this.tables[b]?.get(key) ?? []) {
        if (seen.has(id)) continue;
        seen.add(id);
        const other = this.signatures.get(id);
        if (!other) continue;
        const sim = estimateJaccard(sig, other);
        if (sim >= this.threshold && (!best || sim > best.sim)) best = { id, sim };
      }
    });
    return best ? { duplicate: true, of: best.id, kind: "near", similarity: best.sim } : { duplicate: false };
  }

  private addPrint(id: string, fp: { key: string; sig: Uint32Array | undefined }): void {
    this.ids.add(id);
    if (!this.exact.has(fp.key)) this.exact.set(fp.key, id);
    const sig = fp.sig;
    if (!sig || this.signatures.has(id)) return;
    this.signatures.set(id, sig);
    this.bandKeys(sig).forEach((k, b) => {
      const table = this.tables[b] as Map<number, string[]>;
      const list = table.get(k);
      if (list) list.push(id);
      else table.set(k, [id]);
    });
  }

  /** Is this dialogue a duplicate of one already added? */
  check(d: DedupDialogue): DuplicateCheck {
    return this.checkPrint(this.fingerprint(d));
  }

  /** Remember an accepted dialogue. */
  add(id: string, d: DedupDialogue): void {
    this.addPrint(id, this.fingerprint(d));
  }

  /** check, and add when it is not a duplicate (hashing the dialogue once). */
  checkAndAdd(id: string, d: DedupDialogue): DuplicateCheck {
    const fp = this.fingerprint(d);
    const r = this.checkPrint(fp);
    if (!r.duplicate) this.addPrint(id, fp);
    return r;
  }
}

/** A duplicate check as a CheckResult named "duplicate" (for Verification.checks / RejectedRecord.rejectedBy). */
export function duplicateCheckResult(r: DuplicateCheck, threshold?: number): CheckResult {
  if (!r.duplicate) return { name: "duplicate", passed: true, reasons: [], flagged: false, metrics: { similarity: 0 } };
  const why =
    r.kind === "exact"
      ? `exact duplicate of ${r.of} (same user turns)`
      : `near duplicate of ${r.of} (estimated Jaccard ${r.similarity.toFixed(3)}${threshold !== undefined ? ` >= ${threshold}` : ""})`;
  return { name: "duplicate", passed: false, reasons: [why], flagged: false, metrics: { similarity: r.similarity } };
}
