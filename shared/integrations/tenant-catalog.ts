import { strip, type TableStore } from '../platform/items';
import { builtInIntegrations } from './catalog/index';
import { tenantPk, type CustomItem } from './custom-items';
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
