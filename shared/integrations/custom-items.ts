import { strip, type TableStore, type TransactItem } from '../platform/items';
import type { Integration } from './schema';

/**
 * The items of a tenant's custom integrations, apart from the catalog (tenant-catalog.ts):
 * functions that only touch these keys (connections' stores) do not load the built-ins.
 */
export interface CustomItem {
  definition: Integration;
  version: number;
  createdAt: string;
  updatedAt: string;
  /** Counted connections that use it; absent on items written before it was counted. */
  connections?: number;
}

export const tenantPk = (tenantId: string) => `TENANT#${tenantId}`;
export const customKey = (tenantId: string, key: string) => ({ pk: tenantPk(tenantId), sk: `INTEGRATION#${key}` });
/** Not under `INTEGRATION#`: the catalog's query must not read it as an integration. */
export const integrationCountKey = (tenantId: string) => ({ pk: tenantPk(tenantId), sk: 'INTEGRATIONS' });

export async function getCustomIntegration(store: TableStore, tenantId: string, key: string) {
  const { Item } = await store.db.get({ TableName: store.table, Key: customKey(tenantId, key), ConsistentRead: true });
  return Item ? strip<CustomItem>(Item) : undefined;
}

/** For a transaction that needs the tenant's custom integration to still exist when it commits. */
export function customIntegrationExists(table: string, tenantId: string, key: string): TransactItem {
  return { ConditionCheck: { TableName: table, Key: customKey(tenantId, key), ConditionExpression: 'attribute_exists(pk)' } };
}

/**
 * For a connection's transaction: counts it in (`by: 1`, failing the transaction if the
 * integration is gone) or out (`by: -1`) of its custom integration's `connections`.
 * Only for custom integrations: built-ins have no item to count in.
 */
export function connectionCount(table: string, tenantId: string, integration: string, by: 1 | -1): TransactItem[] {
  return [
    {
      Update: {
        TableName: table,
        Key: customKey(tenantId, integration),
        UpdateExpression: 'ADD connections :by',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':by': by },
      },
    },
  ];
}
