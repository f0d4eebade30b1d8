import type { Dimension, MetricName, Period } from './catalog';

/**
 * What the readers of metrics (`GET /v1/metrics`, the overview, connection health, the
 * alert evaluator) ask of the series store (shared/metrics/series.ts implements it; unit
 * tests pass a stand-in).
 */
export interface SeriesFilter {
  dimension: Dimension;
  value: string;
}

export interface SeriesQuery {
  name: MetricName;
  period: Period;
  /** Inclusive; rounded down to the period. */
  from: Date;
  /** Exclusive. */
  to: Date;
  /** One dimension's value; without it, the tenant's total. */
  filter?: SeriesFilter;
}

/** One bucket of a counter: its sum. Buckets with nothing counted are answered as 0. */
export interface CounterPoint {
  at: string;
  value: number;
}

/** One bucket of a latency histogram: how many were observed and percentiles in ms (null when none). */
export interface LatencyPoint {
  at: string;
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** A window's aggregate: a counter's sum, or a histogram's count and percentiles over the whole window. */
export type WindowValue = { kind: 'counter'; sum: number } | { kind: 'latency'; count: number; p50: number | null; p95: number | null; p99: number | null };

export interface MetricsReader {
  series(tenantId: string, query: SeriesQuery): Promise<CounterPoint[] | LatencyPoint[]>;
  /** The aggregate over [from, to) at minute resolution (or coarser buckets when the window is longer than a day). */
  window(tenantId: string, query: { name: MetricName; from: Date; to: Date; filter?: SeriesFilter }): Promise<WindowValue>;
  /** Every counter's tenant total over [from, to), read in one query (the overview). */
  totals(tenantId: string, from: Date, to: Date): Promise<Partial<Record<MetricName, number>>>;
}
