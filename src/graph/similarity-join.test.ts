import { describe, expect, it } from "vitest";
import { Rng } from "../core/index.js";
import type { DenseVectors } from "./embedders/types.js";
import { lshParameters, ROLE_PARAM, ROLE_RETURN, similarityJoin } from "./similarity-join.js";

function clustered(n: number, dim: number, seed: number): DenseVectors {
  const rng = new Rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(Math.max(rng.next(), 1e-12))) * Math.cos(2 * Math.PI * rng.next());
  const centers = Array.from({ length: Math.ceil(n / 10) }, () => Array.from({ length: dim }, gauss));
  const data = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = centers[i % centers.length] as number[];
    const noise = 0.2 + 0.6 * rng.next();
    let norm = 0;
    const v = c.map((x) => x + noise * gauss());
    for (const x of v) norm += x * x;
    v.forEach((x, k) => (data[i * dim + k] = x / Math.sqrt(norm)));
  }
  return { kind: "dense", count: n, dim, data };
}

const key = (a: number, b: number) => (a < b ? `${a}:${b}` : `${b}:${a}`);

describe("similarity join on dense vectors (SimHash LSH)", () => {
  it("sizes the bands so a pair at the threshold is found with probability >= 99 %", () => {
    for (const t of [0.6, 0.82, 0.9]) {
      const { bits, bands } = lshParameters(t);
      const p = (1 - Math.acos(t) / Math.PI) ** bits;
      expect(1 - (1 - p) ** bands).toBeGreaterThanOrEqual(0.99);
    }
  });

  it("finds >= 95 % of the exact pairs, only true pairs, from fewer candidates", () => {
    const v = clustered(800, 48, 11);
    const rng = new Rng(5);
    const roles = Uint8Array.from({ length: v.count }, () => (rng.chance(0.7) ? ROLE_PARAM : ROLE_RETURN));
    const t = 0.82;
    const exact = similarityJoin(v, roles, { threshold: t, exact: true });
    const lsh = similarityJoin(v, roles, { threshold: t });
    expect(exact.pairs.length).toBeGreaterThan(500);
    const truth = new Set<string>();
    for (let i = 0; i < exact.pairs.length; i++) truth.add(key(exact.pairs.a[i] as number, exact.pairs.b[i] as number));
    let found = 0;
    const seen = new Set<string>();
    for (let i = 0; i < lsh.pairs.length; i++) {
      const k = key(lsh.pairs.a[i] as number, lsh.pairs.b[i] as number);
      expect(truth.has(k)).toBe(true);
      expect(seen.has(k)).toBe(false);
      seen.add(k);
      expect(lsh.pairs.sim[i]).toBeGreaterThanOrEqual(t);
      found++;
    }
    expect(found / truth.size).toBeGreaterThanOrEqual(0.95);
    expect(lsh.candidates).toBeLessThan(exact.candidates / 3);
    // no pair of two return fields
    for (let i = 0; i < lsh.pairs.length; i++) {
      expect((roles[lsh.pairs.a[i] as number]! | roles[lsh.pairs.b[i] as number]!) & ROLE_PARAM).toBe(ROLE_PARAM);
    }
    expect(lsh.method).toBe("simhash-lsh");
  });
});
