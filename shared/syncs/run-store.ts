import { createHash } from 'node:crypto';
import { paginateQuery } from '@aws-sdk/lib-dynamodb';
import { conditionFailedItem, isConditionFailed } from '../platform/dynamodb';
import { failedConditions, queryPage, strip, type TableStore, type TransactItem } from '../platform/items';
import type { PageRequest } from './paging';
import type { RunStatus, SyncMode } from './schema';

/**
 * Sync runs, their locks and the streams' checkpoints, in the main table; this store is
 * their only writer.
 *
 *   pk TENANT#<t>  sk SYNCRUN#<run id>                       the run: per stream, its progress and the next page's request
 *   pk TENANT#<t>  sk SYNCLOCK#<connection>#<stream key>     held by the run syncing that stream now
 *   pk TENANT#<t>  sk SYNCSTATE#<connection>#<stream key>    the checkpoint: the highest cursor value of the last run that finished it
 *
 * A run that has not ended is also in the index of active runs (gsi1: `SYNCACTIVE#<shard>`,
 * its last change), where the sweep for stalled runs finds it without a scan.
 *
 * A stream's key is its name, and a digest of its params when it has any (GitHub's issues
 * of one repository are not another's). Every change to a run is conditional on the
 * version read, so the workers of a run's streams, running at once, never overwrite each
 * other; a checkpoint is written only in the transaction that marks its stream succeeded
 * (Singer's rule: state after nothing that follows can fail).
 */
export interface StreamRunItem {
  name: string;
  params: Record<string, string>;
  status: RunStatus;
  reason: string | null;
  pages: number;
  added: number;
  updated: number;
  unchanged: number;
  deleted: number;
  /** The checkpoint an incremental run went on from. */
  since: string | null;
  /** The request for the next page; null before the first and once the stream has ended. */
  next: PageRequest | null;
  /** The highest cursor value read so far (ISO 8601): the next checkpoint. */
  maxCursorValue: string | null;
}

export interface SyncRunItem {
  id: string;
  connectionId: string;
  integration: string;
  mode: SyncMode;
  status: RunStatus;
  reason: string | null;
  streams: StreamRunItem[];
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
  version: number;
  expiresAt: number;
}

export interface Checkpoint {
  cursor: string | null;
  runId: string;
  at: string;
}

export type CreateOutcome = { created: true } | { created: false; heldBy: string; stream: string };

export interface SyncRunStore {
  readonly table: string;
  /** The run, a lock per stream, and `also` (audit, event), at once; refused while another run holds a stream. */
  create(tenantId: string, run: SyncRunItem, also: TransactItem[]): Promise<CreateOutcome>;
  get(tenantId: string, runId: string): Promise<SyncRunItem | undefined>;
  list(tenantId: string, connectionId: string, query: { limit: number; cursor?: string; status?: RunStatus }): Promise<{ items: SyncRunItem[]; nextCursor: string | null }>;
  checkpoints(tenantId: string, connectionId: string, streams: Array<Pick<StreamRunItem, 'name' | 'params'>>): Promise<Array<Checkpoint | undefined>>;
  /**
   * Writes the run as `next` if it is still at `next.version - 1`; false when another
   * worker changed it first (read it again). Streams that ended release their locks, and
   * those that succeeded store their checkpoint, in the same transaction.
   */
  update(tenantId: string, next: SyncRunItem, ended: Array<{ index: number; checkpoint: string | null }>, also: TransactItem[]): Promise<boolean>;
  /** Runs not ended whose last change is older than `before`, from the index of active runs (eventually consistent). */
  idleSince(before: string): Promise<Array<{ tenantId: string; runId: string }>>;
}

/** The active runs' index is spread over this many partitions: runs start together in bursts. */
const activeShards = 8;
const isActive = (run: Pick<SyncRunItem, 'status'>) => run.status === 'queued' || run.status === 'running';

const pk = (tenantId: string) => `TENANT#${tenantId}`;
const runKey = (tenantId: string, runId: string) => ({ pk: pk(tenantId), sk: `SYNCRUN#${runId}` });

/** The run's item: in the active index while it has not ended, out of it once it has. */
function runItem(tenantId: string, run: SyncRunItem) {
  const { gsi1pk: _shard, gsi1sk: _at, ...fields } = run as SyncRunItem & { gsi1pk?: string; gsi1sk?: string };
  const shard = createHash('sha256').update(run.id).digest()[0]! % activeShards;
  return { ...runKey(tenantId, run.id), ...fields, ...(isActive(run) ? { gsi1pk: `SYNCACTIVE#${shard}`, gsi1sk: run.updatedAt } : {}) };
}

