import type { Integration } from '../integrations/schema';
import type { ConnectionPort, Grant } from '../oauth/tokens';
import { changeRecords, type Audit } from '../platform/audit';
import { webhookSecretField } from '../integrations/service';
import { Conflict, Invalid, NotFound, PreconditionFailed, type FieldError } from '../platform/errors';
import { newId } from '../platform/ids';
import { OutboundError, type OutboundRequest, type OutboundResponse } from '../platform/outbound';
import type { ScheduleEntry } from '../syncs/schedule';
import type { Vault } from '../vault/vault';
import { eventPut } from '../events/store';
import { healthFigures, lastSyncAt, recentRunCount, scoreHealth, type HealthSources } from './health';
import type { Connection, ConnectionHealthView, ConnectionInput, ConnectionPatch } from './schema';
import {
  tokenCredentials,
  type ConnectionHealth,
  type ConnectionItem,
  type ConnectionStatus,
  type ConnectionStore,
  type CredentialsItem,
  type ListQuery,
  type RefreshFailure,
  type TestOutcome,
  type TransactItem,
  type UpdateOutcome,
} from './store';

/**
 * What connections need from the integration catalog. Kept as a port so the catalog
 * (built-in and tenants' own integrations) can change without touching this file.
 */
export interface IntegrationPort {
  /**
   * The integration a connection uses, and the rules it sets; undefined: no such
   * integration for this tenant. A request finds its integration at most once: it may read
   * the tenant's own integrations (never for a built-in one).
   */
  find(tenantId: string, key: string): Promise<IntegrationRules | undefined>;
}

export interface IntegrationRules {
  definition: Integration;
  /** One of the tenant's own integrations, whose item counts the connections that use it. */
  custom: boolean;
  /** Checks a connection's auth type, credentials and params against the integration. */
  check(input: {
    authType?: string;
    credentials: Record<string, string>;
    params: Record<string, string>;
    /** The params of a change that keeps the stored secrets: `params` must send them to the same hosts. */
    keptSecretsParams?: Record<string, string>;
  }): { authType: string; errors: FieldError[] };
  /** The HTTP request that proves the credentials work (the integration's check endpoint). */
  checkRequest(connection: { authType: string; params: Record<string, string> }, credentials: Record<string, string>): OutboundRequest;
  /** Whether the check endpoint's answer means the credentials work (some say so in the body). */
  checkSucceeded(response: { status: number; body: string }): boolean;
}

/** What connections need from OAuth: fresh tokens, and revoking them at deletion. */
export interface TokenPort {
  /**
   * The connection's tokens, refreshed first when they are about to expire. `integration`:
   * the connection's, when the caller has it already (a refresh then reads no catalog).
   * `rejected`: an access token the provider has just refused (401): refreshed even if
   * not about to expire, unless the stored token is another one already.
   */
  fresh(tenantId: string, connectionId: string, integration?: Integration, options?: { rejected?: string }): Promise<Record<string, string>>;
  /** Revokes the grant at the provider where it declares how; never throws. */
  revoke(tenantId: string, connection: Connection, credentials: Record<string, string>): Promise<TokenRevocation>;
}

export interface TokenRevocation {
  status: 'revoked' | 'failed' | 'unsupported';
  detail: string;
}

/**
 * What connections need from syncs: the items that give a connection its sync schedule,
 * written in the transaction that changes the connection. `set` checks the entries'
 * streams against the integration (400 naming the field); `clear` removes the schedule.
 */
export interface SchedulePort {
  set(tenantId: string, connectionId: string, integration: Integration, entries: ScheduleEntry[] | null, now: Date): TransactItem[];
  clear(tenantId: string, connectionId: string): TransactItem;
}

/**
 * What connections need from inbound webhooks: the subscriptions registered at the
 * provider, removed when their connection is deleted (while its credentials still work).
 */
export interface WebhookSubscriptionPort {
  /** Removes each at the provider, best effort, and forgets them all; null when there were none. */
  removeAll(tenantId: string, connection: ConnectionItem): Promise<WebhookSubscriptionRemoval | null>;
}

export interface WebhookSubscriptionRemoval {
  removed: number;
  /** Those the provider did not confirm removing (the detail says why, never a secret). */
  failed: Array<{ id: string; detail: string }>;
}

export interface ConnectionDeps {
  store: ConnectionStore;
  schedules: SchedulePort;
  vault: Vault;
  integrations: IntegrationPort;
  tokens: TokenPort;
  webhookSubscriptions: WebhookSubscriptionPort;
  send: (request: OutboundRequest) => Promise<OutboundResponse>;
  now?: () => Date;
}

