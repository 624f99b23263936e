/** Vector helpers shared by the embedding backends (llama/embedding.ts) and the graph's embedders. */

/** Scale `v` to unit length in place (a zero vector stays zero). */
export function normalizeVector<T extends { length: number; [i: number]: number }>(v: T): T {
  let n = 0;
  for (let k = 0; k < v.length; k++) n += (v[k] as number) * (v[k] as number);
  n = Math.sqrt(n);
  if (n > 0) for (let k = 0; k < v.length; k++) v[k] = (v[k] as number) / n;
  return v;
}
