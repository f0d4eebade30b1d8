import { paginateQuery } from '@aws-sdk/lib-dynamodb';
import { failedConditions, queryPage, strip, transact, type TableStore, type TransactItem } from '../platform/items';
import type { UploadStatus } from './schema';

/**
 * Upload sessions in the main table; this store is their only writer.
 *
 *   pk TENANT#<tenant>  sk UPLOAD#<id>                  the session
 *   pk TENANT#<tenant>  sk UPLOADPART#<id>#<00001>      a part the client recorded
 *   pk TENANT#<tenant>  sk UPLOADQUOTA                  open sessions and bytes (stored + reserved)
 *   gsi1pk UPLOADOPEN   gsi1sk <expiry>#<tenant>#<id>   on active sessions only: the sweep's index
 *
 * Parts are items of their own: 10,000 of them would not fit one 400 KB item. The quota
 * item moves in the same transaction as each session's status, so concurrent creates
 * cannot together pass a limit each alone would respect.
 */
export interface UploadItem {
  tenantId: string;
  id: string;
  filename: string;
  size: number;
  contentType: string;
  sha256: string | null;
  partChecksums: boolean;
  metadata: Record<string, string>;
  key: string;
  /** S3's multipart upload id; null for a 0-byte file, which has none. */
  uploadId: string | null;
  partSize: number;
  partCount: number;
  status: UploadStatus;
  verified: boolean;
  failure: string | null;
  createdAt: string;
  updatedAt: string;
  /** Until then the session takes parts (ISO). */
  expiry: string;
  completedAt: string | null;
}

export interface PartItem {
  number: number;
  size: number;
  etag: string;
  sha256: string | null;
  recordedAt: string;
}

export interface QuotaLimits {
  openSessions: number;
  bytes: number;
}

/** How a change moves the tenant's quota item: sessions and bytes added (negative: freed). */
export interface QuotaChange {
  sessions: number;
  bytes: number;
}

export type CreateOutcome = 'created' | 'too-many-sessions' | 'too-many-bytes' | 'raced';
export type RecordOutcome = 'recorded' | 'refused';

export interface UploadStore {
  readonly table: string;
  create(item: UploadItem, limits: QuotaLimits, also: TransactItem[]): Promise<CreateOutcome>;
  get(tenantId: string, id: string): Promise<UploadItem | undefined>;
  parts(tenantId: string, id: string): Promise<PartItem[]>;
  list(tenantId: string, query: { limit: number; cursor?: string; status?: UploadStatus }): Promise<{ items: UploadItem[]; nextCursor: string | null }>;
  /** Puts (or replaces) a part while the session is active and not past `now`; `refused` otherwise. */
  recordPart(tenantId: string, id: string, part: PartItem, now: string, also: TransactItem[]): Promise<RecordOutcome>;
  /**
   * Moves a session on, if its status is still one of `from` (and, for `active`, its expiry
   * not before `notExpiredAt`); false when another request moved it first.
   */
  transition(
    tenantId: string,
    id: string,
    change: { from: UploadStatus[]; notExpiredAt?: string; expiredAt?: string; set: Partial<UploadItem>; quota?: QuotaChange; keepFor?: number | null },
    also: TransactItem[],
  ): Promise<boolean>;
  /** Writes records of a call that changed nothing here (its audit entry, its Idempotency-Key's commit). */
  commit(items: TransactItem[]): Promise<boolean>;
  /** Active sessions whose expiry is before `before`, oldest first, for the sweep. */
  expiredBefore(before: string, limit: number): Promise<Array<Pick<UploadItem, 'tenantId' | 'id'>>>;
}

const pk = (tenantId: string) => `TENANT#${tenantId}`;
const sessionKey = (tenantId: string, id: string) => ({ pk: pk(tenantId), sk: `UPLOAD#${id}` });
const partsPrefix = (id: string) => `UPLOADPART#${id}#`;
const partKey = (tenantId: string, id: string, number: number) => ({ pk: pk(tenantId), sk: `${partsPrefix(id)}${String(number).padStart(5, '0')}` });
const quotaKey = (tenantId: string) => ({ pk: pk(tenantId), sk: 'UPLOADQUOTA' });
const openIndex = (item: Pick<UploadItem, 'tenantId' | 'id' | 'expiry'>) => ({ gsi1pk: 'UPLOADOPEN', gsi1sk: `${item.expiry}#${item.tenantId}#${item.id}` });
/** Epoch seconds for the table's TTL. */
const ttl = (iso: string, keepForSeconds: number) => Math.floor(Date.parse(iso) / 1000) + keepForSeconds;

/** A finished session's record is kept this long after it ends, so it can be listed and answered 410. */
export const keepEndedSeconds = 30 * 86_400;

const fields = (item: Record<string, unknown>) => {
  const { gsi1pk: _p, gsi1sk: _s, expiresAt: _e, ...rest } = strip<Record<string, unknown>>(item);
  return rest as unknown as UploadItem;
};

