import { cancellationReasonsOf, type Item, type TransactItem } from '../platform/dynamodb';
import { logger } from '../platform/logger';
import { families, retentionDays, periodSeconds, type Family, type Period } from './catalog';
import type { MetricsStore } from './deps';
import { histogramBuckets } from './histogram';
import { padded, rawShards, seriesPk, totalsPk, totalsSk } from './keys';

/**
 * Folds raw counter items (shared/metrics/tally.ts) into the series the readers query,
 * and deletes them, exactly once:
 *
 *   one TransactWriteItems = ADD into every series bucket the raw items touch
 *                          + DELETE each raw item IF w = <the w this run read>
 *
 * A second run (or a concurrent one) finds the item gone or its `v` different: its
 * transaction is cancelled, nothing is added twice. A crash leaves either all of a
 * transaction or none of it. A write that lands on a raw item after this run read it
 * changes its `w` (a random token each write sets), so the delete's condition fails and the item (with the late count) is rolled
 * up by the next run; a write to a minute already rolled up creates a new raw item, which
 * the next run rolls up the same way.
 *
 * Each raw item adds to minute, hour and day buckets, once for the tenant's total and once
 * per dimension value it has (never a cross product of dimensions).
 */

/** Minutes that ended at least this long ago are rolled up: most late flushes have landed by then. */
export const rollupLagSeconds = 120;
/** DynamoDB's limit of actions in one TransactWriteItems. */
const maxActions = 100;
const periods: Period[] = ['minute', 'hour', 'day'];

export interface RollupOutcome {
  rawItems: number;
  transactions: number;
  /** Transactions cancelled because a raw item changed or was already rolled up: left for the next run. */
  deferred: number;
}

interface Raw extends Item {
  pk: string;
  sk: string;
  w: string;
  tenantId: string;
  family: Family;
  minute: number;
  dims: Record<string, string>;
}

export async function rollUp(store: MetricsStore, now: Date): Promise<RollupOutcome> {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  // Raw minutes m with m + 60 <= now - lag.
  const before = Math.floor((nowSeconds - rollupLagSeconds) / 60) * 60 - 60 + 1;
  const outcome: RollupOutcome = { rawItems: 0, transactions: 0, deferred: 0 };
  await Promise.all(
    Array.from({ length: rawShards }, async (_, shard) => {
      for await (const raws of pendingRaw(store, shard, before)) {
        outcome.rawItems += raws.length;
        for (const chunk of chunksOf(groupsOf(raws))) {
          const done = await commit(store, chunk);
          outcome.transactions += 1;
          if (!done) outcome.deferred += 1;
        }
      }
    }),
  );
  return outcome;
}

async function* pendingRaw(store: MetricsStore, shard: number, before: number): AsyncGenerator<Raw[]> {
  let start: Record<string, unknown> | undefined;
  do {
    const page = await store.db.query({
      TableName: store.table,
      KeyConditionExpression: 'pk = :pk AND sk < :before',
      ExpressionAttributeValues: { ':pk': `RAW#${shard}`, ':before': padded(before) },
      ExclusiveStartKey: start,
      ConsistentRead: true,
    });
    if (page.Items?.length) yield page.Items as Raw[];
    start = page.LastEvaluatedKey;
  } while (start);
}

/** Raw items of one (tenant, family, minute) together: one group's series rows are shared by its items. */
function groupsOf(raws: Raw[]): Raw[][] {
  const groups = new Map<string, Raw[]>();
  for (const raw of raws) {
    const key = `${raw.tenantId}\u0000${raw.family}\u0000${raw.minute}`;
    groups.set(key, [...(groups.get(key) ?? []), raw]);
  }
  return [...groups.values()];
}

/** The rows one raw item adds to: per period, the tenant total and each dimension value. */
function targetsOf(raw: Raw): Array<{ period: Period; filter?: { dimension: string; value: string } }> {
  const dims = (families[raw.family].dimensions as readonly string[]).filter((d) => raw.dims?.[d] !== undefined);
  return periods.flatMap((period) => [{ period }, ...dims.map((dimension) => ({ period, filter: { dimension, value: raw.dims[dimension]! } }))]);
}

