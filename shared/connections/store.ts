import { connectionCount, getCustomIntegration } from '../integrations/custom-items';
import { Conflict } from '../platform/errors';
import { queryPage, strip, transact, type TableStore, type TransactItem } from '../platform/items';
import type { Sealed } from '../vault/vault';

export type { TransactItem };

/**
 * Connections in the main table.
 *
 *   pk TENANT#<tenant>  sk CONN#<id>          the connection (never a secret)
 *   pk TENANT#<tenant>  sk CREDENTIALS#<id>   its sealed credentials
 *
 * Credentials live in their own item, under their own prefix, so that reading or listing
 * connections never loads ciphertext, and deleting a connection deletes the ciphertext
 * with it (one transaction).
 * Every change carries its audit entry in the same transaction (`also`).
 *
 * A connection to a tenant's custom integration is counted in that integration's item
 * (`connections`, see integrations/tenant-catalog.ts) in the transaction that creates it
 * and counted out in the one that deletes it, so the integration cannot be deleted from
 * under it: whichever of the two transactions commits second fails its condition.
 */
export type ConnectionStore = TableStore;

export type ConnectionStatus = 'active' | 'auth_failed' | 'error';

export interface TestOutcome {
  at: string;
  ok: boolean;
  status: number | null;
  latencyMs: number;
  detail: string;
}

/** What "health" reports: the outcome of the last calls made with the credentials. */
export interface ConnectionHealth {
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  lastError: string | null;
  consecutiveFailures: number;
}

export interface ConnectionItem {
  id: string;
  integration: string;
  name: string;
  authType: string;
  params: Record<string, string>;
  /** Names of the credential fields that are set (never their values). */
  credentialFields: string[];
  status: ConnectionStatus;
  version: number;
  createdAt: string;
  updatedAt: string;
  lastTest: TestOutcome | null;
  /** OAuth connections: what was granted and when the access token expires. */
  oauth?: { scopes: string[]; tokenExpiresAt: string | null } | null;
  health?: ConnectionHealth;
  /** Counted in its custom integration's `connections` (connections made before that are not). */
  countedByIntegration?: boolean;
}

export interface CredentialsItem extends Sealed {
  tenantId: string;
  connectionId: string;
  updatedAt: string;
  /** OAuth tokens: bumped by every refresh, so waiting readers see when new tokens arrived. */
  generation?: number;
  tokenExpiresAt?: string;
  /** The refresh index (gsi1), set while the tokens can be refreshed: shard and expiry. */
  gsi1pk?: string;
  gsi1sk?: string;
  /** The refresh lease: who is refreshing, until when. */
  leaseOwner?: string;
  leaseUntil?: number;
  /** After a failed refresh: not before this time again (backoff), and how many in a row. */
  refreshRetryAt?: string;
  refreshFailures?: number;
  /** The last refresh's failure, until a refresh succeeds or the user authorizes again. */
  refreshError?: { code: string; at: string };
}

const pk = (tenantId: string) => `TENANT#${tenantId}`;
const connectionSk = (id: string) => `CONN#${id}`;
const credentialsSk = (id: string) => `CREDENTIALS#${id}`;
export const connectionKey = (tenantId: string, id: string) => ({ pk: pk(tenantId), sk: connectionSk(id) });
export const credentialsKey = (tenantId: string, id: string) => ({ pk: pk(tenantId), sk: credentialsSk(id) });

export function credentialsPut(table: string, item: CredentialsItem): TransactItem {
  return {
    Put: {
      TableName: table,
      Item: { pk: pk(item.tenantId), sk: credentialsSk(item.connectionId), ...item },
    },
  };
}

