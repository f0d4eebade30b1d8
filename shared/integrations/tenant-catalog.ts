import { paginateQuery } from '@aws-sdk/lib-dynamodb';
import { strip, type TableStore } from '../platform/items';
import { builtInIntegrations } from './catalog/index';
import { getCustomIntegration, tenantPk, type CustomItem } from './custom-items';
import type { Integration } from './schema';
import { getIntegration, type Catalog } from './service';

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

/**
 * Where to find one integration of a tenant by key: the built-ins are code, the tenant's
 * own are read one item at a time, and only for a key that is not built in.
 */
export interface IntegrationSource {
  builtIns: Catalog;
  /** The tenant's own integration of that key (one read); undefined when there is none. */
  custom(tenantId: string, key: string): Promise<Integration | undefined>;
}

export const tenantIntegrations = (store: TableStore): IntegrationSource => ({
  builtIns: builtInIntegrations,
  custom: async (tenantId, key) => (await getCustomIntegration(store, tenantId, key))?.definition,
});

/** A built-in without reading anything, else the tenant's own integration of that key. */
export async function findTenantIntegration(source: IntegrationSource, tenantId: string, key: string): Promise<Integration | undefined> {
  return source.builtIns.find((i) => i.key === key) ?? (await source.custom(tenantId, key));
}

/** One integration as the API shows it, with the version of a custom one (its ETag); NotFound when there is none. */
export async function showIntegration(store: TableStore, tenantId: string, key: string) {
  const custom = builtInKeys.has(key) ? undefined : await getCustomIntegration(store, tenantId, key);
  return {
    integration: getIntegration(custom ? [custom.definition] : builtInIntegrations, key),
    version: custom?.version,
  };
}

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
  const pages = paginateQuery(
    { client: store.db },
    {
      TableName: store.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': tenantPk(tenantId), ':prefix': 'INTEGRATION#' },
      ScanIndexForward: false,
      ...(options.consistent ? { ConsistentRead: true } : {}),
    },
  );
  for await (const page of pages) items.push(...(page.Items ?? []).map((item) => strip<CustomItem>(item)));
  return items;
}
