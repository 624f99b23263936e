/**
 * The paper's diversity metrics: H, the Shannon entropy (bits) of the word-frequency distribution, and D-n, the
 * ratio of distinct n-grams to all n-grams (D-3 in the paper). n-grams do not cross text boundaries.
 */

/** Lower-case word tokens (letters, digits, inner apostrophes). */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu) ?? [];
}

/** Shannon entropy, in bits, of the word frequencies over all texts (0 for no words). */
export function shannonEntropy(texts: Iterable<string>): number {
  const counts = new Map<string, number>();
  let total = 0;
  for (const t of texts) {
    for (const w of words(t)) {
      counts.set(w, (counts.get(w) ?? 0) + 1);
      total++;
    }
  }
  let h = 0;
  for (const c of counts.values()) {
    const p = c / total;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Distinct n-grams / all n-grams over the texts (0 when there are none). */
export function distinctN(texts: Iterable<string>, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError("distinctN: n must be a positive integer");
  const seen = new Set<string>();
  let total = 0;
  for (const t of texts) {
    const w = words(t);
    for (let i = 0; i + n <= w.length; i++) {
      seen.add(w.slice(i, i + n).join(" "));
      total++;
    }
  }
  return total === 0 ? 0 : seen.size / total;
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
  const all = texts.flatMap(words);
  return {
    H: shannonEntropy(texts),
    D3: distinctN(texts, 3),
    D2: distinctN(texts, 2),
    words: all.length,
    vocabulary: new Set(all).size,
  };
}
