import { randomBytes } from 'node:crypto';
import { catalogPort } from '../../shared/connections/integrations';
import {
  createAuthorizedConnection,
  reauthorizeConnection,
  recordRefreshFailure,
  testConnection,
  type ConnectionDeps,
} from '../../shared/connections/service';
import { connectionStore } from '../../shared/connections/store';
import { tenantIntegrations } from '../../shared/integrations/tenant-catalog';
import { rollUp } from '../../shared/metrics/rollup';
import { createTally } from '../../shared/metrics/tally';
import { operatorAudit } from '../../shared/platform/audit';
import type { DynamoDb } from '../../shared/platform/dynamodb';
import { newId } from '../../shared/platform/ids';
import { schedulePort } from '../../shared/syncs/scheduler';
import { createApiKey, createTenant } from '../../shared/tenancy/service';
import { keyringFromEnv } from '../../shared/vault/keyring';
import { createVault } from '../../shared/vault/vault';
import { localDynamoDb } from '../support/dynamodb';
import { stripeKey } from '../support/good-bodies';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

/**
 * GET /v1/overview through the gateway. Each test has a tenant of its own, so its counts
 * are exactly what it did.
 */
let runtime: TestRuntime;
let db: DynamoDb;
let table: string;

beforeAll(async () => {
  runtime = await startTestRuntime();
  db = localDynamoDb(runtime.dynamodbEndpoint);
  table = runtime.env.MAIN_TABLE_NAME!;
});
afterAll(() => runtime.stop());

async function newTenant() {
  const id = `ten${randomBytes(4).toString('hex')}`;
  await createTenant({ db, table }, `Overview ${id}`, id);
  const { secret } = await createApiKey({ db, table }, operatorAudit(id, 'test', 'api_key.create'), { name: 'overview', scopes: ['read', 'write'] });
  return { id, key: secret };
}

async function overviewOf(key: string) {
  const response = await runtime.call('/v1/overview', { key });
  expect(response.status).toBe(200);
  return response.json();
}

async function createStripe(key: string, headers: Record<string, string> = {}) {
  const response = await runtime.call('/v1/connections', { method: 'POST', key, headers, json: { integration: 'stripe', name: 'Payments', credentials: { apiKey: stripeKey() } } });
  expect(response.status).toBe(201);
  return (await response.json()).id as string;
}

/** The connections service as the test route runs it, with a provider that refuses every key. */
function refusingProvider(): ConnectionDeps {
  return {
    store: connectionStore({ db, table }),
    vault: createVault(keyringFromEnv({ env: runtime.env })),
    schedules: schedulePort(table),
    integrations: catalogPort(tenantIntegrations({ db, table })),
    tokens: { fresh: async () => ({}), revoke: async () => ({ status: 'unsupported', detail: 'not OAuth' }) },
    webhookSubscriptions: { removeAll: async () => null },
    send: async () => ({ status: 401, headers: {}, body: '{"error":{"type":"invalid_request_error"}}', latencyMs: 5, attempts: 1 }),
  };
}