export function uploadStore(store: TableStore): UploadStore {
  const table = store.table;
  const quotaUpdate = (tenantId: string, change: QuotaChange, limits?: QuotaLimits): TransactItem => ({
    Update: {
      TableName: table,
      Key: quotaKey(tenantId),
      UpdateExpression: 'ADD openSessions :sessions, #bytes :bytes',
      ExpressionAttributeNames: { '#bytes': 'bytes' },
      ExpressionAttributeValues: { ':sessions': change.sessions, ':bytes': change.bytes, ...(limits ? { ':maxOpen': limits.openSessions, ':room': limits.bytes - change.bytes } : {}) },
      ...(limits
        ? { ConditionExpression: '(attribute_not_exists(openSessions) OR openSessions < :maxOpen) AND (attribute_not_exists(#bytes) OR #bytes <= :room)' }
        : {}),
    },
  });
  const get = async (tenantId: string, id: string) => {
    const { Item } = await store.db.get({ TableName: table, Key: sessionKey(tenantId, id), ConsistentRead: true });
    return Item ? fields(Item) : undefined;
  };
  return {
    table,
    get,
    async create(item, limits, also) {
      if (item.size > limits.bytes) return 'too-many-bytes';
      const failed = await failedConditions(store, [
        {
          Put: {
            TableName: table,
            Item: { ...sessionKey(item.tenantId, item.id), ...item, ...openIndex(item), expiresAt: ttl(item.expiry, keepEndedSeconds) },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        quotaUpdate(item.tenantId, { sessions: 1, bytes: item.size }, limits),
        ...also,
      ]);
      if (failed === undefined) return 'created';
      if (!failed.includes(1)) return 'raced';
      const { Item: quota } = await store.db.get({ TableName: table, Key: quotaKey(item.tenantId), ConsistentRead: true });
      return Number(quota?.openSessions ?? 0) >= limits.openSessions ? 'too-many-sessions' : 'too-many-bytes';
    },
    async parts(tenantId, id) {
      const parts: PartItem[] = [];
      const pages = paginateQuery(
        { client: store.db, pageSize: 1000 },
        {
          TableName: table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': pk(tenantId), ':prefix': partsPrefix(id) },
          ConsistentRead: true,
        },
      );
      for await (const page of pages) for (const item of page.Items ?? []) parts.push(strip<PartItem>(item));
      return parts;
    },
    async list(tenantId, query) {
      const page = await queryPage<Record<string, unknown>>(store, {
        pk: pk(tenantId),
        prefix: 'UPLOAD#',
        limit: query.limit,
        cursor: query.cursor,
        ...(query.status ? { conditions: ['#status = :status'], names: { '#status': 'status' }, values: { ':status': query.status } } : {}),
      });
      return { items: page.items.map(fields), nextCursor: page.nextCursor };
    },
    recordPart: async (tenantId, id, part, now, also) =>
      (await transact(store, [
        {
          ConditionCheck: {
            TableName: table,
            Key: sessionKey(tenantId, id),
            ConditionExpression: 'attribute_exists(pk) AND #status = :active AND #expiry > :now',
            ExpressionAttributeNames: { '#status': 'status', '#expiry': 'expiry' },
            ExpressionAttributeValues: { ':active': 'active', ':now': now },
          },
        },
        { Put: { TableName: table, Item: { ...partKey(tenantId, id, part.number), ...part } } },
        ...also,
      ]))
        ? 'recorded'
        : 'refused',
    async transition(tenantId, id, change, also) {
      const names: Record<string, string> = { '#status': 'status' };
      const values: Record<string, unknown> = {};
      const sets: string[] = [];
      const removes: string[] = [];
      for (const [field, value] of Object.entries(change.set)) {
        names[`#${field}`] = field;
        values[`:${field}`] = value;
        sets.push(`#${field} = :${field}`);
      }
      const to = change.set.status;
      if (to && to !== 'active') removes.push('gsi1pk', 'gsi1sk');
      if (to === undefined && change.set.expiry) {
        // Extended: the sweep's index and the record's TTL follow the new expiry.
        const index = openIndex({ tenantId, id, expiry: change.set.expiry });
        Object.assign(values, { ':gsi1pk': index.gsi1pk, ':gsi1sk': index.gsi1sk });
        sets.push('gsi1pk = :gsi1pk', 'gsi1sk = :gsi1sk');
      }
      if (change.keepFor === null) removes.push('expiresAt');
      else if (change.keepFor !== undefined) {
        values[':expiresAt'] = change.keepFor;
        sets.push('expiresAt = :expiresAt');
      }
      const from = change.from.map((status, i) => {
        values[`:from${i}`] = status;
        return `:from${i}`;
      });
      let condition = `attribute_exists(pk) AND #status IN (${from.join(', ')})`;
      if (change.notExpiredAt) {
        names['#expiry'] = 'expiry';
        values[':notExpiredAt'] = change.notExpiredAt;
        condition += ' AND #expiry > :notExpiredAt';
      }
      if (change.expiredAt) {
        // The sweep: only if no extend moved the expiry on since it looked.
        names['#expiry'] = 'expiry';
        values[':expiredAt'] = change.expiredAt;
        condition += ' AND #expiry <= :expiredAt';
      }
      return transact(store, [
        {
          Update: {
            TableName: table,
            Key: sessionKey(tenantId, id),
            UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
            ConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          },
        },
        ...(change.quota && (change.quota.sessions !== 0 || change.quota.bytes !== 0) ? [quotaUpdate(tenantId, change.quota)] : []),
        ...also,
      ]);
    },
    commit: (items) => transact(store, items),
    async expiredBefore(before, limit) {
      const { Items = [] } = await store.db.query({
        TableName: table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :open AND gsi1sk < :before',
        ExpressionAttributeValues: { ':open': 'UPLOADOPEN', ':before': before },
        Limit: limit,
      });
      return Items.map((item) => ({ tenantId: String(item.tenantId), id: String(item.id) }));
    },
  };
}

export { ttl as ttlOf };
