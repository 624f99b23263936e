/** Inequality of counts (tool use across a tool set): sampling's coverage and the dataset figures. */

/**
 * Gini coefficient of non-negative values: sum_i sum_j |x_i - x_j| / (2 n^2 mean). 0 when all are equal
 * (and, by convention, for an empty list or all zeros); (n-1)/n when one value holds everything.
 */
export function gini(values: readonly number[]): number {
  const n = values.length;
  if (n === 0) return 0;
  const sorted = values.slice().sort((a, b) => a - b);
  let total = 0;
  let weighted = 0;
  sorted.forEach((x, i) => {
    if (!(x >= 0) || !Number.isFinite(x)) throw new RangeError(`gini needs finite values >= 0, got ${x}`);
    total += x;
    weighted += (i + 1) * x;
  });
  if (total === 0) return 0;
  const g = (2 * weighted) / (n * total) - (n + 1) / n;
  return Math.max(0, g);
}
