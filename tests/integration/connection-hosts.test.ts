import { randomBytes } from 'node:crypto';
import type { DynamoDb } from '../../shared/platform/dynamodb';
import { openCredentials } from '../../shared/connections/service';
import { connectionStore } from '../../shared/connections/store';
import { keyringFromEnv } from '../../shared/vault/keyring';
import { createVault } from '../../shared/vault/vault';
import { startAuthorizationServer, type AuthorizationServer } from '../fakes/authorization-server';
import { localDynamoDb } from '../support/dynamodb';
import { browserlessUser, callback, registerTestIntegration, startSession } from '../support/oauth';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

/**
 * Credentials are write-only, so a key with the `write` scope must not be able to read one
 * by moving its connection to a host of its choosing and asking for a test call.
 */

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
  // OAuth integrations whose API base the connection's params may override: anywhere, or
  // only under the provider's own domain.
  await registerTestIntegration(runtime, server, 'test-idp-hosts', { baseUrlOverride: {} });
  await registerTestIntegration(runtime, server, 'test-idp-suffixed', { baseUrlOverride: { hostSuffixes: ['.acme.example'] } });
});
afterAll(async () => {
  await server.close();
  await runtime.stop();
});

const gitlabToken = () => `glpat-${randomBytes(16).toString('hex')}`;
const bigcommerceToken = () => randomBytes(16).toString('hex');

async function create(body: Record<string, unknown>) {
  const response = await runtime.call('/v1/connections', { method: 'POST', json: body });
  if (response.status !== 201) throw new Error(`create: ${response.status} ${await response.text()}`);
  return (await response.json()) as { id: string };
}

function patch(id: string, body: unknown, version: number) {
  return runtime.call(`/v1/connections/${id}`, { method: 'PATCH', json: body, headers: { 'if-match': `"${version}"` } });
}

const read = async (id: string) => (await runtime.call(`/v1/connections/${id}`)).json();

async function storedCredentials(id: string) {
  const { Item } = await db.get({ TableName: table, Key: { pk: 'TENANT#local', sk: `CREDENTIALS#${id}` } });
  const opened = await openCredentials({ store: connectionStore({ db, table }), vault: createVault(keyringFromEnv({ env: runtime.env })) }, 'local', id);
  return { ciphertext: Item!.ciphertext, opened };
}

describe('moving an API-key, basic or bearer connection to another host', () => {
  it('is refused without credentials, naming body.params, and changes nothing', async () => {
    const token = gitlabToken();
    const { id } = await create({ integration: 'gitlab', name: 'GitLab', authType: 'bearer', credentials: { token } });
    const before = await storedCredentials(id);

    const response = await patch(id, { params: { baseUrl: 'https://attacker.example' } }, 1);

    expect(response.status).toBe(400);
    const problem = await response.json();
    expect(problem.errors).toEqual([{ field: 'body.params', message: expect.stringContaining('send the credentials for the new host in the same request') }]);
    expect(problem.detail).toContain('https://attacker.example');
    expect(await read(id)).toMatchObject({ params: {}, version: 1 });
    expect(await storedCredentials(id)).toEqual(before);
    expect(before.opened).toEqual({ token });
  });

  it('is refused when a host param changes the host (Shopify {shop})', async () => {
    const { id } = await create({ integration: 'shopify', name: 'Shop', credentials: { apiKey: 'shpat_0123456789abcdef0123456789abcdef' }, params: { shop: 'acme-store' } });

    const response = await patch(id, { params: { shop: 'attacker' } }, 1);

    expect(response.status).toBe(400);
    expect((await response.json()).errors[0].field).toBe('body.params');
    expect(await read(id)).toMatchObject({ params: { shop: 'acme-store' }, version: 1 });
  });

  it('succeeds when the same change brings credentials for the new host', async () => {
    const { id } = await create({ integration: 'gitlab', name: 'GitLab', authType: 'bearer', credentials: { token: gitlabToken() } });
    const token = gitlabToken();

    const response = await patch(id, { params: { baseUrl: 'https://gitlab.acme.example/api/v4' }, credentials: { token } }, 1);

    expect(response.status).toBe(200);
    expect(await read(id)).toMatchObject({ params: { baseUrl: 'https://gitlab.acme.example/api/v4' }, version: 2 });
    expect((await storedCredentials(id)).opened).toEqual({ token });
  });
});