export async function createConnection(
  store: ConnectionStore,
  tenantId: string,
  connection: ConnectionItem,
  credentials: CredentialsItem,
  also: TransactItem[],
  /** Whether the integration is one of the tenant's own, whose item counts its connections. */
  custom: boolean,
) {
  const counted = custom ? connectionCount(store.table, tenantId, connection.integration, 1) : [];
  const created = await transact(store, [
    {
      Put: {
        TableName: store.table,
        Item: { pk: pk(tenantId), sk: connectionSk(connection.id), ...connection, ...(custom ? { countedByIntegration: true } : {}) },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    credentialsPut(store.table, credentials),
    ...counted,
    ...also,
  ]);
  if (created) return;
  if (custom && !(await getCustomIntegration(store, tenantId, connection.integration))) {
    throw new Conflict(`there is no integration "${connection.integration}": it was deleted while the connection was being created`);
  }
  // Another condition of the caller's (its Idempotency-Key commit, a session's state) failed:
  // nothing was written, and answering as if it had been would hand out a missing connection.
  throw new Conflict('the connection was not created: a concurrent request changed what it depends on; retry');
}

export async function getConnection(store: ConnectionStore, tenantId: string, id: string) {
  const { Item } = await store.db.get({ TableName: store.table, Key: { pk: pk(tenantId), sk: connectionSk(id) }, ConsistentRead: true });
  return Item ? strip<ConnectionItem>(Item) : undefined;
}

export async function getCredentials(store: ConnectionStore, tenantId: string, id: string) {
  const { Item } = await store.db.get({ TableName: store.table, Key: { pk: pk(tenantId), sk: credentialsSk(id) }, ConsistentRead: true });
  return Item ? strip<CredentialsItem>(Item) : undefined;
}

export function listConnections(
  store: ConnectionStore,
  tenantId: string,
  query: { limit: number; cursor?: string; integration?: string; status?: string },
) {
  return queryPage<ConnectionItem>(store, {
    pk: pk(tenantId),
    prefix: 'CONN#',
    limit: query.limit,
    cursor: query.cursor,
    equals: { integration: query.integration, status: query.status },
  });
}

export type UpdateOutcome = 'updated' | 'missing' | 'stale';

/**
 * Applies `changes` if the stored version is still `expectedVersion`, bumping it, and
 * writes `also` (new credentials, the audit entry) in the same transaction.
 */
export async function updateConnection(
  store: ConnectionStore,
  tenantId: string,
  id: string,
  expectedVersion: number,
  changes: Partial<Pick<ConnectionItem, 'name' | 'params' | 'credentialFields' | 'status'>> & { updatedAt: string },
  also: TransactItem[],
): Promise<UpdateOutcome> {
  const names: Record<string, string> = { '#version': 'version' };
  const values: Record<string, unknown> = { ':expected': expectedVersion, ':one': 1 };
  const sets = Object.entries(changes).map(([field, value]) => {
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    return `#${field} = :${field}`;
  });
  const updated = await transact(store, [
    {
      Update: {
        TableName: store.table,
        Key: { pk: pk(tenantId), sk: connectionSk(id) },
        UpdateExpression: `SET ${sets.join(', ')} ADD #version :one`,
        ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    },
    ...also,
  ]);
  if (updated) return 'updated';
  return (await getConnection(store, tenantId, id)) ? 'stale' : 'missing';
}

/**
 * Deletes the connection (as the caller read it) and its sealed credentials together,
 * counting it out of its custom integration; false if it no longer exists.
 */
export function deleteConnection(store: ConnectionStore, tenantId: string, connection: ConnectionItem, also: TransactItem[]) {
  const id = connection.id;
  return transact(store, [
    {
      Delete: {
        TableName: store.table,
        Key: { pk: pk(tenantId), sk: connectionSk(id) },
        ConditionExpression: 'attribute_exists(pk)',
      },
    },
    { Delete: { TableName: store.table, Key: { pk: pk(tenantId), sk: credentialsSk(id) } } },
    ...(connection.countedByIntegration ? connectionCount(store.table, tenantId, connection.integration, -1) : []),
    ...also,
  ]);
}

/**
 * Records the outcome of a connection test (not a user edit: the version stays), if the
 * connection is still at the version that was tested. A test runs for as long as the
 * provider takes to answer; a PATCH with new credentials may land meanwhile:
 *
 *   test   reads v1 ── calls the provider with v1's key ─────────── 401 ── record?
 *   PATCH                     writes v2 (new, working key) ──┘
 *
 * Recording then would mark v2 `auth_failed` for v1's key, so the outcome is dropped
 * (the caller still gets it) and only the call's audit entry is written. False then.
 */
export async function recordTest(
  store: ConnectionStore,
  tenantId: string,
  id: string,
  testedVersion: number,
  outcome: TestOutcome,
  status: ConnectionStatus,
  health: ConnectionHealth,
  also: TransactItem[],
): Promise<boolean> {
  const recorded = await transact(store, [
    {
      Update: {
        TableName: store.table,
        Key: { pk: pk(tenantId), sk: connectionSk(id) },
        UpdateExpression: 'SET lastTest = :outcome, #status = :status, health = :health',
        ConditionExpression: 'attribute_exists(pk) AND #version = :tested',
        ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
        ExpressionAttributeValues: { ':outcome': outcome, ':status': status, ':health': health, ':tested': testedVersion },
      },
    },
    ...also,
  ]);
  if (recorded) return true;
  if (also.length > 0) await transact(store, also);
  return false;
}
