import type { DynamoDb } from '../../shared/platform/dynamodb';
import { localDynamoDb } from '../support/dynamodb';
import { randomBytes } from 'node:crypto';
import { catalogPort } from '../../shared/connections/integrations';
import { openCredentials, testConnection, type ConnectionDeps } from '../../shared/connections/service';
import { connectionStore, getConnection, recordTest } from '../../shared/connections/store';
import { tenantIntegrations } from '../../shared/integrations/tenant-catalog';
import { operatorAudit } from '../../shared/platform/audit';
import { keyringFromEnv } from '../../shared/vault/keyring';
import { createVault } from '../../shared/vault/vault';
import { createApiKey, createTenant } from '../../shared/tenancy/service';
import { startTestRuntime, type ApiResponse, type TestRuntime } from '../support/runtime';
import { schedulePort } from '../../shared/syncs/scheduler';

let runtime: TestRuntime;
let db: DynamoDb;
let table: string;

beforeAll(async () => {
  runtime = await startTestRuntime();
  db = localDynamoDb(runtime.dynamodbEndpoint);
  table = runtime.env.MAIN_TABLE_NAME!;
});
afterAll(() => runtime.stop());

/** A Stripe test key nobody else has: searching for it finds only where we put it. */
const stripeKey = () => `sk_test_${randomBytes(18).toString('hex')}`;

async function create(body: Record<string, unknown>, key?: string): Promise<ApiResponse> {
  return runtime.call('/v1/connections', { method: 'POST', json: body, ...(key ? { key } : {}) });
}

async function createStripe(name = 'Acme payments', secret = stripeKey()) {
  const response = await create({ integration: 'stripe', name, credentials: { apiKey: secret } });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; version: number; name: string };
}

function patch(id: string, body: unknown, ifMatch?: string | number) {
  return runtime.call(`/v1/connections/${id}`, {
    method: 'PATCH',
    json: body,
    headers: ifMatch === undefined ? {} : { 'if-match': typeof ifMatch === 'number' ? `"${ifMatch}"` : ifMatch },
  });
}

