import type { DynamoDb } from '../../shared/platform/dynamodb';
import { localDynamoDb } from '../support/dynamodb';
import { oauthPorts } from '../../shared/oauth/deps';
import { freshTokens, type TokenDeps } from '../../shared/oauth/tokens';
import { operatorAudit } from '../../shared/platform/audit';
import { send } from '../../shared/platform/outbound';
import { createApiKey, createTenant } from '../../shared/tenancy/service';
import { keyringFromEnv } from '../../shared/vault/keyring';
import { createVault } from '../../shared/vault/vault';
import { asClient, startAuthorizationServer, type AuthorizationServer } from '../fakes/authorization-server';
import { browserlessUser, callback, registerTestIntegration, startSession, testIntegration } from '../support/oauth';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

// The authorization server listens on loopback with its own CA: allowed and trusted here only.
process.env.OUTBOUND_ALLOWED_NETWORKS = '127.0.0.0/8';

let runtime: TestRuntime;
let server: AuthorizationServer;
let db: DynamoDb;
let table: string;

beforeAll(async () => {
  runtime = await startTestRuntime();
  server = await startAuthorizationServer({ redirectUri: `${runtime.url}/v1/oauth/callback` });
  process.env.OUTBOUND_CA_FILE = server.caFile;
  db = localDynamoDb(runtime.dynamodbEndpoint);
  table = runtime.env.MAIN_TABLE_NAME!;
  await registerTestIntegration(runtime, server);
});
afterAll(async () => {
  await server.close();
  await runtime.stop();
});

async function connect(body: Record<string, unknown> = {}) {
  const session = await startSession(runtime, { integration: 'test-idp', ...body });
  const back = await browserlessUser(server).approve(session.authorizationUrl);
  const landed = await callback(back);
  return { session, back, landed };
}

describe('the authorization code flow', () => {
  it('sends the user to the provider with state and PKCE S256, and comes back with a live connection', async () => {
    const { session, landed } = await connect({ name: 'Alice at the IdP' });
    const authorize = new URL(session.authorizationUrl);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.searchParams.get('state')).toMatch(new RegExp(`^${session.id}\\.[A-Za-z0-9_-]{43}$`));
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${runtime.url}/v1/oauth/callback`);

    expect(landed.status).toBe(302);
    expect(landed.location!.origin + landed.location!.pathname).toBe('https://app.example.com/connected');
    const connectionId = landed.location!.searchParams.get('connection_id');
    expect(connectionId).toMatch(/^conn_/);
    expect(landed.location!.searchParams.get('session_id')).toBe(session.id);

    const connection = await (await runtime.call(`/v1/connections/${connectionId}`)).json();
    expect(connection).toMatchObject({ name: 'Alice at the IdP', authType: 'oauth2', status: 'active', credentialFields: ['accessToken', 'refreshToken'] });
    expect(connection.oauth.scopes).toEqual(expect.arrayContaining(['openid', 'offline_access']));
    const shown = await (await runtime.call(`/v1/connect-sessions/${session.id}`)).json();
    expect(shown).toMatchObject({ status: 'completed', connectionId, authorizationUrl: null });

    // The connection makes an authenticated call to a protected resource (userinfo).
    const test = await (await runtime.call(`/v1/connections/${connectionId}/test`, { method: 'POST' })).json();
    expect(test).toMatchObject({ ok: true, status: 200 });
  });
});

describe('the state', () => {
  it('is shown once, in the answer that made the session, and stored only as a hash', async () => {
    const session = await startSession(runtime, { integration: 'test-idp' });
    const secret = new URL(session.authorizationUrl).searchParams.get('state')!.split('.')[1]!;

    const shown = await (await runtime.call(`/v1/connect-sessions/${session.id}`)).json();
    expect(shown).toMatchObject({ status: 'pending', authorizationUrl: null });
    const { Item } = await db.get({ TableName: table, Key: { pk: `SESSION#${session.id}`, sk: 'SESSION' } });
    expect(Item).toBeDefined();
    expect(JSON.stringify(Item)).not.toContain(secret);

    // The URL given once still completes the flow.
    const landed = await callback(await browserlessUser(server).approve(session.authorizationUrl));
    expect(landed.location!.searchParams.get('connection_id')).toMatch(/^conn_/);
  });
});

// ---- helpers reaching under the API: the stored tokens, and the clock ----

