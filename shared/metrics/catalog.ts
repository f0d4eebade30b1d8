/**
 * Every per-tenant metric Junction keeps: a family per kind of work, the dimensions its
 * counts are kept by, and its counters. The code paths that do the work count into a
 * family (shared/metrics/tally.ts); `GET /v1/metrics`, the overview, connection health and
 * the alert evaluator read the series (shared/metrics/series.ts).
 *
 * A series is one metric, one period, and either the tenant's total or one value of one
 * dimension (`connection=conn_…`): each dimension is kept on its own, never in combination,
 * so a family with two dimensions keeps 1 + 2 series per bucket, not a cross product.
 */
export const families = {
  api: { dimensions: ['route'], counters: ['requests', 'client_errors', 'server_errors'], histogram: 'latency' },
  sync: { dimensions: ['integration', 'connection'], counters: ['runs', 'runs_failed', 'records', 'pages', 'rate_limited'] },
  webhook: { dimensions: ['endpoint'], counters: ['deliveries', 'attempts', 'failures'], histogram: 'latency' },
  inbound: { dimensions: ['integration', 'connection'], counters: ['accepted', 'refused'] },
  upload: { dimensions: [], counters: ['bytes', 'completed', 'failed'] },
} as const satisfies Record<string, { dimensions: readonly string[]; counters: readonly string[]; histogram?: string }>;

export type Family = keyof typeof families;
export type Dimension = (typeof families)[Family]['dimensions'][number];
export type CounterOf<F extends Family> = (typeof families)[F]['counters'][number];

/** `sync.records`, `webhook.latency`, …: what `GET /v1/metrics?name=` and alert rules name. */
export type MetricName = { [F in Family]: `${F}.${CounterOf<F>}` | ((typeof families)[F] extends { histogram: infer H extends string } ? `${F}.${H}` : never) }[Family];

export const metricNames: readonly MetricName[] = (Object.entries(families) as [Family, (typeof families)[Family]][]).flatMap(
  ([family, spec]) => [...spec.counters.map((c) => `${family}.${c}`), ...('histogram' in spec ? [`${family}.${spec.histogram}`] : [])] as MetricName[],
);

export const dimensions: readonly Dimension[] = [...new Set(Object.values(families).flatMap((f) => f.dimensions))] as Dimension[];

export function familyOf(name: MetricName): Family {
  return name.slice(0, name.indexOf('.')) as Family;
}

/** True when the metric is a latency histogram (read as percentiles), not a counter (read as sums). */
export function isHistogram(name: MetricName): boolean {
  const spec = families[familyOf(name)];
  return 'histogram' in spec && name === `${familyOf(name)}.${spec.histogram}`;
}

export type Period = 'minute' | 'hour' | 'day';
export const periodSeconds: Record<Period, number> = { minute: 60, hour: 3600, day: 86_400 };
/** How long each period's buckets are kept (TTL), and so the oldest `from` a query may ask. */
export const retentionDays: Record<Period, number> = { minute: 2, hour: 35, day: 400 };
/** The most buckets one query answers. */
export const maxPoints = 1440;
