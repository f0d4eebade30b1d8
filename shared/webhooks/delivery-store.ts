import { conditionFailedItem, isConditionFailed } from '../platform/dynamodb';
import { queryPage, strip, type TableStore } from '../platform/items';

/**
 * Webhook deliveries and their attempts, in the main table; this store is their only writer.
 *
 *   pk TENANT#<tenant>  sk WHDELIVERY#<endpoint>#<delivery id>            one event for one endpoint
 *   pk TENANT#<tenant>  sk WHATTEMPT#<endpoint>#<delivery id>#<attempt>   an attempt another one followed (zero-padded)
 *
 * The delivery item is also the claim on the attempt being sent (`sendingSince`), and it
 * keeps the attempt that ended it (`lastAttempt`): a delivery that succeeds at once costs
 * two writes, the claim and the outcome, where a claim, an attempt and a delivery item
 * would cost three. An attempt that another follows moves to an item of its own, so a
 * delivery holds one answer at most. Delivery ids begin with the event's time-ordered id,
 * so an endpoint's deliveries page newest first. Both expire with the event log (`expiresAt`).
 */
export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface DeliveryItem {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  /** Attempts made so far, the one being sent included. */
  attempts: number;
  /** When the next attempt is due; null once the delivery has ended. */
  nextAttemptAt: string | null;
  /** Why it ended `failed` without a send (`endpoint_disabled`, `event_expired`), else null. */
  reason: string | null;
  createdAt: string;
  updatedAt: string;
  expiresAt: number;
  /** Set while a worker sends attempt `attempts`; a claim older than `staleClaimMs` is a worker that died mid-send. */
  sendingSince?: string;
  /** The attempt that ended the delivery; earlier ones are items of their own. */
  lastAttempt?: AttemptItem;
}

export type ErrorKind = 'timeout' | 'connection' | 'forbidden_address' | 'http_status';

export interface AttemptItem {
  deliveryId: string;
  endpointId: string;
  attempt: number;
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

/** What a claim answers: the attempt was made already, another worker holds it, or it is this worker's. */
export type Claim = 'done' | 'held' | { earlier?: AttemptItem };

export interface DeliveryQuery {
  limit: number;
  cursor?: string;
  status?: DeliveryStatus;
  eventType?: string;
  since?: string;
}

export interface DeliveryStore {
  /**
   * Claims attempt `delivery.attempts` before it is sent, creating the delivery at its
   * first: `done` when that attempt was made already (the same SQS message twice), `held`
   * when another worker's claim is younger than `staleBefore` (it may be sending now, or
   * have died a moment ago). An older claim is a worker that died mid-send, and is taken
   * over. A claim answers the attempt that ended an earlier run of the delivery (before a
   * retry or a replay), for `record` to move to an item of its own.
   */
  claim(tenantId: string, delivery: DeliveryItem & { sendingSince: string }, staleBefore: string): Promise<Claim>;
  /**
   * Records a claimed attempt and the delivery's state after it, releasing the claim: an
   * attempt that ends the delivery stays in it, one that another follows gets an item of
   * its own. `earlier` (from the claim) is written first, so no attempt is ever dropped.
   */
  record(tenantId: string, delivery: DeliveryItem, attempt: AttemptItem, earlier?: AttemptItem): Promise<void>;
  /**
   * Writes the delivery's state without an attempt (skipped, or reopened by a retry),
   * unless a later attempt has written it already; the attempt it keeps stays.
   */
  putDelivery(tenantId: string, delivery: DeliveryItem): Promise<void>;
  get(tenantId: string, endpointId: string, deliveryId: string): Promise<DeliveryItem | undefined>;
  list(tenantId: string, endpointId: string, query: DeliveryQuery): Promise<{ items: DeliveryItem[]; nextCursor: string | null }>;
  /** Every attempt of the delivery, oldest first: those with items of their own and the one it keeps. */
  attempts(tenantId: string, delivery: DeliveryItem): Promise<AttemptItem[]>;
}

const pk = (tenantId: string) => `TENANT#${tenantId}`;
const deliveriesPrefix = (endpointId: string) => `WHDELIVERY#${endpointId}#`;
const deliveryKey = (tenantId: string, endpointId: string, deliveryId: string) => ({ pk: pk(tenantId), sk: `${deliveriesPrefix(endpointId)}${deliveryId}` });
const attemptsPrefix = (endpointId: string, deliveryId: string) => `WHATTEMPT#${endpointId}#${deliveryId}#`;
const attemptKey = (tenantId: string, item: Pick<AttemptItem, 'endpointId' | 'deliveryId' | 'attempt'>) => ({
  pk: pk(tenantId),
  sk: `${attemptsPrefix(item.endpointId, item.deliveryId)}${String(item.attempt).padStart(3, '0')}`,
});

/** `SET #a = :a, …` for each field (every name through a placeholder: `status` is a reserved word). */
function assignments(fields: Record<string, unknown>, keep: string[] = []) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets = Object.entries(fields).map(([field, value]) => {
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    return keep.includes(field) ? `#${field} = if_not_exists(#${field}, :${field})` : `#${field} = :${field}`;
  });
  return { set: `SET ${sets.join(', ')}`, names, values };
}