type StoreDeps = Pick<ConnectionDeps, 'store'>;

const purpose = 'credentials';
const nowIso = (deps: { now?: () => Date }) => (deps.now?.() ?? new Date()).toISOString();
const noHealth = (): ConnectionHealth => ({ lastSuccessAt: null, lastFailureAt: null, lastError: null, consecutiveFailures: 0 });
/** The health of a connection whose credentials the provider has just accepted. */
const healthy = (at: string): ConnectionHealth => ({ lastSuccessAt: at, lastFailureAt: null, lastError: null, consecutiveFailures: 0 });

/** A new connection item, whichever way it is made (credentials sent to the API, or an OAuth flow). */
function newConnection(
  input: Pick<ConnectionItem, 'id' | 'integration' | 'name' | 'authType' | 'params' | 'credentialFields' | 'oauth'> & {
    at: string;
    health: ConnectionHealth;
  },
): ConnectionItem {
  const { at, ...fields } = input;
  return { ...fields, status: 'active', version: 1, createdAt: at, updatedAt: at, lastTest: null };
}

export async function createConnection(deps: ConnectionDeps, audit: Audit, input: ConnectionInput): Promise<Connection> {
  const rules = await integrationRules(deps, audit.tenantId, input.integration);
  const checked = checkFit(rules, input.integration, input);
  const at = nowIso(deps);
  const id = newId('conn');
  const connection = newConnection({
    id,
    integration: input.integration,
    name: input.name,
    authType: checked.authType,
    params: input.params,
    credentialFields: Object.keys(input.credentials).sort(),
    at,
    oauth: null,
    health: noHealth(),
  });
  const sealed = await deps.vault.seal(input.credentials, { tenantId: audit.tenantId, connectionId: id, purpose });
  const view = toView(connection);
  await deps.store.create(
    audit.tenantId,
    connection,
    credentialsItem(audit.tenantId, id, sealed, at),
    [...changeRecords(deps.store.table, audit, id, at, 201), eventPut(deps.store.table, audit.tenantId, 'connection.created', view, new Date(at))],
    checked.custom,
  );
  return view;
}

export async function getConnection(deps: StoreDeps, tenantId: string, id: string): Promise<Connection> {
  return toView(await connectionItem(deps, tenantId, id));
}

async function connectionItem(deps: StoreDeps, tenantId: string, id: string) {
  const connection = await deps.store.get(tenantId, id);
  if (!connection) throw new NotFound(`no connection ${id}`);
  return connection;
}

export async function listConnections(deps: StoreDeps, tenantId: string, query: ListQuery) {
  const { items, nextCursor } = await deps.store.list(tenantId, query);
  return { data: items.map(toView), nextCursor };
}

/**
 * Applies a patch if `ifMatch` is still the stored version; credentials are replaced whole.
 * New params that would send the stored secrets to another host are refused: an API-key,
 * basic or bearer connection must bring its credentials for that host in the same patch,
 * and an OAuth connection must be authorized again there (a connect session).
 */
