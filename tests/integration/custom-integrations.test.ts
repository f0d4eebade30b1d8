import type { DynamoDb } from '../../shared/platform/dynamodb';
import { localDynamoDb } from '../support/dynamodb';
import { operatorAudit } from '../../shared/platform/audit';
import { createApiKey, createTenant } from '../../shared/tenancy/service';
import { captureOutput, startTestRuntime, type TestRuntime } from '../support/runtime';

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
    const { output, result } = await captureOutput(async () => {
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