const vault = () => createVault(keyringFromEnv({ env: runtime.env }));

async function storedTokens(connectionId: string) {
  const { Item } = await db.get({ TableName: table, Key: { pk: 'TENANT#local', sk: `CREDENTIALS#${connectionId}` } });
  const tokens = await vault().open<{ accessToken: string; refreshToken?: string }>(Item as never, { tenantId: 'local', connectionId, purpose: 'credentials' });
  return { item: Item!, tokens };
}

/** As if the access token had expired a minute ago. */
async function expire(connectionId: string) {
  const past = new Date(Date.now() - 60_000).toISOString();
  await db.update({
      TableName: table,
      Key: { pk: 'TENANT#local', sk: `CREDENTIALS#${connectionId}` },
      UpdateExpression: 'SET tokenExpiresAt = :past, gsi1sk = :past',
      ExpressionAttributeValues: { ':past': past },
    });
}

async function connectionId() {
  const { landed } = await connect();
  const id = landed.location?.searchParams.get('connection_id');
  if (!id) throw new Error(`no connection: ${landed.location}`);
  return id;
}

async function testIdpConnections(integration = 'test-idp') {
  const list = (await (await runtime.call(`/v1/connections?integration=${integration}&limit=100`)).json()) as { data: unknown[] };
  return list.data.length;
}

/** An admin changes the integration's token URL to need a param its sessions and connections lack. */
async function moveTokenUrl(key: string) {
  const version = (await runtime.call(`/v1/integrations/${key}`)).headers.get('etag')!;
  const response = await runtime.call(`/v1/integrations/${key}`, {
    method: 'PATCH',
    headers: { 'if-match': version },
    json: {
      params: [{ name: 'region', label: 'Region', description: 'Where the account lives.', pattern: '[a-z]{2}', maxLength: 2, required: true, example: 'eu' }],
      oauth2: { ...testIntegration(server, key).oauth2, tokenUrl: `${server.issuer}/{region}/token` },
    },
  });
  if (response.status !== 200) throw new Error(`integration change: ${response.status} ${await response.text()}`);
}

const tokenDeps = (): TokenDeps => ({
  ...oauthPorts({ db, table }),
  vault: vault(),
  send: (request, options) => send(request, { maxAttempts: 2, timeoutMs: 5000, ...options }),
});

describe('changing an OAuth connection', () => {
  it('takes a new name and params (checked against the integration) but never credentials', async () => {
    const id = await connectionId();
    const patch = (body: unknown, version: number) => runtime.call(`/v1/connections/${id}`, { method: 'PATCH', json: body, headers: { 'if-match': `"${version}"` } });
    const credentials = await patch({ credentials: { accessToken: 'mine' } }, 1);
    expect(credentials.status).toBe(400);
    expect((await credentials.json()).errors).toEqual([{ field: 'body.credentials', message: 'set by the OAuth flow' }]);
    const params = await patch({ params: { region: 'eu' } }, 1);
    expect(params.status).toBe(400);
    expect((await params.json()).errors[0].field).toBe('body.params.region');
    expect((await patch({ name: 'Renamed grant' }, 1)).status).toBe(200);
  });
});

