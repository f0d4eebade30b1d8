import type { DynamoDb } from '../../shared/platform/dynamodb';
import { localDynamoDb } from '../support/dynamodb';
import { randomBytes, randomUUID } from 'node:crypto';
import { routesOf } from '../../infra/declaration';
import { declaration } from '../../infra/functions';
import { deliveryIdOf } from '../../shared/webhooks/delivery-message';
import { deliveryStore } from '../../shared/webhooks/delivery-store';
import { customIntegration, goodBodies } from '../support/good-bodies';
import { queuedRun } from '../support/syncs';
import { startTestRuntime, type TestRuntime } from '../support/runtime';
import { startFakeHttpbin } from '../fakes/httpbin';
import type { FakeProvider } from '../fakes/provider';
import { trust, type TlsFront } from '../fakes/tls';
import { frontOf, proxiedConnection } from '../support/proxied';
import { startFakeGitHub, type FakeGitHub } from '../fakes/github';
import { registeringConnection } from '../support/registering';
import { plantFiringAlert } from '../support/alerts';

let runtime: TestRuntime;
let db: DynamoDb;
let table: string;

beforeAll(async () => {
  runtime = await startTestRuntime();
  db = localDynamoDb(runtime.dynamodbEndpoint);
  table = runtime.env.MAIN_TABLE_NAME!;
});
afterAll(() => runtime.stop());

const connection = () => ({ integration: 'stripe', name: 'Idempotent', credentials: { apiKey: `sk_test_${randomBytes(12).toString('hex')}` } });

function post(path: string, body: unknown, key?: string) {
  return runtime.call(path, { method: 'POST', json: body, headers: key === undefined ? {} : { 'idempotency-key': key } });
}

async function connectionCount(name: string) {
  const list = (await (await runtime.call('/v1/connections?limit=100')).json()) as { data: Array<{ name: string }> };
  return list.data.filter((c) => c.name === name).length;
}

it('replays the first response to a retry with the same key, creating one connection', async () => {
  const key = randomUUID();
  const body = { ...connection(), name: `Once ${key}` };
  const first = await post('/v1/connections', body, key);
  expect(first.status).toBe(201);
  const created = await first.json();

  const retry = await post('/v1/connections', body, key);
  expect(retry.status).toBe(201);
  expect(retry.headers.get('idempotent-replayed')).toBe('true');
  expect(retry.headers.get('location')).toBe(`/v1/connections/${created.id}`);
  expect(await retry.json()).toEqual(created);
  expect(await connectionCount(body.name)).toBe(1);
});

it('creates exactly one connection when the same request races itself', async () => {
  const key = randomUUID();
  const body = { ...connection(), name: `Race ${key}` };
  const responses = await Promise.all(Array.from({ length: 5 }, () => post('/v1/connections', body, key)));
  const statuses = responses.map((r) => r.status);
  // The winner 201; the others either replay it (201) or are told it is still running (409).
  expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1);
  expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
  const ids = new Set(await Promise.all(responses.filter((r) => r.status === 201).map(async (r) => (await r.json()).id)));
  expect(ids.size).toBe(1);
  expect(await connectionCount(body.name)).toBe(1);
});

it('answers 422 when the key is reused for a different request', async () => {
  const key = randomUUID();
  expect((await post('/v1/connections', connection(), key)).status).toBe(201);
  const reused = await post('/v1/connections', connection(), key);
  expect(reused.status).toBe(422);
  expect(reused.headers.get('content-type')).toBe('application/problem+json');
  expect((await reused.json()).detail).toContain('different request');
});

it('lets a request that failed validation be retried under the same key', async () => {
  const key = randomUUID();
  const bad = await post('/v1/connections', { ...connection(), credentials: { apiKey: 'nope' } }, key);
  expect(bad.status).toBe(400);
  const body = { ...connection(), name: `Fixed ${key}` };
  // The body differs from the refused one; a refused request leaves no claim behind.
  expect((await post('/v1/connections', body, key)).status).toBe(201);
});

it('answers 409 with Retry-After while the first request still holds the key', async () => {
  const key = randomUUID();
  const body = connection();
  expect((await post('/v1/connections', body, key)).status).toBe(201);
  // As if the first request were still running: put its claim back in progress.
  await db.update({
      TableName: table,
      Key: { pk: 'TENANT#local', sk: `IDEMPOTENCY#${key}` },
      UpdateExpression: 'SET #status = :s, lockedUntil = :until',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':s': 'in_progress', ':until': Date.now() + 30_000 },
    });
  const concurrent = await post('/v1/connections', body, key);
  expect(concurrent.status).toBe(409);
  expect(Number(concurrent.headers.get('retry-after'))).toBeGreaterThan(0);
});

