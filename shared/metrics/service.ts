import { Invalid } from '../platform/errors';
import { decodeCursor } from '../platform/pagination';
import type { Item } from '../platform/dynamodb';
import { families, familyOf, maxPoints, periodSeconds, retentionDays, type Dimension } from './catalog';
import type { MetricsStore } from './deps';
import type { MetricsReader, SeriesFilter } from './reader';
import type { ErrorGroupQuery, ErrorGroupView, MetricSeries, MetricsQuery } from './schema';
import { bucketsOf } from './series';

const filterFields = ['route', 'integration', 'connection', 'endpoint'] as const satisfies readonly Dimension[];

/** `GET /v1/metrics`: checks what one field's schema can not, then reads the series. */
export async function getMetrics(reader: MetricsReader, tenantId: string, query: MetricsQuery, now: Date = new Date()): Promise<MetricSeries> {
  const family = familyOf(query.name);
  const given = filterFields.filter((field) => query[field] !== undefined);
  if (given.length > 1) {
    throw new Invalid(`filter by one dimension at most (got ${given.join(', ')})`, given.map((field) => ({ field: `query.${field}`, message: 'only one dimension filter per query' })));
  }
  const allowed = families[family].dimensions as readonly string[];
  const refused = given.filter((field) => !allowed.includes(field));
  if (refused.length > 0) {
    throw new Invalid(
      `${query.name} is kept ${allowed.length ? `by ${allowed.join(', ')}` : 'as a tenant total only'}, not by ${refused.join(', ')}`,
      refused.map((field) => ({ field: `query.${field}`, message: `not a dimension of ${family} metrics` })),
    );
  }
  const to = query.to ? new Date(query.to) : now;
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - 86_400_000);
  if (from.getTime() >= to.getTime()) {
    throw new Invalid('from must be before to', [{ field: 'query.from', message: 'must be before to' }]);
  }
  const oldest = now.getTime() - retentionDays[query.period] * 86_400_000;
  if (from.getTime() < oldest) {
    throw new Invalid(`${query.period} buckets are kept ${retentionDays[query.period]} days; from is older`, [
      { field: 'query.from', message: `older than the ${retentionDays[query.period]} days ${query.period} buckets are kept; use a coarser period` },
    ]);
  }
  const points = Math.ceil((to.getTime() / 1000 - Math.floor(from.getTime() / 1000 / periodSeconds[query.period]) * periodSeconds[query.period]) / periodSeconds[query.period]);
  if (points > maxPoints) {
    throw new Invalid(`the window holds ${points} ${query.period} buckets; the most one query answers is ${maxPoints}`, [
      { field: 'query.from', message: `more than ${maxPoints} buckets between from and to; narrow the window or use a coarser period` },
    ]);
  }
  const field = given[0];
  const filter: SeriesFilter | undefined = field ? { dimension: field, value: query[field]! } : undefined;
  const series = await reader.series(tenantId, { name: query.name, period: query.period, from, to, filter });
  return {
    name: query.name,
    period: query.period,
    from: new Date((bucketsOf({ period: query.period, from, to })[0] ?? from.getTime() / 1000) * 1000).toISOString(),
    to: to.toISOString(),
    filter: filter ?? null,
    points: series,
  };
}

/**
 * `GET /v1/errors`: a tenant's groups through gsi1 (`ERRS#<tenant>`, lastSeen first),
 * newest first. Filters other than `since` are applied to what the index returns, so the
 * loop reads on until a page is full or the groups run out.
 */
export async function listErrorGroups(store: MetricsStore, tenantId: string, query: ErrorGroupQuery): Promise<{ data: ErrorGroupView[]; nextCursor: string | null }> {
  const gsi1pk = `ERRS#${tenantId}`;
  let start: Record<string, unknown> | undefined = decodeCursor(query.cursor, { pk: `ERR#${tenantId}`, prefix: '', index: { pk: gsi1pk } });
  const filters = (['kind', 'integration', 'connection', 'route'] as const).filter((name) => query[name] !== undefined);
  const data: Item[] = [];
  do {
    const page = await store.db.query({
      TableName: store.table,
      IndexName: 'gsi1',
      KeyConditionExpression: query.since ? 'gsi1pk = :pk AND gsi1sk >= :since' : 'gsi1pk = :pk',
      ...(filters.length ? { FilterExpression: filters.map((name) => `#${name} = :${name}`).join(' AND ') } : {}),
      ...(filters.length ? { ExpressionAttributeNames: Object.fromEntries(filters.map((name) => [`#${name}`, name])) } : {}),
      ExpressionAttributeValues: {
        ':pk': gsi1pk,
        ...(query.since ? { ':since': new Date(query.since).toISOString() } : {}),
        ...Object.fromEntries(filters.map((name) => [`:${name}`, query[name]])),
      },
      ScanIndexForward: false,
      Limit: query.limit - data.length,
      ExclusiveStartKey: start,
    });
    data.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey as typeof start;
  } while (start && data.length < query.limit);
  const last = data[data.length - 1];
  const more = data.length >= query.limit && start !== undefined;
  return {
    data: data.map(viewOf),
    nextCursor: more && last ? Buffer.from(JSON.stringify({ pk: last.pk, sk: last.sk, gsi1pk: last.gsi1pk, gsi1sk: last.gsi1sk })).toString('base64url') : null,
  };
}

function viewOf(item: Item): ErrorGroupView {
  return {
    kind: item.kind,
    integration: item.integration ?? null,
    connection: item.connection ?? null,
    route: item.route ?? null,
    count: Number(item.count ?? 0),
    firstSeen: item.firstSeen,
    lastSeen: item.lastSeen,
    sample: item.sample ?? '',
  };
}