describe('token refresh', () => {
  it('refreshes an expiring token when it is needed and stores the rotated refresh token with it', async () => {
    const id = await connectionId();
    const before = await storedTokens(id);
    await expire(id);
    const refreshes = server.tokenRequests.refresh_token;

    const test = await (await runtime.call(`/v1/connections/${id}/test`, { method: 'POST' })).json();
    expect(test).toMatchObject({ ok: true, status: 200 });
    expect(server.tokenRequests.refresh_token).toBe(refreshes + 1);

    const after = await storedTokens(id);
    expect(after.tokens.accessToken).not.toBe(before.tokens.accessToken);
    expect(after.tokens.refreshToken).toBeDefined();
    expect(after.tokens.refreshToken).not.toBe(before.tokens.refreshToken);
    expect(after.item.generation).toBe(2);
    expect(Date.parse(after.item.tokenExpiresAt)).toBeGreaterThan(Date.now() + 30 * 60_000);
    expect(after.item.leaseOwner).toBeUndefined();
    const health = await (await runtime.call(`/v1/connections/${id}/health`)).json();
    expect(health).toMatchObject({ status: 'active', consecutiveFailures: 0, tokenExpiresAt: after.item.tokenExpiresAt });

    // The old refresh token was rotated away: the server no longer takes it.
    const reused = await asClient(server, '/token', { grant_type: 'refresh_token', refresh_token: before.tokens.refreshToken! });
    expect(JSON.parse(reused.body).error).toBe('invalid_grant');
  });

  it('sends exactly one token request for 50 concurrent reads of an expired token, from 50 containers', async () => {
    const id = await connectionId();
    await expire(id);
    const refreshes = server.tokenRequests.refresh_token;
    // One deps object per simulated container: only the lease in DynamoDB keeps them apart.
    const reads = await Promise.all(Array.from({ length: 50 }, () => freshTokens(tokenDeps(), 'local', id)));
    expect(server.tokenRequests.refresh_token).toBe(refreshes + 1);
    expect(new Set(reads.map((r) => r.accessToken)).size).toBe(1);
    expect((await storedTokens(id)).tokens.accessToken).toBe(reads[0]!.accessToken);
  });

  it('refreshes expiring tokens on the schedule, found through the index', async () => {
    const id = await connectionId();
    await expire(id);
    const refreshes = server.tokenRequests.refresh_token;
    const result = (await runtime.functions.invoke('refreshExpiringTokens', {})) as { due: number; refreshed: number };
    expect(result.refreshed).toBeGreaterThanOrEqual(1);
    expect(server.tokenRequests.refresh_token).toBeGreaterThanOrEqual(refreshes + 1);
    expect(Date.parse((await storedTokens(id)).item.tokenExpiresAt)).toBeGreaterThan(Date.now());
  });

  it('refreshes the other due connections when one fails unexpectedly, backing that one off with its lease given back', async () => {
    await registerTestIntegration(runtime, server, 'test-idp-moved');
    const session = await startSession(runtime, { integration: 'test-idp-moved' });
    const broken = (await callback(await browserlessUser(server).approve(session.authorizationUrl))).location!.searchParams.get('connection_id')!;
    expect(broken).toMatch(/^conn_/);
    const fine = await connectionId();
    await moveTokenUrl('test-idp-moved');
    await expire(broken);
    await expire(fine);

    const result = (await runtime.functions.invoke('refreshExpiringTokens', {})) as { due: number; refreshed: number; failed: number };

    expect(result.failed).toBeGreaterThanOrEqual(1);
    expect(result.refreshed).toBeGreaterThanOrEqual(1);
    const refreshed = await storedTokens(fine);
    expect(refreshed.item.generation).toBe(2);
    expect(Date.parse(refreshed.item.tokenExpiresAt)).toBeGreaterThan(Date.now());
    const failed = (await storedTokens(broken)).item;
    expect(failed).toMatchObject({ generation: 1, refreshFailures: 1, refreshError: { code: 'integration_invalid' } });
    expect(failed.leaseOwner).toBeUndefined();
    expect(Date.parse(failed.refreshRetryAt as string)).toBeGreaterThan(Date.now());
    // No caller waits out a lease nobody holds: the next test call is told at once what to fix.
    const started = Date.now();
    const test = await runtime.call(`/v1/connections/${broken}/test`, { method: 'POST' });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(test.status).toBe(409);
    expect((await test.json()).detail).toContain('token URL no longer fits');
    const health = await (await runtime.call(`/v1/connections/${broken}/health`)).json();
    expect(health).toMatchObject({ status: 'active', consecutiveFailures: 2 });
  });

  it('answers a test call with 502 and Retry-After, as its operation documents, when the token endpoint fails the refresh', async () => {
    const id = await connectionId();
    await expire(id);
    server.failNextToken.push('500', '500', '500', '500');
    try {
      const test = await runtime.call(`/v1/connections/${id}/test`, { method: 'POST' });
      expect(test.status).toBe(502);
      expect(test.headers.get('retry-after')).toBe('30');
      expect(test.headers.get('content-type')).toBe('application/problem+json');
    } finally {
      server.failNextToken.length = 0;
    }
    const documented = (await (await runtime.call('/openapi.json', { key: null })).json()).paths['/v1/connections/{id}/test'].post.responses;
    expect(documented['502'].content).toHaveProperty(['application/problem+json']);
  });

  it('marks the connection auth_failed on invalid_grant, records the event, and can be authorized again', async () => {
    const id = await connectionId();
    const { tokens } = await storedTokens(id);
    // The user revoked the app at the provider.
    expect((await asClient(server, '/token/revocation', { token: tokens.refreshToken!, token_type_hint: 'refresh_token' })).status).toBe(200);
    await expire(id);

    const test = await runtime.call(`/v1/connections/${id}/test`, { method: 'POST' });
    expect(test.status).toBe(409);
    expect((await test.json()).detail).toContain('must be authorized again');
    const connection = await (await runtime.call(`/v1/connections/${id}`)).json();
    expect(connection.status).toBe('auth_failed');
    const events = await db.query({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': 'TENANT#local', ':prefix': 'EVENT#' },
      });
    expect(events.Items).toContainEqual(expect.objectContaining({ type: 'connection.auth_failed', data: expect.objectContaining({ id, status: 'auth_failed', reason: 'invalid_grant' }) }));
    // Reading again does not ask the provider again.
    const refreshes = server.tokenRequests.refresh_token;
    expect((await runtime.call(`/v1/connections/${id}/test`, { method: 'POST' })).status).toBe(409);
    expect(server.tokenRequests.refresh_token).toBe(refreshes);

    const { landed } = await connect({ connectionId: id });
    expect(landed.location!.searchParams.get('connection_id')).toBe(id);
    expect(await (await runtime.call(`/v1/connections/${id}`)).json()).toMatchObject({ status: 'active', version: 2 });
    expect(await (await runtime.call(`/v1/connections/${id}/test`, { method: 'POST' })).json()).toMatchObject({ ok: true });
  });
});