describe('creating a connection', () => {
  it('answers 201 with the connection, its ETag and location, and never the credentials', async () => {
    const secret = stripeKey();
    const response = await create({ integration: 'stripe', name: 'Acme payments', credentials: { apiKey: secret } });
    expect(response.status).toBe(201);
    const text = await response.text();
    expect(text).not.toContain(secret);
    const connection = JSON.parse(text);
    expect(connection).toMatchObject({
      id: expect.stringMatching(/^conn_/),
      integration: 'stripe',
      name: 'Acme payments',
      authType: 'api_key',
      credentialFields: ['apiKey'],
      status: 'active',
      version: 1,
      lastTest: null,
    });
    expect(response.headers.get('etag')).toBe('"1"');
    expect(response.headers.get('location')).toBe(`/v1/connections/${connection.id}`);
  });

  it('takes params the integration declares and fills its base URL with them', async () => {
    const response = await create({ integration: 'shopify', name: 'Shop', credentials: { apiKey: 'shpat_0123456789abcdef0123456789abcdef' }, params: { shop: 'acme-store' } });
    expect(response.status).toBe(201);
    expect((await response.json()).params).toEqual({ shop: 'acme-store' });
  });

  it.each([
    ['a missing credential', { integration: 'stripe', name: 'x', credentials: {} }, 'body.credentials.apiKey', 'is required'],
    ['a key of the wrong shape', { integration: 'stripe', name: 'x', credentials: { apiKey: 'pk_test_abc' } }, 'body.credentials.apiKey', expect.stringContaining('must be a secret key')],
    ['an unknown credential field', { integration: 'stripe', name: 'x', credentials: { apiKey: stripeKey(), password: 'p' } }, 'body.credentials.password', expect.stringContaining('is not a credential of api_key')],
    ['an unknown integration', { integration: 'nope', name: 'x', credentials: {} }, 'body.integration', 'unknown integration'],
    ['an integration key that is not kebab-case', { integration: 'Stripe!', name: 'x' }, 'body.integration', expect.any(String)],
    ['a missing required param', { integration: 'shopify', name: 'x', credentials: { apiKey: 'shpat_0123456789abcdef0123456789abcdef' } }, 'body.params.shop', 'is required'],
    ['a param that would leave the host', { integration: 'shopify', name: 'x', credentials: { apiKey: 'shpat_0123456789abcdef0123456789abcdef' }, params: { shop: 'evil.com/x' } }, 'body.params.shop', expect.any(String)],
    ['credentials that are not an object', { integration: 'stripe', name: 'x', credentials: ['sk_test_1'] }, 'body.credentials', expect.any(String)],
    ['a credential that is not a string', { integration: 'stripe', name: 'x', credentials: { apiKey: 42 } }, 'body.credentials.apiKey', expect.any(String)],
    ['an oversized credential', { integration: 'stripe', name: 'x', credentials: { apiKey: `sk_test_${'a'.repeat(9000)}` } }, 'body.credentials.apiKey', expect.any(String)],
    ['a credential over the field limit', { integration: 'stripe', name: 'x', credentials: { apiKey: `sk_test_${'a'.repeat(300)}` } }, 'body.credentials.apiKey', 'must be at most 255 characters'],
    ['a credential with a pasted newline', { integration: 'stripe', name: 'x', credentials: { apiKey: `${stripeKey()}\n` } }, 'body.credentials.apiKey', 'must not start or end with whitespace'],
    ['a credential with a right-to-left override', { integration: 'stripe', name: 'x', credentials: { apiKey: `sk_test_ab\u202ecd` } }, 'body.credentials.apiKey', expect.any(String)],
    ['a credential with a control character', { integration: 'github', name: 'x', credentials: { token: 'ghp_abc\u0007def' } }, 'body.credentials.token', expect.any(String)],
    ['a name with a zero-width joiner only', { integration: 'stripe', name: '\u200d', credentials: { apiKey: stripeKey() } }, 'body.name', 'must contain a visible character'],
    ['a name with a bidirectional override', { integration: 'stripe', name: 'invoice\u202egpj.exe', credentials: { apiKey: stripeKey() } }, 'body.name', 'must not contain bidirectional override characters'],
    ['an auth type the integration does not take', { integration: 'stripe', name: 'x', authType: 'basic', credentials: { username: 'u', password: 'p' } }, 'body.authType', expect.any(String)],
    ['an unknown top-level field', { integration: 'stripe', name: 'x', credentials: { apiKey: stripeKey() }, secret: 'x' }, 'body.secret', 'unknown field'],
  ])('answers 400 naming the field for %s', async (_case, body, field, message) => {
    const response = await create(body);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const problem = await response.json();
    expect(problem.errors).toContainEqual({ field, message });
  });

  it('answers 400 for JSON that is not an object', async () => {
    const response = await runtime.call('/v1/connections', { method: 'POST', json: [1, 2, 3] });
    expect(response.status).toBe(400);
  });
});

describe('listing connections', () => {
  it('pages newest first with a cursor, and filters by integration and status', async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await createStripe(`List ${i}`)).id);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `?integration=stripe&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const response = await runtime.call(`/v1/connections${query}`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { data: Array<{ id: string; integration: string }>; nextCursor: string | null };
      expect(body.data.length).toBeLessThanOrEqual(2);
      expect(body.data.every((c) => c.integration === 'stripe')).toBe(true);
      seen.push(...body.data.map((c) => c.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 50);
    expect(new Set(seen).size).toBe(seen.length);
    // Newest first: the five just made lead, most recent first.
    expect(seen.slice(0, 5)).toEqual([...made].reverse());

    const shopify = (await (await runtime.call('/v1/connections?integration=shopify')).json()) as { data: Array<{ integration: string }> };
    expect(shopify.data.every((c) => c.integration === 'shopify')).toBe(true);
    const failed = (await (await runtime.call('/v1/connections?status=auth_failed')).json()) as { data: unknown[] };
    expect(failed.data).toEqual([]);
  });

  it('fills a page even when the filter skips most items', async () => {
    await create({ integration: 'github', name: 'Rare', credentials: { token: 'ghp_0123456789abcdefghijklmnopqrstuvwxyzAB' } });
    for (let i = 0; i < 3; i++) await createStripe(`Filler ${i}`);
    const body = (await (await runtime.call('/v1/connections?integration=github&limit=1')).json()) as { data: Array<{ name: string }> };
    expect(body.data.map((c) => c.name)).toEqual(['Rare']);
  });

  it('answers 400 naming the parameter for an unknown status or a forged cursor', async () => {
    const status = await runtime.call('/v1/connections?status=sleeping');
    expect(status.status).toBe(400);
    expect((await status.json()).errors[0].field).toBe('query.status');
    const cursor = await runtime.call('/v1/connections?cursor=bm90LWEtY3Vyc29y');
    expect(cursor.status).toBe(400);
  });
});

describe('reading a connection', () => {
  it('shows it with its version as ETag', async () => {
    const made = await createStripe();
    const response = await runtime.call(`/v1/connections/${made.id}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe('"1"');
    expect((await response.json()).id).toBe(made.id);
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    expect((await runtime.call('/v1/connections/conn_01JZZZZZZZZZZZZZZZZZZZZZZZ')).status).toBe(404);
    const malformed = await runtime.call('/v1/connections/not-an-id');
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).errors[0].field).toBe('path.id');
  });
});

