import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { operatorAudit } from '../../shared/platform/audit';
import type { DynamoDb } from '../../shared/platform/dynamodb';
import { createApiKey, createTenant } from '../../shared/tenancy/service';
import { keyringFromEnv } from '../../shared/vault/keyring';
import { createVault } from '../../shared/vault/vault';
import { openSigningSecrets, previousSecretValidMs } from '../../shared/webhooks/service';
import { webhookEndpointStore } from '../../shared/webhooks/store';
import { localDynamoDb } from '../support/dynamodb';
import { startTestRuntime, type ApiResponse, type TestRuntime } from '../support/runtime';

// One loopback address opened, as a receiver a test runs would be; the rest as in AWS.
process.env.OUTBOUND_ALLOWED_NETWORKS = '127.0.0.2/32';

let runtime: TestRuntime;
let db: DynamoDb;
let table: string;

beforeAll(async () => {
  runtime = await startTestRuntime();
  db = localDynamoDb(runtime.dynamodbEndpoint);
  table = runtime.env.MAIN_TABLE_NAME!;
});
afterAll(() => runtime.stop());

/** A public address written literally: saving it needs no DNS (this machine has none outside). */
const publicUrl = (path = '/hooks') => `https://93.184.215.14${path}`;
const body = (overrides: Record<string, unknown> = {}) => ({ url: publicUrl(), eventTypes: ['connection.*'], ...overrides });

function create(json: unknown, init: { key?: string; headers?: Record<string, string> } = {}): Promise<ApiResponse> {
  return runtime.call('/v1/webhook-endpoints', { method: 'POST', json, ...init });
}

async function created(overrides: Record<string, unknown> = {}) {
  const response = await create(body(overrides));
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; secret: string; version: number };
}

const patch = (id: string, json: unknown, ifMatch?: string) =>
  runtime.call(`/v1/webhook-endpoints/${id}`, { method: 'PATCH', json, headers: ifMatch === undefined ? {} : { 'if-match': ifMatch } });
const rotate = (id: string, init: { key?: string } = {}) => runtime.call(`/v1/webhook-endpoints/${id}/rotate-secret`, { method: 'POST', ...init });
const opened = (id: string, now?: Date) =>
  openSigningSecrets(
    { store: webhookEndpointStore({ db, table }), vault: createVault(keyringFromEnv({ env: runtime.env })), ...(now ? { now: () => now } : {}) },
    'local',
    id,
  );

