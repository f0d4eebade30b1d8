import { isConditionFailed } from '../platform/dynamodb';
import { failedConditions, getMany, queryPage, strip, transact, type TableStore, type TransactItem } from '../platform/items';
import type { Sealed } from '../vault/vault';

/**
 * Webhook endpoints in the main table; this store is their only writer.
 *
 *   pk TENANT#<tenant>  sk WHEP#<id>                 the endpoint (never a secret)
 *   pk TENANT#<tenant>  sk WHSECRET#<id>#current     its sealed signing secret
 *   pk TENANT#<tenant>  sk WHSECRET#<id>#previous    the secret before the last rotation, until `validUntil`
 *
 * Secrets sit in items of their own, each a top-level sealed item, so listing endpoints
 * never loads ciphertext and the vault's key rotation (vault/rotation.ts) re-seals them as
 * it does credentials. Every change carries the caller's audit entry and Idempotency-Key
 * commit in the same transaction (`also`).
 */
export interface WebhookEndpointItem {
  id: string;
  url: string;
  eventTypes: string[];
  description: string;
  enabled: boolean;
  headers: Record<string, string>;
  rateLimitPerSecond: number | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  secretRotatedAt: string | null;
  /** The first failed attempt since the last success; null while deliveries succeed. */
  failingSince?: string | null;
  /** Why Junction turned the endpoint off (`gone`: it answered 410; `failing`); null otherwise. */
  disabledReason?: DisabledReason | null;
}

export type DisabledReason = 'gone' | 'failing';

export interface SecretItem extends Sealed {
  tenantId: string;
  endpointId: string;
  slot: 'current' | 'previous';
  /** Bumped by each rotation: a rotation is conditional on the one it read. */
  generation: number;
  createdAt: string;
  /** The previous secret: it signs too until then. */
  validUntil?: string;
  /** DynamoDB's TTL (epoch seconds) removes an expired previous secret; readers check `validUntil` regardless. */
  expiresAt?: number;
}

/** An endpoint as the delivery worker reads it: with the secrets it signs with. */
export interface SigningEndpoint {
  endpoint: WebhookEndpointItem;
  secrets: { current?: SecretItem; previous?: SecretItem };
}

export type EndpointChanges = Partial<
  Pick<WebhookEndpointItem, 'url' | 'eventTypes' | 'description' | 'enabled' | 'headers' | 'rateLimitPerSecond' | 'failingSince' | 'disabledReason'>
> & {
  updatedAt: string;
};

export type UpdateOutcome = 'updated' | 'missing' | 'stale';
export type RotateOutcome = 'rotated' | 'missing' | 'raced';

export interface WebhookEndpointStore {
  readonly table: string;
  /** False when nothing was written (a condition of `also` failed). */
  create(tenantId: string, endpoint: WebhookEndpointItem, secret: SecretItem, also: TransactItem[]): Promise<boolean>;
  get(tenantId: string, id: string): Promise<WebhookEndpointItem | undefined>;
  list(tenantId: string, query: { limit: number; cursor?: string; enabled?: boolean }): Promise<{ items: WebhookEndpointItem[]; nextCursor: string | null }>;
  update(tenantId: string, id: string, expectedVersion: number, changes: EndpointChanges, also: TransactItem[]): Promise<UpdateOutcome>;
  /**
   * Records the delivery worker's view of the endpoint's health: `failingSince` set on a
   * failure when it is not set yet (the earliest failure stands), cleared on a success.
   * Not a change of the endpoint's configuration: its version (the ETag) stays.
   */
  setFailingSince(tenantId: string, id: string, failingSince: string | null): Promise<void>;
  /** The endpoint, its secrets, `also`; false if it was already gone. */
  delete(tenantId: string, id: string, also: TransactItem[]): Promise<boolean>;
  /**
   * Endpoints with their secrets, for a batch of deliveries: each endpoint and its current
   * secret in one consistent read, and the previous secret only of those rotated after
   * `rotatedSince` (an older one signs no more). Undefined where the endpoint is gone.
   */
  getWithSecrets(keys: Array<{ tenantId: string; id: string }>, rotatedSince: string): Promise<Array<SigningEndpoint | undefined>>;
  /** The current secret and, if kept, the previous one (expired or not: the caller judges). */
  secrets(tenantId: string, id: string): Promise<{ current?: SecretItem; previous?: SecretItem }>;
  /**
   * `next` becomes the current secret and `previous` (the old current) is kept beside it,
   * if the current secret is still at `next.generation - 1`; `raced` when another rotation
   * (or a key rotation's re-seal) got there first, `missing` when the endpoint is gone.
   */
  rotate(tenantId: string, id: string, next: SecretItem, previous: SecretItem, rotatedAt: string, also: TransactItem[]): Promise<RotateOutcome>;
}

const pk = (tenantId: string) => `TENANT#${tenantId}`;
const endpointKey = (tenantId: string, id: string) => ({ pk: pk(tenantId), sk: `WHEP#${id}` });
const secretsPrefix = (id: string) => `WHSECRET#${id}#`;
const secretKey = (tenantId: string, id: string, slot: SecretItem['slot']) => ({ pk: pk(tenantId), sk: `${secretsPrefix(id)}${slot}` });

