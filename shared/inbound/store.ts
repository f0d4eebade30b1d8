import { createHash } from 'node:crypto';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { isConditionFailed } from '../platform/dynamodb';
import { failedConditions, queryPage, strip, type TableStore, type TransactItem } from '../platform/items';
import type { InboundEvent } from './schema';

/**
 * Inbound provider webhooks in the main table; this store is the only writer of these items.
 *
 *   pk TENANT#<t>  sk INBOUND#<connection>#<inb id>          the event as listed (ids are time-ordered: newest first)
 *   pk TENANT#<t>  sk INBOUNDSEEN#<connection>#<sha256(id)>  the provider's delivery id, seen (TTL: `dedupSeconds`)
 *   pk TENANT#<t>  sk INBOUNDSYNC#<connection>               the connection's sync request (below)
 *   uploads bucket  inbound/<t>/<connection>/<inb id>       a body the event cannot carry (`payloadKey`)
 *
 * A delivery is stored by one transaction: the seen item, put only if absent, with the event
 * and its `inbound.received` outbox item. Two copies of one delivery arriving at once both
 * reach the transaction; DynamoDB lets one commit and fails the other's condition, so a
 * delivery is stored (and sent on, and routed) once however many copies race.
 *
 * The sync request coalesces events into runs. Each routed event adds 1 to `requested` and
 * its streams to `wanted`, in its own transaction. A run started after reading
 * `requested = r` covers every event counted up to r (it reads the provider after they
 * arrived), so it records `started = r`; an event is still owed a run while
 * `requested > started`. `wanted` is emptied only when nothing arrived meanwhile
 * (`requested` still r); otherwise it keeps its streams for the follow-up run.
 */
export interface InboundItem extends Omit<InboundEvent, 'payloadUrl'> {
  /** The `inbound.received` event, which carries the body unless `payloadKey` is set. */
  eventId: string;
  /** The body's object in the uploads bucket, written before the event's transaction. */
  payloadKey?: string;
  expiresAt: number;
}

export interface SyncRequest {
  requested: number;
  started: number;
  /** JSON `[name, params]` of each stream asked for since the last covering run. */
  wanted: string[];
  lastRunId: string | null;
  /** A retry message is on the queue until then (one per connection, whatever the burst). */
  retryAt: number | null;
}

export type ReceiveOutcome = { stored: true } | { stored: false; existing: InboundItem | undefined };

export interface InboundStore {
  readonly table: string;
  /**
   * Stores the event once per delivery id (with `also`: its outbox event); a copy finds the
   * first. `beforeCommit` runs once the delivery id is found unseen, just before the
   * transaction: a copy known already writes nothing anywhere.
   */
  receive(tenantId: string, item: InboundItem, wanted: string[], also: TransactItem[], dedupUntil: number, beforeCommit?: () => Promise<void>): Promise<ReceiveOutcome>;
  get(tenantId: string, connectionId: string, id: string): Promise<InboundItem | undefined>;
  list(tenantId: string, connectionId: string, query: { limit: number; cursor?: string }): Promise<{ items: InboundItem[]; nextCursor: string | null }>;
  syncRequest(tenantId: string, connectionId: string): Promise<SyncRequest | undefined>;
  /** A run covering `requested` started: `started` moves up to it, `wanted` is emptied when nothing came since. */
  coveredBy(tenantId: string, connectionId: string, requested: number, runId: string | null): Promise<void>;
  /** Takes the one retry slot of the connection until `until` (epoch s); false when another retry is pending. */
  claimRetry(tenantId: string, connectionId: string, until: number, now: number): Promise<boolean>;
  finish(tenantId: string, connectionId: string, id: string, processedAt: string, sync: InboundEvent['sync']): Promise<void>;
}

const pk = (tenantId: string) => `TENANT#${tenantId}`;
const eventKey = (tenantId: string, connectionId: string, id: string) => ({ pk: pk(tenantId), sk: `INBOUND#${connectionId}#${id}` });
const seenKey = (tenantId: string, connectionId: string, deliveryId: string) => ({
  pk: pk(tenantId),
  // Hashed: provider ids are arbitrary text, and keys stay short and uniform.
  sk: `INBOUNDSEEN#${connectionId}#${createHash('sha256').update(deliveryId).digest('hex')}`,
});
const requestKey = (tenantId: string, connectionId: string) => ({ pk: pk(tenantId), sk: `INBOUNDSYNC#${connectionId}` });