it('does not repeat a change whose response was lost in a crash', async () => {
  const key = randomUUID();
  const body = { ...connection(), name: `Crashed ${key}` };
  const first = await (await post('/v1/connections', body, key)).json();
  // As if the function died after its transaction committed, before storing the response.
  await db.update({
      TableName: table,
      Key: { pk: 'TENANT#local', sk: `IDEMPOTENCY#${key}` },
      UpdateExpression: 'SET #status = :s REMOVE #response',
      ExpressionAttributeNames: { '#status': 'status', '#response': 'response' },
      ExpressionAttributeValues: { ':s': 'committed' },
    });
  const retry = await post('/v1/connections', body, key);
  expect(retry.status).toBe(409);
  expect((await retry.json()).detail).toContain(first.id);
  expect(await connectionCount(body.name)).toBe(1);
});

it('commits the key in the same transaction as the change', async () => {
  const key = randomUUID();
  const created = await (await post('/v1/connections', connection(), key)).json();
  const { Item } = await db.get({ TableName: table, Key: { pk: 'TENANT#local', sk: `IDEMPOTENCY#${key}` } });
  expect(Item).toMatchObject({ status: 'completed', target: created.id, expiresAt: expect.any(Number) });
});

it('never replays a new API key’s secret', async () => {
  const key = randomUUID();
  const body = { name: `key ${key}`, scopes: ['read'] };
  const first = await post('/v1/api-keys', body, key);
  expect(first.status).toBe(201);
  const created = await first.json();
  const retry = await post('/v1/api-keys', body, key);
  expect(retry.status).toBe(409);
  const text = await retry.text();
  expect(text).not.toContain(created.secret);
  expect(JSON.parse(text).detail).toContain(created.id);
  const { Item } = await db.get({ TableName: table, Key: { pk: 'TENANT#local', sk: `IDEMPOTENCY#${key}` } });
  expect(JSON.stringify(Item)).not.toContain(created.secret);
});

it('answers 400 naming the header for a malformed key', async () => {
  const response = await post('/v1/connections', connection(), 'k'.repeat(256));
  expect(response.status).toBe(400);
  expect((await response.json()).errors).toEqual([{ field: 'headers.idempotency-key', message: 'must be 1 to 255 printable ASCII characters' }]);
});

it('acts on every request that carries no key', async () => {
  const body = { ...connection(), name: `Twice ${randomUUID()}` };
  expect((await post('/v1/connections', body)).status).toBe(201);
  expect((await post('/v1/connections', body)).status).toBe(201);
  expect(await connectionCount(body.name)).toBe(2);
});

