import { changeRecords, type Audit } from '../platform/audit';
import { Invalid, NotFound, PreconditionFailed, type FieldError } from '../platform/errors';
import { newId } from '../platform/ids';
import { OutboundError, type OutboundRequest, type OutboundResponse } from '../platform/outbound';
import type { Vault } from '../vault/vault';
import { eventPut } from '../platform/events';
import type { Connection, ConnectionHealthView, ConnectionInput, ConnectionPatch } from './schema';
import * as store from './store';

/**
 * What connections need from the integration catalog. Kept as a port so the catalog
 * (built-in and, later, tenants' own integrations) can change without touching this file.
 */
export interface IntegrationPort {
  /**
   * Checks a connection's auth type, credentials and params against its integration.
   * Undefined: no such integration for this tenant.
   */
  check(
    tenantId: string,
    input: {
      integration: string;
      authType?: string;
      credentials: Record<string, string>;
      params: Record<string, string>;
      /** The params of a change that keeps the stored secrets: `params` must send them to the same hosts. */
      keptSecretsParams?: Record<string, string>;
    },
  ): Promise<{ authType: string; errors: FieldError[]; custom: boolean } | undefined>;
  /** The HTTP request that proves the credentials work (the integration's check endpoint). */
  checkRequest(
    tenantId: string,
    connection: { integration: string; authType: string; params: Record<string, string> },
    credentials: Record<string, string>,
  ): Promise<OutboundRequest>;
  /** Whether the check endpoint's answer means the credentials work (some say so in the body). */
  checkSucceeded(tenantId: string, integration: string, response: { status: number; body: string }): Promise<boolean>;
}

/** What connections need from OAuth: fresh tokens, and revoking them at deletion. */
export interface TokenPort {
  /** The connection's tokens, refreshed first when they are about to expire. */
  fresh(tenantId: string, connectionId: string): Promise<Record<string, string>>;
  /** Revokes the grant at the provider where it declares how; never throws. */
  revoke(tenantId: string, connection: Connection, credentials: Record<string, string>): Promise<TokenRevocation>;
}

export interface TokenRevocation {
  status: 'revoked' | 'failed' | 'unsupported';
  detail: string;
}

export interface ConnectionDeps extends store.ConnectionStore {
  vault: Vault;
  integrations: IntegrationPort;
  tokens: TokenPort;
  send: (request: OutboundRequest) => Promise<OutboundResponse>;
  now?: () => Date;
}

const purpose = 'credentials';
const nowIso = (deps: ConnectionDeps) => (deps.now?.() ?? new Date()).toISOString();

export async function createConnection(deps: ConnectionDeps, audit: Audit, input: ConnectionInput): Promise<Connection> {
  const checked = await checkInput(deps, audit.tenantId, input);
  const at = nowIso(deps);
  const id = newId('conn');
  const connection: store.ConnectionItem = {
    id,
    integration: input.integration,
    name: input.name,
    authType: checked.authType,
    params: input.params,
    credentialFields: Object.keys(input.credentials).sort(),
    status: 'active',
    version: 1,
    createdAt: at,
    updatedAt: at,
    lastTest: null,
    oauth: null,
    health: { lastSuccessAt: null, lastFailureAt: null, lastError: null, consecutiveFailures: 0 },
  };
  const sealed = await deps.vault.seal(input.credentials, { tenantId: audit.tenantId, connectionId: id, purpose });
  await store.createConnection(
    deps,
    audit.tenantId,
    connection,
    credentialsItem(audit.tenantId, id, sealed, at),
    changeRecords(deps.table, audit, id, at, 201),
    checked.custom,
  );
  return toView(connection);
}

export async function getConnection(deps: store.ConnectionStore, tenantId: string, id: string): Promise<Connection> {
  return toView(await connectionItem(deps, tenantId, id));
}

async function connectionItem(deps: store.ConnectionStore, tenantId: string, id: string) {
  const connection = await store.getConnection(deps, tenantId, id);
  if (!connection) throw new NotFound(`no connection ${id}`);
  return connection;
}

export async function listConnections(
  deps: store.ConnectionStore,
  tenantId: string,
  query: { limit: number; cursor?: string; integration?: string; status?: string },
) {
  const { items, nextCursor } = await store.listConnections(deps, tenantId, query);
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
  if (patch.credentials || patch.params) {
    // OAuth connections' tokens are not the caller's to check; only their params are.
    const credentials = current.authType === 'oauth2' ? {} : (patch.credentials ?? (await openCredentials(deps, audit.tenantId, id)));
    // Without new credentials the stored secrets stay: they must not follow params to a host the caller picks.
    const keepsSecrets = current.authType === 'oauth2' || !patch.credentials;
    await checkInput(deps, audit.tenantId, {
      integration: current.integration,
      authType: current.authType,
      credentials,
      params: patch.params ?? current.params,
      ...(keepsSecrets && patch.params ? { keptSecretsParams: current.params } : {}),
    });
  }
  const at = nowIso(deps);
  const also: store.TransactItem[] = changeRecords(deps.table, audit, id, at);
  if (patch.credentials) {
    const sealed = await deps.vault.seal(patch.credentials, { tenantId: audit.tenantId, connectionId: id, purpose });
    also.push(store.credentialsPut(deps.table, credentialsItem(audit.tenantId, id, sealed, at)));
  }
  const changes = {
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.params !== undefined ? { params: patch.params } : {}),
    ...(patch.credentials !== undefined ? { credentialFields: Object.keys(patch.credentials).sort() } : {}),
    updatedAt: at,
  };
  const outcome = await store.updateConnection(deps, audit.tenantId, id, ifMatch, changes, also);
  if (outcome === 'missing') throw new NotFound(`no connection ${id}`);
  if (outcome === 'stale') {
    const now = await store.getConnection(deps, audit.tenantId, id);
    throw stale(id, ifMatch, now?.version ?? ifMatch + 1);
  }
  return toView({ ...current, ...changes, version: ifMatch + 1 });
}