describe('connection counts', () => {
  it('follows connections as they are created, fail their credentials and are deleted', async () => {
    const tenant = await newTenant();
    const first = await createStripe(tenant.key);
    await createStripe(tenant.key);
    const github = await runtime.call('/v1/connections', { method: 'POST', key: tenant.key, json: { integration: 'github', name: 'Code', credentials: { token: 'ghp_0123456789abcdefghijklmnopqrstuvwxyzAB' } } });
    expect(github.status).toBe(201);

    expect(await overviewOf(tenant.key)).toMatchObject({
      integrations: [
        { integration: 'stripe', connections: 2 },
        { integration: 'github', connections: 1 },
      ],
      connections: { total: 3, byStatus: { active: 3, auth_failed: 0, error: 0 } },
    });

    // The provider refuses the first one's key, twice: counted out of active once.
    await testConnection(refusingProvider(), operatorAudit(tenant.id, 'test', 'connection.test'), first);
    await testConnection(refusingProvider(), operatorAudit(tenant.id, 'test', 'connection.test'), first);
    expect((await overviewOf(tenant.key)).connections).toEqual({ total: 3, byStatus: { active: 2, auth_failed: 1, error: 0 } });

    expect((await runtime.call(`/v1/connections/${first}`, { method: 'DELETE', key: tenant.key })).status).toBe(200);
    expect((await runtime.call(`/v1/connections/${(await github.json()).id}`, { method: 'DELETE', key: tenant.key })).status).toBe(200);
    // Deleting again finds nothing, and counts nothing.
    expect((await runtime.call(`/v1/connections/${first}`, { method: 'DELETE', key: tenant.key })).status).toBe(404);

    expect(await overviewOf(tenant.key)).toMatchObject({
      integrations: [{ integration: 'stripe', connections: 1 }],
      connections: { total: 1, byStatus: { active: 1, auth_failed: 0, error: 0 } },
    });
  });

  it('counts a create retried with its Idempotency-Key once, and concurrent creates each once', async () => {
    const tenant = await newTenant();
    const retried = { 'idempotency-key': randomBytes(8).toString('hex') };
    const body = { integration: 'stripe', name: 'Retried', credentials: { apiKey: stripeKey() } };
    const answers = await Promise.all([0, 1, 2].map(() => runtime.call('/v1/connections', { method: 'POST', key: tenant.key, headers: retried, json: body })));
    const again = await runtime.call('/v1/connections', { method: 'POST', key: tenant.key, headers: retried, json: body });
    await Promise.all([0, 1, 2, 3, 4].map(() => createStripe(tenant.key)));

    const made = new Set((await Promise.all([...answers, again].filter((a) => a.status === 201).map((a) => a.json()))).map((c: { id: string }) => c.id));
    expect(made.size).toBe(1);
    const listed = (await (await runtime.call('/v1/connections?limit=100', { key: tenant.key })).json()).data.length;
    expect(listed).toBe(6);
    expect((await overviewOf(tenant.key)).connections).toEqual({ total: 6, byStatus: { active: 6, auth_failed: 0, error: 0 } });
  });

  it('moves an OAuth connection to auth_failed once when its grant is gone, and back when it is authorized again', async () => {
    const tenant = await newTenant();
    const store = connectionStore({ db, table });
    const vault = createVault(keyringFromEnv({ env: runtime.env }));
    const id = newId('conn');
    const grant = async () => ({ sealed: await vault.seal({ accessToken: 'at', refreshToken: 'rt' }, { tenantId: tenant.id, connectionId: id, purpose: 'credentials' }), refreshable: true, scopes: ['read'], expiresAt: new Date(Date.now() + 60_000).toISOString() });
    const audit = operatorAudit(tenant.id, 'test', 'connection.create');
    await createAuthorizedConnection({ store }, audit, { id, integration: 'hubspot', name: 'CRM', params: {}, custom: false }, await grant(), new Date(), []);

    // Two refreshers fail permanently one after the other (each holding the lease in turn).
    for (const owner of ['refresher-1', 'refresher-2']) {
      const credentials = (await store.getCredentials(tenant.id, id))!;
      expect(await store.acquireRefreshLease(credentials, owner, new Date(), new Date(Date.now() + 30_000))).toBe(true);
      await recordRefreshFailure({ store }, (await store.getCredentials(tenant.id, id))!, await store.get(tenant.id, id), owner, {
        error: { code: 'invalid_grant', at: new Date().toISOString() },
        failures: 1,
        retryAt: new Date().toISOString(),
        permanent: true,
      });
    }
    expect((await store.get(tenant.id, id))!.status).toBe('auth_failed');
    expect((await overviewOf(tenant.key)).connections.byStatus).toEqual({ active: 0, auth_failed: 1, error: 0 });

    expect(await reauthorizeConnection({ store }, audit, { id, params: {} }, await grant(), new Date(), [])).toBe(true);
    expect(await overviewOf(tenant.key)).toMatchObject({
      integrations: [{ integration: 'hubspot', connections: 1 }],
      connections: { total: 1, byStatus: { active: 1, auth_failed: 0, error: 0 } },
    });
  });

  it('recounts a tenant whose connections were made before the counts existed, once', async () => {
    const tenant = await newTenant();
    for (let i = 0; i < 3; i++) await createStripe(tenant.key);
    // As before this change: no counts item at all. Then one write moves counts that never held the first three.
    await db.delete({ TableName: table, Key: { pk: `TENANT#${tenant.id}`, sk: 'COUNTS#CONNECTIONS' } });
    await createStripe(tenant.key);

    expect((await overviewOf(tenant.key)).connections.total).toBe(4);
    const { Item } = await db.get({ TableName: table, Key: { pk: `TENANT#${tenant.id}`, sk: 'COUNTS#CONNECTIONS' }, ConsistentRead: true });
    expect(Item).toMatchObject({ counted: true, 'status:active': 4, 'integration:stripe': 4 });
    // Counted from then on: a new connection adds to the recount.
    await createStripe(tenant.key);
    expect((await overviewOf(tenant.key)).connections.total).toBe(5);
  });
});