describe('a token response with an absurd expires_in', () => {
  it('makes a connection that expires when the integration declares', async () => {
    const session = await startSession(runtime, { integration: 'test-idp' });
    const back = await browserlessUser(server).approve(session.authorizationUrl);
    server.amendNextToken.push({ expires_in: 1e300 });
    const landed = await callback(back).finally(() => (server.amendNextToken.length = 0));
    expect(landed.status).toBe(302);
    const id = landed.location!.searchParams.get('connection_id');
    expect(id).toMatch(/^conn_/);
    const { item } = await storedTokens(id!);
    expect(Date.parse(item.tokenExpiresAt)).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect(Date.parse(item.tokenExpiresAt)).toBeLessThanOrEqual(Date.now() + 60 * 60_000);
  });

  it('refreshes the token, which then expires when the integration declares', async () => {
    const id = await connectionId();
    await expire(id);
    server.amendNextToken.push({ expires_in: 1e300 });
    try {
      const test = await runtime.call(`/v1/connections/${id}/test`, { method: 'POST' });
      expect(test.status).toBe(200);
      expect(await test.json()).toMatchObject({ ok: true });
    } finally {
      server.amendNextToken.length = 0;
    }
    const { item } = await storedTokens(id);
    expect(item).toMatchObject({ generation: 2 });
    expect(item.leaseOwner).toBeUndefined();
    // test-idp declares 3600 s.
    expect(Date.parse(item.tokenExpiresAt)).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect(Date.parse(item.tokenExpiresAt)).toBeLessThanOrEqual(Date.now() + 60 * 60_000);
  });
});

