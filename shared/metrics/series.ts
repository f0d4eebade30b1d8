import type { Item } from '../platform/dynamodb';
import { families, familyOf, isHistogram, metricNames, periodSeconds, retentionDays, type Family, type MetricName, type Period } from './catalog';
import { once } from '../platform/config';
import { metricsTable, type MetricsStore } from './deps';
import { addHistograms, histogramOf, percentile } from './histogram';
import { padded, seriesPk, totalsPk } from './keys';
import type { CounterPoint, LatencyPoint, MetricsReader, SeriesFilter, WindowValue } from './reader';

/**
 * The series store's reader, over the rows the rollup writes (shared/metrics/rollup.ts):
 * a dimension value's rows under `SER#…`, the tenant's totals of every family under one
 * `TOT#<tenant>#<period>` partition. What was counted in the last two or three minutes
 * is not rolled up yet and so not here.
 */
export function createMetricsReader(store: MetricsStore): MetricsReader {
  return {
    async series(tenantId, query) {
      const rows = await rowsOf(store, tenantId, query);
      return bucketsOf(query).map((bucket) => pointOf(query.name, bucket, rows.get(bucket))) as CounterPoint[] | LatencyPoint[];
    },

    async window(tenantId, query) {
      const period = windowPeriod(query.from, query.to);
      const rows = await rowsOf(store, tenantId, { ...query, period });
      if (isHistogram(query.name)) {
        const counts: number[] = [];
        for (const row of rows.values()) addHistograms(counts, histogramOf(row));
        return { kind: 'latency', ...latencyOf(counts) } satisfies WindowValue;
      }
      const counter = counterOf(query.name);
      return { kind: 'counter', sum: [...rows.values()].reduce((sum, row) => sum + Number(row[counter] ?? 0), 0) } satisfies WindowValue;
    },

    async totals(tenantId, from, to) {
      const period = windowPeriod(from, to);
      const items = await queryAll(store, totalsPk(tenantId, period), ...skRange(period, from, to, true));
      const totals: Partial<Record<MetricName, number>> = {};
      for (const item of items) {
        const family = item.family as Family;
        for (const counter of families[family]?.counters ?? []) {
          const name = `${family}.${counter}` as MetricName;
          if (!metricNames.includes(name)) continue;
          totals[name] = (totals[name] ?? 0) + Number(item[counter] ?? 0);
        }
      }
      return totals;
    },
  };
}

/** The container's reader over the metrics table (functions that declare `metrics: 'read'`). */
export const metricsReader = once((): MetricsReader => createMetricsReader(metricsTable()));

/**
 * The finest period that still holds the whole window: minutes for up to a day (while
 * minutes are kept), hours up to their retention, days beyond. Buckets at the edges count
 * whole, so a coarser period answers a window slightly wider than asked.
 */
export function windowPeriod(from: Date, to: Date, now: Date = new Date()): Period {
  const span = to.getTime() - from.getTime();
  const age = now.getTime() - from.getTime();
  if (span <= 86_400_000 && age <= retentionDays.minute * 86_400_000) return 'minute';
  if (age <= retentionDays.hour * 86_400_000) return 'hour';
  return 'day';
}

/** The start (epoch s) of every bucket of [from, to): from rounded down to the period. */
export function bucketsOf(query: { period: Period; from: Date; to: Date }): number[] {
  const size = periodSeconds[query.period];
  const first = Math.floor(query.from.getTime() / 1000 / size) * size;
  const end = query.to.getTime() / 1000;
  const buckets: number[] = [];
  for (let at = first; at < end; at += size) buckets.push(at);
  return buckets;
}

function skRange(period: Period, from: Date, to: Date, totals: boolean): [string, string] {
  const buckets = bucketsOf({ period, from, to });
  const first = buckets[0] ?? Math.floor(from.getTime() / 1000);
  const last = buckets[buckets.length - 1] ?? first;
  // Totals rows are `<bucket>#<family>`: `~` sorts after every family name.
  return totals ? [padded(first), `${padded(last)}#~`] : [padded(first), padded(last)];
}

/** The rows of one series over [from, to), by bucket. */
async function rowsOf(store: MetricsStore, tenantId: string, query: { name: MetricName; period: Period; from: Date; to: Date; filter?: SeriesFilter }) {
  const family = familyOf(query.name);
  const items = query.filter
    ? await queryAll(store, seriesPk(tenantId, family, query.period, query.filter), ...skRange(query.period, query.from, query.to, false))
    : await queryAll(store, totalsPk(tenantId, query.period), ...skRange(query.period, query.from, query.to, true), family);
  return new Map(items.map((item) => [Number(item.bucket), item]));
}

async function queryAll(store: MetricsStore, pk: string, from: string, to: string, family?: Family): Promise<Item[]> {
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await store.db.query({
      TableName: store.table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ...(family ? { FilterExpression: '#family = :family', ExpressionAttributeNames: { '#family': 'family' } } : {}),
      ExpressionAttributeValues: { ':pk': pk, ':from': from, ':to': to, ...(family ? { ':family': family } : {}) },
      ExclusiveStartKey: start,
    });
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

const counterOf = (name: MetricName) => name.slice(name.indexOf('.') + 1);

function pointOf(name: MetricName, bucket: number, row: Item | undefined): CounterPoint | LatencyPoint {
  const at = new Date(bucket * 1000).toISOString();
  if (isHistogram(name)) return { at, ...latencyOf(row ? histogramOf(row) : []) };
  return { at, value: Number(row?.[counterOf(name)] ?? 0) };
}

function latencyOf(counts: number[]) {
  return {
    count: counts.reduce((sum, c) => sum + c, 0),
    p50: percentile(counts, 0.5),
    p95: percentile(counts, 0.95),
    p99: percentile(counts, 0.99),
  };
}
