import { catalogPort } from '../../../../shared/connections/integrations';
import {
  connectionHealth,
  createAuthorizedConnection,
  createConnection,
  deleteConnection,
  getConnection,
  listConnections,
  openCredentials,
  testConnection,
  updateConnection,
  type ConnectionDeps,
  type TokenPort,
} from '../../../../shared/connections/service';
import { builtInIntegrations } from '../../../../shared/integrations/catalog';
import { IntegrationDefinition, type Integration } from '../../../../shared/integrations/schema';
import type { Audit } from '../../../../shared/platform/audit';
import { Conflict, Invalid, NotFound, PreconditionFailed } from '../../../../shared/platform/errors';
import { OutboundError, type OutboundRequest, type OutboundResponse } from '../../../../shared/platform/outbound';
import { fakeConnectionStore, fakeIntegrations, fakeVault } from '../../../fakes/in-memory';
import { schedulePort } from '../../../../shared/syncs/scheduler';
import { acmeIdp } from '../../../support/oauth-world';

const tenantId = 'acme';
const audit = (action: string): Audit => ({ tenantId, keyId: 'key_test', requestId: 'req_test', action });
const at = new Date('2026-11-02T10:00:00.000Z');

/** A tenant's own integration: bearer tokens against its API. */
const acmeCrm = IntegrationDefinition.parse({
  key: 'acme-crm',
  name: 'Acme CRM',
  category: 'crm',
  description: 'The tenant’s own CRM.',
  docsUrl: 'https://docs.acme-crm.example',
  baseUrl: 'https://api.acme-crm.example',
  auth: [{ type: 'bearer', fields: [{ name: 'token', label: 'Token', secret: true, pattern: 'acme_[a-z0-9]+', hint: 'an acme_ token', maxLength: 100 }] }],
  check: { method: 'GET', path: '/me' },
});

const stripeKey = 'sk_test_0123456789abcdef';
const ok = (): OutboundResponse => ({ status: 200, headers: {}, body: '{}', latencyMs: 12, attempts: 1 });

function setUp(answer: (request: OutboundRequest) => Promise<OutboundResponse> = async () => ok()) {
  const connections = fakeConnectionStore();
  const integrations = fakeIntegrations(builtInIntegrations, [acmeCrm, acmeIdp]);
  const sent: OutboundRequest[] = [];
  const fresh: Array<{ connectionId: string; integration?: Integration }> = [];
  const revoked: Array<Record<string, string>> = [];
  /** Each removal of a connection's webhook subscriptions, with how many grants were revoked by then. */
  const removals: string[] = [];
  const tokens: TokenPort = {
    fresh: async (_tenantId, connectionId, integration) => {
      fresh.push({ connectionId, ...(integration ? { integration } : {}) });
      return { accessToken: 'at_fresh' };
    },
    revoke: async (_tenantId, _connection, credentials) => {
      revoked.push(credentials);
      return { status: 'revoked', detail: 'the provider revoked the grant' };
    },
  };
  const vault = fakeVault();
  const deps: ConnectionDeps = {
    store: connections.store,
    schedules: schedulePort(connections.store.table),
    vault,
    integrations: catalogPort(integrations.source),
    tokens,
    webhookSubscriptions: {
      removeAll: async (_tenantId, connection) => {
        removals.push(`${connection.id} (revoked: ${revoked.length})`);
        return null;
      },
    },
    send: (request) => {
      sent.push(request);
      return answer(request);
    },
    now: () => at,
  };
  return { deps, connections, reads: integrations.reads, sent, fresh, revoked, vault, removals };
}

async function stripeConnection(deps: ConnectionDeps) {
  return createConnection(deps, audit('connection.create'), { integration: 'stripe', name: 'Payments', credentials: { apiKey: stripeKey }, params: {} });
}

async function oauthConnection(deps: ConnectionDeps) {
  const grant = { sealed: await deps.vault.seal({ accessToken: 'at_1', refreshToken: 'rt_1' }, { tenantId, connectionId: 'conn_idp', purpose: 'credentials' }), refreshable: true, scopes: ['read'], expiresAt: '2026-11-02T11:00:00.000Z' };
  return createAuthorizedConnection(deps, audit('connection.create'), { id: 'conn_idp', integration: 'acme-idp', name: 'IdP', params: {}, custom: true }, grant, at, []);
}