describe('callbacks that go wrong change nothing', () => {
  it('answers 400 to a callback with a missing or forged state', async () => {
    const missing = await callback(`${runtime.url}/v1/oauth/callback?code=abc`);
    expect(missing.status).toBe(400);
    expect(JSON.parse(missing.body).errors).toEqual([{ field: 'query.state', message: 'unknown state' }]);
    const session = await startSession(runtime, { integration: 'test-idp' });
    const forged = await callback(`${runtime.url}/v1/oauth/callback?code=abc&state=${session.id}.${'A'.repeat(43)}`);
    expect(forged.status).toBe(400);
    expect((await (await runtime.call(`/v1/connect-sessions/${session.id}`)).json()).status).toBe('pending');
  });

  it.each([
    ['the user denies access', async (url: string) => browserlessUser(server).deny(url), 'access_denied'],
    ['the token endpoint answers 500', async (url: string) => { server.failNextToken.push('500', '500'); return browserlessUser(server).approve(url); }, 'server_error'],
    ['the token endpoint answers HTML', async (url: string) => { server.failNextToken.push('html'); return browserlessUser(server).approve(url); }, 'invalid_response'],
    ['the token endpoint answers malformed JSON', async (url: string) => { server.failNextToken.push('garbage'); return browserlessUser(server).approve(url); }, 'invalid_response'],
    ['the provider grants fewer scopes than asked', async (url: string) => { server.grantOnly = ['openid']; return browserlessUser(server).approve(url); }, 'insufficient_scope'],
  ])('when %s: no connection, the session says why, the user lands on the return URL with the error', async (_case, act, error) => {
    const before = await testIdpConnections();
    const session = await startSession(runtime, { integration: 'test-idp' });
    try {
      const landed = await callback(await act(session.authorizationUrl));
      expect(landed.status).toBe(302);
      expect(landed.location!.host).toBe('app.example.com');
      expect(landed.location!.searchParams.get('error')).toBe(error);
      expect(landed.location!.searchParams.get('connection_id')).toBeNull();
    } finally {
      server.grantOnly = undefined;
      server.failNextToken.length = 0;
    }
    expect(await testIdpConnections()).toBe(before);
    expect(await (await runtime.call(`/v1/connect-sessions/${session.id}`)).json()).toMatchObject({ status: 'failed', error, connectionId: null });
  });

  it.each([
    [
      "the integration's token URL changes during the flow to need a param the session lacks",
      async (key: string, url: string) => {
        const back = await browserlessUser(server).approve(url);
        await moveTokenUrl(key);
        return back;
      },
    ],
    [
      "the session's sealed PKCE verifier cannot be opened",
      async (key: string, url: string) => {
        const back = await browserlessUser(server).approve(url);
        // Another session's verifier: sealed for another session, so the vault refuses it.
        const other = await startSession(runtime, { integration: key });
        const sessionKey = (id: string) => ({ pk: `SESSION#${id}`, sk: 'SESSION' });
        const { Item } = await db.get({ TableName: table, Key: sessionKey(other.id) });
        const id = new URL(url).searchParams.get('state')!.split('.')[0]!;
        await db.update({ TableName: table, Key: sessionKey(id), UpdateExpression: 'SET verifier = :v', ExpressionAttributeValues: { ':v': Item!.verifier } });
        return back;
      },
    ],
  ])('when %s: the user lands on the return URL with server_error and the session ends failed', async (_case, act) => {
    const key = `test-idp-${Math.random().toString(36).slice(2, 8)}`;
    await registerTestIntegration(runtime, server, key);
    const session = await startSession(runtime, { integration: key });

    const landed = await callback(await act(key, session.authorizationUrl));

    expect(landed.status).toBe(302);
    expect(landed.location!.origin + landed.location!.pathname).toBe('https://app.example.com/connected');
    expect(landed.location!.searchParams.get('error')).toBe('server_error');
    expect(landed.location!.searchParams.get('error_description')).toContain('start a new connect session');
    expect(landed.location!.searchParams.get('session_id')).toBe(session.id);
    expect(await (await runtime.call(`/v1/connect-sessions/${session.id}`)).json()).toMatchObject({ status: 'failed', error: 'server_error', connectionId: null });
    expect(await testIdpConnections(key)).toBe(0);
  });

  it('gives up on a token endpoint that answers nothing within the timeout', async () => {
    const before = await testIdpConnections();
    const session = await startSession(runtime, { integration: 'test-idp' });
    const back = await browserlessUser(server).approve(session.authorizationUrl);
    server.failNextToken.push('hang', 'hang');
    const landed = await callback(back);
    server.failNextToken.length = 0;
    expect(landed.location!.searchParams.get('error')).toBe('unreachable');
    expect(await testIdpConnections()).toBe(before);
  }, 30_000);

  it('turns away a replayed callback: one connection, the second visit told the session was used', async () => {
    const before = await testIdpConnections();
    const { back, landed } = await connect();
    expect(landed.location!.searchParams.get('connection_id')).toMatch(/^conn_/);
    const codeRequests = server.tokenRequests.authorization_code;
    const again = await callback(back);
    expect(again.location!.searchParams.get('error')).toBe('session_used');
    expect(server.tokenRequests.authorization_code).toBe(codeRequests);
    expect(await testIdpConnections()).toBe(before + 1);
  });

  it('refuses a response that names another authorization server (RFC 9207 mix-up defence)', async () => {
    const before = await testIdpConnections();
    const session = await startSession(runtime, { integration: 'test-idp' });
    const back = new URL(await browserlessUser(server).approve(session.authorizationUrl));
    expect(back.searchParams.get('iss')).toBe(server.issuer);
    back.searchParams.set('iss', 'https://attacker.example.com');
    const landed = await callback(back.toString());
    expect(landed.location!.searchParams.get('error')).toBe('issuer_mismatch');
    expect(await testIdpConnections()).toBe(before);
  });

  it('turns away a callback after the session expired', async () => {
    const session = await startSession(runtime, { integration: 'test-idp' });
    const back = await browserlessUser(server).approve(session.authorizationUrl);
    await db.update({
        TableName: table,
        Key: { pk: `SESSION#${session.id}`, sk: 'SESSION' },
        UpdateExpression: 'SET validUntil = :past',
        ExpressionAttributeValues: { ':past': new Date(Date.now() - 1000).toISOString() },
      });
    const landed = await callback(back);
    expect(landed.location!.searchParams.get('error')).toBe('expired_session');
    expect((await (await runtime.call(`/v1/connect-sessions/${session.id}`)).json()).status).toBe('expired');
  });

  it("hides one tenant's connect sessions from another", async () => {
    const store = { db, table };
    await createTenant(store, 'Other OAuth tenant', 'other-oauth');
    const other = await createApiKey(store, operatorAudit('other-oauth', 'test', 'api_key.create'), { name: 'other', scopes: ['read', 'write'] });
    const session = await startSession(runtime, { integration: 'test-idp' });
    expect((await runtime.call(`/v1/connect-sessions/${session.id}`, { key: other.secret })).status).toBe(404);
    // Nor can it start a flow on this tenant's custom integration.
    const foreign = await runtime.call('/v1/connect-sessions', { method: 'POST', key: other.secret, json: { integration: 'test-idp', returnUrl: 'https://x.example.com' } });
    expect(foreign.status).toBe(400);
  });
});