export async function updateConnection(
  deps: ConnectionDeps,
  audit: Audit,
  id: string,
  ifMatch: number,
  patch: ConnectionPatch,
): Promise<Connection> {
  const current = await connectionItem(deps, audit.tenantId, id);
  if (current.version !== ifMatch) throw stale(id, ifMatch, current.version);
  if (current.authType === 'oauth2' && patch.credentials) {
    throw new Invalid('an OAuth connection gets its tokens from the OAuth flow: start a connect session with its connectionId', [
      { field: 'body.credentials', message: 'set by the OAuth flow' },
    ]);
  }
  // The integration is found once, for whatever of the patch needs it.
  const rules = patch.credentials || patch.params || patch.syncSchedule !== undefined ? await integrationRules(deps, audit.tenantId, current.integration) : undefined;
  if (rules && (patch.credentials || patch.params)) {
    // OAuth connections' tokens are not the caller's to check; only their params are.
    const credentials = current.authType === 'oauth2' ? {} : (patch.credentials ?? (await openCredentials(deps, audit.tenantId, id)));
    // Without new credentials the stored secrets stay: they must not follow params to a host the caller picks.
    const keepsSecrets = current.authType === 'oauth2' || !patch.credentials;
    checkFit(rules, current.integration, {
      authType: current.authType,
      credentials,
      params: patch.params ?? current.params,
      ...(keepsSecrets && patch.params ? { keptSecretsParams: current.params } : {}),
    });
  }
  const at = nowIso(deps);
  const schedule = rules && patch.syncSchedule !== undefined ? deps.schedules.set(audit.tenantId, id, rules.definition, patch.syncSchedule, new Date(at)) : [];
  const credentials = patch.credentials
    ? credentialsItem(audit.tenantId, id, await deps.vault.seal(patch.credentials, { tenantId: audit.tenantId, connectionId: id, purpose }), at)
    : undefined;
  const changes = {
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.params !== undefined ? { params: patch.params } : {}),
    ...(patch.credentials !== undefined ? { credentialFields: Object.keys(patch.credentials).sort() } : {}),
    ...(patch.syncSchedule !== undefined ? { syncSchedule: patch.syncSchedule } : {}),
    updatedAt: at,
  };
  // The update is conditional on `ifMatch`, so the connection it commits is exactly this one.
  const view = toView({ ...current, ...changes, version: ifMatch + 1 });
  const also = [...schedule, ...changeRecords(deps.store.table, audit, id, at), eventPut(deps.store.table, audit.tenantId, 'connection.updated', view, new Date(at))];
  const outcome = await deps.store.update(audit.tenantId, id, ifMatch, changes, credentials, also);
  if (outcome === 'missing') throw new NotFound(`no connection ${id}`);
  if (outcome === 'stale') {
    const now = await deps.store.get(audit.tenantId, id);
    throw stale(id, ifMatch, now?.version ?? ifMatch + 1);
  }
  return view;
}

/**
 * Deletes the connection and destroys its sealed credentials in the same transaction.
 * Its webhook subscriptions are removed at the provider first, then an OAuth connection's
 * grant is revoked where it declares how (in that order: removing them needs the grant);
 * the deletion goes ahead whether or not the provider answers, and says what happened.
 */
export async function deleteConnection(
  deps: ConnectionDeps,
  audit: Audit,
  id: string,
): Promise<{ id: string; deleted: true; tokenRevocation: TokenRevocation | null; webhookSubscriptions: WebhookSubscriptionRemoval | null }> {
  let connection = await connectionItem(deps, audit.tenantId, id);
  const webhookSubscriptions = await deps.webhookSubscriptions.removeAll(audit.tenantId, connection);
  let tokenRevocation: TokenRevocation | null = null;
  if (connection.authType === 'oauth2') {
    const sealed = await deps.store.getCredentials(audit.tenantId, id);
    const credentials = sealed ? await deps.vault.open<Record<string, string>>(sealed, { tenantId: audit.tenantId, connectionId: id, purpose }) : undefined;
    tokenRevocation = credentials
      ? await deps.tokens.revoke(audit.tenantId, toView(connection), credentials)
      : { status: 'failed', detail: 'the connection had no stored tokens' };
  }
  const at = nowIso(deps);
  const table = deps.store.table;
  // The deletion is conditional on the status read (it counts the connection out of it):
  // a test or a failed refresh changing it meanwhile means reading it again, a few times.
  for (let attempt = 1; ; attempt++) {
    const deleted = eventPut(table, audit.tenantId, 'connection.deleted', toView(connection), new Date(at));
    const unscheduled = deps.schedules.clear(audit.tenantId, id);
    if (await deps.store.delete(audit.tenantId, connection, [...changeRecords(table, audit, id, at, 200), deleted, unscheduled])) break;
    const now = await deps.store.get(audit.tenantId, id);
    if (!now) throw new NotFound(`no connection ${id}`);
    if (attempt === 3) throw new Conflict(`connection ${id} kept changing while it was being deleted; retry`);
    connection = now;
  }
  return { id, deleted: true, tokenRevocation, webhookSubscriptions };
}

/**
 * Gives the connection a new `webhookSecret` credential (made at a webhook subscription's
 * registration), keeping its other credentials: they are opened, re-sealed with the field
 * and written in one update conditional on `expectedVersion`, the version the caller read
 * before asking the provider, which moves on (a client holding the old ETag must not PATCH
 * the secret away unknowingly). `also` commits in the same transaction; `stale` when the
 * connection changed meanwhile (or a condition of `also` failed): nothing was written.
 */
