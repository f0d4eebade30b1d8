import { randomBytes } from 'node:crypto';
import { IntegrationDefinition } from '../../shared/integrations/schema';
import type { DynamoDb } from '../../shared/platform/dynamodb';
import { localDynamoDb } from '../support/dynamodb';
import { operatorAudit } from '../../shared/platform/audit';
import { createApiKey, createTenant } from '../../shared/tenancy/service';
import { oauthOf } from '../support/good-bodies';
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

const acmeCrm = (key = 'acme-crm') => ({
  key,
  name: 'Acme CRM',
  category: 'crm',
  description: 'Our in-house CRM.',
  docsUrl: 'https://docs.acme.example.com/api',
  baseUrl: 'https://api.acme.example.com/v2',
  auth: [{ type: 'bearer', fields: [{ name: 'token', label: 'API token', secret: true, pattern: 'acme_[a-z0-9]{16}', hint: 'an acme_ token', maxLength: 64 }] }],
  check: { method: 'GET', path: '/me' },
});

describe('custom integrations', () => {
  it('refuse a change that would send their connections\' stored credentials to another host, and take one that keeps the host', async () => {
    expect((await runtime.call('/v1/integrations', { method: 'POST', json: acmeCrm('acme-hosted') })).status).toBe(201);
    const made = await runtime.call('/v1/connections', { method: 'POST', json: { integration: 'acme-hosted', name: 'Hosted', credentials: { token: 'acme_0123456789abcdef' } } });
    const { id } = (await made.json()) as { id: string };

    const moved = await runtime.call('/v1/integrations/acme-hosted', { method: 'PATCH', headers: { 'if-match': '"1"' }, json: { baseUrl: 'https://collector.attacker.example/v2' } });
    expect(moved.status).toBe(409);
    expect((await moved.json()).detail).toContain(`connection ${id}`);
    expect((await (await runtime.call('/v1/integrations/acme-hosted')).json()).baseUrl).toBe('https://api.acme.example.com/v2');

    const kept = await runtime.call('/v1/integrations/acme-hosted', { method: 'PATCH', headers: { 'if-match': '"1"' }, json: { baseUrl: 'https://api.acme.example.com/v3' } });
    expect(kept.status).toBe(200);
  });

  it('are created, listed beside the built-ins, shown with a version, changed under If-Match and deleted', async () => {
    const created = await runtime.call('/v1/integrations', { method: 'POST', json: acmeCrm() });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(await created.json()).toMatchObject({ key: 'acme-crm', origin: 'custom', authTypes: ['bearer'] });

    const list = (await (await runtime.call('/v1/integrations?category=crm&limit=100')).json()) as { data: Array<{ key: string; origin: string }> };
    expect(list.data).toContainEqual(expect.objectContaining({ key: 'acme-crm', origin: 'custom' }));
    expect(list.data).toContainEqual(expect.objectContaining({ key: 'hubspot', origin: 'built-in' }));

    expect((await runtime.call('/v1/integrations/acme-crm', { method: 'PATCH', json: { name: 'Acme' } })).status).toBe(428);
    const patched = await runtime.call('/v1/integrations/acme-crm', { method: 'PATCH', json: { name: 'Acme CRM 2' }, headers: { 'if-match': '"1"' } });
    expect(patched.status).toBe(200);
    expect(patched.headers.get('etag')).toBe('"2"');
    expect((await patched.json()).name).toBe('Acme CRM 2');
    expect((await runtime.call('/v1/integrations/acme-crm', { method: 'PATCH', json: { name: 'x' }, headers: { 'if-match': '"1"' } })).status).toBe(412);

    expect((await runtime.call('/v1/integrations/acme-crm', { method: 'DELETE' })).status).toBe(204);
    expect((await runtime.call('/v1/integrations/acme-crm')).status).toBe(404);
  });

  it('connect like built-ins, with credentials checked against their own fields', async () => {
    await runtime.call('/v1/integrations', { method: 'POST', json: acmeCrm('acme-two') });
    const bad = await runtime.call('/v1/connections', { method: 'POST', json: { integration: 'acme-two', name: 'x', credentials: { token: 'nope' } } });
    expect(bad.status).toBe(400);
    expect((await bad.json()).errors).toEqual([{ field: 'body.credentials.token', message: 'must be an acme_ token' }]);
    const good = await runtime.call('/v1/connections', { method: 'POST', json: { integration: 'acme-two', name: 'x', credentials: { token: 'acme_0123456789abcdef' } } });
    expect(good.status).toBe(201);
    // In use: cannot be deleted from under its connection.
    const refused = await runtime.call('/v1/integrations/acme-two', { method: 'DELETE' });
    expect(refused.status).toBe(409);
    expect((await refused.json()).detail).toContain((await good.json()).id);
  });

  it('take streams checked by the built-ins’ rules, and show them', async () => {
    const stream = {
      name: 'deals',
      description: 'Deals, oldest change first.',
      method: 'GET',
      path: '/deals',
      records: { path: ['data'] },
      primaryKey: ['id'],
      cursorField: { path: ['updated_at'], format: 'iso8601' },
      incremental: { kind: 'filter', field: { in: 'query', name: 'updated_since' }, format: 'iso8601', on: 'modified' },
      deletions: { kind: 'flag', field: ['deleted'], value: true },
      pagination: { kind: 'cursor', param: { in: 'query', name: 'cursor' }, next: ['next_cursor'] },
      pageSize: { field: { in: 'query', name: 'limit' }, max: 100 },
    };
    const created = await runtime.call('/v1/integrations', { method: 'POST', json: { ...acmeCrm('acme-streams'), streams: [stream] } });
    expect(created.status).toBe(201);
    expect((await created.json()).streams).toEqual([
      {
        name: 'deals',
        description: 'Deals, oldest change first.',
        params: [],
        primaryKey: ['id'],
        cursorField: ['updated_at'],
        incremental: { kind: 'filter', on: 'modified' },
        lookbackSeconds: 0,
        deletions: { kind: 'flag', field: ['deleted'], value: true },
        pagination: { kind: 'cursor' },
      },
    ]);

    const refused = await runtime.call('/v1/integrations', {
      method: 'POST',
      json: { ...acmeCrm('acme-bad-stream'), streams: [{ ...stream, path: '/deals/{pipeline}', query: { api_key: 'k' } }] },
    });
    expect(refused.status).toBe(400);
    expect((await refused.json()).errors).toEqual([
      { field: 'body.streams.0.query.api_key', message: 'must not carry credentials: authentication is the integration’s auth' },
      { field: 'body.streams.0.path', message: 'uses {pipeline}, which is neither a stream param nor a connection param' },
    ]);
  });

  it.each([
    ['a built-in key', { ...acmeCrm('stripe') }, 409, undefined],
    ['an http base URL', { ...acmeCrm('plain-http'), baseUrl: 'http://api.acme.example.com' }, 400, 'body.baseUrl'],
    ['a base URL param that is not declared', { ...acmeCrm('undeclared'), baseUrl: 'https://{tenant}.acme.example.com' }, 400, 'body.baseUrl'],
    ['an unknown auth type', { ...acmeCrm('bad-auth'), auth: [{ type: 'magic' }] }, 400, 'body.auth.0.type'],
    ['an unknown field', { ...acmeCrm('extra'), colour: 'blue' }, 400, 'body.colour'],
    ['a reserved header', { ...acmeCrm('hdr'), headers: { Authorization: 'x' } }, 400, 'body.headers.Authorization'],
  ])('refuse %s', async (_case, body, status, field) => {
    const response = await runtime.call('/v1/integrations', { method: 'POST', json: body });
    expect(response.status).toBe(status);
    if (field) expect((await response.json()).errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it("are visible only to their tenant, and built-ins cannot be changed", async () => {
    await runtime.call('/v1/integrations', { method: 'POST', json: acmeCrm('acme-private') });
    const store = { db, table };
    await createTenant(store, 'Neighbour', 'neighbour');
    const other = await createApiKey(store, operatorAudit('neighbour', 'test', 'api_key.create'), { name: 'n', scopes: ['read', 'write', 'admin'] });
    expect((await runtime.call('/v1/integrations/acme-private', { key: other.secret })).status).toBe(404);
    const list = (await (await runtime.call('/v1/integrations?q=acme&limit=100', { key: other.secret })).json()) as { data: unknown[] };
    expect(list.data).toEqual([]);
    expect((await runtime.call('/v1/integrations/acme-private', { method: 'DELETE', key: other.secret })).status).toBe(404);
    expect((await runtime.call('/v1/integrations/stripe', { method: 'PATCH', json: { name: 'x' }, headers: { 'if-match': '"1"' } })).status).toBe(404);
    expect((await runtime.call('/v1/integrations/stripe', { method: 'DELETE' })).status).toBe(404);
  });
});

describe('OAuth client settings', () => {
  it('keep the client secret write-only: sealed in the table, absent from responses and logs', async () => {
    const secret = 'cs_PLANTED_0123456789abcdefghij';
    const { output, result } = await runtime.logsDuring(async () => {
      const put = await runtime.call('/v1/integrations/hubspot/oauth-client', {
        method: 'PUT',
        json: { clientId: 'hub-client', clientSecret: secret, scopes: ['crm.objects.contacts.read'] },
      });
      const get = await runtime.call('/v1/integrations/hubspot/oauth-client');
      return { put: { status: put.status, text: await put.text() }, get: { status: get.status, text: await get.text() } };
    });
    expect(result.put.status).toBe(200);
    expect(JSON.parse(result.get.text)).toMatchObject({ integration: 'hubspot', clientId: 'hub-client', clientSecretSet: true, scopes: ['crm.objects.contacts.read'] });
    for (const text of [result.put.text, result.get.text, output]) expect(text).not.toContain(secret);
    const { Items = [] } = await db.scan({ TableName: table });
    expect(JSON.stringify(Items)).not.toContain(secret);

    expect((await runtime.call('/v1/integrations/hubspot/oauth-client', { method: 'DELETE' })).status).toBe(204);
    expect((await runtime.call('/v1/integrations/hubspot/oauth-client')).status).toBe(404);
  });

  it('are refused for integrations without OAuth and for unknown ones', async () => {
    const body = { clientId: 'a', clientSecret: 'b' };
    const stripe = await runtime.call('/v1/integrations/stripe/oauth-client', { method: 'PUT', json: body });
    expect(stripe.status).toBe(400);
    expect((await runtime.call('/v1/integrations/nope/oauth-client', { method: 'PUT', json: body })).status).toBe(404);
    const connect = await runtime.call('/v1/connect-sessions', { method: 'POST', json: { integration: 'slack', returnUrl: 'https://app.example.com/' } });
    expect(connect.status).toBe(409);
    expect((await connect.json()).detail).toContain('PUT /v1/integrations/slack/oauth-client');
  });
});

describe('custom integrations under concurrency', () => {
  /** A tenant of its own, so that its count of custom integrations is the test's alone. */
  async function freshTenant() {
    const store = { db, table };
    const tenantId = `ten-${randomBytes(4).toString('hex')}`;
    await createTenant(store, tenantId, tenantId);
    const { secret } = await createApiKey(store, operatorAudit(tenantId, 'test', 'api_key.create'), { name: 't', scopes: ['read', 'write', 'admin'] });
    return { tenantId, key: secret };
  }

  /** Integrations as they were stored before the tenant had an integration count. */
  async function storeWithoutCount(tenantId: string, keys: string[]) {
    const at = new Date().toISOString();
    await Promise.all(
      keys.map((key) =>
        db.put({
          TableName: table,
          Item: { pk: `TENANT#${tenantId}`, sk: `INTEGRATION#${key}`, definition: IntegrationDefinition.parse(acmeCrm(key)), version: 1, createdAt: at, updatedAt: at },
        }),
      ),
    );
  }

  const post = (key: string, json: unknown) => runtime.call('/v1/integrations', { method: 'POST', json, key });
  const statuses = (responses: Array<{ status: number }>) => responses.map((r) => r.status).sort();
  const numbered = (prefix: string, n: number, from = 0) => Array.from({ length: n }, (_, i) => `${prefix}-${String(from + i).padStart(3, '0')}`);

  it('holds the limit of 100 when 12 creates race at 96', async () => {
    const tenant = await freshTenant();
    for (const key of numbered('held', 96)) expect((await post(tenant.key, acmeCrm(key))).status).toBe(201);

    const responses = await Promise.all(numbered('raced', 12).map((key) => post(tenant.key, acmeCrm(key))));

    expect(statuses(responses)).toEqual([...Array(4).fill(201), ...Array(8).fill(409)]);
    const { Items = [] } = await db.query({
      TableName: table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': `TENANT#${tenant.tenantId}`, ':prefix': 'INTEGRATION#' },
    });
    expect(Items).toHaveLength(100);
  });

  it('counts the integrations a tenant stored before the count existed, then holds the limit', async () => {
    const tenant = await freshTenant();
    await storeWithoutCount(tenant.tenantId, numbered('old', 99));

    const raced = await Promise.all(numbered('new', 3).map((key) => post(tenant.key, acmeCrm(key))));
    expect(statuses(raced)).toEqual([201, 409, 409]);

    expect((await runtime.call('/v1/integrations/old-000', { method: 'DELETE', key: tenant.key })).status).toBe(204);
    expect((await post(tenant.key, acmeCrm('new-100'))).status).toBe(201);
    expect((await post(tenant.key, acmeCrm('new-101'))).status).toBe(409);
  });

  it('shows, connects and counts every integration of a tenant that has more than 100', async () => {
    const tenant = await freshTenant();
    const keys = numbered('over', 105);
    await storeWithoutCount(tenant.tenantId, keys);

    const listed: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (await (await runtime.call(`/v1/integrations?q=over-&limit=100${cursor ? `&cursor=${cursor}` : ''}`, { key: tenant.key })).json()) as {
        data: Array<{ key: string }>;
        nextCursor: string | null;
      };
      listed.push(...page.data.map((i) => i.key));
      cursor = page.nextCursor;
    } while (cursor);
    expect(listed.sort()).toEqual(keys);
    const oldest = await runtime.call('/v1/connections', { method: 'POST', key: tenant.key, json: { integration: 'over-000', name: 'x', credentials: { token: 'acme_0123456789abcdef' } } });
    expect(oldest.status).toBe(201);
    expect((await post(tenant.key, acmeCrm('one-more'))).status).toBe(409);
  });

  it('lets either a new connection or the deletion of its integration win, never both', async () => {
    const rounds = Array.from({ length: 15 }, (_, i) => `race-${i}`);
    for (const key of rounds) expect((await runtime.call('/v1/integrations', { method: 'POST', json: acmeCrm(key) })).status).toBe(201);

    const outcomes = await Promise.all(
      rounds.map(async (key) => {
        const [created, deleted] = await Promise.all([
          runtime.call('/v1/connections', { method: 'POST', json: { integration: key, name: key, credentials: { token: 'acme_0123456789abcdef' } } }),
          runtime.call(`/v1/integrations/${key}`, { method: 'DELETE' }),
        ]);
        const integration = await runtime.call(`/v1/integrations/${key}`);
        return { key, created: created.status, deleted: deleted.status, integration: integration.status };
      }),
    );

    for (const outcome of outcomes) {
      // The create that loses answers 409, or 400 when it found the integration already gone.
      const created = outcome.created === 400 ? 409 : outcome.created;
      const won = created === 201 ? { created: 201, deleted: 409, integration: 200 } : { created: 409, deleted: 204, integration: 404 };
      expect({ ...outcome, created }).toEqual({ key: outcome.key, ...won });
    }
  });

  it('deletes an integration once the connections that used it are deleted', async () => {
    await runtime.call('/v1/integrations', { method: 'POST', json: acmeCrm('acme-used') });
    const ids = await Promise.all(
      [1, 2].map(async (n) => {
        const made = await runtime.call('/v1/connections', { method: 'POST', json: { integration: 'acme-used', name: `c${n}`, credentials: { token: 'acme_0123456789abcdef' } } });
        return ((await made.json()) as { id: string }).id;
      }),
    );
    expect((await runtime.call('/v1/integrations/acme-used', { method: 'DELETE' })).status).toBe(409);

    await Promise.all(ids.map((id) => runtime.call(`/v1/connections/${id}`, { method: 'DELETE' })));

    expect((await runtime.call('/v1/integrations/acme-used', { method: 'DELETE' })).status).toBe(204);
  });

  it('refuses to delete an integration whose connections predate the count, until they are deleted', async () => {
    await runtime.call('/v1/integrations', { method: 'POST', json: acmeCrm('acme-legacy') });
    const made = await runtime.call('/v1/connections', { method: 'POST', json: { integration: 'acme-legacy', name: 'x', credentials: { token: 'acme_0123456789abcdef' } } });
    const { id } = (await made.json()) as { id: string };
    // As stored before connections were counted.
    await db.update({ TableName: table, Key: { pk: 'TENANT#local', sk: 'INTEGRATION#acme-legacy' }, UpdateExpression: 'REMOVE connections' });
    await db.update({ TableName: table, Key: { pk: 'TENANT#local', sk: `CONN#${id}` }, UpdateExpression: 'REMOVE countedByIntegration' });

    const refused = await runtime.call('/v1/integrations/acme-legacy', { method: 'DELETE' });
    expect(refused.status).toBe(409);
    expect((await refused.json()).detail).toContain(id);
    expect((await runtime.call(`/v1/connections/${id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await runtime.call('/v1/integrations/acme-legacy', { method: 'DELETE' })).status).toBe(204);
  });

  it('never leaves an OAuth client behind an integration deleted while the client was being set', async () => {
    const rounds = Array.from({ length: 30 }, (_, i) => `client-race-${i}`);
    for (const key of rounds) expect((await runtime.call('/v1/integrations', { method: 'POST', json: oauthIntegration(key) })).status).toBe(201);

    const outcomes = await Promise.all(
      rounds.map(async (key) => {
        const [put, deleted] = await Promise.all([
          runtime.call(`/v1/integrations/${key}/oauth-client`, { method: 'PUT', json: { clientId: 'c', clientSecret: 'racing-secret-0123456789' } }),
          runtime.call(`/v1/integrations/${key}`, { method: 'DELETE' }),
        ]);
        const client = await db.get({ TableName: table, Key: { pk: 'TENANT#local', sk: `OAUTHCLIENT#${key}` } });
        return { put: put.status, deleted: deleted.status, clientLeft: client.Item !== undefined };
      }),
    );

    expect(outcomes.every((o) => o.deleted === 204 && !o.clientLeft && [200, 404].includes(o.put))).toBe(true);
  });

  it('deletes the OAuth client and its sealed secret with the integration', async () => {
    const idp = oauthIntegration('tmp-idp');
    expect((await runtime.call('/v1/integrations', { method: 'POST', json: idp })).status).toBe(201);
    const put = await runtime.call('/v1/integrations/tmp-idp/oauth-client', { method: 'PUT', json: { clientId: 'old-client', clientSecret: 'old-secret-0123456789' } });
    expect(put.status).toBe(200);

    expect((await runtime.call('/v1/integrations/tmp-idp', { method: 'DELETE' })).status).toBe(204);

    expect((await runtime.call('/v1/integrations/tmp-idp/oauth-client')).status).toBe(404);
    expect((await db.get({ TableName: table, Key: { pk: 'TENANT#local', sk: 'OAUTHCLIENT#tmp-idp' } })).Item).toBeUndefined();
    expect((await runtime.call('/v1/integrations', { method: 'POST', json: { ...idp, oauth2: { ...idp.oauth2, tokenUrl: 'https://other.example.com/token' } } })).status).toBe(201);
    expect((await runtime.call('/v1/integrations/tmp-idp/oauth-client')).status).toBe(404);
  });
});

/** A custom integration that takes OAuth (its client can be set). */
function oauthIntegration(key: string) {
  return { ...acmeCrm(key), ...oauthOf() };
}
