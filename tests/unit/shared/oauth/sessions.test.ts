import { hashOf } from '../../../../shared/oauth/pkce';
import { createConnectSession, getConnectSession, handleCallback } from '../../../../shared/oauth/sessions';
import type { Audit } from '../../../../shared/platform/audit';
import { Conflict, Invalid, NotFound } from '../../../../shared/platform/errors';
import { oauthWorld } from '../../../support/oauth-world';

const tenantId = 'acme';
const start = new Date('2026-11-02T10:00:00.000Z');
const audit = (action: string): Audit => ({ tenantId, keyId: 'key_app', requestId: 'req_session', action });
const callbackUrl = 'https://junction.example/v1/oauth/callback';
const returnUrl = 'https://app.example.com/connected';

async function setUp() {
  const world = await oauthWorld({ tenantId, start, clientsFor: ['acme-idp', 'github'] });
  const { deps, endpoint } = world;

  const startSession = (input: { integration?: string; connectionId?: string; name?: string } = {}) =>
    createConnectSession(deps, audit('connect_session.create'), { integration: 'acme-idp', returnUrl, params: {}, ...input }, callbackUrl);

  /** The user consents at the provider, which redirects back with a code (and its issuer). */
  async function consent(session: { authorizationUrl: string | null }) {
    const url = new URL(session.authorizationUrl!);
    const code = `code_${endpoint.requests.length}_${Math.random().toString(36).slice(2)}`;
    endpoint.grantCode(code, url.searchParams.get('code_challenge') ?? undefined);
    return { state: url.searchParams.get('state')!, code, iss: 'https://idp.acme-idp.example' };
  }

  return { ...world, startSession, consent };
}

const outcomeOf = (location: string) => Object.fromEntries(new URL(location).searchParams);

describe('starting a connect session', () => {
  it('answers the authorization URL with the state and a PKCE S256 challenge', async () => {
    const { startSession } = await setUp();

    const session = await startSession();

    const url = new URL(session.authorizationUrl!);
    expect(url.origin + url.pathname).toBe('https://idp.acme-idp.example/auth');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: 'junction',
      redirect_uri: callbackUrl,
      scope: 'read',
      code_challenge_method: 'S256',
      state: expect.stringMatching(new RegExp(`^${session.id}\\.[A-Za-z0-9_-]{43}$`)),
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
  });

  it("keeps only the state's hash, and the verifier sealed, with its audit entry in the same transaction", async () => {
    const { startSession, oauth, table } = await setUp();

    const session = await startSession();

    const secret = new URL(session.authorizationUrl!).searchParams.get('state')!.split('.')[1]!;
    const stored = oauth.sessions.get(session.id)!;
    expect(stored.stateHash).toBe(hashOf(secret));
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(stored.verifier).toMatchObject({ keyId: 'fake-key', context: { tenantId, connectionId: session.id, purpose: 'pkce-verifier' } });
    expect(table.transactions.at(-1)).toEqual([`session ${session.id}`, 'AUDIT#']);
  });

  it('reads no custom integrations for a built-in integration', async () => {
    const { startSession, reads } = await setUp();

    await startSession({ integration: 'github' });

    expect(reads).toEqual([]);
  });

  it('refuses an integration without OAuth, naming the field', async () => {
    const { startSession } = await setUp();

    const starting = startSession({ integration: 'stripe' });

    await expect(starting).rejects.toBeInstanceOf(Invalid);
    await expect(starting).rejects.toMatchObject({ errors: [{ field: 'body.integration', message: 'has no OAuth flow' }] });
  });

  it('answers Conflict until the OAuth client is set', async () => {
    const { startSession } = await setUp();

    await expect(startSession({ integration: 'hubspot' })).rejects.toBeInstanceOf(Conflict);
  });

  it('refuses to re-authorize a connection that does not exist', async () => {
    const { startSession } = await setUp();

    await expect(startSession({ connectionId: 'conn_01JC0000000000000000000000' })).rejects.toBeInstanceOf(NotFound);
  });
});