describe('updating a connection', () => {
  it('applies a change at the current version and moves the version on', async () => {
    const made = await createStripe();
    const response = await patch(made.id, { name: 'Renamed' }, 1);
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe('"2"');
    expect(await response.json()).toMatchObject({ name: 'Renamed', version: 2 });
    expect((await (await runtime.call(`/v1/connections/${made.id}`)).json()).name).toBe('Renamed');
  });

  it('answers 428 without If-Match and 412 for a stale version', async () => {
    const made = await createStripe();
    expect((await patch(made.id, { name: 'A' })).status).toBe(428);
    expect((await patch(made.id, { name: 'B' }, 1)).status).toBe(200);
    const stale = await patch(made.id, { name: 'C' }, 1);
    expect(stale.status).toBe(412);
    expect((await stale.json()).detail).toContain('version 2');
  });

  it('matches no version with a weak ETag (412), and still answers 404 for a connection that does not exist', async () => {
    const made = await createStripe();
    expect((await patch(made.id, { name: 'Weak' }, 'W/"1"')).status).toBe(412);
    expect((await (await runtime.call(`/v1/connections/${made.id}`)).json()).name).not.toBe('Weak');
    expect((await patch('conn_01M82VXH1C4HCCPCN9BNBZBMDH', { name: 'Weak' }, 'W/"1"')).status).toBe(404);
  });

  it('lets exactly one of several concurrent patches at the same version win', async () => {
    const made = await createStripe();
    const responses = await Promise.all(Array.from({ length: 6 }, (_, i) => patch(made.id, { name: `Racer ${i}` }, 1)));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 412, 412, 412, 412, 412]);
    const winner = await responses.find((r) => r.status === 200)!.json();
    const stored = await (await runtime.call(`/v1/connections/${made.id}`)).json();
    expect(stored).toMatchObject({ name: winner.name, version: 2 });
  });

  it('replaces credentials, checking them against the integration, without showing them', async () => {
    const made = await createStripe();
    const bad = await patch(made.id, { credentials: { apiKey: 'nope' } }, 1);
    expect(bad.status).toBe(400);
    expect((await bad.json()).errors[0].field).toBe('body.credentials.apiKey');

    const replacement = stripeKey();
    const before = await db.get({ TableName: table, Key: { pk: 'TENANT#local', sk: `CREDENTIALS#${made.id}` } });
    const good = await patch(made.id, { credentials: { apiKey: replacement } }, 1);
    expect(good.status).toBe(200);
    expect(await good.text()).not.toContain(replacement);
    const after = await db.get({ TableName: table, Key: { pk: 'TENANT#local', sk: `CREDENTIALS#${made.id}` } });
    expect(after.Item!.ciphertext).not.toBe(before.Item!.ciphertext);
  });

  it('answers 400 for an empty patch or a patch of a field that does not exist', async () => {
    const made = await createStripe();
    expect((await patch(made.id, {}, 1)).status).toBe(400);
    const unknown = await patch(made.id, { integration: 'github' }, 1);
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).errors).toContainEqual({ field: 'body.integration', message: 'unknown field' });
  });
});