describe('creating a webhook endpoint', () => {
  it('answers 201 with the endpoint and its signing secret, shown this once', async () => {
    const response = await create(body({ description: 'Payments backend', headers: { 'X-Team': 'payments' }, rateLimitPerSecond: 20 }));
    expect(response.status).toBe(201);
    const endpoint = await response.json();
    expect(endpoint).toEqual({
      id: expect.stringMatching(/^whep_/),
      url: publicUrl(),
      eventTypes: ['connection.*'],
      description: 'Payments backend',
      enabled: true,
      headers: { 'X-Team': 'payments' },
      rateLimitPerSecond: 20,
      version: 1,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      secretRotatedAt: null,
      failingSince: null,
      disabledReason: null,
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
    });
    expect(response.headers.get('etag')).toBe('"1"');
    expect(response.headers.get('location')).toBe(`/v1/webhook-endpoints/${endpoint.id}`);
    await expect(opened(endpoint.id)).resolves.toEqual([endpoint.secret]);
  });

  it('never shows the secret again: not in GET, the list, a PATCH, a DELETE, the audit log or a log line', async () => {
    const { result: answers, output } = await runtime.logsDuring(async () => {
      const endpoint = await created();
      return {
        endpoint,
        texts: await Promise.all([
          runtime.call(`/v1/webhook-endpoints/${endpoint.id}`).then((r) => r.text()),
          runtime.call('/v1/webhook-endpoints?limit=100').then((r) => r.text()),
          patch(endpoint.id, { description: 'changed' }, '"1"').then((r) => r.text()),
          runtime.call('/v1/audit-log?limit=100').then((r) => r.text()),
        ]),
      };
    });
    const deleted = await (await runtime.call(`/v1/webhook-endpoints/${answers.endpoint.id}`, { method: 'DELETE' })).text();
    const secretBytes = answers.endpoint.secret.slice('whsec_'.length);
    for (const text of [...answers.texts, deleted, output]) expect(text).not.toContain(secretBytes);
  });

  it('answers a retry with the same Idempotency-Key without the secret, and creates nothing twice', async () => {
    const headers = { 'idempotency-key': randomBytes(8).toString('hex') };
    const first = await create(body({ description: 'once' }), { headers });
    expect(first.status).toBe(201);
    const { secret } = await first.json();
    const retry = await create(body({ description: 'once' }), { headers });
    expect(retry.status).toBe(409);
    expect(await retry.text()).not.toContain(secret.slice('whsec_'.length));
    const list = (await (await runtime.call('/v1/webhook-endpoints?limit=100')).json()) as { data: Array<{ description: string }> };
    expect(list.data.filter((endpoint) => endpoint.description === 'once')).toHaveLength(1);
  });

  it.each([
    ['plain http to loopback', 'http://127.0.0.1/hook'],
    ['the metadata address', 'http://169.254.169.254/latest/meta-data/'],
    ['IPv4-mapped IPv6 loopback', 'https://[::ffff:127.0.0.1]/hook'],
    ['loopback written in hexadecimal', 'https://0x7f.1/hook'],
    ['localhost', 'https://localhost/hook'],
    ['a name that resolves to loopback', `https://${hostname()}/hook`],
    ['a private address', 'https://10.0.0.8/hook'],
    ['plain http to a public address', 'http://93.184.215.14/hook'],
    ['another scheme', 'ftp://93.184.215.14/hook'],
  ])('refuses %s (%s) with a 400 naming url', async (_what, url) => {
    const response = await create(body({ url }));
    expect(response.status).toBe(400);
    expect((await response.json()).errors).toEqual([{ field: 'body.url', message: expect.any(String) }]);
  });

  it('takes plain http to an address OUTBOUND_ALLOWED_NETWORKS opens (a test receiver)', async () => {
    await expect(create(body({ url: 'http://127.0.0.2:9000/hook' }))).resolves.toHaveProperty('status', 201);
  });

  it.each([
    ['an unknown event type', ['connection.exploded'], 'body.eventTypes.0'],
    ['a family with no event types', ['nothing.*'], 'body.eventTypes.0'],
    ['no event types', [], 'body.eventTypes'],
  ])('refuses %s with a 400 naming it', async (_what, eventTypes, field) => {
    const response = await create(body({ eventTypes }));
    expect(response.status).toBe(400);
    expect((await response.json()).errors).toEqual([{ field, message: expect.any(String) }]);
  });

  it('refuses a credential among the custom headers', async () => {
    const response = await create(body({ headers: { Authorization: 'Bearer abc' } }));
    expect(response.status).toBe(400);
    expect((await response.json()).errors).toEqual([{ field: 'body.headers.Authorization', message: expect.stringContaining('credential') }]);
  });
});

describe('rotating the signing secret', () => {
  it('answers a new secret once; the previous one keeps signing for 24 hours, then only the new one does', async () => {
    const endpoint = await created();
    const response = await rotate(endpoint.id);
    expect(response.status).toBe(200);
    const rotated = await response.json();
    expect(rotated).toEqual({ id: endpoint.id, secret: expect.stringMatching(/^whsec_/), previousSecretValidUntil: expect.any(String) });
    expect(rotated.secret).not.toBe(endpoint.secret);

    await expect(opened(endpoint.id)).resolves.toEqual([rotated.secret, endpoint.secret]);
    const until = Date.parse(rotated.previousSecretValidUntil);
    await expect(opened(endpoint.id, new Date(until - 1000))).resolves.toEqual([rotated.secret, endpoint.secret]);
    await expect(opened(endpoint.id, new Date(until))).resolves.toEqual([rotated.secret]);
    expect(until - Date.now()).toBeGreaterThan(previousSecretValidMs - 60_000);

    const shown = await runtime.call(`/v1/webhook-endpoints/${endpoint.id}`);
    const text = await shown.text();
    expect(text).not.toContain('whsec_');
    expect(JSON.parse(text).secretRotatedAt).toEqual(expect.any(String));
    // Rotation is not an edit of the endpoint's fields: its version, and so If-Match, stay.
    expect(shown.headers.get('etag')).toBe('"1"');
  });

  it('a second rotation replaces the kept previous secret', async () => {
    const endpoint = await created();
    const first = await (await rotate(endpoint.id)).json();
    const second = await (await rotate(endpoint.id)).json();
    await expect(opened(endpoint.id)).resolves.toEqual([second.secret, first.secret]);
  });
});