/** A stream's key: the name, and a digest of its params when it has any. */
export function streamKey(stream: Pick<StreamRunItem, 'name' | 'params'>): string {
  const entries = Object.entries(stream.params).sort(([a], [b]) => (a < b ? -1 : 1));
  if (entries.length === 0) return stream.name;
  return `${stream.name}#${createHash('sha256').update(JSON.stringify(entries)).digest('hex').slice(0, 16)}`;
}
const lockKey = (tenantId: string, connectionId: string, stream: Pick<StreamRunItem, 'name' | 'params'>) => ({
  pk: pk(tenantId),
  sk: `SYNCLOCK#${connectionId}#${streamKey(stream)}`,
});
const stateKey = (tenantId: string, connectionId: string, stream: Pick<StreamRunItem, 'name' | 'params'>) => ({
  pk: pk(tenantId),
  sk: `SYNCSTATE#${connectionId}#${streamKey(stream)}`,
});

export function syncRunStore(store: TableStore): SyncRunStore {
  const table = store.table;
  return {
    table,
    async create(tenantId, run, also) {
      const locks: TransactItem[] = run.streams.map((stream) => ({
        Put: {
          TableName: table,
          Item: { ...lockKey(tenantId, run.connectionId, stream), runId: run.id, stream: stream.name, at: run.createdAt, expiresAt: run.expiresAt },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      }));
      const items: TransactItem[] = [{ Put: { TableName: table, Item: runItem(tenantId, run), ConditionExpression: 'attribute_not_exists(pk)' } }, ...locks, ...also];
      try {
        const failed = await failedConditions(store, items);
        if (failed === undefined) return { created: true };
        const lock = failed.find((index) => index >= 1 && index <= locks.length);
        if (lock === undefined) throw new Error(`sync run ${run.id} was not created: a condition of its transaction failed (${failed.join(', ')})`);
        const { Item } = await store.db.get({ TableName: table, Key: lockKey(tenantId, run.connectionId, run.streams[lock - 1]!), ConsistentRead: true });
        return { created: false, heldBy: String(Item?.runId ?? 'another run'), stream: run.streams[lock - 1]!.name };
      } catch (error) {
        if (isConditionFailed(error)) return { created: false, heldBy: String(conditionFailedItem(error)?.runId ?? 'another run'), stream: run.streams[0]!.name };
        throw error;
      }
    },
    async get(tenantId, runId) {
      const { Item } = await store.db.get({ TableName: table, Key: runKey(tenantId, runId), ConsistentRead: true });
      if (!Item) return undefined;
      const { gsi1pk: _shard, gsi1sk: _at, ...run } = strip<SyncRunItem & { gsi1pk?: string; gsi1sk?: string }>(Item);
      return run;
    },
    list: (tenantId, connectionId, query) =>
      queryPage<SyncRunItem>(store, {
        pk: pk(tenantId),
        prefix: 'SYNCRUN#',
        limit: query.limit,
        cursor: query.cursor,
        equals: { connectionId, status: query.status },
      }),
    async checkpoints(tenantId, connectionId, streams) {
      return Promise.all(
        streams.map(async (stream) => {
          const { Item } = await store.db.get({ TableName: table, Key: stateKey(tenantId, connectionId, stream), ConsistentRead: true });
          return Item ? ({ cursor: Item.cursor ?? null, runId: Item.runId, at: Item.at } as Checkpoint) : undefined;
        }),
      );
    },
    async update(tenantId, next, ended, also) {
      const items: TransactItem[] = [
        {
          Put: {
            TableName: table,
            Item: runItem(tenantId, next),
            ConditionExpression: 'version = :read',
            ExpressionAttributeValues: { ':read': next.version - 1 },
          },
        },
        ...ended.flatMap(({ index, checkpoint }): TransactItem[] => {
          const stream = next.streams[index]!;
          return [
            {
              Delete: {
                TableName: table,
                Key: lockKey(tenantId, next.connectionId, stream),
                ConditionExpression: 'attribute_not_exists(pk) OR runId = :run',
                ExpressionAttributeValues: { ':run': next.id },
              },
            },
            ...(stream.status === 'succeeded' && checkpoint !== null
              ? [{ Put: { TableName: table, Item: { ...stateKey(tenantId, next.connectionId, stream), cursor: checkpoint, runId: next.id, at: next.updatedAt } } }]
              : []),
          ];
        }),
        ...also,
      ];
      const failed = await failedConditions(store, items);
      if (failed === undefined) return true;
      if (failed.includes(0)) return false;
      throw new Error(`sync run ${next.id}: a lock it should hold belongs to another run (${failed.join(', ')})`);
    },
    async idleSince(before) {
      const found: Array<{ tenantId: string; runId: string }> = [];
      for (let shard = 0; shard < activeShards; shard++) {
        const pages = paginateQuery(
          { client: store.db, pageSize: 100 },
          {
            TableName: table,
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :shard AND gsi1sk < :before',
            ExpressionAttributeValues: { ':shard': `SYNCACTIVE#${shard}`, ':before': before },
          },
        );
        for await (const page of pages) {
          for (const item of page.Items ?? []) found.push({ tenantId: String(item.pk).replace(/^TENANT#/, ''), runId: String(item.id) });
        }
      }
      return found;
    },
  };
}
