import { createHash } from 'node:crypto';
import { paginateQuery } from '@aws-sdk/lib-dynamodb';
import { failedConditions, getMany, queryPage, strip, type TableStore, type TransactItem } from '../platform/items';
import type { PageRequest } from './paging';
import type { RunStatus, SyncMode } from './schema';

/**
 * Sync runs, their locks and the streams' checkpoints, in the main table; this store is
 * their only writer.
 *
 *   pk TENANT#<t>  sk SYNCRUN#<run id>                       the run: per stream, its progress and the next page's request
 *   pk TENANT#<t>  sk SYNCLOCK#<connection>#<stream key>     held by the run syncing that stream now
 *   pk TENANT#<t>  sk SYNCSTATE#<connection>#<stream key>    the checkpoint: the highest cursor value of the last run that finished it
 *   pk TENANT#<t>  sk SYNCRUNOF#<connection>#<run id>        the connection's run history: `active`, then the status it ended with
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

/**
 * `exists`: a run with this id was made already (a start repeated under a derived id);
 * `locked`: another run holds one of its streams; `replaced`: one of the caller's `also`
 * items' conditions failed (an Idempotency-Key another request committed meanwhile).
 */
export type CreateOutcome = { outcome: 'created' } | { outcome: 'exists' } | { outcome: 'locked'; heldBy: string; stream: string } | { outcome: 'replaced' };

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
/**
 * A connection's runs are listed from these (newest first), not by filtering the tenant's
 * runs: a connection synced every minute has 43,200 runs a month. The status is written
 * when the run is made and when it ends, never per page, so a list filtered on `queued` or
 * `running` reads the active ones and checks the runs themselves.
 */
const historyPrefix = (connectionId: string) => `SYNCRUNOF#${connectionId}#`;
function historyPut(table: string, tenantId: string, run: SyncRunItem): TransactItem {
  const status = isActive(run) ? 'active' : run.status;
  return { Put: { TableName: table, Item: { pk: pk(tenantId), sk: `${historyPrefix(run.connectionId)}${run.id}`, runId: run.id, status, expiresAt: run.expiresAt } } };
}

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
        },
      }));
      const items: TransactItem[] = [{ Put: { TableName: table, Item: runItem(tenantId, run), ConditionExpression: 'attribute_not_exists(pk)' } }, ...locks, historyPut(table, tenantId, run), ...also];
      const failed = await failedConditions(store, items);
      if (failed === undefined) return { outcome: 'created' };
      if (failed.includes(0)) return { outcome: 'exists' };
      const lock = failed.find((index) => index >= 1 && index <= locks.length);
      if (lock === undefined) return { outcome: 'replaced' };
      const stream = run.streams[lock - 1]!;
      const { Item } = await store.db.get({ TableName: table, Key: lockKey(tenantId, run.connectionId, stream), ConsistentRead: true });
      return { outcome: 'locked', heldBy: String(Item?.runId ?? 'another run'), stream: stream.name };
    },
    async get(tenantId, runId) {
      const { Item } = await store.db.get({ TableName: table, Key: runKey(tenantId, runId), ConsistentRead: true });
      if (!Item) return undefined;
      const { gsi1pk: _shard, gsi1sk: _at, ...run } = strip<SyncRunItem & { gsi1pk?: string; gsi1sk?: string }>(Item);
      return run;
    },
    async list(tenantId, connectionId, query) {
      const active = query.status === 'queued' || query.status === 'running';
      const { items, nextCursor } = await queryPage<{ runId: string }>(store, {
        pk: pk(tenantId),
        prefix: historyPrefix(connectionId),
        limit: query.limit,
        cursor: query.cursor,
        equals: { status: active ? 'active' : query.status },
      });
      const runs = await getMany<SyncRunItem & { gsi1pk?: string; gsi1sk?: string }>(store, items.map((item) => runKey(tenantId, item.runId)), { consistent: true });
      return {
        items: runs.flatMap((found) => {
          if (!found || (query.status && found.status !== query.status)) return [];
          const { gsi1pk: _shard, gsi1sk: _at, ...run } = strip<SyncRunItem & { gsi1pk?: string; gsi1sk?: string }>(found as unknown as Record<string, unknown>);
          return [run];
        }),
        nextCursor,
      };
    },
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
        // A run ends once: its status in the history is written then.
        ...(isActive(next) ? [] : [historyPut(table, tenantId, next)]),
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
