import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { operatorAudit } from '../../shared/platform/audit';
import { createApiKey, createTenant } from '../../shared/tenancy/service';
import { startAuthorizationServer, type AuthorizationServer } from '../fakes/authorization-server';
import { startFakeGitHub, type FakeGitHub } from '../fakes/github';
import { startFakeHttpbin } from '../fakes/httpbin';
import { startFakeHubSpot, type FakeHubSpot } from '../fakes/hubspot';
import type { FakeProvider } from '../fakes/provider';
import { trust, type TlsFront } from '../fakes/tls';
import { localDynamoDb } from '../support/dynamodb';
import { browserlessUser, callback, registerTestIntegration, startSession } from '../support/oauth';
import { frontOf, proxiedConnection } from '../support/proxied';
import { startTestRuntime, type TestRuntime } from '../support/runtime';
import { keyringFromEnv } from '../../shared/vault/keyring';
import { createVault } from '../../shared/vault/vault';

/**
 * The proxy through the local gateway to the fake providers, each behind TLS as a real
 * provider is: what goes on (path, query, body, the stored credentials, only allowed
 * headers) and what comes back (status, body, allowed headers), and what never passes.
 */
let runtime: TestRuntime;
let github: FakeGitHub;
let hubspot: FakeHubSpot;
let httpbin: FakeProvider;
let server: AuthorizationServer;
const fronts: TlsFront[] = [];
let githubConnection: string;
let hubspotConnection: string;
let httpbinConnection: string;

beforeAll(async () => {
  runtime = await startTestRuntime();
  [github, hubspot, httpbin] = await Promise.all([startFakeGitHub(), startFakeHubSpot(), startFakeHttpbin()]);
  server = await startAuthorizationServer({ redirectUri: `${runtime.url}/v1/oauth/callback` });
  for (const fake of [github, hubspot, httpbin]) fronts.push(await frontOf(fake));
  trust([...fronts.map((front) => front.caPem), readFileSync(server.caFile, 'utf8')]);
  githubConnection = await proxiedConnection(runtime, fronts[0]!, github, 'proxied-github');
  hubspotConnection = await proxiedConnection(runtime, fronts[1]!, hubspot, 'proxied-hubspot');
  httpbinConnection = await proxiedConnection(runtime, fronts[2]!, httpbin, 'proxied-httpbin');
  await registerTestIntegration(runtime, server, 'proxy-idp');
});
afterAll(async () => {
  await Promise.all([...fronts.map((front) => front.close()), github.close(), hubspot.close(), httpbin.close(), server.close()]);
  await runtime.stop();
});
beforeEach(() => {
  for (const fake of [github, hubspot, httpbin]) {
    fake.requests.length = 0;
    fake.faults.length = 0;
  }
});

const proxy = (connectionId: string, path: string) => `/v1/connections/${connectionId}/proxy/${path}`;

describe('a GET', () => {
  it('passes the query on as written and the Link header, rate-limit headers and body back', async () => {
    for (let i = 0; i < 5; i++) github.addIssue('acme', 'api');
    const response = await runtime.call(proxy(githubConnection, 'repos/acme/api/issues?state=all&per_page=2&labels=a,b&labels=c'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('link')).toContain(`<${fronts[0]!.url}/repos/acme/api/issues?`);
    expect(response.headers.get('link')).toContain('rel="next"');
    expect(response.headers.get('x-ratelimit-remaining')).toMatch(/^\d+$/);
    const issues = await response.json();
    expect(issues).toHaveLength(2);
    const asked = github.requests.at(-1)!;
    expect(asked).toMatchObject({ method: 'GET', path: '/repos/acme/api/issues' });
    expect([...asked.query]).toEqual([['state', 'all'], ['per_page', '2'], ['labels', 'a,b'], ['labels', 'c']]);
  });

  it("adds the connection's credentials, and passes on only the allowed headers: never the caller's Authorization, Cookie or Host", async () => {
    const response = await runtime.call(proxy(httpbinConnection, 'anything/headers'), {
      headers: { accept: 'application/json', 'if-none-match': '"v1"', 'x-github-api-version': '2022-11-28', cookie: 'session=secret-cookie', 'x-api-key': 'caller-key', 'x-forwarded-for': '10.0.0.1' },
    });
    expect(response.status).toBe(200);
    const received = httpbin.requests.at(-1)!.headers;
    expect(received.authorization).toMatch(/^Bearer tok_[0-9a-f]{32}$/);
    expect(received.authorization).not.toContain(runtime.apiKey);
    expect(received).toMatchObject({ accept: 'application/json', 'if-none-match': '"v1"', 'x-github-api-version': '2022-11-28', host: new URL(fronts[2]!.url).host });
    expect(received.cookie).toBeUndefined();
    expect(received['x-api-key']).toBeUndefined();
    expect(received['x-forwarded-for']).toBeUndefined();
    expect(JSON.stringify(received)).not.toContain(runtime.apiKey);
  });

  it('answers 502 naming the cap when the answer is larger than 4 MiB', async () => {
    github.hugeBytes = 5 * 1024 * 1024;
    github.faults.push('huge');
    const response = await runtime.call(proxy(githubConnection, 'user/repos'));
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect((await response.json()).detail).toContain('larger than 4194304 bytes (4 MiB)');
  });

  it("passes the provider's own error status and body back", async () => {
    const response = await runtime.call(proxy(githubConnection, 'repos/acme/nowhere/issues'));
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ message: 'Not Found' });
  });
});

