import type { Scope } from '../platform/contract';
import { queryPage, strip, transact, type TableStore, type TransactItem } from '../platform/items';

/**
 * Tenants and API keys in the main table.
 *
 *   pk TENANT#<tenant>   sk TENANT           the tenant
 *   pk TENANT#<tenant>   sk APIKEY#<keyId>   a key as its tenant sees it (no secret)
 *   pk KEYHASH#<sha256>  sk KEYHASH          the authorizer's lookup: hash → tenant, scopes
 *
 * The hash item is the one item not keyed by tenant: the key is what names the tenant.
 * Both key items are written and revoked in one transaction so they never disagree.
 */
export type TenancyStore = TableStore;

export interface TenantItem {
  id: string;
  name: string;
  createdAt: string;
}

export interface ApiKeyItem {
  id: string;
  tenantId: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  hash: string;
  createdAt: string;
  revokedAt: string | null;
}

export interface KeyLookup {
  tenantId: string;
  keyId: string;
  hash: string;
  scopes: Scope[];
  revokedAt: string | null;
}

const tenantPk = (tenantId: string) => `TENANT#${tenantId}`;
const keySk = (keyId: string) => `APIKEY#${keyId}`;
const hashPk = (hash: string) => `KEYHASH#${hash}`;

export function putTenant(store: TenancyStore, tenant: TenantItem, also: TransactItem[] = []): Promise<boolean> {
  return transact(store, [
    {
      Put: {
        TableName: store.table,
        Item: { pk: tenantPk(tenant.id), sk: 'TENANT', ...tenant },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    ...also,
  ]);
}

export async function getTenant(store: TenancyStore, tenantId: string) {
  const { Item } = await store.db.get({ TableName: store.table, Key: { pk: tenantPk(tenantId), sk: 'TENANT' } });
  return Item ? strip<TenantItem>(Item) : undefined;
}

/**
 * Writes both key items, and `also` (the audit entry) in the same transaction;
 * false when the tenant does not exist or the hash is taken.
 */
export function putApiKey(store: TenancyStore, key: ApiKeyItem, also: TransactItem[] = []): Promise<boolean> {
  const lookup: KeyLookup = {
    tenantId: key.tenantId,
    keyId: key.id,
    hash: key.hash,
    scopes: key.scopes,
    revokedAt: key.revokedAt,
  };
  return transact(store, [
          {
            ConditionCheck: {
              TableName: store.table,
              Key: { pk: tenantPk(key.tenantId), sk: 'TENANT' },
              ConditionExpression: 'attribute_exists(pk)',
            },
          },
          {
            Put: {
              TableName: store.table,
              Item: { pk: tenantPk(key.tenantId), sk: keySk(key.id), ...key },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Put: {
              TableName: store.table,
              Item: { pk: hashPk(key.hash), sk: 'KEYHASH', ...lookup },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          ...also,
  ]);
}

/** For a transaction that must find this key unrevoked when it commits. */
export function liveKeyCheck(table: string, tenantId: string, keyId: string): TransactItem {
  return {
    ConditionCheck: {
      TableName: table,
      Key: { pk: tenantPk(tenantId), sk: keySk(keyId) },
      ConditionExpression: 'attribute_exists(pk) AND attribute_type(revokedAt, :null)',
      ExpressionAttributeValues: { ':null': 'NULL' },
    },
  };
}

export async function findKeyByHash(store: TenancyStore, hash: string) {
  const { Item } = await store.db.get({ TableName: store.table, Key: { pk: hashPk(hash), sk: 'KEYHASH' } });
  return Item ? strip<KeyLookup>(Item) : undefined;
}

export async function getApiKey(store: TenancyStore, tenantId: string, keyId: string) {
  const { Item } = await store.db.get({ TableName: store.table, Key: { pk: tenantPk(tenantId), sk: keySk(keyId) } });
  return Item ? strip<ApiKeyItem>(Item) : undefined;
}

export function listApiKeys(
  store: TenancyStore,
  tenantId: string,
  options: { limit: number; cursor?: string; status?: 'active' | 'revoked' },
) {
  const revoked = { active: 'attribute_type(revokedAt, :null)', revoked: 'attribute_type(revokedAt, :string)' };
  return queryPage<ApiKeyItem>(store, {
    pk: tenantPk(tenantId),
    prefix: 'APIKEY#',
    limit: options.limit,
    cursor: options.cursor,
    conditions: options.status ? [revoked[options.status]] : [],
    values: options.status === 'active' ? { ':null': 'NULL' } : options.status === 'revoked' ? { ':string': 'S' } : {},
  });
}

/** Marks both key items revoked (with `also` in the same transaction); undefined if unknown. */
export async function revokeApiKey(
  store: TenancyStore,
  tenantId: string,
  keyId: string,
  at: string,
  also: TransactItem[] = [],
) {
  const key = await getApiKey(store, tenantId, keyId);
  if (!key) return undefined;
  if (key.revokedAt) return key;
  await transact(store, [
        {
          Update: {
            TableName: store.table,
            Key: { pk: tenantPk(tenantId), sk: keySk(keyId) },
            UpdateExpression: 'SET revokedAt = :at',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':at': at },
          },
        },
        {
          Update: {
            TableName: store.table,
            Key: { pk: hashPk(key.hash), sk: 'KEYHASH' },
            UpdateExpression: 'SET revokedAt = :at',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':at': at },
          },
        },
        ...also,
  ]);
  return { ...key, revokedAt: at };
}
