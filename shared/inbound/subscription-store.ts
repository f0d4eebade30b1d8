import { queryPage, strip, transact, type TableStore, type TransactItem } from '../platform/items';
import type { WebhookSubscription } from './schema';

/**
 * Webhook subscriptions made through providers' APIs, in the main table; this store is the
 * only writer of these items.
 *
 *   pk TENANT#<t>  sk WEBHOOKSUB#<connection>#<whsub id>   (ids are time-ordered: newest first)
 *
 * The item never holds the secret: that is the connection's `webhookSecret` credential,
 * sealed with its other credentials, where the receiver reads it.
 */
export type WebhookSubscriptionItem = WebhookSubscription;

export interface WebhookSubscriptionStore {
  readonly table: string;
  /** The item's Put, for a transaction that also stores the secret and the audit entry. */
  put(tenantId: string, item: WebhookSubscriptionItem): TransactItem;
  /** Writes the Put with `also` in one transaction; false when a condition of `also` failed. */
  create(tenantId: string, item: WebhookSubscriptionItem, also: TransactItem[]): Promise<boolean>;
  get(tenantId: string, connectionId: string, id: string): Promise<WebhookSubscriptionItem | undefined>;
  list(tenantId: string, connectionId: string, query: { limit: number; cursor?: string }): Promise<{ items: WebhookSubscriptionItem[]; nextCursor: string | null }>;
  /** Deletes the item with `also`; false when it was already gone. */
  delete(tenantId: string, connectionId: string, id: string, also: TransactItem[]): Promise<boolean>;
}

const key = (tenantId: string, connectionId: string, id: string) => ({ pk: `TENANT#${tenantId}`, sk: `WEBHOOKSUB#${connectionId}#${id}` });

export function webhookSubscriptionStore(store: TableStore): WebhookSubscriptionStore {
  const { db, table } = store;
  const put = (tenantId: string, item: WebhookSubscriptionItem): TransactItem => ({
    Put: { TableName: table, Item: { ...key(tenantId, item.connectionId, item.id), ...item }, ConditionExpression: 'attribute_not_exists(pk)' },
  });
  return {
    table,
    put,
    create: (tenantId, item, also) => transact(store, [put(tenantId, item), ...also]),
    async get(tenantId, connectionId, id) {
      const { Item } = await db.get({ TableName: table, Key: key(tenantId, connectionId, id), ConsistentRead: true });
      return Item ? strip<WebhookSubscriptionItem>(Item) : undefined;
    },
    list: (tenantId, connectionId, query) => queryPage<WebhookSubscriptionItem>(store, { pk: `TENANT#${tenantId}`, prefix: `WEBHOOKSUB#${connectionId}#`, ...query }),
    delete: (tenantId, connectionId, id, also) =>
      transact(store, [{ Delete: { TableName: table, Key: key(tenantId, connectionId, id), ConditionExpression: 'attribute_exists(pk)' } }, ...also]),
  };
}
