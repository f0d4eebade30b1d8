import { createHash, randomUUID } from 'node:crypto';
import { paginateQuery } from '@aws-sdk/lib-dynamodb';
import { isConditionFailed } from '../platform/dynamodb';
import { strip, type TableStore, type TransactItem } from '../platform/items';
import type { ScheduleEntry } from './schedule';

/**
 * Scheduled syncs as the scheduler works them, in the main table; this store is their only
 * writer.
 *
 *   pk TENANT#<t>  sk SYNCDUE#<connection>   the connection's schedule entries, and when each is next due
 *
 * The item is in the due index (gsi1: `SYNCDUE#<shard>`, the earliest time any entry is
 * due), where the scheduler finds what is due without a scan. The connection keeps its
 * schedule as the user set it; this item is written in the same transaction as every
 * change of it (`scheduleWrite`), so the two never disagree. `rev` changes with every
 * write: the scheduler moves an entry on only if the schedule is still the one it read.
 */
export interface DueItem {
  connectionId: string;
  entries: ScheduleEntry[];
  /** Per entry, when it is next due (ISO 8601). */
  next: string[];
  rev: string;
}

export interface ScheduleStore {
  /** Schedules with an entry due at `now` or before, from the due index (eventually consistent). */
  due(now: string): Promise<Array<{ tenantId: string; connectionId: string }>>;
  get(tenantId: string, connectionId: string): Promise<DueItem | undefined>;
  /** The entries' next due times, if the schedule is still at `read.rev`; false when it changed meanwhile. */
  advance(tenantId: string, read: DueItem, next: string[]): Promise<boolean>;
  /** Drops a schedule whose connection is gone, if it is still at `read.rev`. */
  remove(tenantId: string, read: DueItem): Promise<void>;
}

/** The due index is spread over this many partitions: schedules bunch on the same minutes. */
const dueShards = 8;

const key = (tenantId: string, connectionId: string) => ({ pk: `TENANT#${tenantId}`, sk: `SYNCDUE#${connectionId}` });

function dueItem(tenantId: string, item: DueItem) {
  const shard = createHash('sha256').update(item.connectionId).digest()[0]! % dueShards;
  const earliest = [...item.next].sort()[0]!;
  return { ...key(tenantId, item.connectionId), ...item, gsi1pk: `SYNCDUE#${shard}`, gsi1sk: earliest };
}

/**
 * The item that sets a connection's schedule (`entries`, each first due at `next`), or
 * removes it (null), for the transaction that changes the connection.
 */
export function scheduleWrite(table: string, tenantId: string, connectionId: string, schedule: { entries: ScheduleEntry[]; next: string[] } | null): TransactItem {
  if (schedule === null) return { Delete: { TableName: table, Key: key(tenantId, connectionId) } };
  return { Put: { TableName: table, Item: dueItem(tenantId, { connectionId, ...schedule, rev: randomUUID() }) } };
}

export function scheduleStore(store: TableStore): ScheduleStore {
  const table = store.table;
  const atRev = (read: DueItem) => ({ ConditionExpression: 'rev = :rev', ExpressionAttributeValues: { ':rev': read.rev } });
  return {
    async due(now) {
      const found: Array<{ tenantId: string; connectionId: string }> = [];
      for (let shard = 0; shard < dueShards; shard++) {
        const pages = paginateQuery(
          { client: store.db, pageSize: 100 },
          {
            TableName: table,
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :shard AND gsi1sk <= :now',
            ExpressionAttributeValues: { ':shard': `SYNCDUE#${shard}`, ':now': now },
          },
        );
        for await (const page of pages) {
          for (const item of page.Items ?? []) found.push({ tenantId: String(item.pk).replace(/^TENANT#/, ''), connectionId: String(item.connectionId) });
        }
      }
      return found;
    },
    async get(tenantId, connectionId) {
      const { Item } = await store.db.get({ TableName: table, Key: key(tenantId, connectionId), ConsistentRead: true });
      if (!Item) return undefined;
      const { gsi1pk: _shard, gsi1sk: _due, ...item } = strip<DueItem & { gsi1pk: string; gsi1sk: string }>(Item);
      return item;
    },
    async advance(tenantId, read, next) {
      try {
        await store.db.put({ TableName: table, Item: dueItem(tenantId, { ...read, next, rev: randomUUID() }), ...atRev(read) });
        return true;
      } catch (error) {
        if (isConditionFailed(error)) return false;
        throw error;
      }
    },
    async remove(tenantId, read) {
      try {
        await store.db.delete({ TableName: table, Key: key(tenantId, read.connectionId), ...atRev(read) });
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
      }
    },
  };
}
