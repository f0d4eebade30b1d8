import { conditionFailedItem, isConditionFailed } from '../platform/dynamodb';
import { queryPage, strip, type TableStore } from '../platform/items';

/**
 * Webhook deliveries and their attempts, in the main table; this store is their only writer.
 *
 *   pk TENANT#<tenant>  sk WHDELIVERY#<endpoint>#<delivery id>            one event for one endpoint
 *   pk TENANT#<tenant>  sk WHATTEMPT#<endpoint>#<delivery id>#<attempt>   each attempt (zero-padded)
 *
 * Delivery ids begin with the event's time-ordered id, so an endpoint's deliveries page
 * newest first. Attempts sit under a prefix of their own, so a page of deliveries never
 * reads their (up to 20 KB) response bodies. Both expire with the event log (`expiresAt`).
 */
export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface DeliveryItem {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  /** Attempts made so far. */
  attempts: number;
  /** When the next attempt is due; null once the delivery has ended. */
  nextAttemptAt: string | null;
  /** Why it ended `failed` without a send (`endpoint_disabled`, `event_expired`), else null. */
  reason: string | null;
  createdAt: string;
  updatedAt: string;
  expiresAt: number;
}

export type ErrorKind = 'timeout' | 'connection' | 'forbidden_address' | 'http_status';

export interface AttemptItem {
  deliveryId: string;
  endpointId: string;
  attempt: number;
  /** `sending` while a worker holds it; a claim older than `staleClaimMs` may be taken over. */
  state: 'sending' | 'done';
  at: string;
  statusCode: number | null;
  latencyMs: number | null;
  responseHeaders: Record<string, string>;
  /** The first 20,000 bytes of the answer. */
  responseBody: string;
  errorKind: ErrorKind | null;
  error: string | null;
  expiresAt: number;
}

export interface DeliveryQuery {
  limit: number;
  cursor?: string;
  status?: DeliveryStatus;
  eventType?: string;
  since?: string;
}

export interface DeliveryStore {
  /**
   * Claims an attempt before it is sent: `done` when it is recorded already (the same SQS
   * message twice), `held` when another worker's claim is younger than `staleBefore` (it
   * may be sending now, or have died a moment ago). An older `sending` claim is a worker
   * that died mid-send, and is taken over.
   */
  claimAttempt(tenantId: string, attempt: AttemptItem, staleBefore: string): Promise<'claimed' | 'done' | 'held'>;
  recordAttempt(tenantId: string, attempt: AttemptItem): Promise<void>;
  /** Writes the delivery as of attempt `delivery.attempts`, unless a later attempt has written it already. */
  putDelivery(tenantId: string, delivery: DeliveryItem): Promise<void>;
  get(tenantId: string, endpointId: string, deliveryId: string): Promise<DeliveryItem | undefined>;
  list(tenantId: string, endpointId: string, query: DeliveryQuery): Promise<{ items: DeliveryItem[]; nextCursor: string | null }>;
  attempts(tenantId: string, endpointId: string, deliveryId: string): Promise<AttemptItem[]>;
}

const pk = (tenantId: string) => `TENANT#${tenantId}`;
const deliveriesPrefix = (endpointId: string) => `WHDELIVERY#${endpointId}#`;
const attemptsPrefix = (endpointId: string, deliveryId: string) => `WHATTEMPT#${endpointId}#${deliveryId}#`;
const attemptKey = (tenantId: string, item: Pick<AttemptItem, 'endpointId' | 'deliveryId' | 'attempt'>) => ({
  pk: pk(tenantId),
  sk: `${attemptsPrefix(item.endpointId, item.deliveryId)}${String(item.attempt).padStart(3, '0')}`,
});

export function deliveryStore(store: TableStore): DeliveryStore {
  const table = store.table;
  return {
    async claimAttempt(tenantId, attempt, staleBefore) {
      try {
        await store.db.put({
          TableName: table,
          Item: { ...attemptKey(tenantId, attempt), ...attempt },
          ConditionExpression: 'attribute_not_exists(pk) OR (#state = :sending AND #at < :stale)',
          ExpressionAttributeNames: { '#state': 'state', '#at': 'at' },
          ExpressionAttributeValues: { ':sending': 'sending', ':stale': staleBefore },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        });
        return 'claimed';
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
        return conditionFailedItem(error)?.state === 'done' ? 'done' : 'held';
      }
    },
    async recordAttempt(tenantId, attempt) {
      await store.db.put({ TableName: table, Item: { ...attemptKey(tenantId, attempt), ...attempt } });
    },
    async putDelivery(tenantId, delivery) {
      try {
        await store.db.put({
          TableName: table,
          Item: { pk: pk(tenantId), sk: `${deliveriesPrefix(delivery.endpointId)}${delivery.id}`, ...delivery },
          // Attempt n+1 may be recorded before attempt n when its delay is short: the later one stands.
          ConditionExpression: 'attribute_not_exists(pk) OR attempts <= :attempts',
          ExpressionAttributeValues: { ':attempts': delivery.attempts },
        });
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
      }
    },
    async get(tenantId, endpointId, deliveryId) {
      const { Item } = await store.db.get({
        TableName: table,
        Key: { pk: pk(tenantId), sk: `${deliveriesPrefix(endpointId)}${deliveryId}` },
        ConsistentRead: true,
      });
      return Item ? strip<DeliveryItem>(Item) : undefined;
    },
    list(tenantId, endpointId, query) {
      const conditions: string[] = [];
      const values: Record<string, unknown> = {};
      if (query.since) {
        conditions.push('createdAt >= :since');
        values[':since'] = query.since;
      }
      return queryPage<DeliveryItem>(store, {
        pk: pk(tenantId),
        prefix: deliveriesPrefix(endpointId),
        limit: query.limit,
        cursor: query.cursor,
        equals: { status: query.status, eventType: query.eventType },
        conditions,
        values,
      });
    },
    async attempts(tenantId, endpointId, deliveryId) {
      const { Items = [] } = await store.db.query({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk(tenantId), ':prefix': attemptsPrefix(endpointId, deliveryId) },
      });
      return Items.map((item) => strip<AttemptItem>(item));
    },
  };
}
