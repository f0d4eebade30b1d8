import { createHash } from 'node:crypto';
import { paginateQuery } from '@aws-sdk/lib-dynamodb';
import { connectionCount } from '../integrations/custom-items';
import { isConditionFailed } from '../platform/dynamodb';
import { Conflict } from '../platform/errors';
import { failedConditions, queryPage, strip, transact, type TableStore, type TransactItem } from '../platform/items';
import type { ScheduleEntry } from '../syncs/schedule';
import type { Sealed } from '../vault/vault';

export type { TransactItem };

/**
 * Connections in the main table. This store is the only writer of these items: OAuth
 * creates, re-authorizes and refreshes connections by asking it (through the connections
 * service), never with expressions of its own.
 *
 *   pk TENANT#<tenant>  sk CONN#<id>          the connection (never a secret)
 *   pk TENANT#<tenant>  sk CREDENTIALS#<id>   its sealed credentials
 *
 * Credentials live in their own item, under their own prefix, so that reading or listing
 * connections never loads ciphertext, and deleting a connection deletes the ciphertext
 * with it (one transaction).
 * Every change carries its caller's items (audit entry, event, Idempotency-Key commit, a
 * connect session's outcome) in the same transaction (`also`).
 *
 * A connection to a tenant's custom integration is counted in that integration's item
 * (`connections`, see integrations/tenant-catalog.ts) in the transaction that creates it
 * and counted out in the one that deletes it, so the integration cannot be deleted from
 * under it: whichever of the two transactions commits second fails its condition.
 *
 * The tenant's connections are counted by status and by integration in one item,
 *
 *   pk TENANT#<tenant>  sk COUNTS#CONNECTIONS   `status:<status>` and `integration:<key>` counts
 *
 * moved (ADD ±1) in the very transaction that creates a connection, deletes it or changes
 * its status, so the overview reads one item instead of every connection. A write that
 * moves the counts is conditional on what it moves them from (existence, the status read),
 * so a retried or duplicated write commits, and counts, at most once. Items written before
 * the counts existed are recounted once (`connectionCounts`).
 *
 * OAuth credentials also carry the refresh index (gsi1: `TOKENS#<shard>`, expiry) while a
 * refresh token exists, and the refresh lease (`leaseOwner`, `leaseUntil`).
 */
export interface ConnectionStore {
  /** The table its transactions run in: callers build their `also` items for it. */
  readonly table: string;
  /** Throws Conflict when nothing was written. */
  create(tenantId: string, connection: ConnectionItem, credentials: CredentialsItem, also: TransactItem[], custom: boolean): Promise<void>;
  get(tenantId: string, id: string): Promise<ConnectionItem | undefined>;
  getCredentials(tenantId: string, id: string): Promise<CredentialsItem | undefined>;
  list(tenantId: string, query: ListQuery): Promise<{ items: ConnectionItem[]; nextCursor: string | null }>;
  /** `credentials`: new ones replacing the stored ones, in the same transaction. */
  update(tenantId: string, id: string, expectedVersion: number, changes: ConnectionChanges, credentials: CredentialsItem | undefined, also: TransactItem[]): Promise<UpdateOutcome>;
  /** New params and grant (the user authorized again), bumping the version; false if the connection is gone or no longer at `expectedVersion`. */
  reauthorize(tenantId: string, id: string, changes: Reauthorization, credentials: CredentialsItem, also: TransactItem[], expectedVersion?: number, from?: ConnectionStatus): Promise<boolean>;
  delete(tenantId: string, connection: ConnectionItem, also: TransactItem[]): Promise<boolean>;
  /** `from`: the status the caller read (read here when not given): a status change is conditional on it. */
  recordTest(tenantId: string, id: string, testedVersion: number, outcome: TestOutcome, status: ConnectionStatus, health: ConnectionHealth, also: TransactItem[], from?: ConnectionStatus): Promise<boolean>;
  /** Takes the refresh lease of these credentials' generation, if no one holds it; false otherwise. */
  acquireRefreshLease(credentials: CredentialsItem, owner: string, at: Date, until: Date): Promise<boolean>;
  /** New tokens, with the lease dropped, if `owner` still holds it; false otherwise (nothing written). */
  storeRefreshedTokens(credentials: CredentialsItem, owner: string, connection: { tokenExpiresAt: string | null; health: ConnectionHealth }): Promise<boolean>;
  /** A failed refresh, with the lease given back, if `owner` still holds it; false otherwise. */
  recordRefreshFailure(tenantId: string, id: string, owner: string, failure: RefreshFailure, connection: ConnectionRefreshChange | undefined, also: TransactItem[]): Promise<boolean>;
  /** Every OAuth credentials item whose token expires by `until`, from the refresh index (eventually consistent). */
  expiringCredentials(until: string): Promise<CredentialsItem[]>;
}

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