export function webhookEndpointStore(store: TableStore): WebhookEndpointStore {
  const table = store.table;
  const secretPut = (item: SecretItem, condition: Partial<{ ConditionExpression: string; ExpressionAttributeValues: Record<string, unknown> }> = {}): TransactItem => ({
    Put: { TableName: table, Item: { ...secretKey(item.tenantId, item.endpointId, item.slot), ...item }, ...condition },
  });
  const get = async (tenantId: string, id: string) => {
    const { Item } = await store.db.get({ TableName: table, Key: endpointKey(tenantId, id), ConsistentRead: true });
    return Item ? strip<WebhookEndpointItem>(Item) : undefined;
  };
  return {
    table,
    get,
    async create(tenantId, endpoint, secret, also) {
      const failed = await failedConditions(store, [
        { Put: { TableName: table, Item: { ...endpointKey(tenantId, endpoint.id), ...endpoint }, ConditionExpression: 'attribute_not_exists(pk)' } },
        secretPut(secret),
        ...also,
      ]);
      return failed === undefined;
    },
    list: (tenantId, query) =>
      queryPage<WebhookEndpointItem>(store, {
        pk: pk(tenantId),
        prefix: 'WHEP#',
        limit: query.limit,
        cursor: query.cursor,
        ...(query.enabled === undefined ? {} : { conditions: ['enabled = :enabled'], values: { ':enabled': query.enabled } }),
      }),
    async update(tenantId, id, expectedVersion, changes, also) {
      const names: Record<string, string> = { '#version': 'version' };
      const values: Record<string, unknown> = { ':expected': expectedVersion, ':one': 1 };
      const sets = Object.entries(changes)
        .filter(([, value]) => value !== undefined)
        .map(([field, value]) => {
          names[`#${field}`] = field;
          values[`:${field}`] = value;
          return `#${field} = :${field}`;
        });
      const updated = await transact(store, [
        {
          Update: {
            TableName: table,
            Key: endpointKey(tenantId, id),
            UpdateExpression: `SET ${sets.join(', ')} ADD #version :one`,
            ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          },
        },
        ...also,
      ]);
      if (updated) return 'updated';
      return (await get(tenantId, id)) ? 'stale' : 'missing';
    },
    async setFailingSince(tenantId, id, failingSince) {
      try {
        await store.db.update({
          TableName: table,
          Key: endpointKey(tenantId, id),
          UpdateExpression: 'SET failingSince = :since',
          ConditionExpression:
            failingSince === null ? 'attribute_exists(pk)' : 'attribute_exists(pk) AND (attribute_not_exists(failingSince) OR failingSince = :null)',
          ExpressionAttributeValues: { ':since': failingSince, ...(failingSince === null ? {} : { ':null': null }) },
        });
      } catch (error) {
        // Gone, or failing since earlier already: both leave nothing to record.
        if (!isConditionFailed(error)) throw error;
      }
    },
    async getWithSecrets(keys, rotatedSince) {
      const read = await getMany<Record<string, unknown>>(
        store,
        keys.flatMap(({ tenantId, id }) => [endpointKey(tenantId, id), secretKey(tenantId, id, 'current')]),
        { consistent: true },
      );
      const endpoints = keys.map((_, i) => read[2 * i] as WebhookEndpointItem | undefined);
      const rotated = keys.filter((_, i) => (endpoints[i]?.secretRotatedAt ?? '') > rotatedSince);
      const previous = await getMany<SecretItem>(store, rotated.map(({ tenantId, id }) => secretKey(tenantId, id, 'previous')), { consistent: true });
      const previousOf = new Map(rotated.map(({ tenantId, id }, i) => [`${tenantId}/${id}`, previous[i]]));
      return keys.map(({ tenantId, id }, i) => {
        const endpoint = endpoints[i];
        if (!endpoint) return undefined;
        const current = read[2 * i + 1] as SecretItem | undefined;
        const kept = previousOf.get(`${tenantId}/${id}`);
        return { endpoint, secrets: { ...(current ? { current } : {}), ...(kept ? { previous: kept } : {}) } };
      });
    },
    delete: (tenantId, id, also) =>
      transact(store, [
        { Delete: { TableName: table, Key: endpointKey(tenantId, id), ConditionExpression: 'attribute_exists(pk)' } },
        { Delete: { TableName: table, Key: secretKey(tenantId, id, 'current') } },
        { Delete: { TableName: table, Key: secretKey(tenantId, id, 'previous') } },
        ...also,
      ]),
    async secrets(tenantId, id) {
      const { Items = [] } = await store.db.query({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk(tenantId), ':prefix': secretsPrefix(id) },
        ConsistentRead: true,
      });
      const items = Items.map((item) => strip<SecretItem>(item));
      return { current: items.find((item) => item.slot === 'current'), previous: items.find((item) => item.slot === 'previous') };
    },
    async rotate(tenantId, id, next, previous, rotatedAt, also) {
      const failed = await failedConditions(store, [
        {
          Update: {
            TableName: table,
            Key: endpointKey(tenantId, id),
            UpdateExpression: 'SET secretRotatedAt = :at',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':at': rotatedAt },
          },
        },
        // On the ciphertext read, not only the generation: a key rotation that re-sealed it
        // meanwhile must not be overwritten by the copy made from the old ciphertext.
        secretPut(next, {
          ConditionExpression: 'generation = :read AND ciphertext = :ciphertext',
          ExpressionAttributeValues: { ':read': next.generation - 1, ':ciphertext': previous.ciphertext },
        }),
        secretPut(previous),
        ...also,
      ]);
      if (failed === undefined) return 'rotated';
      return failed.includes(0) ? 'missing' : 'raced';
    },
  };
}
