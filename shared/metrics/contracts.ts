import { defineContract } from '../platform/contract';
import { page } from '../platform/pagination';
import { ErrorGroupQuery, ErrorGroupView, MetricSeries, MetricsQuery } from './schema';

const tag = 'Metrics';

// `read`, as the event log: the tenant's own operational data, nothing that changes or reveals a secret.
export const getMetricsContract = defineContract({
  summary: 'One metric as a series of buckets (minute, hour, day): counters as sums, latencies as p50/p95/p99; the tenant total or one dimension value',
  tag,
  scope: 'read',
  query: MetricsQuery,
  responses: { 200: { description: 'The series, every bucket of [from, to) present', schema: MetricSeries } },
});

export const listErrorGroupsContract = defineContract({
  summary: 'Failures grouped by kind, integration, connection and route, with count, first and last seen and a sanitized sample; newest first',
  tag,
  scope: 'read',
  query: ErrorGroupQuery,
  responses: { 200: { description: 'A page of error groups', schema: page(ErrorGroupView) } },
});