describe('every route that takes an Idempotency-Key', () => {
  // New routes included: each acts once for a request retried under the same key.
  const keyed = routesOf(declaration).filter(([, route]) => route.route.startsWith('POST ') && route.contract.audit);
  let paths: Record<string, string>;
  /** Bodies that must name something of this test's own (the run a bulk action cancels). */
  let bodies: Record<string, () => unknown>;
  let httpbin: FakeProvider;
  let front: TlsFront;
  let gitHub: FakeGitHub;
  let gitHubFront: TlsFront;

  beforeAll(async () => {
    // A provider that cannot be reached, so that a connection's test call goes nowhere.
    const offline = { ...customIntegration('offline'), baseUrl: 'https://api.junction.invalid/v1' };
    const setUp = [
      await runtime.call('/v1/integrations', { method: 'POST', json: offline }),
      await runtime.call('/v1/integrations/hubspot/oauth-client', { method: 'PUT', json: goodBodies['PUT /v1/integrations/{key}/oauth-client']!() }),
      await runtime.call('/v1/connections', { method: 'POST', json: { integration: 'offline', name: 'Offline', credentials: { token: 't' } } }),
    ];
    expect(setUp.map((response) => response.status)).toEqual([201, 200, 201]);
    const endpoint = await runtime.call('/v1/webhook-endpoints', { method: 'POST', json: goodBodies['POST /v1/webhook-endpoints']!() });
    expect(endpoint.status).toBe(201);
    const endpointId = (await endpoint.json()).id as string;
    const connectionId = (await setUp[2]!.json()).id as string;
    // A delivery that has ended, of an event in the log, for the retry route to send again.
    const events = (await (await runtime.call('/v1/events?type=connection.created&limit=100')).json()).data as Array<{ id: string; data: { id: string } }>;
    const event = events.find((e) => e.data.id === connectionId)!;
    const at = new Date().toISOString();
    const deliveryId = deliveryIdOf(event.id, endpointId);
    await deliveryStore({ db, table }).putDelivery('local', {
      id: deliveryId, endpointId, eventId: event.id, eventType: 'connection.created', status: 'failed', attempts: 8,
      nextAttemptAt: null, reason: 'attempts_exhausted', createdAt: at, updatedAt: at, expiresAt: Math.floor(Date.now() / 1000) + 86_400,
    });
    // A Stripe connection (it has streams), and a run of it that stays queued, to cancel.
    const synced = await runtime.call('/v1/connections', { method: 'POST', json: goodBodies['POST /v1/connections']!() });
    expect(synced.status).toBe(201);
    const syncedId = (await synced.json()).id as string;
    const run = await queuedRun(runtime, 'local', syncedId, ['charges']);
    const bulkRun = await queuedRun(runtime, 'local', syncedId, ['invoices']);
    // A provider that answers the proxied POST: httpbin's fake, behind TLS.
    httpbin = await startFakeHttpbin();
    front = await frontOf(httpbin);
    // A provider that makes webhook subscriptions: the fake GitHub, behind TLS.
    gitHub = await startFakeGitHub();
    gitHubFront = await frontOf(gitHub);
    trust([front.caPem, gitHubFront.caPem]);
    const proxied = await proxiedConnection(runtime, front, httpbin, 'proxied-once');
    const registering = await registeringConnection(runtime, gitHubFront, gitHub, 'registering-once');
    // Upload sessions: a 0-byte one to complete, a 10-byte one to extend.
    const uploadOf = async (size: number) => (await (await runtime.call('/v1/uploads', { method: 'POST', json: { ...goodBodies['POST /v1/uploads']!(), size, sha256: undefined } })).json()).id as string;
    const [emptyUpload, openUpload] = [await uploadOf(0), await uploadOf(10)];
    // A firing alert, to acknowledge.
    const rule = await runtime.call('/v1/alert-rules', { method: 'POST', json: goodBodies['POST /v1/alert-rules']!() });
    expect(rule.status).toBe(201);
    const alertId = await plantFiringAlert({ db, table }, 'local', (await rule.json()).id as string);
    bodies = { '/v1/syncs/bulk': () => ({ action: 'cancel', runIds: [bulkRun.id] }) };
    paths = {
      '/v1/connections/{id}/test': `/v1/connections/${connectionId}/test`,
      '/v1/connections/{id}/syncs': `/v1/connections/${syncedId}/syncs`,
      '/v1/syncs/{runId}/cancel': `/v1/syncs/${run.id}/cancel`,
      '/v1/webhook-endpoints/{id}/rotate-secret': `/v1/webhook-endpoints/${endpointId}/rotate-secret`,
      '/v1/webhook-endpoints/{id}/replay': `/v1/webhook-endpoints/${endpointId}/replay`,
      '/v1/webhook-endpoints/{id}/test': `/v1/webhook-endpoints/${endpointId}/test`,
      '/v1/webhook-deliveries/{id}/retry': `/v1/webhook-deliveries/${deliveryId}/retry`,
      '/v1/connections/{id}/proxy/{path+}': `/v1/connections/${proxied}/proxy/anything/once`,
      '/v1/connections/{id}/webhook-subscriptions': `/v1/connections/${registering}/webhook-subscriptions`,
      '/v1/uploads/{id}/complete': `/v1/uploads/${emptyUpload}/complete`,
      '/v1/uploads/{id}/extend': `/v1/uploads/${openUpload}/extend`,
      '/v1/uploads/{id}/parts': `/v1/uploads/${openUpload}/parts`,
      '/v1/alerts/{id}/acknowledge': `/v1/alerts/${alertId}/acknowledge`,
    };
  });
  afterAll(() => Promise.all([front.close(), httpbin.close(), gitHubFront.close(), gitHub.close()]));

  it.each(keyed.map(([name, route]) => [name, route.route, route.contract] as const))(
    '%s (%s) answers a retry under the same key with the first answer, and acts once',
    async (_name, routeKey, contract) => {
      const pattern = routeKey.slice('POST '.length);
      const path = paths[pattern] ?? pattern;
      expect(path).not.toContain('{');
      const body = (bodies[pattern] ?? goodBodies[routeKey])?.();
      const key = randomUUID();
      const send = () => runtime.call(path, { method: 'POST', headers: { 'idempotency-key': key }, ...(body ? { json: body } : {}) });
      const first = await send();
      expect(first.status).toBeLessThan(300);
      const firstText = await first.text();
      const retry = await send();
      if (contract.secretResponse) {
        // A secret is shown once: the retry is told the first request succeeded.
        expect(retry.status).toBe(409);
      } else {
        expect(retry.status).toBe(first.status);
        expect(retry.headers.get('idempotent-replayed')).toBe('true');
        expect(await retry.text()).toBe(firstText);
      }
      // One change, so one entry that succeeded: the first request's (a refused retry has its own).
      const log = await runtime.call(`/v1/audit-log?action=${contract.audit}&outcome=succeeded&limit=100`);
      const entries = ((await log.json()) as { data: Array<{ requestId: string }> }).data;
      const acted = entries.filter((entry) => [first, retry].some((r) => r.headers.get('x-request-id') === entry.requestId));
      expect(acted.map((entry) => entry.requestId)).toEqual([first.headers.get('x-request-id')]);
    },
  );
});