/**
 * Deletes the connection and destroys its sealed credentials in the same transaction.
 * An OAuth connection's grant is revoked at the provider first, where it declares how;
 * the deletion goes ahead whether or not the provider answers, and says what happened.
 */
export async function deleteConnection(deps: ConnectionDeps, audit: Audit, id: string): Promise<{ id: string; deleted: true; tokenRevocation: TokenRevocation | null }> {
  const connection = await connectionItem(deps, audit.tenantId, id);
  let tokenRevocation: TokenRevocation | null = null;
  if (connection.authType === 'oauth2') {
    const sealed = await store.getCredentials(deps, audit.tenantId, id);
    const credentials = sealed ? await deps.vault.open<Record<string, string>>(sealed, { tenantId: audit.tenantId, connectionId: id, purpose }) : undefined;
    tokenRevocation = credentials
      ? await deps.tokens.revoke(audit.tenantId, toView(connection), credentials)
      : { status: 'failed', detail: 'the connection had no stored tokens' };
  }
  const at = nowIso(deps);
  if (!(await store.deleteConnection(deps, audit.tenantId, connection, [...changeRecords(deps.table, audit, id, at, 200), eventPut(deps.table, audit.tenantId, 'connection.deleted', { connectionId: id }, new Date(at))]))) {
    throw new NotFound(`no connection ${id}`);
  }
  return { id, deleted: true, tokenRevocation };
}

/** How the connection is doing: status, last success and failure, token expiry. */
export async function connectionHealth(deps: store.ConnectionStore, tenantId: string, id: string): Promise<ConnectionHealthView> {
  const connection = await connectionItem(deps, tenantId, id);
  const health = connection.health ?? { lastSuccessAt: null, lastFailureAt: null, lastError: null, consecutiveFailures: 0 };
  return {
    id,
    status: connection.status,
    ...health,
    tokenExpiresAt: connection.oauth?.tokenExpiresAt ?? null,
    lastTest: connection.lastTest,
    // Syncs arrive with their own issue; until then no connection has synced.
    lastSyncAt: null,
  };
}

/**
 * Calls the integration's check endpoint with the stored credentials and records the
 * outcome. A 401/403 from the provider marks the connection `auth_failed`.
 */
export async function testConnection(deps: ConnectionDeps, audit: Audit, id: string): Promise<store.TestOutcome> {
  const connection = await connectionItem(deps, audit.tenantId, id);
  const credentials =
    connection.authType === 'oauth2' ? await deps.tokens.fresh(audit.tenantId, id) : await openCredentials(deps, audit.tenantId, id);
  const request = await deps.integrations.checkRequest(audit.tenantId, connection, credentials);
  const at = nowIso(deps);
  let outcome: store.TestOutcome;
  try {
    const response = await deps.send(request);
    const ok = await deps.integrations.checkSucceeded(audit.tenantId, connection.integration, response);
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
  const status: store.ConnectionStatus = outcome.ok
    ? 'active'
    : outcome.status === 401 || outcome.status === 403
      ? 'auth_failed'
      : connection.status;
  const before = connection.health ?? { lastSuccessAt: null, lastFailureAt: null, lastError: null, consecutiveFailures: 0 };
  const health: store.ConnectionHealth = outcome.ok
    ? { ...before, lastSuccessAt: at, consecutiveFailures: 0, lastError: null }
    : { ...before, lastFailureAt: at, consecutiveFailures: before.consecutiveFailures + 1, lastError: outcome.detail };
  await store.recordTest(deps, audit.tenantId, id, connection.version, outcome, status, health, changeRecords(deps.table, audit, id, at));
  return outcome;
}

/** The decrypted credentials, for code that calls the provider. Never returned by the API. */
export async function openCredentials(deps: store.ConnectionStore & { vault: Vault }, tenantId: string, id: string): Promise<Record<string, string>> {
  const sealed = await store.getCredentials(deps, tenantId, id);
  if (!sealed) throw new NotFound(`no connection ${id}`);
  return deps.vault.open(sealed, { tenantId, connectionId: id, purpose });
}

async function checkInput(deps: ConnectionDeps, tenantId: string, input: Parameters<IntegrationPort['check']>[1]) {
  const checked = await deps.integrations.check(tenantId, input);
  if (!checked) {
    throw new Invalid(`there is no integration "${input.integration}"`, [
      { field: 'body.integration', message: 'unknown integration' },
    ]);
  }
  if (checked.errors.length > 0) {
    throw new Invalid(
      `the connection does not fit integration "${input.integration}": ${checked.errors.map((e) => `${e.field} (${e.message})`).join('; ')}`,
      checked.errors,
    );
  }
  return checked;
}

/** The API's view of a connection: named fields only (never store attributes or secrets). */
function toView(item: store.ConnectionItem): Connection {
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
  };
}

function credentialsItem(tenantId: string, connectionId: string, sealed: Awaited<ReturnType<Vault['seal']>>, at: string) {
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
