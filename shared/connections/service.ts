import { changeRecords, type Audit } from '../platform/audit';
import { Invalid, NotFound, PreconditionFailed, type FieldError } from '../platform/errors';
import { newId } from '../platform/ids';
import { OutboundError, type OutboundRequest, type OutboundResponse } from '../platform/outbound';
import type { Vault } from '../vault/vault';
import type { Connection, ConnectionInput, ConnectionPatch } from './schema';
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
    input: { integration: string; authType?: string; credentials: Record<string, string>; params: Record<string, string> },
  ): Promise<{ authType: string; errors: FieldError[] } | undefined>;
  /** The HTTP request that proves the credentials work (the integration's check endpoint). */
  checkRequest(
    tenantId: string,
    connection: { integration: string; authType: string; params: Record<string, string> },
    credentials: Record<string, string>,
  ): Promise<OutboundRequest>;
  /** Whether the check endpoint's answer means the credentials work (some say so in the body). */
  checkSucceeded(tenantId: string, integration: string, response: { status: number; body: string }): Promise<boolean>;
}

export interface ConnectionDeps extends store.ConnectionStore {
  vault: Vault;
  integrations: IntegrationPort;
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
  };
  const sealed = await deps.vault.seal(input.credentials, { tenantId: audit.tenantId, connectionId: id, purpose });
  await store.createConnection(deps, audit.tenantId, connection, credentialsItem(audit.tenantId, id, sealed, at), [
    ...changeRecords(deps.table, audit, id, at, 201),
  ]);
  return connection;
}

export async function getConnection(deps: ConnectionDeps, tenantId: string, id: string): Promise<Connection> {
  const connection = await store.getConnection(deps, tenantId, id);
  if (!connection) throw new NotFound(`no connection ${id}`);
  return connection;
}

export async function listConnections(
  deps: ConnectionDeps,
  tenantId: string,
  query: { limit: number; cursor?: string; integration?: string; status?: string },
) {
  const { items, nextCursor } = await store.listConnections(deps, tenantId, query);
  return { data: items satisfies Connection[], nextCursor };
}

/** Applies a patch if `ifMatch` is still the stored version; credentials are replaced whole. */
export async function updateConnection(
  deps: ConnectionDeps,
  audit: Audit,
  id: string,
  ifMatch: number,
  patch: ConnectionPatch,
): Promise<Connection> {
  const current = await getConnection(deps, audit.tenantId, id);
  if (current.version !== ifMatch) throw stale(id, ifMatch, current.version);
  if (patch.credentials || patch.params) {
    const credentials = patch.credentials ?? (await openCredentials(deps, audit.tenantId, id));
    await checkInput(deps, audit.tenantId, {
      integration: current.integration,
      authType: current.authType,
      credentials,
      params: patch.params ?? current.params,
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
  return { ...current, ...changes, version: ifMatch + 1 };
}

/** Deletes the connection and destroys its sealed credentials in the same transaction. */
export async function deleteConnection(deps: ConnectionDeps, audit: Audit, id: string): Promise<void> {
  const at = nowIso(deps);
  if (!(await store.deleteConnection(deps, audit.tenantId, id, changeRecords(deps.table, audit, id, at, 204)))) {
    throw new NotFound(`no connection ${id}`);
  }
}

/**
 * Calls the integration's check endpoint with the stored credentials and records the
 * outcome. A 401/403 from the provider marks the connection `auth_failed`.
 */
export async function testConnection(deps: ConnectionDeps, audit: Audit, id: string): Promise<store.TestOutcome> {
  const connection = await getConnection(deps, audit.tenantId, id);
  const credentials = await openCredentials(deps, audit.tenantId, id);
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
  await store.recordTest(deps, audit.tenantId, id, outcome, status, changeRecords(deps.table, audit, id, at));
  return outcome;
}

/** The decrypted credentials, for code that calls the provider. Never returned by the API. */
export async function openCredentials(deps: ConnectionDeps, tenantId: string, id: string): Promise<Record<string, string>> {
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