describe('the callback', () => {
  it('makes the connection and sends the user back with its id and the session id', async () => {
    const { deps, startSession, consent, connections } = await setUp();
    const session = await startSession({ name: 'My IdP' });

    const location = await handleCallback(deps, await consent(session), 'req_callback');

    const outcome = outcomeOf(location);
    expect(location.startsWith(`${returnUrl}?`)).toBe(true);
    expect(outcome).toEqual({ connection_id: expect.stringMatching(/^conn_/), session_id: session.id });
    expect(connections.connection(tenantId, outcome.connection_id!)).toMatchObject({
      integration: 'acme-idp',
      name: 'My IdP',
      authType: 'oauth2',
      status: 'active',
      credentialFields: ['accessToken', 'refreshToken'],
      oauth: { scopes: ['read'], tokenExpiresAt: '2026-11-02T11:00:00.000Z' },
      countedByIntegration: true,
    });
    expect(await deps.vault.open(connections.credentialsOf(tenantId, outcome.connection_id!)!, { tenantId, connectionId: outcome.connection_id!, purpose: 'credentials' })).toEqual({ accessToken: 'at_1', refreshToken: 'rt_1' });
  });

  it("commits the session's outcome in the connections store's transaction with the connection, its audit entry and event", async () => {
    const { deps, startSession, consent, table, oauth, connections } = await setUp();
    const session = await startSession();

    const { connection_id: id } = outcomeOf(await handleCallback(deps, await consent(session), 'req_callback'));

    expect(connections.calls.create).toBe(1);
    expect(table.transactions.at(-1)).toEqual([`create ${tenantId}/${id}`, 'count into acme-idp', `finish session ${session.id}`, 'AUDIT#', 'EVENT#']);
    expect(oauth.sessions.get(session.id)).toMatchObject({ status: 'completed', connectionId: id });
    expect(table.audits().at(-1)).toMatchObject({ action: 'connection.create', keyId: 'key_app', requestId: 'req_callback', target: id, status: 201 });
    expect(table.events()).toEqual([{ type: 'connection.created', data: expect.objectContaining({ id, authType: 'oauth2', version: 1 }) }]);
  });

  it('exchanges the code with the verifier of the challenge the user was sent with', async () => {
    const { deps, startSession, consent, endpoint } = await setUp();
    const session = await startSession();

    await handleCallback(deps, await consent(session), 'req_callback');

    expect(endpoint.requests).toEqual([expect.objectContaining({ grant_type: 'authorization_code', redirect_uri: callbackUrl, code_verifier: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) })]);
  });

  it('reads the custom integration once', async () => {
    const { deps, startSession, consent, reads } = await setUp();
    const session = await startSession();
    reads.length = 0;

    await handleCallback(deps, await consent(session), 'req_callback');

    expect(reads).toEqual(['acme-idp']);
  });

  it('refuses a forged state with Invalid and changes nothing', async () => {
    const { deps, startSession, consent, oauth } = await setUp();
    const session = await startSession();
    const { code, state } = await consent(session);

    const forged = handleCallback(deps, { code, state: `${state.split('.')[0]}.${'A'.repeat(43)}` }, 'req_callback');

    await expect(forged).rejects.toBeInstanceOf(Invalid);
    expect(oauth.sessions.get(session.id)!.status).toBe('pending');
  });

  it('tells a replayed callback the session was used, and makes one connection', async () => {
    const { deps, startSession, consent, connections } = await setUp();
    const session = await startSession();
    const query = await consent(session);
    await handleCallback(deps, query, 'req_first');

    const replayed = await handleCallback(deps, query, 'req_again');

    expect(outcomeOf(replayed)).toMatchObject({ error: 'session_used', session_id: session.id });
    expect(connections.connections.size).toBe(1);
  });

  it('turns away a user who comes back after the session expired, and marks it expired', async () => {
    const { deps, clock, startSession, consent, oauth, endpoint } = await setUp();
    const session = await startSession();
    const query = await consent(session);
    clock.now = new Date(start.getTime() + 11 * 60_000);

    const location = await handleCallback(deps, query, 'req_late');

    expect(outcomeOf(location)).toMatchObject({ error: 'expired_session' });
    expect(oauth.sessions.get(session.id)).toMatchObject({ status: 'expired', error: 'expired_session' });
    expect(endpoint.requests).toEqual([]);
  });

  it("fails the session with the provider's error when the user denies access", async () => {
    const { deps, startSession, consent, oauth, connections } = await setUp();
    const session = await startSession();
    const { state } = await consent(session);

    const location = await handleCallback(deps, { state, error: 'access_denied' }, 'req_denied');

    expect(outcomeOf(location)).toMatchObject({ error: 'access_denied', error_description: 'the user did not grant access' });
    expect(oauth.sessions.get(session.id)).toMatchObject({ status: 'failed', error: 'access_denied' });
    expect(connections.connections.size).toBe(0);
  });

  it('refuses a response that names another authorization server (RFC 9207)', async () => {
    const { deps, startSession, consent, endpoint } = await setUp();
    const session = await startSession();

    const location = await handleCallback(deps, { ...(await consent(session)), iss: 'https://evil.example' }, 'req_mixup');

    expect(outcomeOf(location)).toMatchObject({ error: 'issuer_mismatch' });
    expect(endpoint.requests).toEqual([]);
  });

  it('sends the user back with the connection when only the answer of its transaction was lost', async () => {
    const { deps, startSession, consent, connections, oauth } = await setUp();
    const create = connections.store.create;
    connections.store.create = async (...args) => {
      await create(...args);
      throw new Error('socket hang up');
    };
    const session = await startSession();

    const location = await handleCallback(deps, await consent(session), 'req_lost');

    const { connection_id: id } = outcomeOf(location);
    expect(connections.connection(tenantId, id!)).toBeDefined();
    expect(oauth.sessions.get(session.id)).toMatchObject({ status: 'completed', connectionId: id });
  });

  it('sends the user back with server_error, the session failed, when the connection cannot be written', async () => {
    const { deps, startSession, consent, table, oauth, connections } = await setUp();
    const session = await startSession();
    const query = await consent(session);
    table.failNext(new Error('the table is unavailable'));

    const location = await handleCallback(deps, query, 'req_broken');

    expect(outcomeOf(location)).toMatchObject({ error: 'server_error', session_id: session.id });
    expect(oauth.sessions.get(session.id)).toMatchObject({ status: 'failed', error: 'server_error' });
    expect(connections.connections.size).toBe(0);
  });
});