export function deliveryStore(store: TableStore): DeliveryStore {
  const table = store.table;
  const putAttempt = (tenantId: string, attempt: AttemptItem) => store.db.put({ TableName: table, Item: { ...attemptKey(tenantId, attempt), ...attempt } });
  return {
    async claim(tenantId, delivery, staleBefore) {
      const { lastAttempt: _kept, ...fields } = delivery;
      const { set, names, values } = assignments(fields, ['createdAt']);
      try {
        const { Attributes } = await store.db.update({
          TableName: table,
          Key: deliveryKey(tenantId, delivery.endpointId, delivery.id),
          UpdateExpression: set,
          ConditionExpression: 'attribute_not_exists(pk) OR #attempts < :attempts OR (#attempts = :attempts AND #sendingSince < :stale)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ...values, ':stale': staleBefore },
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        });
        const earlier = Attributes?.lastAttempt as AttemptItem | undefined;
        return earlier ? { earlier } : {};
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
        const held = conditionFailedItem(error);
        return held?.attempts === delivery.attempts && held.sendingSince !== undefined ? 'held' : 'done';
      }
    },
    async record(tenantId, delivery, attempt, earlier) {
      if (earlier) await putAttempt(tenantId, earlier);
      const ends = delivery.status !== 'pending';
      if (!ends) await putAttempt(tenantId, attempt);
      const { set, names, values } = assignments({
        status: delivery.status,
        nextAttemptAt: delivery.nextAttemptAt,
        reason: delivery.reason,
        updatedAt: delivery.updatedAt,
        ...(ends ? { lastAttempt: attempt } : {}),
      });
      try {
        await store.db.update({
          TableName: table,
          Key: deliveryKey(tenantId, delivery.endpointId, delivery.id),
          UpdateExpression: `${set} REMOVE sendingSince${ends ? '' : ', lastAttempt'}`,
          ConditionExpression: 'attempts = :attempts',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ...values, ':attempts': delivery.attempts },
        });
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
        // A later attempt was claimed meanwhile (a retry through the API): its state stands,
        // and this attempt keeps an item of its own.
        if (ends) await putAttempt(tenantId, attempt);
      }
    },
    async putDelivery(tenantId, delivery) {
      const { lastAttempt: _kept, sendingSince: _claim, ...fields } = delivery;
      const { set, names, values } = assignments(fields);
      try {
        await store.db.update({
          TableName: table,
          Key: deliveryKey(tenantId, delivery.endpointId, delivery.id),
          UpdateExpression: set,
          // Attempt n+1 may be recorded before attempt n when its delay is short: the later one stands.
          ConditionExpression: 'attribute_not_exists(pk) OR #attempts <= :attempts',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        });
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
      }
    },
    async get(tenantId, endpointId, deliveryId) {
      const { Item } = await store.db.get({ TableName: table, Key: deliveryKey(tenantId, endpointId, deliveryId), ConsistentRead: true });
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
    async attempts(tenantId, delivery) {
      const { Items = [] } = await store.db.query({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk(tenantId), ':prefix': attemptsPrefix(delivery.endpointId, delivery.id) },
      });
      const byNumber = new Map(Items.map((item) => strip<AttemptItem>(item)).map((attempt) => [attempt.attempt, attempt]));
      // Moved to its own item and still kept, for a moment: one copy.
      if (delivery.lastAttempt) byNumber.set(delivery.lastAttempt.attempt, delivery.lastAttempt);
      return [...byNumber.values()].sort((a, b) => a.attempt - b.attempt);
    },
  };
}