describe('creating a connection', () => {
  it('stores it with its credentials sealed for it, and answers without them', async () => {
    const { deps, connections } = setUp();

    const created = await stripeConnection(deps);

    expect(created).toMatchObject({ integration: 'stripe', name: 'Payments', authType: 'api_key', credentialFields: ['apiKey'], status: 'active', version: 1 });
    expect(JSON.stringify(created)).not.toContain(stripeKey);
    expect(await openCredentials(deps, tenantId, created.id)).toEqual({ apiKey: stripeKey });
    expect(connections.credentialsOf(tenantId, created.id)!.ciphertext).not.toContain(stripeKey);
  });

  it('writes its audit entry in the transaction that creates it', async () => {
    const { deps, connections } = setUp();

    const created = await stripeConnection(deps);

    expect(connections.table.audits()).toEqual([expect.objectContaining({ action: 'connection.create', target: created.id, status: 201, outcome: 'succeeded' })]);
  });

  it('records connection.created with the connection it answers, in the transaction that creates it', async () => {
    const { deps, connections } = setUp();

    const created = await stripeConnection(deps);

    expect(connections.table.transactions.at(-1)).toContain('EVENT#');
    expect(connections.table.events()).toEqual([{ type: 'connection.created', data: created }]);
  });

  it('reads no custom integrations for a built-in integration', async () => {
    const { deps, reads } = setUp();

    await stripeConnection(deps);

    expect(reads).toEqual([]);
  });

  it("reads a custom integration exactly once, and counts the connection in the integration's item", async () => {
    const { deps, reads, connections } = setUp();

    const created = await createConnection(deps, audit('connection.create'), { integration: 'acme-crm', name: 'CRM', credentials: { token: 'acme_123' }, params: {} });

    expect(reads).toEqual(['acme-crm']);
    expect(connections.connection(tenantId, created.id)!.countedByIntegration).toBe(true);
  });

  it('refuses an integration the tenant does not have, naming the field, and writes nothing', async () => {
    const { deps, connections } = setUp();

    const creating = createConnection(deps, audit('connection.create'), { integration: 'nowhere', name: 'x', credentials: {}, params: {} });

    await expect(creating).rejects.toBeInstanceOf(Invalid);
    await expect(creating).rejects.toMatchObject({ errors: [{ field: 'body.integration', message: 'unknown integration' }] });
    expect(connections.calls.create).toBeUndefined();
  });

  it('refuses credentials that do not fit the integration, naming each wrong field', async () => {
    const { deps } = setUp();

    const creating = createConnection(deps, audit('connection.create'), { integration: 'stripe', name: 'x', credentials: { apiKey: 'nope', extra: 'x' }, params: {} });

    await expect(creating).rejects.toMatchObject({ errors: expect.arrayContaining([expect.objectContaining({ field: 'body.credentials.apiKey' }), expect.objectContaining({ field: 'body.credentials.extra' })]) });
  });

  it('answers Conflict when the custom integration was deleted while the connection was being made', async () => {
    const { deps, connections } = setUp();
    connections.deletedIntegrations.add('acme-crm');

    const creating = createConnection(deps, audit('connection.create'), { integration: 'acme-crm', name: 'CRM', credentials: { token: 'acme_123' }, params: {} });

    await expect(creating).rejects.toThrow(Conflict);
    expect(connections.connections.size).toBe(0);
  });
});

describe('creating an OAuth connection for a connect session', () => {
  it('makes the same connection item as any other, with the grant, in one transaction with the caller’s items', async () => {
    const { deps, connections } = setUp();
    const sessionOutcome = connections.table.item('the session’s outcome', () => true, () => {});

    const grant = { sealed: await deps.vault.seal({ accessToken: 'at_1' }, { tenantId, connectionId: 'conn_new', purpose: 'credentials' }), refreshable: false, scopes: ['read'] };
    await createAuthorizedConnection(deps, audit('connection.create'), { id: 'conn_new', integration: 'acme-idp', name: 'IdP', params: {}, custom: true }, grant, at, [sessionOutcome]);

    expect(connections.connection(tenantId, 'conn_new')).toMatchObject({
      authType: 'oauth2',
      status: 'active',
      version: 1,
      credentialFields: ['accessToken'],
      oauth: { scopes: ['read'], tokenExpiresAt: null },
      health: { lastSuccessAt: at.toISOString(), consecutiveFailures: 0 },
      countedByIntegration: true,
    });
    expect(connections.table.written).toContain(sessionOutcome);
    expect(connections.table.events()).toEqual([{ type: 'connection.created', data: expect.objectContaining({ id: 'conn_new', status: 'active', version: 1 }) }]);
  });
});