describe('a write', () => {
  it('sends the body as it came, and is audited without the body', async () => {
    hubspot.add('contacts', { email: 'proxied@example.com' });
    const body = JSON.stringify({ filterGroups: [], limit: 1, marker: `body-${randomBytes(4).toString('hex')}` });
    const response = await runtime.call(proxy(hubspotConnection, 'crm/v3/objects/contacts/search'), { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(200);
    expect((await response.json()).results).toHaveLength(1);
    expect(hubspot.requests.at(-1)).toMatchObject({ method: 'POST', path: '/crm/v3/objects/contacts/search', body, headers: { 'content-type': 'application/json' } });

    const log = await (await runtime.call('/v1/audit-log?action=proxy.post&limit=100')).json();
    const entry = log.data.find((e: { requestId: string }) => e.requestId === response.headers.get('x-request-id'));
    expect(entry).toMatchObject({ action: 'proxy.post', target: hubspotConnection, outcome: 'succeeded', status: 200 });
    expect(JSON.stringify(log)).not.toContain(JSON.parse(body).marker);
  });

  it('passes a body of any text type with its content type, and DELETE and PUT through', async () => {
    const form = 'name=Ada+Lovelace&note=%E2%9C%93';
    const posted = await runtime.call(proxy(httpbinConnection, 'anything/form'), { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(posted.status).toBe(200);
    expect(await posted.json()).toMatchObject({ method: 'POST', data: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const put = await runtime.call(proxy(httpbinConnection, 'anything/doc'), { method: 'PUT', body: '<doc>✓</doc>', headers: { 'content-type': 'application/xml' } });
    expect(await put.json()).toMatchObject({ method: 'PUT', data: '<doc>✓</doc>' });
    const deleted = await runtime.call(proxy(httpbinConnection, 'anything/doc'), { method: 'DELETE' });
    expect(await deleted.json()).toMatchObject({ method: 'DELETE' });
  });

  it('refuses a body that is not UTF-8 text with 415, without calling the provider', async () => {
    const response = await runtime.call(proxy(httpbinConnection, 'anything/upload'), { method: 'POST', body: Buffer.from([0xff, 0xfe, 0x00, 0x80]), headers: { 'content-type': 'application/octet-stream' } });
    expect(response.status).toBe(415);
    expect(httpbin.requests).toHaveLength(0);
  });

  it('is sent once, never retried, when the provider fails', async () => {
    httpbin.faults.push('server-error');
    const posted = await runtime.call(proxy(httpbinConnection, 'anything/once'), { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(posted.status).toBe(500);
    expect(httpbin.requests).toHaveLength(1);
    // A GET is retried by the outbound client.
    httpbin.faults.push('server-error');
    const read = await runtime.call(proxy(httpbinConnection, 'anything/again'));
    expect(read.status).toBe(200);
    expect(httpbin.requests).toHaveLength(3);
  });
});

describe("the provider's rate limit", () => {
  it('answers its 429 with Retry-After, then holds the next request back with a 429 problem, the provider not asked', async () => {
    const connectionId = await proxiedConnection(runtime, fronts[1]!, hubspot, 'proxied-hubspot-limited');
    hubspot.faults.push('rate-limit');
    const limited = await runtime.call(proxy(connectionId, 'crm/v3/objects/contacts/search'), { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(limited.status).toBe(429);
    // HubSpot names no Retry-After: the wait its interval header says.
    expect(limited.headers.get('retry-after')).toBe('10');
    expect(limited.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    expect(await limited.json()).toMatchObject({ errorType: 'RATE_LIMIT' });
    const asked = hubspot.requests.length;

    const held = await runtime.call(proxy(connectionId, 'crm/v3/objects/contacts'));
    expect(held.status).toBe(429);
    expect(held.headers.get('content-type')).toBe('application/problem+json');
    expect(Number(held.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(held.headers.get('retry-after'))).toBeLessThanOrEqual(10);
    expect((await held.json()).type).toBe('urn:junction:problem:provider-rate-limited');
    expect(hubspot.requests.length).toBe(asked);
  });

  it('answers a GET whose provider asks to wait longer than the call can with a 429 problem and Retry-After', async () => {
    const connectionId = await proxiedConnection(runtime, fronts[2]!, httpbin, 'proxied-httpbin-limited');
    httpbin.faults.push('rate-limit');
    const response = await runtime.call(proxy(connectionId, 'anything/busy'));
    expect(response.status).toBe(429);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('retry-after')).toBe('30');
    expect(httpbin.requests).toHaveLength(1);
  });
});

describe('the path', () => {
  /** A request sent exactly as written (fetch would resolve dot segments first). */
  const rawGet = (path: string) =>
    new Promise<{ status: number; type: string | undefined; body: string }>((resolve, reject) => {
      const url = new URL(runtime.url);
      const req = httpRequest({ host: url.hostname, port: url.port, path, headers: { authorization: `Bearer ${runtime.apiKey}` } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.end();
    });

  it.each([
    ['an escaped ../', 'anything/..%2F..%2Fadmin'],
    ['an escaped slash', 'anything%2F..'],
    ['an escaped backslash and dots', '%2e%2e%5Cadmin'],
    ['an absolute URL', 'https://169.254.169.254/latest/meta-data'],
    ['an empty segment', 'anything//admin'],
    ['a control character', 'anything/a%00b'],
    ['a broken escape', 'anything/%E0%A4%A'],
  ])('refuses %s with 400, and calls nobody', async (_what, path) => {
    const response = await rawGet(`/v1/connections/${httpbinConnection}/proxy/${path}`);
    expect(response).toMatchObject({ status: 400, type: 'application/problem+json' });
    expect(JSON.parse(response.body).errors).toEqual([{ field: 'path.path', message: expect.any(String) }]);
    expect(httpbin.requests).toHaveLength(0);
  });
});

describe('another tenant', () => {
  it("gets 404 for a proxy through the owner's connection, and the provider hears nothing", async () => {
    const store = { db: localDynamoDb(runtime.dynamodbEndpoint), table: runtime.env.MAIN_TABLE_NAME! };
    await createTenant(store, 'Proxy rival', 'proxy-rival');
    const rival = (await createApiKey(store, operatorAudit('proxy-rival', 'test', 'api_key.create'), { name: 'rival', scopes: ['read', 'write', 'admin'] })).secret;
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      const response = await runtime.call(proxy(httpbinConnection, 'anything/steal'), { method, key: rival, ...(method === 'GET' || method === 'DELETE' ? {} : { body: '{}', headers: { 'content-type': 'application/json' } }) });
      expect([method, response.status]).toEqual([method, 404]);
    }
    expect(httpbin.requests).toHaveLength(0);
  });
});

describe('an OAuth connection', () => {
  async function oauthConnection() {
    const session = await startSession(runtime, { integration: 'proxy-idp' });
    const landed = await callback(await browserlessUser(server).approve(session.authorizationUrl));
    return landed.location!.searchParams.get('connection_id')!;
  }
  const stored = async (connectionId: string) => {
    const db = localDynamoDb(runtime.dynamodbEndpoint);
    const { Item } = await db.get({ TableName: runtime.env.MAIN_TABLE_NAME!, Key: { pk: 'TENANT#local', sk: `CREDENTIALS#${connectionId}` } });
    return Item!;
  };

  it('refreshes a token that has expired, once, before the request', async () => {
    const connectionId = await oauthConnection();
    const past = new Date(Date.now() - 60_000).toISOString();
    await localDynamoDb(runtime.dynamodbEndpoint).update({
      TableName: runtime.env.MAIN_TABLE_NAME!,
      Key: { pk: 'TENANT#local', sk: `CREDENTIALS#${connectionId}` },
      UpdateExpression: 'SET tokenExpiresAt = :past, gsi1sk = :past',
      ExpressionAttributeValues: { ':past': past },
    });
    const before = server.tokenRequests.refresh_token;
    const response = await runtime.call(proxy(connectionId, 'me'));
    expect(response.status).toBe(200);
    expect((await response.json()).sub).toBe('alice');
    expect(server.tokenRequests.refresh_token).toBe(before + 1);
  });

  it('refreshes once and asks again when the provider refuses a token before its expiry', async () => {
    const connectionId = await oauthConnection();
    // The stored access token is one the provider no longer takes (revoked or rotated
    // elsewhere) though it has not expired: userinfo answers 401 for it.
    const vault = createVault(keyringFromEnv({ env: runtime.env }));
    const context = { tenantId: 'local', connectionId, purpose: 'credentials' };
    const tokens = await vault.open<Record<string, string>>((await stored(connectionId)) as never, context);
    const resealed = await vault.seal({ ...tokens, accessToken: 'revoked-elsewhere' }, context);
    await localDynamoDb(runtime.dynamodbEndpoint).update({
      TableName: runtime.env.MAIN_TABLE_NAME!,
      Key: { pk: 'TENANT#local', sk: `CREDENTIALS#${connectionId}` },
      UpdateExpression: 'SET ciphertext = :ciphertext',
      ExpressionAttributeValues: { ':ciphertext': resealed.ciphertext },
    });
    const before = server.tokenRequests.refresh_token;
    const response = await runtime.call(proxy(connectionId, 'me'));
    expect(response.status).toBe(200);
    expect(server.tokenRequests.refresh_token).toBe(before + 1);
  });
});
