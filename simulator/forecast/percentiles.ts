// Percentiles as exact order statistics (the nearest-rank method): the P-th percentile of n values
// is the smallest value with at least P% of the values at or below it, always one of the values
// themselves, so that anyone holding the runs can check a figure by sorting them.

/** The nearest-rank percentile (0 < p <= 100) of values sorted ascending; null for no values. */
export function nearestRank(sorted: ArrayLike<number>, p: number): number | null {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile ${p}: must be above 0 and at most 100`);
  const n = sorted.length;
  if (n === 0) return null;
  // The epsilon keeps 0.9 * 10 = 9.000000000000002 at rank 9, as arithmetic on paper has it.
  const rank = Math.max(1, Math.ceil((p / 100) * n - 1e-9));
  return sorted[rank - 1]!;
}

/** The arithmetic mean; null for no values. */
export function mean(values: ArrayLike<number>): number | null {
  const n = values.length;
  if (n === 0) return null;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  return sum / n;
}

/** The values in ascending order, in a new typed array (NaN, standing for "never", left out). */
export function sortedPresent(values: ArrayLike<number>): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) n++;
  const out = new Float64Array(n);
  let j = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) out[j++] = values[i]!;
  return out.sort();
}

/** How many of the sorted values are at or below x (binary search). */
export function countAtOrBelow(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