describe('deleting a connection', () => {
  it('removes the connection and destroys its sealed credentials', async () => {
    const made = await createStripe();
    const key = { pk: 'TENANT#local', sk: `CREDENTIALS#${made.id}` };
    expect((await db.get({ TableName: table, Key: key })).Item).toBeDefined();

    const response = await runtime.call(`/v1/connections/${made.id}`, { method: 'DELETE' });
    expect(response.status).toBe(200);
    // Not an OAuth connection: there was no grant to revoke.
    expect(await response.json()).toEqual({ id: made.id, deleted: true, tokenRevocation: null, webhookSubscriptions: null });
    expect((await db.get({ TableName: table, Key: key })).Item).toBeUndefined();
    expect((await runtime.call(`/v1/connections/${made.id}`)).status).toBe(404);
    expect((await runtime.call(`/v1/connections/${made.id}`, { method: 'DELETE' })).status).toBe(404);
  });
});

describe('tenant isolation', () => {
  it("answers 404 on every connection route for another tenant's connection", async () => {
    const store = { db, table };
    await createTenant(store, 'Rival', 'rival');
    const rival = await createApiKey(store, operatorAudit('rival', 'test', 'api_key.create'), { name: 'rival', scopes: ['read', 'write'] });
    const mine = await createStripe('Mine');

    const attempts: Array<[string, RequestInit & { json?: unknown; headers?: Record<string, string> }]> = [
      [`/v1/connections/${mine.id}`, { method: 'GET' }],
      [`/v1/connections/${mine.id}`, { method: 'PATCH', json: { name: 'Stolen' }, headers: { 'if-match': '"1"' } }],
      [`/v1/connections/${mine.id}`, { method: 'PATCH', json: { credentials: { apiKey: stripeKey() } }, headers: { 'if-match': '"1"' } }],
      [`/v1/connections/${mine.id}/test`, { method: 'POST' }],
      [`/v1/connections/${mine.id}`, { method: 'DELETE' }],
    ];
    for (const [path, init] of attempts) {
      const response = await runtime.call(path, { ...init, key: rival.secret });
      expect([path, init.method, response.status]).toEqual([path, init.method, 404]);
    }
    const list = (await (await runtime.call('/v1/connections?limit=100', { key: rival.secret })).json()) as { data: unknown[] };
    expect(list.data).toEqual([]);
    // Untouched for its owner.
    expect(await (await runtime.call(`/v1/connections/${mine.id}`)).json()).toMatchObject({ name: 'Mine', version: 1 });
  });
});

describe('secrets', () => {
  it('never puts a credential into a response, log line, audit entry or stored item', async () => {
    const planted = `sk_test_PLANTED${randomBytes(12).toString('hex')}`;
    const { output, result: bodies } = await runtime.logsDuring(async () => {
      const texts: string[] = [];
      const created = await create({ integration: 'stripe', name: 'Planted', credentials: { apiKey: planted } });
      texts.push(await created.text());
      const id = JSON.parse(texts[0]!).id as string;
      for (const response of [
        await runtime.call(`/v1/connections/${id}`),
        await runtime.call('/v1/connections?limit=100'),
        await patch(id, { credentials: { apiKey: planted } }, 1),
        // Refused requests that carry the secret: wrong version, wrong shape, unknown field.
        await patch(id, { credentials: { apiKey: planted } }, 1),
        await create({ integration: 'github', name: 'x', credentials: { apiKey: planted } }),
        await create({ integration: 'stripe', name: 'x', credentials: { apiKey: `${planted}!` } }),
        await create({ integration: 'stripe', name: planted.slice(0, 100), credentials: { apiKey: planted }, extra: planted }),
        await runtime.call('/v1/audit-log?limit=100'),
      ]) {
        texts.push(await response.text());
      }
      return texts;
    });
    for (const body of bodies) expect(body).not.toContain(planted);
    expect(output).not.toContain(planted);

    const { Items = [] } = await db.scan({ TableName: table });
    expect(Items.length).toBeGreaterThan(0);
    expect(JSON.stringify(Items)).not.toContain(planted);
    expect(JSON.stringify(Items)).not.toContain(planted.slice('sk_test_'.length));
  });

  it('records every change in the audit log without its credentials', async () => {
    const made = await createStripe('Audited');
    await patch(made.id, { name: 'Audited 2' }, 1);
    await runtime.call(`/v1/connections/${made.id}`, { method: 'DELETE' });
    const log = (await (await runtime.call('/v1/audit-log?limit=100')).json()) as {
      data: Array<{ action: string; target: string; outcome: string }>;
    };
    const mine = log.data.filter((e) => e.target === made.id).map((e) => e.action);
    expect(mine).toEqual(['connection.delete', 'connection.update', 'connection.create']);
  });

  it('does not open a ciphertext copied onto another connection', async () => {
    const secret = stripeKey();
    const victim = await createStripe('Victim', secret);
    const thief = await createStripe('Thief');
    const { Item } = await db.get({ TableName: table, Key: { pk: 'TENANT#local', sk: `CREDENTIALS#${victim.id}` } });
    await db.put({ TableName: table, Item: { ...Item, sk: `CREDENTIALS#${thief.id}`, connectionId: thief.id } });

    const deps = { store: connectionStore({ db, table }), vault: createVault(keyringFromEnv({ env: runtime.env })) };
    expect(await openCredentials(deps, 'local', victim.id)).toEqual({ apiKey: secret });
    await expect(openCredentials(deps, 'local', thief.id)).rejects.toThrow('the ciphertext belongs to another junction:connection');
  });
});

