import type { DynamoDb } from '../../shared/platform/dynamodb';
import { localDynamoDb } from '../support/dynamodb';
import { createApiKey, createTenant } from '../../shared/tenancy/service';
import { operatorAudit } from '../../shared/platform/audit';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

let runtime: TestRuntime;
let db: DynamoDb;
let table: string;

beforeAll(async () => {
  runtime = await startTestRuntime();
  db = localDynamoDb(runtime.dynamodbEndpoint);
  table = runtime.env.MAIN_TABLE_NAME!;
});
afterAll(() => runtime.stop());

async function newKey(scopes: string[] = ['read', 'write']) {
  const response = await runtime.call('/v1/api-keys', { method: 'POST', json: { name: `k-${scopes.join('-')}`, scopes } });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; secret: string; prefix: string };
}

describe('creating keys', () => {
  it('shows the secret once and stores only its hash', async () => {
    const key = await newKey();
    expect(key.secret).toMatch(/^jh_[A-Za-z0-9_-]{43}$/);
    expect(key.secret.startsWith(key.prefix)).toBe(true);

    const { Item } = await db.get({ TableName: table, Key: { pk: 'TENANT#local', sk: `APIKEY#${key.id}` } });
    expect(JSON.stringify(Item)).not.toContain(key.secret);
    const shown = await (await runtime.call(`/v1/api-keys/${key.id}`)).json();
    expect(JSON.stringify(shown)).not.toContain(key.secret);
    expect(shown).toMatchObject({ id: key.id, scopes: ['read', 'write'], revokedAt: null });
  });

  it('authenticates requests made with the new key', async () => {
    const key = await newKey(['admin']);
    const response = await runtime.call('/v1/api-keys', { key: key.secret });
    expect(response.status).toBe(200);
  });

  it('rejects a repeated scope naming the field', async () => {
    const response = await runtime.call('/v1/api-keys', { method: 'POST', json: { name: 'x', scopes: ['read', 'read'] } });
    expect(response.status).toBe(400);
    const problem = await response.json();
    expect(problem.errors).toEqual([{ field: 'body.scopes', message: 'scopes must not repeat' }]);
  });
});