describe('reading connections', () => {
  it('shows, lists and reports health without reading any integration', async () => {
    const { deps, reads } = setUp();
    const created = await createConnection(deps, audit('connection.create'), { integration: 'acme-crm', name: 'CRM', credentials: { token: 'acme_123' }, params: {} });
    reads.length = 0;

    const shown = await getConnection(deps, tenantId, created.id);
    const listed = await listConnections(deps, tenantId, { limit: 10 });
    const health = await connectionHealth(
      { ...deps, recentRuns: async () => [], metrics: { window: async () => ({ kind: 'counter', sum: 0 }) } },
      tenantId,
      created.id,
    );

    expect(shown).toEqual(created);
    expect(listed.data).toEqual([created]);
    expect(health).toMatchObject({ id: created.id, status: 'active', consecutiveFailures: 0, lastTest: null, tokenExpiresAt: null });
    expect(reads).toEqual([]);
  });

  it("answers NotFound for another tenant's connection", async () => {
    const { deps } = setUp();
    const created = await stripeConnection(deps);

    await expect(getConnection(deps, 'someone-else', created.id)).rejects.toThrow(NotFound);
  });
});

describe('updating a connection', () => {
  it('replaces the credentials whole and moves the version on', async () => {
    const { deps } = setUp();
    const created = await stripeConnection(deps);

    const updated = await updateConnection(deps, audit('connection.update'), created.id, 1, { credentials: { apiKey: 'sk_test_new' } });

    expect(updated).toMatchObject({ version: 2, credentialFields: ['apiKey'] });
    expect(await openCredentials(deps, tenantId, created.id)).toEqual({ apiKey: 'sk_test_new' });
  });

  it('refuses a stale version with PreconditionFailed and changes nothing', async () => {
    const { deps, connections } = setUp();
    const created = await stripeConnection(deps);
    await updateConnection(deps, audit('connection.update'), created.id, 1, { name: 'Renamed' });

    const stale = updateConnection(deps, audit('connection.update'), created.id, 1, { name: 'Again' });

    await expect(stale).rejects.toThrow(PreconditionFailed);
    expect(connections.connection(tenantId, created.id)).toMatchObject({ name: 'Renamed', version: 2 });
  });

  it('records connection.updated with the connection at its new version, and none for a stale version', async () => {
    const { deps, connections } = setUp();
    const created = await stripeConnection(deps);

    const updated = await updateConnection(deps, audit('connection.update'), created.id, 1, { name: 'Renamed' });
    await expect(updateConnection(deps, audit('connection.update'), created.id, 1, { name: 'Again' })).rejects.toThrow(PreconditionFailed);

    expect(connections.table.events()).toEqual([
      { type: 'connection.created', data: created },
      { type: 'connection.updated', data: updated },
    ]);
  });

  it('reads no integration for a rename', async () => {
    const { deps, reads } = setUp();
    const created = await createConnection(deps, audit('connection.create'), { integration: 'acme-crm', name: 'CRM', credentials: { token: 'acme_123' }, params: {} });
    reads.length = 0;

    await updateConnection(deps, audit('connection.update'), created.id, 1, { name: 'Renamed' });

    expect(reads).toEqual([]);
  });

  it('reads a custom integration once to check new credentials', async () => {
    const { deps, reads } = setUp();
    const created = await createConnection(deps, audit('connection.create'), { integration: 'acme-crm', name: 'CRM', credentials: { token: 'acme_123' }, params: {} });
    reads.length = 0;

    await updateConnection(deps, audit('connection.update'), created.id, 1, { credentials: { token: 'acme_456' } });

    expect(reads).toEqual(['acme-crm']);
  });

  it("refuses credentials for an OAuth connection, whose tokens come from the flow", async () => {
    const { deps } = setUp();
    const created = await oauthConnection(deps);

    const patching = updateConnection(deps, audit('connection.update'), created.id, 1, { credentials: { accessToken: 'mine' } });

    await expect(patching).rejects.toMatchObject({ errors: [{ field: 'body.credentials', message: 'set by the OAuth flow' }] });
  });
});