describe('testing a connection while its credentials change', () => {
  it("keeps the new credentials' status when a test of the old ones answers after the change", async () => {
    const made = await createStripe('Rotated');
    const vault = createVault(keyringFromEnv({ env: runtime.env }));
    const deps: ConnectionDeps = {
      store: connectionStore({ db, table }),
      vault,
      schedules: schedulePort(table),
      integrations: catalogPort(tenantIntegrations({ db, table })),
      tokens: { fresh: async () => ({}), revoke: async () => ({ status: 'unsupported', detail: 'not OAuth' }) },
      webhookSubscriptions: { removeAll: async () => null },
      // The provider answers the old key's test only after the PATCH with a new key has landed.
      send: async () => {
        expect((await patch(made.id, { credentials: { apiKey: stripeKey() } }, 1)).status).toBe(200);
        return { status: 401, headers: {}, body: '{"error":{"type":"invalid_request_error"}}', latencyMs: 1500, attempts: 1 };
      },
    };

    const outcome = await testConnection(deps, operatorAudit('local', 'test', 'connection.test'), made.id);

    expect(outcome).toMatchObject({ ok: false, status: 401 });
    const after = await (await runtime.call(`/v1/connections/${made.id}`)).json();
    expect(after).toMatchObject({ version: 2, status: 'active', lastTest: null });
    const log = (await (await runtime.call('/v1/audit-log?limit=100')).json()) as { data: Array<{ action: string; target: string }> };
    // The test is still audited (at the time it started, so before the update).
    expect(log.data.filter((e) => e.target === made.id).map((e) => e.action)).toEqual(['connection.update', 'connection.test', 'connection.create']);
  });

  it('records the outcome when the connection is still at the tested version', async () => {
    const made = await createStripe('Unchanged');
    const connection = (await getConnection({ db, table }, 'local', made.id))!;
    const at = new Date().toISOString();
    const outcome = { at, ok: false, status: 401, latencyMs: 10, detail: 'refused' };
    const health = { lastSuccessAt: null, lastFailureAt: at, lastError: 'refused', consecutiveFailures: 1 };

    expect(await recordTest({ db, table }, 'local', made.id, connection.version + 1, outcome, 'auth_failed', health, [])).toBe(false);
    expect(await (await runtime.call(`/v1/connections/${made.id}`)).json()).toMatchObject({ status: 'active', lastTest: null });
    expect(await recordTest({ db, table }, 'local', made.id, connection.version, outcome, 'auth_failed', health, [])).toBe(true);
    expect(await (await runtime.call(`/v1/connections/${made.id}`)).json()).toMatchObject({ status: 'auth_failed', lastTest: outcome });
  });
});