export async function setWebhookSecret(
  deps: Pick<ConnectionDeps, 'store' | 'vault' | 'now'>,
  tenantId: string,
  id: string,
  expectedVersion: number,
  secret: string,
  also: TransactItem[],
): Promise<UpdateOutcome> {
  const current = await deps.store.get(tenantId, id);
  if (!current) return 'missing';
  if (current.version !== expectedVersion) return 'stale';
  // OAuth credentials are the grant's tokens, rewritten whole by every refresh.
  if (current.authType === 'oauth2') throw new Conflict('an OAuth connection cannot hold a webhook secret yet');
  const credentials = { ...(await openCredentials(deps, tenantId, id)), [webhookSecretField]: secret };
  const at = nowIso(deps);
  const sealed = await deps.vault.seal(credentials, { tenantId, connectionId: id, purpose });
  const changes = { credentialFields: Object.keys(credentials).sort(), updatedAt: at };
  const view = toView({ ...current, ...changes, version: expectedVersion + 1 });
  const event = eventPut(deps.store.table, tenantId, 'connection.updated', view, new Date(at));
  return deps.store.update(tenantId, id, expectedVersion, changes, credentialsItem(tenantId, id, sealed, at), [...also, event]);
}

/**
 * How the connection is doing: status, last success and failure, token expiry, its last
 * finished sync, and a score with the reasons behind it (./health.ts). The connection, its
 * recent runs and its 24 h figures are read at once: a request, a handful of reads.
 */
export async function connectionHealth(deps: StoreDeps & HealthSources, tenantId: string, id: string): Promise<ConnectionHealthView> {
  const now = deps.now?.() ?? new Date();
  const [connection, runs, figures] = await Promise.all([
    connectionItem(deps, tenantId, id),
    deps.recentRuns(tenantId, id, recentRunCount),
    healthFigures(deps.metrics, tenantId, id, now),
  ]);
  return {
    id,
    status: connection.status,
    ...(connection.health ?? noHealth()),
    tokenExpiresAt: connection.oauth?.tokenExpiresAt ?? null,
    lastTest: connection.lastTest,
    lastSyncAt: lastSyncAt(runs),
    ...scoreHealth(connection, runs, figures, now),
  };
}

/**
 * Calls the integration's check endpoint with the stored credentials and records the
 * outcome. A 401/403 from the provider marks the connection `auth_failed`.
 */
export async function testConnection(deps: ConnectionDeps, audit: Audit, id: string): Promise<TestOutcome> {
  const connection = await connectionItem(deps, audit.tenantId, id);
  const integration = await deps.integrations.find(audit.tenantId, connection.integration);
  if (!integration) throw new Error(`integration ${connection.integration} disappeared from the catalog`);
  const credentials =
    connection.authType === 'oauth2'
      ? await deps.tokens.fresh(audit.tenantId, id, integration.definition)
      : await openCredentials(deps, audit.tenantId, id);
  const request = integration.checkRequest(connection, credentials);
  const at = nowIso(deps);
  let outcome: TestOutcome;
  try {
    const response = await deps.send(request);
    const ok = integration.checkSucceeded(response);
    outcome = {
      at,
      ok,
      status: response.status,
      latencyMs: response.latencyMs,
      detail: ok ? 'the provider accepted the credentials' : describeRefusal(response),
    };
  } catch (error) {
    if (!(error instanceof OutboundError)) throw error;
    outcome = { at, ok: false, status: null, latencyMs: 0, detail: error.message };
  }
  const status: ConnectionStatus = outcome.ok
    ? 'active'
    : outcome.status === 401 || outcome.status === 403
      ? 'auth_failed'
      : connection.status;
  const before = connection.health ?? noHealth();
  const health: ConnectionHealth = outcome.ok
    ? { ...before, lastSuccessAt: at, consecutiveFailures: 0, lastError: null }
    : { ...before, lastFailureAt: at, consecutiveFailures: before.consecutiveFailures + 1, lastError: outcome.detail };
  await deps.store.recordTest(audit.tenantId, id, connection.version, outcome, status, health, changeRecords(deps.store.table, audit, id, at), connection.status);
  return outcome;
}

/** The decrypted credentials, for code that calls the provider. Never returned by the API. */
export async function openCredentials(deps: Pick<ConnectionDeps, 'store' | 'vault'>, tenantId: string, id: string): Promise<Record<string, string>> {
  const sealed = await deps.store.getCredentials(tenantId, id);
  if (!sealed) throw new NotFound(`no connection ${id}`);
  return deps.vault.open(sealed, { tenantId, connectionId: id, purpose });
}

