import * as z from 'zod';
import { responseSchema } from '../platform/contract';
import { PageQuery } from '../platform/pagination';
import { dimensions, metricNames, type MetricName } from './catalog';

const filterValue = z.string().min(1).max(200);
const time = z.iso.datetime({ offset: true });

/**
 * `GET /v1/metrics`: one metric's series. The checks that need more than one field (one
 * filter at most, a filter the family has, from < to, retention, the number of points)
 * are the service's, which names the field each is about.
 */
export const MetricsQuery = z.strictObject({
  name: z.enum(metricNames as [MetricName, ...MetricName[]]),
  period: z.enum(['minute', 'hour', 'day']).default('hour'),
  /** Inclusive, rounded down to the period; default: 24 hours before `to`. */
  from: time.optional(),
  /** Exclusive; default: now. */
  to: time.optional(),
  route: filterValue.optional(),
  integration: filterValue.optional(),
  connection: filterValue.optional(),
  endpoint: filterValue.optional(),
});
export type MetricsQuery = z.infer<typeof MetricsQuery>;

const CounterPoint = z.object({ at: z.iso.datetime(), value: z.number() });
const LatencyPoint = z.object({
  at: z.iso.datetime(),
  count: z.number().int(),
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
});

export const MetricSeries = responseSchema(() =>
  z
    .object({
      name: z.enum(metricNames as [MetricName, ...MetricName[]]),
      period: z.enum(['minute', 'hour', 'day']),
      from: z.iso.datetime(),
      to: z.iso.datetime(),
      filter: z.object({ dimension: z.enum(dimensions as [string, ...string[]]), value: z.string() }).nullable(),
      /** Counters: one sum per bucket; latencies (`*.latency`): count and p50/p95/p99 in ms per bucket. Empty buckets are 0 (or null percentiles). */
      points: z.union([z.array(CounterPoint), z.array(LatencyPoint)]),
    })
    .meta({ id: 'MetricSeries' }),
);
export type MetricSeries = z.infer<ReturnType<typeof MetricSeries>>;

/** `GET /v1/errors`: groups newest lastSeen first. */
export const ErrorGroupQuery = PageQuery.extend({
  kind: z.string().min(1).max(100).optional(),
  integration: filterValue.optional(),
  connection: filterValue.optional(),
  route: filterValue.optional(),
  /** Groups last seen at or after this time. */
  since: time.optional(),
});
export type ErrorGroupQuery = z.infer<typeof ErrorGroupQuery>;

export const ErrorGroupView = responseSchema(() =>
  z
    .object({
      kind: z.string(),
      integration: z.string().nullable(),
      connection: z.string().nullable(),
      route: z.string().nullable(),
      count: z.number().int(),
      firstSeen: z.iso.datetime(),
      lastSeen: z.iso.datetime(),
      /** One recent failure's message, sanitized: never a secret or a provider's token. */
      sample: z.string(),
    })
    .meta({ id: 'ErrorGroup' }),
);
export type ErrorGroupView = z.infer<ReturnType<typeof ErrorGroupView>>;