/**
 * Splits a group into transactions of at most 100 actions, each whole: the raw items it
 * deletes and every series row they add to. Rows shared by the items of a chunk count once.
 */
function* chunksOf(groups: Raw[][]): Generator<Raw[]> {
  for (const group of groups) {
    let chunk: Raw[] = [];
    let rows = new Set<string>();
    for (const raw of group) {
      const own = targetsOf(raw).map((t) => `${t.period}|${t.filter?.dimension ?? '*'}=${t.filter?.value ?? ''}`);
      const merged = new Set([...rows, ...own]);
      if (chunk.length > 0 && chunk.length + 1 + merged.size > maxActions) {
        yield chunk;
        chunk = [];
        rows = new Set(own);
      } else {
        rows = merged;
      }
      chunk.push(raw);
    }
    if (chunk.length > 0) yield chunk;
  }
}

interface Row {
  key: { pk: string; sk: string };
  bucket: number;
  period: Period;
  values: Record<string, number>;
}

function rowsOf(chunk: Raw[]): Row[] {
  const rows = new Map<string, Row>();
  for (const raw of chunk) {
    const values = valuesOf(raw);
    for (const { period, filter } of targetsOf(raw)) {
      const bucket = Math.floor(raw.minute / periodSeconds[period]) * periodSeconds[period];
      const key = filter
        ? { pk: seriesPk(raw.tenantId, raw.family, period, filter), sk: padded(bucket) }
        : { pk: totalsPk(raw.tenantId, period), sk: totalsSk(bucket, raw.family) };
      const id = `${key.pk}\u0000${key.sk}`;
      const row = rows.get(id) ?? { key, bucket, period, values: {} };
      for (const [name, value] of Object.entries(values)) row.values[name] = (row.values[name] ?? 0) + value;
      rows.set(id, row);
    }
  }
  return [...rows.values()];
}

/** The counters and histogram buckets a raw item holds. */
function valuesOf(raw: Raw): Record<string, number> {
  const names = [...(families[raw.family].counters as readonly string[]), ...histogramBuckets.map((_, i) => `h${i}`)];
  const values: Record<string, number> = {};
  for (const name of names) {
    const value = Number(raw[name] ?? 0);
    if (value) values[name] = value;
  }
  return values;
}

async function commit(store: MetricsStore, chunk: Raw[]): Promise<boolean> {
  const family = chunk[0]!.family;
  const updates: TransactItem[] = rowsOf(chunk).map((row) => {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {
      ':family': family,
      ':bucket': row.bucket,
      ':expires': row.bucket + periodSeconds[row.period] + retentionDays[row.period] * 86_400,
    };
    const adds = Object.entries(row.values).map(([name, value], i) => {
      names[`#a${i}`] = name;
      values[`:a${i}`] = value;
      return `#a${i} :a${i}`;
    });
    return {
      Update: {
        TableName: store.table,
        Key: row.key,
        UpdateExpression: `${adds.length ? `ADD ${adds.join(', ')} ` : ''}SET #family = :family, #bucket = :bucket, #expires = :expires`,
        ExpressionAttributeNames: { ...names, '#family': 'family', '#bucket': 'bucket', '#expires': 'expiresAt' },
        ExpressionAttributeValues: values,
      },
    };
  });
  const deletes: TransactItem[] = chunk.map((raw) => ({
    Delete: {
      TableName: store.table,
      Key: { pk: raw.pk, sk: raw.sk },
      ConditionExpression: '#w = :w',
      ExpressionAttributeNames: { '#w': 'w' },
      ExpressionAttributeValues: { ':w': raw.w },
    },
  }));
  try {
    await store.db.transactWrite({ TransactItems: [...updates, ...deletes] });
    return true;
  } catch (error) {
    const reasons = cancellationReasonsOf(error);
    if (reasons?.some((reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict')) {
      // Changed since read (a late write) or rolled up by another run: the next run sees it as it is now.
      logger.info('metrics rollup deferred a group', { family, minute: chunk[0]!.minute, items: chunk.length });
      return false;
    }
    throw error;
  }
}