describe('testing a connection', () => {
  it('sends the check request with the stored credentials and records a 401 as auth_failed', async () => {
    const { deps, sent, connections } = setUp(async () => ({ status: 401, headers: {}, body: '{}', latencyMs: 30, attempts: 1 }));
    const created = await stripeConnection(deps);

    const outcome = await testConnection(deps, audit('connection.test'), created.id);

    expect(sent).toEqual([expect.objectContaining({ method: 'GET', url: 'https://api.stripe.com/v1/balance', headers: expect.objectContaining({ Authorization: `Bearer ${stripeKey}` }) })]);
    expect(outcome).toMatchObject({ ok: false, status: 401, detail: 'the provider refused the credentials (HTTP 401)' });
    expect(connections.connection(tenantId, created.id)).toMatchObject({
      status: 'auth_failed',
      version: 1,
      health: { lastFailureAt: at.toISOString(), consecutiveFailures: 1 },
    });
  });

  it('reads a custom integration once for the request and its verdict', async () => {
    const { deps, reads } = setUp();
    const created = await createConnection(deps, audit('connection.create'), { integration: 'acme-crm', name: 'CRM', credentials: { token: 'acme_123' }, params: {} });
    reads.length = 0;

    await testConnection(deps, audit('connection.test'), created.id);

    expect(reads).toEqual(['acme-crm']);
  });

  it("hands an OAuth connection's integration to the token refresh, so the test reads it once", async () => {
    const { deps, reads, fresh, sent } = setUp();
    const created = await oauthConnection(deps);

    await testConnection(deps, audit('connection.test'), created.id);

    expect(reads).toEqual(['acme-idp']);
    expect(fresh).toEqual([{ connectionId: created.id, integration: acmeIdp }]);
    expect(sent[0]!.headers).toMatchObject({ Authorization: 'Bearer at_fresh' });
  });

  it('records an unreachable provider as a failure without answering an error', async () => {
    const { deps, connections } = setUp(async () => {
      throw new OutboundError('the provider did not answer within 5000 ms', 2);
    });
    const created = await stripeConnection(deps);

    const outcome = await testConnection(deps, audit('connection.test'), created.id);

    expect(outcome).toMatchObject({ ok: false, status: null, detail: 'the provider did not answer within 5000 ms' });
    expect(connections.connection(tenantId, created.id)!.status).toBe('active');
  });

  it('drops the outcome when the connection changed during the call, keeping the audit entry', async () => {
    const context = setUp(async () => {
      await updateConnection(context.deps, audit('connection.update'), id, 1, { credentials: { apiKey: 'sk_test_new' } });
      return { status: 401, headers: {}, body: '{}', latencyMs: 30, attempts: 1 };
    });
    const { id } = await stripeConnection(context.deps);

    await testConnection(context.deps, audit('connection.test'), id);

    expect(context.connections.connection(tenantId, id)).toMatchObject({ status: 'active', version: 2, lastTest: null });
    expect(context.connections.table.audits().map((entry) => entry.action)).toEqual(['connection.create', 'connection.update', 'connection.test']);
  });
});

describe('deleting a connection', () => {
  it("revokes an OAuth connection's grant first, then deletes it with its credentials and its event", async () => {
    const { deps, connections, revoked, reads, removals } = setUp();
    const created = await oauthConnection(deps);
    reads.length = 0;

    const deleted = await deleteConnection(deps, audit('connection.delete'), created.id);

    // Its webhook subscriptions go first, while the grant still lets Junction remove them.
    expect(removals).toEqual([`${created.id} (revoked: 0)`]);

    expect(revoked).toEqual([{ accessToken: 'at_1', refreshToken: 'rt_1' }]);
    expect(deleted).toEqual({ id: created.id, deleted: true, tokenRevocation: { status: 'revoked', detail: 'the provider revoked the grant' }, webhookSubscriptions: null });
    expect(connections.connection(tenantId, created.id)).toBeUndefined();
    expect(connections.credentialsOf(tenantId, created.id)).toBeUndefined();
    expect(connections.table.events()).toContainEqual({ type: 'connection.deleted', data: expect.objectContaining({ id: created.id, authType: 'oauth2' }) });
    expect(reads).toEqual([]);
  });

  it('deletes an API-key connection without asking OAuth', async () => {
    const { deps, revoked } = setUp();
    const created = await stripeConnection(deps);

    const deleted = await deleteConnection(deps, audit('connection.delete'), created.id);

    expect(deleted.tokenRevocation).toBeNull();
    expect(revoked).toEqual([]);
  });

  it('reports what became of the webhook subscriptions and deletes the connection whatever the provider said', async () => {
    const { deps, connections } = setUp();
    const created = await stripeConnection(deps);
    const report = { removed: 1, failed: [{ id: 'whsub_1', detail: 'Stripe could not be reached' }] };

    const deleted = await deleteConnection({ ...deps, webhookSubscriptions: { removeAll: async () => report } }, audit('connection.delete'), created.id);

    expect(deleted).toEqual({ id: created.id, deleted: true, tokenRevocation: null, webhookSubscriptions: report });
    expect(connections.connection(tenantId, created.id)).toBeUndefined();
  });

  it('answers NotFound for a connection that does not exist', async () => {
    const { deps } = setUp();

    await expect(deleteConnection(deps, audit('connection.delete'), 'conn_01JC0000000000000000000000')).rejects.toThrow(NotFound);
  });
});
