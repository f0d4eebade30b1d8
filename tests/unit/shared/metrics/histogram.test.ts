import { bucketOf, histogramBuckets, percentile } from '../../../../shared/metrics/histogram';

const empty = () => histogramBuckets.map(() => 0);

describe('latency percentiles from the histogram', () => {
  it('puts an observation in the bucket whose upper bound holds it', () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(1)).toBe(0);
    expect(bucketOf(1.5)).toBe(1);
    expect(bucketOf(50)).toBe(5);
    expect(bucketOf(51)).toBe(6);
    expect(bucketOf(10 * 60_000)).toBe(histogramBuckets.length - 1);
  });

  it('interpolates linearly inside the bucket the rank falls in', () => {
    const counts = empty();
    counts[6] = 100; // (50, 100]
    expect(percentile(counts, 0.5)).toBe(75);
    expect(percentile(counts, 0.95)).toBe(97.5);
    expect(percentile(counts, 0.99)).toBe(99.5);
  });

  it('walks the buckets: p50 in the lower one, p99 in the upper one', () => {
    const counts = empty();
    counts[5] = 90; // (20, 50]
    counts[9] = 10; // (500, 1000]
    expect(percentile(counts, 0.5)).toBeCloseTo(20 + (30 * 50) / 90, 1);
    expect(percentile(counts, 0.99)).toBe(500 + (500 * 9) / 10);
  });

  it('answers the lower bound in the open last bucket, and null when nothing was observed', () => {
    const counts = empty();
    counts[histogramBuckets.length - 1] = 3;
    expect(percentile(counts, 0.5)).toBe(60_000);
    expect(percentile(empty(), 0.5)).toBeNull();
  });
});
