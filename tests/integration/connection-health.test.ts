import { catalogPort } from '../../shared/connections/integrations';
import { testConnection, type ConnectionDeps } from '../../shared/connections/service';
import { connectionStore } from '../../shared/connections/store';
import { tenantIntegrations } from '../../shared/integrations/tenant-catalog';
import { rollUp } from '../../shared/metrics/rollup';
import { createTally } from '../../shared/metrics/tally';
import { operatorAudit } from '../../shared/platform/audit';
import type { DynamoDb } from '../../shared/platform/dynamodb';
import { syncRunStore } from '../../shared/syncs/run-store';
import type { RunStatus } from '../../shared/syncs/schema';
import { schedulePort } from '../../shared/syncs/scheduler';
import { keyringFromEnv } from '../../shared/vault/keyring';
import { createVault } from '../../shared/vault/vault';
import { localDynamoDb } from '../support/dynamodb';
import { stripeKey } from '../support/good-bodies';
import { startTestRuntime, type TestRuntime } from '../support/runtime';
import { queuedRun } from '../support/syncs';

/** GET /v1/connections/{id}/health through the gateway: its score, its reasons and lastSyncAt. */
let runtime: TestRuntime;
let db: DynamoDb;
let table: string;

beforeAll(async () => {
  runtime = await startTestRuntime();
  db = localDynamoDb(runtime.dynamodbEndpoint);
  table = runtime.env.MAIN_TABLE_NAME!;
});
afterAll(() => runtime.stop());

async function createStripe() {
  const response = await runtime.call('/v1/connections', { method: 'POST', json: { integration: 'stripe', name: 'Payments', credentials: { apiKey: stripeKey() } } });
  expect(response.status).toBe(201);
  return (await response.json()).id as string;
}

async function healthOf(id: string) {
  const response = await runtime.call(`/v1/connections/${id}/health`);
  expect(response.status).toBe(200);
  return response.json();
}

/** A run of the connection, started as the route starts one and ended as the worker ends it. */
async function endedRun(connectionId: string, status: RunStatus) {
  const runs = syncRunStore({ db, table });
  const run = (await runs.get('local', (await queuedRun(runtime, 'local', connectionId, ['charges'])).id))!;
  const at = new Date().toISOString();
  const next = {
    ...run,
    status,
    reason: status === 'failed' ? 'the provider answered HTTP 500' : null,
    streams: run.streams.map((stream) => ({ ...stream, status, next: null })),
    startedAt: at,
    finishedAt: at,
    updatedAt: at,
    version: run.version + 1,
  };
  expect(await runs.update('local', next, next.streams.map((_, index) => ({ index, checkpoint: null })), [])).toBe(true);
  return at;
}

it('scores a connection with working credentials and no trouble 100, with no reasons and no sync yet', async () => {
  const id = await createStripe();

  expect(await healthOf(id)).toMatchObject({ id, status: 'active', lastSyncAt: null, score: 100, reasons: [] });
});

it('takes 50 off a connection whose credentials the provider refused, and says why', async () => {
  const id = await createStripe();
  const deps: ConnectionDeps = {
    store: connectionStore({ db, table }),
    vault: createVault(keyringFromEnv({ env: runtime.env })),
    schedules: schedulePort(table),
    integrations: catalogPort(tenantIntegrations({ db, table })),
    tokens: { fresh: async () => ({}), revoke: async () => ({ status: 'unsupported', detail: 'not OAuth' }) },
    webhookSubscriptions: { removeAll: async () => null },
    send: async () => ({ status: 401, headers: {}, body: '{}', latencyMs: 5, attempts: 1 }),
  };
  await testConnection(deps, operatorAudit('local', 'test', 'connection.test'), id);

  const health = await healthOf(id);

  expect(health).toMatchObject({ status: 'auth_failed', score: 50, reasons: [{ code: 'auth_failed', impact: 50, detail: expect.stringContaining('refused the credentials') }] });
});

it('fills lastSyncAt from the last finished run and weighs the share of recent runs that failed', async () => {
  const id = await createStripe();
  await endedRun(id, 'succeeded');
  const lastFailed = await endedRun(id, 'failed');
  // A run still going counts neither as the last sync nor as a failure.
  await queuedRun(runtime, 'local', id, ['charges']);

  const health = await healthOf(id);

  expect(health).toMatchObject({
    lastSyncAt: lastFailed,
    score: 85,
    reasons: [{ code: 'run_failures', detail: '1 of the last 2 finished sync runs failed', impact: 15 }],
  });
});

it("weighs the connection's own rate limiting and refused webhooks over the last 24 h, not another connection's", async () => {
  const [id, other] = [await createStripe(), await createStripe()];
  const metrics = { db, table: runtime.env.METRICS_TABLE_NAME! };
  const tally = createTally({ store: () => metrics, now: () => Date.now() - 10 * 60_000, emf: false });
  tally.count('local', 'sync', { integration: 'stripe', connection: id }, { pages: 50, rate_limited: 50 });
  tally.count('local', 'inbound', { integration: 'stripe', connection: id }, { accepted: 3, refused: 1 });
  tally.count('local', 'sync', { integration: 'stripe', connection: other }, { pages: 1, rate_limited: 99 });
  await tally.flush();
  await rollUp(metrics, new Date());

  const health = await healthOf(id);

  expect(health.reasons).toEqual([
    { code: 'rate_limited', detail: expect.stringContaining('(50 of 100)'), impact: 10 },
    { code: 'webhooks_refused', detail: expect.stringContaining('(1 of 4)'), impact: 5 },
  ]);
  expect(health.score).toBe(85);
});