describe('re-authorizing a connection', () => {
  async function authFailedConnection(context: Awaited<ReturnType<typeof setUp>>) {
    const first = await context.startSession();
    const { connection_id: id } = outcomeOf(await handleCallback(context.deps, await context.consent(first), 'req_first'));
    const made = context.connections.connection(tenantId, id!)!;
    context.connections.connections.set(`${tenantId}/${id}`, { ...made, status: 'auth_failed', version: 3 });
    return id!;
  }

  it('gives it the new grant, active again at its next version, through the connections store', async () => {
    const context = await setUp();
    const id = await authFailedConnection(context);
    const session = await context.startSession({ connectionId: id });

    const location = await handleCallback(context.deps, await context.consent(session), 'req_again');

    expect(outcomeOf(location)).toMatchObject({ connection_id: id });
    expect(context.connections.calls.reauthorize).toBe(1);
    expect(context.connections.connection(tenantId, id)).toMatchObject({ status: 'active', version: 4, health: { consecutiveFailures: 0 } });
    expect(await context.deps.vault.open(context.connections.credentialsOf(tenantId, id)!, { tenantId, connectionId: id, purpose: 'credentials' })).toEqual({ accessToken: 'at_2', refreshToken: 'rt_2' });
    expect(context.table.transactions.at(-1)).toEqual([`reauthorize ${tenantId}/${id}`, `finish session ${session.id}`, 'AUDIT#', 'EVENT#']);
    expect(context.table.events().at(-1)).toEqual({ type: 'connection.updated', data: expect.objectContaining({ id, status: 'active', version: 4 }) });
  });

  it('fails the session when the connection was deleted during the flow', async () => {
    const context = await setUp();
    const id = await authFailedConnection(context);
    const session = await context.startSession({ connectionId: id });
    context.connections.connections.delete(`${tenantId}/${id}`);

    const location = await handleCallback(context.deps, await context.consent(session), 'req_gone');

    expect(outcomeOf(location)).toMatchObject({ error: 'connection_deleted' });
    expect(context.oauth.sessions.get(session.id)).toMatchObject({ status: 'failed', error: 'connection_deleted' });
    expect(context.connections.connections.size).toBe(0);
  });
});

describe('showing a connect session', () => {
  it("hides another tenant's session", async () => {
    const { deps, startSession } = await setUp();
    const session = await startSession();

    await expect(getConnectSession(deps, 'someone-else', session.id)).rejects.toBeInstanceOf(NotFound);
  });

  it('shows a pending session past its validity as expired, and never its authorization URL again', async () => {
    const { deps, clock, startSession } = await setUp();
    const session = await startSession();
    clock.now = new Date(start.getTime() + 11 * 60_000);

    const shown = await getConnectSession(deps, tenantId, session.id);

    expect(shown).toMatchObject({ id: session.id, status: 'expired', authorizationUrl: null });
  });
});