/** What a connection's OAuth grant gave it: the scopes, and when the access token expires. */
export interface GrantView {
  scopes: string[];
  tokenExpiresAt: string | null;
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
  oauth?: GrantView | null;
  health?: ConnectionHealth;
  /** Counted in its custom integration's `connections` (connections made before that are not). */
  countedByIntegration?: boolean;
  /** Scheduled syncs as the user set them (the scheduler's working copy is the syncs domain's). */
  syncSchedule?: ScheduleEntry[] | null;
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

export interface ListQuery {
  limit: number;
  cursor?: string;
  integration?: string;
  status?: string;
}

/** A user's edit: never the status (it moves only with the counts, in the writes below). */
export type ConnectionChanges = Partial<Pick<ConnectionItem, 'name' | 'params' | 'credentialFields' | 'syncSchedule'>> & { updatedAt: string };
/** What a failed refresh changes on the connection; `from`: the status read, when `status` is set. */
export interface ConnectionRefreshChange {
  health: ConnectionHealth;
  status?: ConnectionStatus;
  from?: ConnectionStatus;
}
export type Reauthorization = Pick<ConnectionItem, 'params' | 'credentialFields' | 'status' | 'health'> & { oauth: GrantView; updatedAt: string };

export interface RefreshFailure {
  error: { code: string; at: string };
  /** Failures in a row, this one included. */
  failures: number;
  retryAt: string;
  /** The grant is gone: the credentials leave the refresh index. */
  permanent: boolean;
}

export type UpdateOutcome = 'updated' | 'missing' | 'stale';

const pk = (tenantId: string) => `TENANT#${tenantId}`;
const connectionSk = (id: string) => `CONN#${id}`;
const credentialsSk = (id: string) => `CREDENTIALS#${id}`;
const connectionKey = (tenantId: string, id: string) => ({ pk: pk(tenantId), sk: connectionSk(id) });
const credentialsKey = (tenantId: string, id: string) => ({ pk: pk(tenantId), sk: credentialsSk(id) });

const refreshShards = 8;

/** Where OAuth credentials sit in the refresh index: spread over shards, so no one partition takes every refresh. */
function refreshIndex(connectionId: string, tokenExpiresAt: string) {
  const shard = createHash('sha256').update(connectionId).digest()[0]! % refreshShards;
  return { gsi1pk: `TOKENS#${shard}`, gsi1sk: tokenExpiresAt };
}

/** The credentials item of OAuth tokens: new tokens, no lease, no error; in the refresh index while they can be refreshed. */
export function tokenCredentials(input: {
  tenantId: string;
  connectionId: string;
  sealed: Sealed;
  refreshable: boolean;
  expiresAt?: string;
  generation: number;
  at: string;
}): CredentialsItem {
  return {
    ...input.sealed,
    tenantId: input.tenantId,
    connectionId: input.connectionId,
    updatedAt: input.at,
    generation: input.generation,
    ...(input.expiresAt ? { tokenExpiresAt: input.expiresAt } : {}),
    ...(input.expiresAt && input.refreshable ? refreshIndex(input.connectionId, input.expiresAt) : {}),
  };
}

/** The store on a table. */
export function connectionStore(store: TableStore): ConnectionStore {
  return {
    table: store.table,
    create: (tenantId, connection, credentials, also, custom) => createConnection(store, tenantId, connection, credentials, also, custom),
    get: (tenantId, id) => getConnection(store, tenantId, id),
    getCredentials: (tenantId, id) => getCredentials(store, tenantId, id),
    list: (tenantId, query) => listConnections(store, tenantId, query),
    update: (tenantId, id, expectedVersion, changes, credentials, also) =>
      updateConnection(store, tenantId, id, expectedVersion, changes, [...(credentials ? [credentialsPut(store.table, credentials)] : []), ...also]),
    reauthorize: (tenantId, id, changes, credentials, also, expectedVersion, from) => reauthorize(store, tenantId, id, changes, credentials, also, expectedVersion, from),
    delete: (tenantId, connection, also) => deleteConnection(store, tenantId, connection, also),
    recordTest: (tenantId, id, testedVersion, outcome, status, health, also, from) => recordTest(store, tenantId, id, testedVersion, outcome, status, health, also, from),
    acquireRefreshLease: (credentials, owner, at, until) => acquireRefreshLease(store, credentials, owner, at, until),
    storeRefreshedTokens: (credentials, owner, connection) =>
      transact(store, [
        credentialsPut(store.table, credentials, { ConditionExpression: 'leaseOwner = :owner', ExpressionAttributeValues: { ':owner': owner } }),
        connectionUpdate(store.table, credentials.tenantId, credentials.connectionId, { 'oauth.tokenExpiresAt': connection.tokenExpiresAt, health: connection.health }),
      ]),
    recordRefreshFailure: (tenantId, id, owner, failure, connection, also) => recordRefreshFailure(store, tenantId, id, owner, failure, connection, also),
    expiringCredentials: (until) => expiringCredentials(store, until),
  };
}

function credentialsPut(table: string, item: CredentialsItem, condition: { ConditionExpression?: string; ExpressionAttributeValues?: Record<string, unknown> } = {}): TransactItem {
  return { Put: { TableName: table, Item: { ...credentialsKey(item.tenantId, item.connectionId), ...item }, ...condition } };
}

/**
 * The one way a connection item changes: `SET` each field (a dotted name sets a nested
 * one), on a connection that exists; `version` makes it conditional on the stored version
 * and `bump` moves the version on (a user's change, not a record of what happened); `from`
 * makes it conditional on the stored status (a write that moves the counts).
 */
function connectionUpdate(
  table: string,
  tenantId: string,
  id: string,
  changes: Record<string, unknown>,
  options: { version?: number; bump?: boolean; from?: ConnectionStatus } = {},
): TransactItem {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  // An absent field is left as it is (the document client would drop its value, not its name).
  const present = Object.entries(changes).filter(([, value]) => value !== undefined);
  const sets = present.map(([field, value], i) => {
    const path = field.split('.').map((part) => {
      names[`#${part}`] = part;
      return `#${part}`;
    });
    values[`:v${i}`] = value;
    return `${path.join('.')} = :v${i}`;
  });
  const conditions = ['attribute_exists(pk)'];
  if (options.version !== undefined || options.bump) names['#version'] = 'version';
  if (options.version !== undefined) {
    values[':expected'] = options.version;
    conditions.push('#version = :expected');
  }
  if (options.from !== undefined) {
    names['#status'] = 'status';
    values[':from'] = options.from;
    conditions.push('#status = :from');
  }
  if (options.bump) values[':one'] = 1;
  return {
    Update: {
      TableName: table,
      Key: connectionKey(tenantId, id),
      UpdateExpression: `SET ${sets.join(', ')}${options.bump ? ' ADD #version :one' : ''}`,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

async function createConnection(
  store: TableStore,
  tenantId: string,
  connection: ConnectionItem,
  credentials: CredentialsItem,
  also: TransactItem[],
  /** Whether the integration is one of the tenant's own, whose item counts its connections. */
  custom: boolean,
) {
  const counted = custom ? connectionCount(store.table, tenantId, connection.integration, 1) : [];
  const items = [
    {
      Put: {
        TableName: store.table,
        Item: { ...connectionKey(tenantId, connection.id), ...connection, ...(custom ? { countedByIntegration: true } : {}) },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    credentialsPut(store.table, credentials),
    ...counted,
    ...also,
    countsUpdate(store.table, tenantId, { [statusCount(connection.status)]: 1, [integrationCount(connection.integration)]: 1 }),
    // Last, so the positions above (the count's condition is read by index) stay as they are.
    { Put: { TableName: store.table, Item: { ...tenantRefKey(connection.id), tenantId } } },
  ];
  const failed = await failedConditions(store, items);
  if (!failed) return;
  // The count's condition is that the integration exists: the transaction says which held.
  if (counted.length && failed.includes(2)) {
    throw new Conflict(`there is no integration "${connection.integration}": it was deleted while the connection was being created`);
  }
  // Another condition of the caller's (its Idempotency-Key commit, a session's state) failed:
  // nothing was written, and answering as if it had been would hand out a missing connection.
  throw new Conflict('the connection was not created: a concurrent request changed what it depends on; retry');
}

/**
 * Which tenant a connection id belongs to, for the one caller that has no tenant to start
 * from: a provider's webhook (POST /v1/hooks/{integration}/{connectionId}), authenticated
 * afterwards by the connection's own secret. The item holds nothing else, and is written
 * and deleted in the connection's own transactions.
 */
const tenantRefKey = (id: string) => ({ pk: `CONNTENANT#${id}`, sk: 'CONNTENANT' });
export async function connectionTenant(store: TableStore, id: string): Promise<string | undefined> {
  const { Item } = await store.db.get({ TableName: store.table, Key: tenantRefKey(id) });
  return typeof Item?.tenantId === 'string' ? Item.tenantId : undefined;
}

export async function getConnection(store: TableStore, tenantId: string, id: string) {
  const { Item } = await store.db.get({ TableName: store.table, Key: connectionKey(tenantId, id), ConsistentRead: true });
  return Item ? strip<ConnectionItem>(Item) : undefined;
}

async function getCredentials(store: TableStore, tenantId: string, id: string) {
  const { Item } = await store.db.get({ TableName: store.table, Key: credentialsKey(tenantId, id), ConsistentRead: true });
  return Item ? strip<CredentialsItem>(Item) : undefined;
}

function listConnections(store: TableStore, tenantId: string, query: ListQuery) {
  return queryPage<ConnectionItem>(store, {
    pk: pk(tenantId),
    prefix: 'CONN#',
    limit: query.limit,
    cursor: query.cursor,
    equals: { integration: query.integration, status: query.status },
  });
}

/**
 * Applies `changes` if the stored version is still `expectedVersion`, bumping it, and
 * writes `also` (new credentials, the audit entry) in the same transaction.
 */
async function updateConnection(
  store: TableStore,
  tenantId: string,
  id: string,
  expectedVersion: number,
  changes: ConnectionChanges,
  also: TransactItem[],
): Promise<UpdateOutcome> {
  const updated = await transact(store, [connectionUpdate(store.table, tenantId, id, changes, { version: expectedVersion, bump: true }), ...also]);
  if (updated) return 'updated';
  return (await getConnection(store, tenantId, id)) ? 'stale' : 'missing';
}

/**
 * Deletes the connection (as the caller read it) and its sealed credentials together,
 * counting it out of its custom integration and the tenant's counts; false if it no longer
 * exists or its status is no longer the one read (the counts would move the wrong one).
 */
function deleteConnection(store: TableStore, tenantId: string, connection: ConnectionItem, also: TransactItem[]) {
  const id = connection.id;
  return transact(store, [
    {
      Delete: {
        TableName: store.table,
        Key: connectionKey(tenantId, id),
        ConditionExpression: 'attribute_exists(pk) AND #status = :from',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':from': connection.status },
      },
    },
    countsUpdate(store.table, tenantId, { [statusCount(connection.status)]: -1, [integrationCount(connection.integration)]: -1 }),
    { Delete: { TableName: store.table, Key: credentialsKey(tenantId, id) } },
    { Delete: { TableName: store.table, Key: tenantRefKey(id) } },
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
 * A status change is also conditional on the status it changes from (a failed token
 * refresh may change it without a new version), and moves the counts with it; an outcome
 * that leaves the status as it is does not write it.
 */
export async function recordTest(
  store: TableStore,
  tenantId: string,
  id: string,
  testedVersion: number,
  outcome: TestOutcome,
  status: ConnectionStatus,
  health: ConnectionHealth,
  also: TransactItem[],
  from?: ConnectionStatus,
): Promise<boolean> {
  const prior = from ?? (await getConnection(store, tenantId, id))?.status ?? status;
  const moves = prior !== status;
  const recorded = await transact(store, [
    connectionUpdate(store.table, tenantId, id, { lastTest: outcome, health, ...(moves ? { status } : {}) }, { version: testedVersion, ...(moves ? { from: prior } : {}) }),
    ...statusCountMove(store.table, tenantId, prior, status),
    ...also,
  ]);
  if (recorded) return true;
  if (also.length > 0) await transact(store, also);
  return false;
}

/** One lease per token generation: a caller still holding an older generation cannot take it. */
async function acquireRefreshLease(store: TableStore, credentials: CredentialsItem, owner: string, at: Date, until: Date): Promise<boolean> {
  try {
    await store.db.update({
      TableName: store.table,
      Key: credentialsKey(credentials.tenantId, credentials.connectionId),
      UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until',
      ConditionExpression: 'generation = :generation AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
      ExpressionAttributeValues: { ':owner': owner, ':until': until.getTime(), ':generation': credentials.generation ?? 0, ':now': at.getTime() },
    });
    return true;
  } catch (error) {
    if (isConditionFailed(error)) return false;
    throw error;
  }
}

async function recordRefreshFailure(
  store: TableStore,
  tenantId: string,
  id: string,
  owner: string,
  failure: RefreshFailure,
  connection: ConnectionRefreshChange | undefined,
  also: TransactItem[],
) {
  const { from: given, status, health } = connection ?? {};
  const prior = status === undefined ? undefined : (given ?? (await getConnection(store, tenantId, id))?.status ?? status);
  const moves = status !== undefined && prior !== status;
  return transact(store, [
    {
      Update: {
        TableName: store.table,
        Key: credentialsKey(tenantId, id),
        UpdateExpression: `SET refreshError = :error, refreshFailures = :failures, refreshRetryAt = :retryAt REMOVE leaseOwner, leaseUntil${failure.permanent ? ', gsi1pk, gsi1sk' : ''}`,
        ConditionExpression: 'leaseOwner = :owner',
        ExpressionAttributeValues: { ':error': failure.error, ':failures': failure.failures, ':retryAt': failure.retryAt, ':owner': owner },
      },
    },
    ...(connection ? [connectionUpdate(store.table, tenantId, id, { health, ...(moves ? { status } : {}) }, moves ? { from: prior } : {})] : []),
    ...(moves ? statusCountMove(store.table, tenantId, prior!, status!) : []),
    ...also,
  ]);
}

/** One query per shard of the refresh index, not a scan. */
async function expiringCredentials(store: TableStore, until: string): Promise<CredentialsItem[]> {
  const due: CredentialsItem[] = [];
  for (let shard = 0; shard < refreshShards; shard++) {
    const pages = paginateQuery(
      { client: store.db },
      {
        TableName: store.table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :shard AND gsi1sk <= :until',
        ExpressionAttributeValues: { ':shard': `TOKENS#${shard}`, ':until': until },
      },
    );
    for await (const page of pages) due.push(...(page.Items ?? []).map((raw) => strip<CredentialsItem>(raw)));
  }
  return due;
}

/**
 * A new grant and params on a connection read at `expectedVersion` and `from` (read here
 * when not given): active again, counted out of the status it leaves. A failed refresh or
 * a test may change the status without a new version, so the status is a condition too.
 */
async function reauthorize(
  store: TableStore,
  tenantId: string,
  id: string,
  changes: Reauthorization,
  credentials: CredentialsItem,
  also: TransactItem[],
  expectedVersion: number | undefined,
  from: ConnectionStatus | undefined,
) {
  const prior = from ?? (await getConnection(store, tenantId, id))?.status;
  if (prior === undefined) return false;
  return transact(store, [
    connectionUpdate(store.table, tenantId, id, changes, { bump: true, version: expectedVersion, from: prior }),
    credentialsPut(store.table, credentials),
    ...statusCountMove(store.table, tenantId, prior, changes.status),
    ...also,
  ]);
}

// ---- the tenant's connection counts ----

const countsKey = (tenantId: string) => ({ pk: pk(tenantId), sk: 'COUNTS#CONNECTIONS' });
// Flat attributes, not maps: ADD cannot create a nested counter whose map does not exist yet.
const statusCount = (status: ConnectionStatus) => `status:${status}`;
const integrationCount = (integration: string) => `integration:${integration}`;

/**
 * Moves the counts by `deltas`, and `writes` by one: a recount (below) commits only if no
 * write moved the counts while it read the connections.
 */
function countsUpdate(table: string, tenantId: string, deltas: Record<string, number>): TransactItem {
  const entries = [...Object.entries(deltas), ['writes', 1] as const];
  return {
    Update: {
      TableName: table,
      Key: countsKey(tenantId),
      UpdateExpression: `ADD ${entries.map((_, i) => `#c${i} :d${i}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(entries.map(([name], i) => [`#c${i}`, name])),
      ExpressionAttributeValues: Object.fromEntries(entries.map(([, delta], i) => [`:d${i}`, delta])),
    },
  };
}

function statusCountMove(table: string, tenantId: string, from: ConnectionStatus, to: ConnectionStatus): TransactItem[] {
  return from === to ? [] : [countsUpdate(table, tenantId, { [statusCount(from)]: -1, [statusCount(to)]: 1 })];
}

export interface ConnectionCounts {
  byStatus: Record<ConnectionStatus, number>;
  /** Integrations with at least one connection. */
  byIntegration: Record<string, number>;
}

const statuses: ConnectionStatus[] = ['active', 'auth_failed', 'error'];

function countsOf(item: Record<string, unknown>): ConnectionCounts {
  const byStatus = Object.fromEntries(statuses.map((status) => [status, Number(item[statusCount(status)] ?? 0)])) as Record<ConnectionStatus, number>;
  const byIntegration: Record<string, number> = {};
  for (const [name, value] of Object.entries(item)) {
    if (name.startsWith('integration:') && Number(value) > 0) byIntegration[name.slice('integration:'.length)] = Number(value);
  }
  return { byStatus, byIntegration };
}

/**
 * The tenant's connection counts: one GetItem once they are `counted`. Connections made
 * before the counts existed moved nothing, so until a recount has committed the item is
 * not trusted: the connections are read once (their status and integration only) and the
 * counts written, conditional on no write having moved them meanwhile (`writes`); a
 * recount that loses that race reads again. Done here rather than by an operator's
 * command so that no deployment step can be forgotten and no tenant shows wrong numbers.
 */
export async function connectionCounts(store: TableStore, tenantId: string): Promise<ConnectionCounts> {
  for (let attempt = 1; ; attempt++) {
    const { Item } = await store.db.get({ TableName: store.table, Key: countsKey(tenantId), ConsistentRead: true });
    if (Item?.counted === true) return countsOf(Item);
    const counts: Record<string, number> = {};
    const pages = paginateQuery(
      { client: store.db },
      {
        TableName: store.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ProjectionExpression: '#status, integration',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pk': pk(tenantId), ':prefix': 'CONN#' },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        for (const name of [statusCount(item.status as ConnectionStatus), integrationCount(String(item.integration))]) counts[name] = (counts[name] ?? 0) + 1;
      }
    }
    const writes = Item?.writes;
    try {
      await store.db.put({
        TableName: store.table,
        Item: { ...countsKey(tenantId), ...counts, writes: writes ?? 0, counted: true },
        ...(writes === undefined
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : { ConditionExpression: '#writes = :writes', ExpressionAttributeNames: { '#writes': 'writes' }, ExpressionAttributeValues: { ':writes': writes } }),
      });
      return countsOf(counts);
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      // Connections keep changing: answer this recount; a later call writes one.
      if (attempt === 3) return countsOf(counts);
    }
  }
}