describe('connect sessions refuse bad input', () => {
  it.each([
    [{ integration: 'stripe' }, 'body.integration'],
    [{ integration: 'nope' }, 'body.integration'],
    [{ integration: 'test-idp', returnUrl: 'http://evil.example.com/' }, 'body.returnUrl'],
    [{ integration: 'test-idp', returnUrl: 'javascript:alert(1)' }, 'body.returnUrl'],
    [{ integration: 'test-idp', params: { shop: 'x' } }, 'body.params.shop'],
    [{ integration: 'test-idp', scopes: ['has space'] }, 'body.scopes.0'],
  ])('answers 400 naming the field for %j', async (body, field) => {
    const response = await runtime.call('/v1/connect-sessions', { method: 'POST', json: { returnUrl: 'https://app.example.com/', ...body } });
    expect(response.status).toBe(400);
    expect((await response.json()).errors.map((e: { field: string }) => e.field)).toContain(field);
  });
});

describe('deleting an OAuth connection', () => {
  it('revokes its grant at the provider (RFC 7009), then deletes it', async () => {
    const id = await connectionId();
    const { tokens } = await storedTokens(id);
    const revocations = server.revocations;
    const response = await runtime.call(`/v1/connections/${id}`, { method: 'DELETE' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id, deleted: true, tokenRevocation: { status: 'revoked', detail: 'the provider revoked the grant' }, webhookSubscriptions: null });
    expect(server.revocations).toBe(revocations + 1);
    const reused = await asClient(server, '/token', { grant_type: 'refresh_token', refresh_token: tokens.refreshToken! });
    expect(JSON.parse(reused.body).error).toBe('invalid_grant');
  });

  it('deletes it even when the revocation endpoint is down, and says so', async () => {
    await registerTestIntegration(runtime, server, 'test-idp-down', {
      oauth2: { ...testIntegration(server).oauth2, revocation: { url: 'https://127.0.0.1:9/revoke', style: 'rfc7009' } },
    });
    const session = await startSession(runtime, { integration: 'test-idp-down' });
    const landed = await callback(await browserlessUser(server).approve(session.authorizationUrl));
    const id = landed.location!.searchParams.get('connection_id')!;
    const response = await runtime.call(`/v1/connections/${id}`, { method: 'DELETE' });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.tokenRevocation.status).toBe('failed');
    expect((await runtime.call(`/v1/connections/${id}`)).status).toBe(404);
  });
});