describe('changing params on the same host', () => {
  it('keeps the stored credentials when a path param changes (BigCommerce {storeHash})', async () => {
    const apiKey = bigcommerceToken();
    const { id } = await create({ integration: 'bigcommerce', name: 'Store', credentials: { apiKey }, params: { storeHash: 'abc123x' } });

    const response = await patch(id, { params: { storeHash: 'def456y' } }, 1);

    expect(response.status).toBe(200);
    expect(await read(id)).toMatchObject({ params: { storeHash: 'def456y' }, version: 2 });
    expect((await storedCredentials(id)).opened).toEqual({ apiKey });
  });

  it('compares origins, not URLs: another path or the default port keeps the credentials', async () => {
    const { id } = await create({ integration: 'gitlab', name: 'GitLab', authType: 'bearer', credentials: { token: gitlabToken() }, params: { baseUrl: 'https://gitlab.acme.example/api/v4' } });

    const response = await patch(id, { params: { baseUrl: 'https://GitLab.acme.example:443/gitlab/api/v4' } }, 1);

    expect(response.status).toBe(200);
  });
});

describe('moving an OAuth connection to another host', () => {
  async function connect(params: Record<string, string> = {}, integration = 'test-idp-hosts') {
    const session = await startSession(runtime, { integration, params });
    const landed = await callback(await browserlessUser(server).approve(session.authorizationUrl));
    const id = landed.location?.searchParams.get('connection_id');
    if (!id) throw new Error(`no connection: ${landed.location}`);
    return id;
  }

  it('is refused with a message naming connect sessions, and changes nothing', async () => {
    const id = await connect();

    const response = await patch(id, { params: { baseUrl: 'https://attacker.example' } }, 1);

    expect(response.status).toBe(400);
    const problem = await response.json();
    expect(problem.errors).toEqual([{ field: 'body.params', message: expect.stringContaining('POST /v1/connect-sessions naming this connectionId and the new params') }]);
    expect(await read(id)).toMatchObject({ params: {}, version: 1 });
  });

  it('succeeds when the API base keeps its origin', async () => {
    const id = await connect();

    const response = await patch(id, { params: { baseUrl: `${server.issuer}/v2` } }, 1);

    expect(response.status).toBe(200);
    expect(await read(id)).toMatchObject({ params: { baseUrl: `${server.issuer}/v2` }, version: 2 });
  });

  it('moves by authorizing again through a connect session that names the connection and the new params', async () => {
    const id = await connect({}, 'test-idp-suffixed');
    const session = await startSession(runtime, { integration: 'test-idp-suffixed', connectionId: id, params: { baseUrl: 'https://api.acme.example' } });

    const landed = await callback(await browserlessUser(server).approve(session.authorizationUrl));

    expect(landed.location?.searchParams.get('connection_id')).toBe(id);
    expect(await read(id)).toMatchObject({ params: { baseUrl: 'https://api.acme.example' }, version: 2 });
  });
});

describe('an OAuth connect session', () => {
  it('cannot point the API base anywhere when the override names no host suffix, since the token would leave its provider', async () => {
    const response = await runtime.call('/v1/connect-sessions', {
      method: 'POST',
      json: { integration: 'test-idp-hosts', returnUrl: 'https://app.example.com/connected', params: { baseUrl: 'https://collector.attacker.example' } },
    });
    expect(response.status).toBe(400);
    expect((await response.json()).errors).toEqual([{ field: 'body.params.baseUrl', message: 'not for OAuth connections of this integration' }]);
  });
});
