import { queryPage, strip, type TableStore } from '../platform/items';
import { builtInIntegrations } from './catalog/index';
import type { Integration } from './schema';
import type { Catalog } from './service';

/**
 * What a tenant can connect to: the built-ins and its own integrations, visible only to
 * that tenant. Reading needs no schema: a custom definition was checked when it was
 * written (custom.ts), so functions that only read the catalog stay free of it.
 *
 *   pk TENANT#<tenant>  sk INTEGRATION#<key>   { definition, version, createdAt, updatedAt }
 */
export const maxCustomIntegrations = 100;

export interface CustomItem {
  definition: Integration;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export const tenantPk = (tenantId: string) => `TENANT#${tenantId}`;
export const customKey = (tenantId: string, key: string) => ({ pk: tenantPk(tenantId), sk: `INTEGRATION#${key}` });
export const builtInKeys = new Set(builtInIntegrations.map((i) => i.key));

/** The built-ins, then the tenant's own. */
export async function catalogFor(store: TableStore, tenantId: string): Promise<Catalog> {
  const { items } = await queryPage<CustomItem>(store, { pk: tenantPk(tenantId), prefix: 'INTEGRATION#', limit: maxCustomIntegrations });
  return [...builtInIntegrations, ...items.map((i) => i.definition)];
}

export async function getCustomIntegration(store: TableStore, tenantId: string, key: string) {
  const { Item } = await store.db.get({ TableName: store.table, Key: customKey(tenantId, key), ConsistentRead: true });
  return Item ? strip<CustomItem>(Item) : undefined;
}