describe('listing keys', () => {
  it('pages newest first with a cursor until nextCursor is null', async () => {
    for (let i = 0; i < 3; i++) await newKey();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const body = (await (await runtime.call(`/v1/api-keys${query}`)).json()) as { data: Array<{ id: string }>; nextCursor: string | null };
      expect(body.data.length).toBeLessThanOrEqual(2);
      seen.push(...body.data.map((k) => k.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect([...seen].sort().reverse()).toEqual(seen);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('ends a list whose last page is exactly full with nextCursor null', async () => {
    const store = { db, table };
    await createTenant(store, 'Exactly full', 'full-pages');
    const admin = await createApiKey(store, operatorAudit('full-pages', 'test', 'api_key.create'), { name: 'admin', scopes: ['admin'] });
    for (let i = 0; i < 3; i++) await runtime.call('/v1/api-keys', { method: 'POST', key: admin.secret, json: { name: `k${i}`, scopes: ['read'] } });
    // Four keys: two full pages, and nothing after the second.
    const first = await (await runtime.call('/v1/api-keys?limit=2', { key: admin.secret })).json();
    expect(first.data).toHaveLength(2);
    const second = await (await runtime.call(`/v1/api-keys?limit=2&cursor=${first.nextCursor}`, { key: admin.secret })).json();
    expect(second).toMatchObject({ data: [expect.anything(), expect.anything()], nextCursor: null });
    expect((await (await runtime.call('/v1/api-keys?limit=4', { key: admin.secret })).json()).nextCursor).toBeNull();
  });

  it('filters by status', async () => {
    const key = await newKey();
    await runtime.call(`/v1/api-keys/${key.id}`, { method: 'DELETE' });
    const revoked = (await (await runtime.call('/v1/api-keys?status=revoked&limit=100')).json()) as { data: Array<{ id: string; revokedAt: string | null }> };
    expect(revoked.data.map((k) => k.id)).toContain(key.id);
    expect(revoked.data.every((k) => k.revokedAt !== null)).toBe(true);
  });

  it('refuses a cursor that points into another partition', async () => {
    const forged = Buffer.from(JSON.stringify({ pk: 'TENANT#other', sk: 'APIKEY#x' })).toString('base64url');
    const response = await runtime.call(`/v1/api-keys?cursor=${forged}`);
    expect(response.status).toBe(400);
    expect((await response.json()).errors[0].field).toBe('query.cursor');
  });

  it('rejects an unknown query parameter by name', async () => {
    const response = await runtime.call('/v1/api-keys?colour=blue');
    expect(response.status).toBe(400);
    expect((await response.json()).errors).toEqual([{ field: 'query.colour', message: 'unknown field' }]);
  });
});

describe('revoking keys', () => {
  it('keeps a revoked key working until the 60 s authorizer cache expires, then answers 401', async () => {
    const key = await newKey(['admin']);
    expect((await runtime.call('/v1/api-keys', { key: key.secret })).status).toBe(200);

    const revoked = await runtime.call(`/v1/api-keys/${key.id}`, { method: 'DELETE' });
    expect(revoked.status).toBe(200);
    expect((await revoked.json()).revokedAt).not.toBeNull();

    expect((await runtime.call('/v1/api-keys', { key: key.secret })).status).toBe(200);
    runtime.advance(61_000);
    const after = await runtime.call('/v1/api-keys', { key: key.secret });
    expect(after.status).toBe(401);
    expect(after.headers.get('content-type')).toBe('application/problem+json');
    expect((await after.json()).detail).toBe('this API key was revoked');
  });

  it('refuses a revoked key that asks for a new key while its cached verdict lasts, so revoking a leaked key ends it', async () => {
    const key = await newKey(['admin']);
    expect((await runtime.call('/v1/api-keys', { key: key.secret })).status).toBe(200);
    expect((await runtime.call(`/v1/api-keys/${key.id}`, { method: 'DELETE' })).status).toBe(200);

    const minted = await runtime.call('/v1/api-keys', { method: 'POST', key: key.secret, json: { name: 'persist', scopes: ['admin'] } });
    expect(minted.status).toBe(401);
    expect((await minted.json()).detail).toBe('this API key was revoked');
    const names = (await (await runtime.call('/v1/api-keys?limit=100')).json()).data.map((k: { name: string }) => k.name);
    expect(names).not.toContain('persist');
  });

  it('answers 404 for a key id that does not exist', async () => {
    const response = await runtime.call('/v1/api-keys/key_01M82VXH1C4HCCPCN9BNBZBMDH', { method: 'DELETE' });
    expect(response.status).toBe(404);
  });

  it('answers 400 for a malformed key id', async () => {
    const response = await runtime.call('/v1/api-keys/not-an-id');
    expect(response.status).toBe(400);
    expect((await response.json()).errors[0].field).toBe('path.id');
  });
});

describe('authentication and scopes', () => {
  it.each([
    ['an unknown key', `Bearer jh_${'x'.repeat(43)}`, 'unknown API key'],
    ['a key of another format', 'Bearer sk_live_123', 'that is not a Junction API key (jh_…)'],
    ['a non-bearer scheme', 'Basic dXNlcjpwYXNz', 'send an API key as "Authorization: Bearer <key>"'],
  ])('answers 401 problem+json for %s', async (_name, authorization, detail) => {
    const response = await runtime.call('/v1/api-keys', { key: null, headers: { authorization } });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="junction"');
    expect((await response.json()).detail).toBe(detail);
  });

  it('answers 401 for a request without an Authorization header, as API Gateway does', async () => {
    const response = await runtime.call('/v1/api-keys', { key: null });
    expect(response.status).toBe(401);
  });

  it('answers 403 naming the scope when the key lacks it', async () => {
    const key = await newKey(['read']);
    const response = await runtime.call('/v1/api-keys', { key: key.secret });
    expect(response.status).toBe(403);
    expect((await response.json()).detail).toBe('this route needs the "admin" scope; the key has "read"');
  });

  it("never shows one tenant another tenant's keys", async () => {
    const store = { db, table };
    await createTenant(store, 'Other', 'other');
    const otherAdmin = await createApiKey(store, operatorAudit('other', 'test', 'api_key.create'), { name: 'other admin', scopes: ['admin'] });
    const mine = await newKey();

    const response = await runtime.call(`/v1/api-keys/${mine.id}`, { key: otherAdmin.secret });
    expect(response.status).toBe(404);
    const revoke = await runtime.call(`/v1/api-keys/${mine.id}`, { method: 'DELETE', key: otherAdmin.secret });
    expect(revoke.status).toBe(404);
    const list = (await (await runtime.call('/v1/api-keys?limit=100', { key: otherAdmin.secret })).json()) as { data: Array<{ id: string }> };
    expect(list.data.map((k) => k.id)).toEqual([otherAdmin.id]);
  });

  it('writes no API key into any log line, even for refused requests', async () => {
    const { output, result: key } = await runtime.logsDuring(async () => {
      const created = await newKey(['read']);
      await runtime.call('/v1/api-keys', { key: created.secret });
      await runtime.call('/v1/api-keys', { method: 'POST', key: created.secret, json: { name: created.secret } });
      await runtime.call('/v1/nope', { key: created.secret });
      return created;
    });
    expect(output).toContain('request refused');
    expect(output).not.toContain(key.secret);
    expect(output).not.toContain(runtime.apiKey);
  });
});