export function inboundStore(store: TableStore): InboundStore {
  const { db, table } = store;
  return {
    table,
    async receive(tenantId, item, wanted, also, dedupUntil, beforeCommit) {
      const seen = seenKey(tenantId, item.connectionId, item.deliveryId);
      // A copy arriving after the first committed is found with one read, without taking
      // part in a transaction: under a storm of copies, transactions on one item would
      // cancel each other (TransactionConflict) far more often than they commit.
      const { Item: known } = await db.get({ TableName: table, Key: seen, ConsistentRead: true });
      if (known) return { stored: false, existing: await this.get(tenantId, item.connectionId, String(known.inboundId)) };
      await beforeCommit?.();
      const items: TransactItem[] = [
        { Put: { TableName: table, Item: { ...seen, inboundId: item.id, expiresAt: dedupUntil }, ConditionExpression: 'attribute_not_exists(pk)' } },
        { Put: { TableName: table, Item: { ...eventKey(tenantId, item.connectionId, item.id), ...item } } },
        ...(wanted.length
          ? [
              {
                Update: {
                  TableName: table,
                  Key: requestKey(tenantId, item.connectionId),
                  UpdateExpression: 'ADD requested :one, wanted :wanted SET updatedAt = :at',
                  ExpressionAttributeValues: { ':one': 1, ':wanted': new Set(wanted), ':at': item.receivedAt },
                },
              },
            ]
          : []),
        ...also,
      ];
      const failed = await failedConditions(store, items);
      if (!failed) return { stored: true };
      if (!failed.includes(0)) throw new Error(`storing inbound event ${item.id} failed a condition of the caller's (${failed.join(', ')})`);
      const { Item } = await db.get({ TableName: table, Key: seen, ConsistentRead: true });
      const existing = Item ? await this.get(tenantId, item.connectionId, String(Item.inboundId)) : undefined;
      return { stored: false, existing };
    },
    async get(tenantId, connectionId, id) {
      const { Item } = await db.get({ TableName: table, Key: eventKey(tenantId, connectionId, id), ConsistentRead: true });
      return Item ? strip<InboundItem>(Item) : undefined;
    },
    list: (tenantId, connectionId, query) => queryPage<InboundItem>(store, { pk: pk(tenantId), prefix: `INBOUND#${connectionId}#`, ...query }),
    async syncRequest(tenantId, connectionId) {
      const { Item } = await db.get({ TableName: table, Key: requestKey(tenantId, connectionId), ConsistentRead: true });
      if (!Item) return undefined;
      return {
        requested: Number(Item.requested ?? 0),
        started: Number(Item.started ?? 0),
        wanted: [...((Item.wanted as Set<string> | undefined) ?? [])].sort(),
        lastRunId: (Item.lastRunId as string | undefined) ?? null,
        retryAt: Item.retryAt === undefined ? null : Number(Item.retryAt),
      };
    },
    async coveredBy(tenantId, connectionId, requested, runId) {
      const values = { ':r': requested, ...(runId ? { ':run': runId } : {}) };
      const set = `SET started = :r${runId ? ', lastRunId = :run' : ''}`;
      try {
        // Nothing arrived since the read: the request is fully served.
        await db.update({ TableName: table, Key: requestKey(tenantId, connectionId), UpdateExpression: `${set} REMOVE wanted, retryAt`, ConditionExpression: 'requested = :r', ExpressionAttributeValues: values });
        return;
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
      }
      try {
        // Events came meanwhile: they keep `wanted` for the run that will follow.
        await db.update({ TableName: table, Key: requestKey(tenantId, connectionId), UpdateExpression: set, ConditionExpression: 'attribute_not_exists(started) OR started < :r', ExpressionAttributeValues: values });
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
      }
    },
    async claimRetry(tenantId, connectionId, until, now) {
      try {
        await db.update({
          TableName: table,
          Key: requestKey(tenantId, connectionId),
          UpdateExpression: 'SET retryAt = :until',
          ConditionExpression: 'attribute_not_exists(retryAt) OR retryAt <= :now',
          ExpressionAttributeValues: { ':until': until, ':now': now },
        });
        return true;
      } catch (error) {
        if (isConditionFailed(error)) return false;
        throw error;
      }
    },
    async finish(tenantId, connectionId, id, processedAt, sync) {
      await db.update({
        TableName: table,
        Key: eventKey(tenantId, connectionId, id),
        UpdateExpression: 'SET #status = :processed, processedAt = :at, #sync = :sync',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#status': 'status', '#sync': 'sync' },
        ExpressionAttributeValues: { ':processed': 'processed', ':at': processedAt, ':sync': sync },
      }).catch((error: unknown) => {
        // The event expired or its connection's data was removed: nothing left to mark.
        if (!isConditionFailed(error)) throw error;
      });
    },
  };
}

/**
 * Bodies too large for their event, in the uploads bucket. Each is written before the
 * transaction that stores the event pointing at it, so no event points at nothing; a
 * transaction that then fails (a racing copy committed first) leaves an object nothing
 * points at, which the bucket's lifecycle rule on `inbound/` removes with the rest
 * (infra/aws/resources.ts).
 */
export interface InboundBodies {
  put(key: string, body: Buffer, contentType: string | null): Promise<void>;
  /** Undefined when the object is gone (expired with its event). */
  get(key: string): Promise<Buffer | undefined>;
}

export const inboundBodyKey = (tenantId: string, connectionId: string, id: string) => `inbound/${tenantId}/${connectionId}/${id}`;

export function inboundBodies(s3: S3Client, bucket: string): InboundBodies {
  return {
    async put(key, body, contentType) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType ?? 'application/octet-stream' }));
    },
    async get(key) {
      try {
        const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return Buffer.from(await object.Body!.transformToByteArray());
      } catch (error) {
        if (error instanceof NoSuchKey) return undefined;
        throw error;
      }
    },
  };
}
