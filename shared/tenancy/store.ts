import {
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { decodeCursor, encodeCursor } from '../platform/pagination';
import type { Scope } from '../platform/contract';

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
export interface TenancyStore {
  db: DynamoDBDocumentClient;
  table: string;
}

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

export async function putTenant(store: TenancyStore, tenant: TenantItem, also: TransactItem[] = []): Promise<boolean> {
  try {
    await store.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: store.table,
              Item: { pk: tenantPk(tenant.id), sk: 'TENANT', ...tenant },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          ...also,
        ],
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof TransactionCanceledException) return false;
    throw error;
  }
}

export async function getTenant(store: TenancyStore, tenantId: string) {
  const { Item } = await store.db.send(
    new GetCommand({ TableName: store.table, Key: { pk: tenantPk(tenantId), sk: 'TENANT' } }),
  );
  return Item ? strip<TenantItem>(Item) : undefined;
}

type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/**
 * Writes both key items, and `also` (the audit entry) in the same transaction;
 * false when the tenant does not exist or the hash is taken.
 */
export async function putApiKey(store: TenancyStore, key: ApiKeyItem, also: TransactItem[] = []): Promise<boolean> {
  const lookup: KeyLookup = {
    tenantId: key.tenantId,
    keyId: key.id,
    hash: key.hash,
    scopes: key.scopes,
    revokedAt: key.revokedAt,
  };
  try {
    await store.db.send(
      new TransactWriteCommand({
        TransactItems: [
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
        ],
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof TransactionCanceledException) return false;
    throw error;
  }
}

export async function findKeyByHash(store: TenancyStore, hash: string) {
  const { Item } = await store.db.send(
    new GetCommand({ TableName: store.table, Key: { pk: hashPk(hash), sk: 'KEYHASH' } }),
  );
  return Item ? strip<KeyLookup>(Item) : undefined;
}

export async function getApiKey(store: TenancyStore, tenantId: string, keyId: string) {
  const { Item } = await store.db.send(
    new GetCommand({ TableName: store.table, Key: { pk: tenantPk(tenantId), sk: keySk(keyId) } }),
  );
  return Item ? strip<ApiKeyItem>(Item) : undefined;
}

export async function listApiKeys(
  store: TenancyStore,
  tenantId: string,
  options: { limit: number; cursor?: string; status?: 'active' | 'revoked' },
) {
  const pk = tenantPk(tenantId);
  const filter =
    options.status === 'active'
      ? { FilterExpression: 'attribute_type(revokedAt, :null)', values: { ':null': 'NULL' } }
      : options.status === 'revoked'
        ? { FilterExpression: 'attribute_type(revokedAt, :str)', values: { ':str': 'S' } }
        : { values: {} };
  const result = await store.db.send(
    new QueryCommand({
      TableName: store.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': 'APIKEY#', ...filter.values },
      FilterExpression: filter.FilterExpression,
      ScanIndexForward: false,
      Limit: options.limit,
      ExclusiveStartKey: decodeCursor(options.cursor, { pk }),
    }),
  );
  return {
    items: (result.Items ?? []).map((item) => strip<ApiKeyItem>(item)),
    nextCursor: encodeCursor(result.LastEvaluatedKey),
  };
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
  await store.db.send(
    new TransactWriteCommand({
      TransactItems: [
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
      ],
    }),
  );
  return { ...key, revokedAt: at };
}

/** Drops the table's key attributes: callers see the item, not its address. */
function strip<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as T;
}
