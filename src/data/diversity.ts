/**
 * The paper's diversity metrics: H, the Shannon entropy (bits) of the word-frequency distribution, and D-n, the
 * ratio of distinct n-grams to all n-grams (D-3 in the paper). n-grams do not cross text boundaries.
 */

/** Lower-case word tokens (letters, digits, inner apostrophes). */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu) ?? [];
}

/**
 * H and D-n over texts added one at a time (a large file is never held whole): word counts for H, and a set of the
 * distinct n-grams for each n asked for.
 */
export class DiversityAccumulator {
  private readonly counts = new Map<string, number>();
  private total = 0;
  private readonly grams = new Map<number, { seen: Set<string>; total: number }>();

  constructor(ns: readonly number[] = [3]) {
    for (const n of ns) {
      if (!Number.isInteger(n) || n < 1) throw new RangeError("distinctN: n must be a positive integer");
      this.grams.set(n, { seen: new Set(), total: 0 });
    }
  }

  add(text: string): void {
    const w = words(text);
    for (const x of w) this.counts.set(x, (this.counts.get(x) ?? 0) + 1);
    this.total += w.length;
    for (const [n, g] of this.grams) {
      for (let i = 0; i + n <= w.length; i++) {
        g.seen.add(w.slice(i, i + n).join(" "));
        g.total++;
      }
    }
  }

  /**
   * Shannon entropy, in bits, of the word frequencies (0 for no words). Summed over the counts in ascending order,
   * so the same texts in another order (a run vs its export splits) give the same number to the last bit.
   */
  entropy(): number {
    let h = 0;
    for (const c of [...this.counts.values()].sort((a, b) => a - b)) {
      const p = c / this.total;
      h -= p * Math.log2(p);
    }
    return h;
  }

  /** Distinct n-grams / all n-grams (0 when there are none); n must be one the accumulator was made for. */
  distinct(n: number): number {
    const g = this.grams.get(n);
    if (!g) throw new RangeError(`DiversityAccumulator: made without n = ${n}`);
    return g.total === 0 ? 0 : g.seen.size / g.total;
  }

  /** Word tokens added. */
  get words(): number {
    return this.total;
  }

  /** Distinct words. */
  get vocabulary(): number {
    return this.counts.size;
  }
}

function accumulate(texts: Iterable<string>, ns: readonly number[]): DiversityAccumulator {
  const acc = new DiversityAccumulator(ns);
  for (const t of texts) acc.add(t);
  return acc;
}

/** Shannon entropy, in bits, of the word frequencies over all texts (0 for no words). */
export function shannonEntropy(texts: Iterable<string>): number {
  return accumulate(texts, []).entropy();
}

/** Distinct n-grams / all n-grams over the texts (0 when there are none). */
export function distinctN(texts: Iterable<string>, n: number): number {
  return accumulate(texts, [n]).distinct(n);
}

export interface DiversityMetrics {
  /** Shannon entropy of word frequencies, bits. */
  H: number;
  /** Distinct trigram ratio. */
  D3: number;
  /** Distinct bigram ratio (extra). */
  D2: number;
  /** Word tokens measured. */
  words: number;
  /** Distinct words. */
  vocabulary: number;
}

export function diversity(texts: string[]): DiversityMetrics {
  const acc = accumulate(texts, [2, 3]);
  return { H: acc.entropy(), D3: acc.distinct(3), D2: acc.distinct(2), words: acc.words, vocabulary: acc.vocabulary };
}
