/**
 * Latency as a fixed histogram of 16 log-spaced buckets (1-2-5 steps, 1 ms to 60 s), kept
 * as attributes `h0`…`h15` of a counter item: an item stays the same small size however
 * many observations it holds, two histograms add bucket by bucket, and percentiles come
 * from the buckets, never from stored samples.
 *
 * Bucket i holds observations in (upper[i-1], upper[i]] (bucket 0 from 0); the last is
 * open-ended.
 */
export const histogramBuckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 60_000, Infinity] as const;

export function bucketOf(latencyMs: number): number {
  const index = histogramBuckets.findIndex((upper) => latencyMs <= upper);
  return index === -1 ? histogramBuckets.length - 1 : index;
}

/** The bucket counts of an item (`h0`…`h15`; a missing attribute is 0). */
export function histogramOf(item: Record<string, unknown>): number[] {
  return histogramBuckets.map((_, i) => Number(item[`h${i}`] ?? 0));
}

/**
 * The q-quantile (0 < q ≤ 1), assuming observations spread evenly inside their bucket:
 * linear interpolation between the bucket's bounds at the rank's place among its counts.
 * The open last bucket answers its lower bound. Null when nothing was observed.
 */
export function percentile(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((sum, c) => sum + c, 0);
  if (total === 0) return null;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < counts.length; i++) {
    const inBucket = counts[i] ?? 0;
    if (inBucket > 0 && below + inBucket >= rank) {
      const lower = i === 0 ? 0 : histogramBuckets[i - 1]!;
      const upper = histogramBuckets[i]!;
      if (upper === Infinity) return lower;
      const value = lower + ((upper - lower) * (rank - below)) / inBucket;
      return Math.round(value * 10) / 10;
    }
    below += inBucket;
  }
  return histogramBuckets[histogramBuckets.length - 2]!;
}

export function addHistograms(into: number[], from: readonly number[]): number[] {
  from.forEach((c, i) => (into[i] = (into[i] ?? 0) + c));
  return into;
}
