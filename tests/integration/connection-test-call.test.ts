import { localDynamoDb } from '../support/dynamodb';
import { randomBytes } from 'node:crypto';
import { catalogPort } from '../../shared/connections/integrations';
import { testConnection, type ConnectionDeps } from '../../shared/connections/service';
import { connectionStore } from '../../shared/connections/store';
import { stripe } from '../../shared/integrations/catalog/stripe';
import { IntegrationDefinition } from '../../shared/integrations/schema';
import { operatorAudit } from '../../shared/platform/audit';
import { oauthPorts, tokenPort } from '../../shared/oauth/deps';
import { send, type OutboundRequest } from '../../shared/platform/outbound';
import { keyringFromEnv } from '../../shared/vault/keyring';
import { createVault } from '../../shared/vault/vault';
import { startFakeStripe, type FakeStripe } from '../fakes/stripe';
import { captureOutput, startTestRuntime, type TestRuntime } from '../support/runtime';
import { schedulePort } from '../../shared/syncs/scheduler';

// The fake provider listens on loopback, which the outbound client refuses unless allowed.
process.env.OUTBOUND_ALLOWED_NETWORKS = '127.0.0.0/8';

let runtime: TestRuntime;
let fake: FakeStripe;
let deps: ConnectionDeps;

beforeAll(async () => {
  runtime = await startTestRuntime();
  fake = await startFakeStripe();
  // Stripe's real definition, pointed at the fake: the request is built exactly as for api.stripe.com.
  const stripeHere = IntegrationDefinition.parse({ ...stripe, baseUrl: fake.url.replace('http:', 'https:') });
  const db = localDynamoDb(runtime.dynamodbEndpoint);
  const table = runtime.env.MAIN_TABLE_NAME!;
  const vault = createVault(keyringFromEnv({ env: runtime.env }));
  const integrations = { builtIns: [stripeHere], custom: async () => undefined };
  // The definition must say https; the fake speaks plain HTTP on loopback.
  const toFake = (request: OutboundRequest) => send({ ...request, url: request.url.replace('https:', 'http:') }, { baseDelayMs: 5 });
  deps = {
    store: connectionStore({ db, table }),
    vault,
    schedules: schedulePort(table),
    integrations: catalogPort(integrations),
    tokens: tokenPort({ ...oauthPorts({ db, table }), integrations, vault, send: toFake }),
    webhookSubscriptions: { removeAll: async () => null },
    send: toFake,
  };
});
afterAll(async () => {
  await fake.close();
  await runtime.stop();
});
beforeEach(() => {
  fake.requests.length = 0;
  fake.faults.length = 0;
});

const audit = operatorAudit('local', 'test', 'connection.test');

async function connect(apiKey: string) {
  const response = await runtime.call('/v1/connections', { method: 'POST', json: { integration: 'stripe', name: 'Checked', credentials: { apiKey } } });
  expect(response.status).toBe(201);
  return (await response.json()).id as string;
}

const newKey = () => `sk_test_${randomBytes(16).toString('hex')}`;

it('calls the check endpoint with the decrypted key and records success', async () => {
  const key = newKey();
  fake.tokens.add(key);
  const id = await connect(key);

  const outcome = await testConnection(deps, audit, id);
  expect(outcome).toMatchObject({ ok: true, status: 200, detail: 'the provider accepted the credentials' });
  expect(fake.requests).toMatchObject([{ method: 'GET', path: '/v1/balance', headers: { authorization: `Bearer ${key}` } }]);
  const stored = await (await runtime.call(`/v1/connections/${id}`)).json();
  expect(stored).toMatchObject({ status: 'active', lastTest: { ok: true, status: 200 } });
});

it('marks the connection auth_failed when the provider refuses the key, without echoing it', async () => {
  const key = newKey();
  const id = await connect(key);

  const { output, result: outcome } = await captureOutput(() => testConnection(deps, audit, id));
  expect(outcome).toMatchObject({ ok: false, status: 401, detail: 'the provider refused the credentials (HTTP 401)' });
  const stored = await runtime.call(`/v1/connections/${id}`);
  const text = await stored.text();
  expect(JSON.parse(text)).toMatchObject({ status: 'auth_failed', lastTest: { ok: false, status: 401 } });
  // Stripe's error quotes the key's ends; nothing of it is kept or logged.
  expect(text).not.toContain(key.slice(-4) + '"');
  expect(output).not.toContain(key);
});

it("retries Stripe's 429 (no Retry-After: backing off) and a 500, then succeeds", async () => {
  const key = newKey();
  fake.tokens.add(key);
  const id = await connect(key);
  fake.faults.push('rate-limit', 'server-error');

  const outcome = await testConnection(deps, audit, id);
  expect(outcome).toMatchObject({ ok: true, status: 200 });
  expect(fake.requests).toHaveLength(3);
});

it('records the last status when the provider keeps failing, leaving the connection status alone', async () => {
  const key = newKey();
  fake.tokens.add(key);
  const id = await connect(key);
  fake.faults.push('server-error', 'server-error', 'server-error');

  const outcome = await testConnection(deps, audit, id);
  expect(outcome).toMatchObject({ ok: false, status: 500, detail: 'the provider answered HTTP 500' });
  expect(fake.requests).toHaveLength(3);
  expect(await (await runtime.call(`/v1/connections/${id}`)).json()).toMatchObject({ status: 'active', lastTest: { ok: false } });
});

it('records an unreachable provider as a failed test, not an error', async () => {
  const key = newKey();
  const id = await connect(key);
  const unreachable: ConnectionDeps = { ...deps, send: (request) => send({ ...request, url: 'http://127.0.0.1:9/v1/balance' }, { maxAttempts: 1 }) };

  const outcome = await testConnection(unreachable, audit, id);
  expect(outcome).toMatchObject({ ok: false, status: null });
  expect(outcome.detail).not.toContain(key);
});
