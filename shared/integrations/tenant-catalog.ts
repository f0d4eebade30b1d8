import { strip, type TableStore, type TransactItem } from '../platform/items';
import { builtInIntegrations } from './catalog/index';
import type { Integration } from './schema';
import type { Catalog } from './service';

/**
 * What a tenant can connect to: the built-ins and its own integrations, visible only to
 * that tenant. Reading needs no schema: a custom definition was checked when it was
 * written (custom.ts), so functions that only read the catalog stay free of it.
 *
 *   pk TENANT#<tenant>  sk INTEGRATION#<key>   { definition, version, createdAt, updatedAt, connections }
 *   pk TENANT#<tenant>  sk INTEGRATIONS        { count }: how many INTEGRATION# items there are
 *
 * Both counts exist so that a condition in one transaction can enforce what a read before
 * it cannot (two requests can both read 99, or both read "no connections"):
 * - `count` is raised by every create under the condition `count < 100` and lowered by
 *   every delete (custom.ts). Tenants that had integrations before the counter existed get
 *   it on their next create or delete, from a consistent count (`ensureIntegrationCount`).
 * - `connections` counts the connections that name the integration and carry
 *   `countedByIntegration` (connections/store.ts raises it when it creates one and lowers
 *   it when it deletes one); an integration is deleted only while it is 0. Connections
 *   made before the counter existed are not counted: the delete still looks for them.
 */
export const maxCustomIntegrations = 100;

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
export const builtInKeys = new Set(builtInIntegrations.map((i) => i.key));

/** The built-ins, then all of the tenant's own. */
export async function catalogFor(store: TableStore, tenantId: string): Promise<Catalog> {
  const items = await customIntegrations(store, tenantId);
  return [...builtInIntegrations, ...items.map((i) => i.definition)];
}

/**
 * Every custom integration of the tenant, page after page. The limit is enforced on
 * writes; reading stops only at the end, so an integration stored beyond it (a tenant
 * that went over before the limit held under concurrency) is still found, never hidden.
 */
export async function customIntegrations(store: TableStore, tenantId: string, options: { consistent?: boolean } = {}): Promise<CustomItem[]> {
  const items: CustomItem[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await store.db.query({
      TableName: store.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': tenantPk(tenantId), ':prefix': 'INTEGRATION#' },
      ScanIndexForward: false,
      ...(options.consistent ? { ConsistentRead: true } : {}),
      ExclusiveStartKey: start,
    });
    items.push(...page.Items.map((item) => strip<CustomItem>(item)));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

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
 * Built-in integrations have no item and count nothing.
 */
export function connectionCount(table: string, tenantId: string, integration: string, by: 1 | -1): TransactItem[] {
  if (builtInKeys.has(integration)) return [];
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