describe('updating a webhook endpoint', () => {
  it('applies a patch under the current version and answers the next one', async () => {
    const endpoint = await created();
    const response = await patch(endpoint.id, { enabled: false, eventTypes: ['*'], rateLimitPerSecond: null }, '"1"');
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe('"2"');
    expect(await response.json()).toMatchObject({ enabled: false, eventTypes: ['*'], rateLimitPerSecond: null, version: 2 });
    expect(await (await runtime.call(`/v1/webhook-endpoints/${endpoint.id}`)).json()).toMatchObject({ enabled: false, version: 2 });
  });

  it('answers 428 without If-Match and 412 with a version that moved on, changing nothing', async () => {
    const endpoint = await created();
    expect((await patch(endpoint.id, { description: 'a' })).status).toBe(428);
    expect((await patch(endpoint.id, { description: 'b' }, '"1"')).status).toBe(200);
    expect((await patch(endpoint.id, { description: 'c' }, '"1"')).status).toBe(412);
    expect(await (await runtime.call(`/v1/webhook-endpoints/${endpoint.id}`)).json()).toMatchObject({ description: 'b', version: 2 });
  });

  it('checks a new URL as creation does', async () => {
    const endpoint = await created();
    const response = await patch(endpoint.id, { url: 'https://169.254.169.254/' }, '"1"');
    expect(response.status).toBe(400);
    expect((await response.json()).errors).toEqual([{ field: 'body.url', message: expect.any(String) }]);
  });
});

describe('listing webhook endpoints', () => {
  it('lists newest first, a page at a time, filtered by enabled', async () => {
    const mark = randomBytes(4).toString('hex');
    const a = await created({ description: `${mark} a` });
    const b = await created({ description: `${mark} b`, enabled: false });
    const c = await created({ description: `${mark} c` });
    const all: Array<{ id: string; enabled: boolean }> = [];
    let cursor: string | null = null;
    do {
      const page = (await (await runtime.call(`/v1/webhook-endpoints?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json()) as { data: typeof all; nextCursor: string | null };
      expect(page.data.length).toBeLessThanOrEqual(2);
      all.push(...page.data);
      cursor = page.nextCursor;
    } while (cursor);
    const ours = all.map((endpoint) => endpoint.id).filter((id) => [a.id, b.id, c.id].includes(id));
    expect(ours).toEqual([c.id, b.id, a.id]);
    expect(all.some((endpoint) => 'secret' in endpoint)).toBe(false);

    const disabled = (await (await runtime.call('/v1/webhook-endpoints?enabled=false&limit=100')).json()) as { data: typeof all };
    expect(disabled.data.map((endpoint) => endpoint.id)).toContain(b.id);
    expect(disabled.data.every((endpoint) => !endpoint.enabled)).toBe(true);
    const enabled = (await (await runtime.call('/v1/webhook-endpoints?enabled=true&limit=100')).json()) as { data: typeof all };
    expect(enabled.data.map((endpoint) => endpoint.id)).toEqual(expect.arrayContaining([a.id, c.id]));
    expect(enabled.data.every((endpoint) => endpoint.enabled)).toBe(true);
  });
});

describe('deleting a webhook endpoint', () => {
  it('removes it and its sealed secrets', async () => {
    const endpoint = await created();
    await rotate(endpoint.id);
    expect((await runtime.call(`/v1/webhook-endpoints/${endpoint.id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await runtime.call(`/v1/webhook-endpoints/${endpoint.id}`)).status).toBe(404);
    expect(await webhookEndpointStore({ db, table }).secrets('local', endpoint.id)).toEqual({ current: undefined, previous: undefined });
    expect((await runtime.call(`/v1/webhook-endpoints/${endpoint.id}`, { method: 'DELETE' })).status).toBe(404);
  });
});

describe("another tenant's key", () => {
  it('gets 404 for everything about the endpoint, and does not see it listed', async () => {
    const store = { db, table };
    await createTenant(store, 'Rival', 'rival-webhooks');
    const rival = await createApiKey(store, operatorAudit('rival-webhooks', 'test', 'api_key.create'), { name: 'rival', scopes: ['read', 'write'] });
    const endpoint = await created();
    const path = `/v1/webhook-endpoints/${endpoint.id}`;
    const statuses = [
      (await runtime.call(path, { key: rival.secret })).status,
      (await runtime.call(path, { method: 'PATCH', json: { enabled: false }, headers: { 'if-match': '"1"' }, key: rival.secret })).status,
      (await rotate(endpoint.id, { key: rival.secret })).status,
      (await runtime.call(path, { method: 'DELETE', key: rival.secret })).status,
    ];
    expect(statuses).toEqual([404, 404, 404, 404]);
    const list = (await (await runtime.call('/v1/webhook-endpoints?limit=100', { key: rival.secret })).json()) as { data: unknown[] };
    expect(list.data).toEqual([]);
    await expect(opened(endpoint.id)).resolves.toEqual([endpoint.secret]);
    expect(await (await runtime.call(path)).json()).toMatchObject({ enabled: true, version: 1 });
  });
});