async function integrationRules(deps: ConnectionDeps, tenantId: string, key: string): Promise<IntegrationRules> {
  const integration = await deps.integrations.find(tenantId, key);
  if (!integration) {
    throw new Invalid(`there is no integration "${key}"`, [{ field: 'body.integration', message: 'unknown integration' }]);
  }
  return integration;
}

function checkFit(integration: IntegrationRules, key: string, input: Parameters<IntegrationRules['check']>[0]) {
  const checked = integration.check(input);
  if (checked.errors.length > 0) {
    throw new Invalid(
      `the connection does not fit integration "${key}": ${checked.errors.map((e) => `${e.field} (${e.message})`).join('; ')}`,
      checked.errors,
    );
  }
  return { authType: checked.authType, custom: integration.custom };
}

// ---- what OAuth asks of connections (see ConnectionPort in oauth/tokens.ts) ----

/**
 * Connections as OAuth sees them: it reads them, and asks for every change (a connection a
 * flow made, a new grant, refreshed tokens, a failed refresh) without writing them itself.
 */
export function connectionPort(store: ConnectionStore): ConnectionPort {
  const deps = { store };
  return {
    get: (tenantId, id) => store.get(tenantId, id),
    credentials: (tenantId, id) => store.getCredentials(tenantId, id),
    createAuthorized: (audit, connection, grant, at, also) => createAuthorizedConnection(deps, audit, connection, grant, at, also),
    reauthorize: (audit, connection, grant, at, also) => reauthorizeConnection(deps, audit, connection, grant, at, also),
    acquireRefreshLease: (credentials, owner, at, until) => store.acquireRefreshLease(credentials, owner, at, until),
    storeRefreshedTokens: (credentials, owner, grant, at) => storeRefreshedTokens(deps, credentials, owner, grant, at),
    recordRefreshFailure: (credentials, connection, owner, failure) => recordRefreshFailure(deps, credentials, connection, owner, failure),
    expiringCredentials: (until) => store.expiringCredentials(until),
  };
}

const grantFields = (grant: Grant) => (grant.refreshable ? ['accessToken', 'refreshToken'] : ['accessToken']);
const grantView = (grant: Grant) => ({ scopes: grant.scopes, tokenExpiresAt: grant.expiresAt ?? null });
const grantCredentials = (tenantId: string, connectionId: string, grant: Omit<Grant, 'scopes'>, generation: number, at: string): CredentialsItem =>
  tokenCredentials({ tenantId, connectionId, sealed: grant.sealed, refreshable: grant.refreshable, expiresAt: grant.expiresAt, generation, at });

/**
 * Creates the connection an OAuth flow authorized, with its first tokens, its audit entry
 * and `connection.created`; `also` (the session's outcome) commits in the same transaction.
 * Throws Conflict when nothing was written.
 */
export async function createAuthorizedConnection(
  deps: StoreDeps,
  audit: Audit,
  input: { id: string; integration: string; name: string; params: Record<string, string>; custom: boolean },
  grant: Grant,
  at: Date,
  also: TransactItem[],
): Promise<Connection> {
  const iso = at.toISOString();
  const table = deps.store.table;
  const connection = newConnection({
    id: input.id,
    integration: input.integration,
    name: input.name,
    authType: 'oauth2',
    params: input.params,
    credentialFields: grantFields(grant),
    at: iso,
    oauth: grantView(grant),
    health: healthy(iso),
  });
  const view = toView(connection);
  await deps.store.create(
    audit.tenantId,
    connection,
    grantCredentials(audit.tenantId, input.id, grant, 1, iso),
    [...also, ...changeRecords(table, audit, input.id, iso, 201), eventPut(table, audit.tenantId, 'connection.created', view, at)],
    input.custom,
  );
  return view;
}

/**
 * Gives an existing OAuth connection a new grant and params (the user authorized it again):
 * active again, version moved on, with its audit entry and `connection.updated`; `also`
 * commits in the same transaction. False when the connection no longer exists.
 */