describe('the overview', () => {
  it("answers the last 24 h's totals from the rolled-up metrics", async () => {
    const tenant = await newTenant();
    const metrics = { db, table: runtime.env.METRICS_TABLE_NAME! };
    // Counted ten minutes ago, as the code paths doing the work count, then rolled up.
    const at = Date.now() - 10 * 60_000;
    const tally = createTally({ store: () => metrics, now: () => at, emf: false });
    tally.count(tenant.id, 'sync', { integration: 'stripe', connection: 'conn_x' }, { runs: 4, runs_failed: 1, records: 120, pages: 6 });
    tally.count(tenant.id, 'webhook', { endpoint: 'we_x' }, { deliveries: 3, attempts: 4, failures: 1 }, 40);
    tally.count(tenant.id, 'inbound', { integration: 'stripe', connection: 'conn_x' }, { accepted: 5, refused: 2 });
    tally.count(tenant.id, 'upload', {}, { bytes: 2048, completed: 1, failed: 1 });
    await tally.flush();
    await rollUp(metrics, new Date());

    const overview = await overviewOf(tenant.key);

    expect(overview.last24h).toMatchObject({
      syncs: { runs: 4, failedRuns: 1, records: 120 },
      webhooks: { deliveries: 3, attempts: 4, failures: 1, successRate: 0.75 },
      inbound: { accepted: 5, refused: 2 },
      uploads: { bytes: 2048, completed: 1, failed: 1 },
    });
    expect(overview.alerts).toEqual({ firing: 0, acknowledged: 0 });
    expect(Date.parse(overview.last24h.to) - Date.parse(overview.last24h.from)).toBe(24 * 3600_000);
  });

  it("never shows one tenant another's numbers", async () => {
    const [owner, rival] = [await newTenant(), await newTenant()];
    await createStripe(owner.key);
    const metrics = { db, table: runtime.env.METRICS_TABLE_NAME! };
    const tally = createTally({ store: () => metrics, now: () => Date.now() - 10 * 60_000, emf: false });
    tally.count(owner.id, 'sync', { integration: 'stripe' }, { runs: 9, records: 99 });
    await tally.flush();
    await rollUp(metrics, new Date());

    const seen = await overviewOf(rival.key);

    expect(seen).toMatchObject({
      integrations: [],
      connections: { total: 0, byStatus: { active: 0, auth_failed: 0, error: 0 } },
      last24h: { syncs: { runs: 0, failedRuns: 0, records: 0 }, webhooks: { successRate: null } },
    });
    expect((await overviewOf(owner.key)).last24h.syncs).toEqual({ runs: 9, failedRuns: 0, records: 99 });
  });
});
