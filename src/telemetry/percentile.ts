/**
 * Nearest-rank percentile: sort the n samples ascending and take the one at rank
 * ceil(p/100 · n) (1-based), so every result is an observed sample. p = 50 of [a, b] is a;
 * p = 95 of 20 samples is the 19th smallest. Returns null for no samples.
 */
export function nearestRankPercentile(samples: readonly number[], p: number): number | null {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}