export async function reauthorizeConnection(
  deps: StoreDeps,
  audit: Audit,
  input: { id: string; params: Record<string, string> },
  grant: Grant,
  at: Date,
  also: TransactItem[],
): Promise<boolean> {
  const iso = at.toISOString();
  const table = deps.store.table;
  const changes = { params: input.params, oauth: grantView(grant), credentialFields: grantFields(grant), status: 'active' as const, health: healthy(iso), updatedAt: iso };
  // The event carries the connection this commits: the write holds only at the version read,
  // and a PATCH landing in between means reading again (a few times: a user's edits are rare).
  for (let attempt = 0; attempt < 3; attempt++) {
    const current = await deps.store.get(audit.tenantId, input.id);
    if (!current) return false;
    const view = toView({ ...current, ...changes, version: current.version + 1 });
    const event = eventPut(table, audit.tenantId, 'connection.updated', view, at);
    const credentials = grantCredentials(audit.tenantId, input.id, grant, 1, iso);
    if (await deps.store.reauthorize(audit.tenantId, input.id, changes, credentials, [...also, ...changeRecords(table, audit, input.id, iso, 200), event], current.version, current.status)) return true;
  }
  return false;
}

/**
 * Refreshed tokens, as the next generation of `current`, and the connection's expiry and
 * health with them; false (nothing written) when `owner` no longer holds the refresh lease
 * or the connection is gone.
 */
export function storeRefreshedTokens(deps: StoreDeps, current: CredentialsItem, owner: string, grant: Omit<Grant, 'scopes'>, at: Date): Promise<boolean> {
  const iso = at.toISOString();
  return deps.store.storeRefreshedTokens(
    grantCredentials(current.tenantId, current.connectionId, grant, (current.generation ?? 0) + 1, iso),
    owner,
    { tokenExpiresAt: grant.expiresAt ?? null, health: healthy(iso) },
  );
}

/**
 * A failed refresh, on the credentials (backoff, lease given back) and on the connection's
 * health. A permanent one (the grant is gone) marks the connection `auth_failed` and
 * records `connection.auth_failed`, once. The status change is conditional on the status
 * read; when a test changed it meanwhile, the connection is read again once.
 */
export async function recordRefreshFailure(
  deps: StoreDeps,
  credentials: CredentialsItem,
  connection: ConnectionItem | undefined,
  owner: string,
  failure: RefreshFailure,
  retried = false,
): Promise<void> {
  const { tenantId, connectionId } = credentials;
  const health: ConnectionHealth = {
    lastSuccessAt: connection?.health?.lastSuccessAt ?? null,
    lastFailureAt: failure.error.at,
    lastError: `token refresh failed: ${failure.error.code}`,
    consecutiveFailures: (connection?.health?.consecutiveFailures ?? 0) + 1,
  };
  // Reported once, and only for a connection that still exists (the event carries it).
  const reported = failure.permanent && connection !== undefined && connection.status !== 'auth_failed';
  const recorded = await deps.store.recordRefreshFailure(
    tenantId,
    connectionId,
    owner,
    failure,
    connection ? { health, ...(failure.permanent ? { status: 'auth_failed' as const, from: connection.status } : {}) } : undefined,
    reported
      ? [eventPut(deps.store.table, tenantId, 'connection.auth_failed', { ...toView({ ...connection, status: 'auth_failed' }), reason: failure.error.code }, new Date(failure.error.at))]
      : [],
  );
  // Nothing written: the lease is gone (nothing of ours to record), or the status moved.
  if (!recorded && failure.permanent && connection && !retried) {
    await recordRefreshFailure(deps, credentials, await deps.store.get(tenantId, connectionId), owner, failure, true);
  }
}

/** The API's view of a connection: named fields only (never store attributes or secrets). */
function toView(item: ConnectionItem): Connection {
  return {
    id: item.id,
    integration: item.integration,
    name: item.name,
    authType: item.authType,
    params: item.params,
    credentialFields: item.credentialFields,
    status: item.status,
    version: item.version,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    lastTest: item.lastTest,
    oauth: item.oauth ?? null,
    syncSchedule: item.syncSchedule ?? null,
  };
}

function credentialsItem(tenantId: string, connectionId: string, sealed: Awaited<ReturnType<Vault['seal']>>, at: string): CredentialsItem {
  return { ...sealed, tenantId, connectionId, updatedAt: at };
}

function stale(id: string, expected: number, actual: number) {
  return new PreconditionFailed(`connection ${id} is at version ${actual}, not ${expected}; read it again and retry`);
}

/** A provider's refusal, summarised without echoing its body (which may quote the key). */
function describeRefusal(response: OutboundResponse): string {
  if (response.status === 401 || response.status === 403) return `the provider refused the credentials (HTTP ${response.status})`;
  if (response.status === 429) return 'the provider is rate-limiting these credentials (HTTP 429)';
  if (response.status >= 200 && response.status < 300) return `the provider answered HTTP ${response.status} but did not confirm the credentials`;
  return `the provider answered HTTP ${response.status}`;
}
