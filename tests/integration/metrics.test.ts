import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { localNames, provisionTables } from '../../infra/local/provision';
import { resources } from '../../infra/resources';
import { createTally } from '../../shared/metrics/tally';
import { rollUp } from '../../shared/metrics/rollup';
import { createMetricsReader } from '../../shared/metrics/series';
import type { MetricsStore } from '../../shared/metrics/deps';
import type { DynamoDb } from '../../shared/platform/dynamodb';
import { operatorAudit } from '../../shared/platform/audit';
import { createApiKey, createTenant } from '../../shared/tenancy/service';
import { localDynamoDb } from '../support/dynamodb';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

/**
 * Per-tenant metrics: the rollup on DynamoDB Local (each count lands in the series exactly
 * once, whatever runs twice, crashes or writes late), and `GET /v1/metrics` through the
 * gateway after the rollup schedule fires.
 */
const minute = (iso: string) => Date.parse(iso);
const t0 = minute('2026-12-07T10:15:00Z');

describe('the rollup', () => {
  let store: MetricsStore;
  let endpoint: string;

  beforeAll(async () => {
    endpoint = process.env.TEST_DYNAMODB_ENDPOINT!;
    const prefix = `metrics-${randomUUID().slice(0, 8)}`;
    const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    await provisionTables(client, resources, prefix);
    client.destroy();
    store = { db: localDynamoDb(endpoint), table: localNames(prefix).table('metrics') };
  });

  /** A tenant of its own per test, so the tests share the table and not their counts. */
  const tenant = () => `ten_${randomUUID().slice(0, 8)}`;
  const tallyAt = (at: number, on: MetricsStore = store) => createTally({ store: () => on, now: () => at, emf: false });
  const reader = () => createMetricsReader(store);
  const hour = { from: new Date(t0 - 3600_000), to: new Date(t0 + 3600_000) };
  const sum = (points: Array<{ value?: number }>) => points.reduce((total, p) => total + (p.value ?? 0), 0);
  const after = (ms: number) => new Date(t0 + ms);

  async function rawLeft(tenantId: string) {
    const { Items = [] } = await store.db.scan({ TableName: store.table, FilterExpression: 'tenantId = :t AND begins_with(pk, :raw)', ExpressionAttributeValues: { ':t': tenantId, ':raw': 'RAW#' } });
    return Items.length;
  }

  it('adds each raw count to the minute, hour and day series, per dimension value and the total, and deletes it', async () => {
    const id = tenant();
    const tally = tallyAt(t0 + 5000);
    tally.count(id, 'sync', { integration: 'github', connection: 'conn_a' }, { records: 100, pages: 1 });
    tally.count(id, 'sync', { integration: 'github', connection: 'conn_b' }, { records: 50, pages: 1 });
    await tally.flush();

    await rollUp(store, after(4 * 60_000));

    for (const period of ['minute', 'hour', 'day'] as const) {
      const range = period === 'day' ? { from: new Date(t0 - 86_400_000), to: new Date(t0 + 86_400_000) } : hour;
      expect(sum(await reader().series(id, { name: 'sync.records', period, ...range }) as never)).toBe(150);
      expect(sum(await reader().series(id, { name: 'sync.records', period, ...range, filter: { dimension: 'connection', value: 'conn_a' } }) as never)).toBe(100);
      expect(sum(await reader().series(id, { name: 'sync.records', period, ...range, filter: { dimension: 'integration', value: 'github' } }) as never)).toBe(150);
    }
    expect(await reader().totals(id, hour.from, hour.to)).toMatchObject({ 'sync.records': 150, 'sync.pages': 2 });
    expect(await rawLeft(id)).toBe(0);
  });

  it('leaves the minutes that ended less than two minutes ago for a later run', async () => {
    const id = tenant();
    const tally = tallyAt(t0 + 5000);
    tally.count(id, 'upload', {}, { bytes: 10 });
    await tally.flush();
    await rollUp(store, after(60_000 + 119_000));
    expect(await rawLeft(id)).toBe(1);
    await rollUp(store, after(60_000 + 120_000));
    expect(await rawLeft(id)).toBe(0);
  });

  it('counts once when it runs twice', async () => {
    const id = tenant();
    const tally = tallyAt(t0 + 5000);
    tally.count(id, 'upload', {}, { bytes: 10 });
    await tally.flush();
    await Promise.all([rollUp(store, after(4 * 60_000)), rollUp(store, after(4 * 60_000))]);
    await rollUp(store, after(5 * 60_000));
    expect(sum(await reader().series(id, { name: 'upload.bytes', period: 'hour', ...hour }) as never)).toBe(10);
  });

  it('counts once when a run crashes after its transaction committed, and once when it crashes before', async () => {
    const id = tenant();
    const tally = tallyAt(t0 + 5000);
    tally.count(id, 'upload', {}, { bytes: 10 });
    await tally.flush();
    const committedThenLost = wrapped(store, { afterTransact: () => { throw new Error('the answer was lost'); } });
    await expect(rollUp(committedThenLost, after(4 * 60_000))).rejects.toThrow('the answer was lost');
    await rollUp(store, after(5 * 60_000));
    expect(sum(await reader().series(id, { name: 'upload.bytes', period: 'hour', ...hour }) as never)).toBe(10);

    tally.count(id, 'upload', {}, { bytes: 5 });
    await tally.flush();
    const neverSent = wrapped(store, { beforeTransact: () => { throw new Error('crashed'); } });
    await expect(rollUp(neverSent, after(4 * 60_000))).rejects.toThrow('crashed');
    await rollUp(store, after(5 * 60_000));
    expect(sum(await reader().series(id, { name: 'upload.bytes', period: 'hour', ...hour }) as never)).toBe(15);
  });

  it('keeps a count that lands while the run works, and one for a minute already rolled up', async () => {
    const id = tenant();
    const tally = tallyAt(t0 + 5000);
    tally.count(id, 'upload', {}, { bytes: 10 });
    await tally.flush();
    // Between the run's read and its transaction, another flush adds to the same raw item.
    const late = wrapped(store, { beforeTransact: async () => { tally.count(id, 'upload', {}, { bytes: 1 }); await tally.flush(); } });
    const first = await rollUp(late, after(4 * 60_000));
    expect(first.deferred).toBeGreaterThan(0);
    await rollUp(store, after(4 * 60_000));
    expect(sum(await reader().series(id, { name: 'upload.bytes', period: 'hour', ...hour }) as never)).toBe(11);

    tally.count(id, 'upload', {}, { bytes: 100 });
    await tally.flush();
    await rollUp(store, after(6 * 60_000));
    expect(sum(await reader().series(id, { name: 'upload.bytes', period: 'hour', ...hour }) as never)).toBe(111);
    expect(sum(await reader().series(id, { name: 'upload.bytes', period: 'minute', from: new Date(t0), to: new Date(t0 + 60_000) }) as never)).toBe(111);
  });

  it('merges latency histograms, so percentiles cover every raw item', async () => {
    const id = tenant();
    const first = tallyAt(t0 + 5000);
    for (let i = 0; i < 90; i++) first.count(id, 'webhook', { endpoint: 'we_1' }, { attempts: 1 }, 30);
    await first.flush();
    const second = tallyAt(t0 + 65_000);
    for (let i = 0; i < 10; i++) second.count(id, 'webhook', { endpoint: 'we_1' }, { attempts: 1 }, 800);
    await second.flush();
    await rollUp(store, after(5 * 60_000));
    const window = await reader().window(id, { name: 'webhook.latency', from: new Date(t0), to: new Date(t0 + 120_000), filter: { dimension: 'endpoint', value: 'we_1' } });
    expect(window).toMatchObject({ kind: 'latency', count: 100 });
    expect((window as { p50: number }).p50).toBeLessThanOrEqual(50);
    expect((window as { p99: number }).p99).toBeGreaterThan(500);
  });

  /** The store's client, with hooks around TransactWriteItems: a crash before it or a lost answer after it. */
  function wrapped(on: MetricsStore, hooks: { beforeTransact?: () => unknown; afterTransact?: () => unknown }): MetricsStore {
    const db = on.db;
    let once = false;
    const proxy = new Proxy(db, {
      get(target, property, receiver) {
        if (property !== 'transactWrite') return Reflect.get(target, property, receiver);
        return async (input: Parameters<DynamoDb['transactWrite']>[0]) => {
          const first = !once;
          once = true;
          if (first) await hooks.beforeTransact?.();
          const output = await db.transactWrite(input);
          if (first) await hooks.afterTransact?.();
          return output;
        };
      },
    });
    return { db: proxy, table: on.table };
  }
});

describe('GET /v1/metrics', () => {
  let runtime: TestRuntime;
  let rivalKey: string;

  beforeAll(async () => {
    // Every request flushed before it answers, so the counts are exact (the hold is the unit tests').
    runtime = await startTestRuntime({ functionEnv: { METRICS_FLUSH_HOLD_MS: '0' } });
    const main = { db: localDynamoDb(runtime.dynamodbEndpoint), table: runtime.env.MAIN_TABLE_NAME! };
    await createTenant(main, 'Rival', 'rival');
    rivalKey = (await createApiKey(main, operatorAudit('rival', 'test', 'api_key.create'), { name: 'rival', scopes: ['read'] })).secret;
  });
  afterAll(() => runtime.stop());

  const started = Date.now();
  const window = () => `from=${new Date(started - 10 * 60_000).toISOString()}&to=${new Date(Date.now() + 10 * 60_000).toISOString()}`;
  const total = (body: { points: Array<{ value: number }> }) => body.points.reduce((sum, point) => sum + point.value, 0);

  it('answers the requests to a route, by route and in the total, once the rollup has run', async () => {
    for (let i = 0; i < 3; i++) expect((await runtime.call('/v1/events?limit=1')).status).toBe(200);
    expect((await runtime.call('/v1/events?type=nonsense')).status).toBe(400);
    expect((await runtime.call('/v1/connections')).status).toBe(200);

    await runtime.scheduler.tick(Date.now() + 4 * 60_000);

    const route = encodeURIComponent('GET /v1/events');
    const byRoute = await runtime.call(`/v1/metrics?name=api.requests&period=minute&route=${route}&${window()}`);
    expect(byRoute.status).toBe(200);
    const body = await byRoute.json();
    expect(body).toMatchObject({ name: 'api.requests', period: 'minute', filter: { dimension: 'route', value: 'GET /v1/events' } });
    expect(body.points.length).toBeGreaterThanOrEqual(20);
    expect(total(body)).toBe(4);
    const errors = await (await runtime.call(`/v1/metrics?name=api.client_errors&period=minute&route=${route}&${window()}`)).json();
    expect(total(errors)).toBe(1);
    const all = await (await runtime.call(`/v1/metrics?name=api.requests&period=minute&${window()}`)).json();
    expect(total(all)).toBeGreaterThanOrEqual(5);
    const latency = await (await runtime.call(`/v1/metrics?name=api.latency&period=hour&route=${route}&${window()}`)).json();
    expect(latency.points.reduce((sum: number, point: { count: number }) => sum + point.count, 0)).toBe(4);
    expect(latency.points.find((point: { count: number }) => point.count > 0).p50).toEqual(expect.any(Number));
  });

  it("never shows another tenant's counts", async () => {
    expect((await runtime.call('/v1/events?limit=1')).status).toBe(200);
    await runtime.scheduler.tick(Date.now() + 8 * 60_000);
    const rival = await runtime.call(`/v1/metrics?name=api.requests&period=minute&route=${encodeURIComponent('GET /v1/events')}&${window()}`, { key: rivalKey });
    expect(rival.status).toBe(200);
    expect(total(await rival.json())).toBe(0);
  });

  it.each([
    ['no name', 'period=hour', 'query.name'],
    ['an unknown name', 'name=api.nope', 'query.name'],
    ['an unknown period', 'name=api.requests&period=week', 'query.period'],
    ['a filter the family lacks', 'name=sync.records&route=GET%20%2Fv1%2Fevents', 'query.route'],
    ['two filters', 'name=sync.records&integration=github&connection=conn_1', 'query.integration'],
    ['from after to', 'name=api.requests&from=2026-12-07T10:00:00Z&to=2026-12-07T09:00:00Z', 'query.from'],
    ['from older than minutes are kept', `name=api.requests&period=minute&from=${new Date(Date.now() - 3 * 86_400_000).toISOString()}`, 'query.from'],
    ['more buckets than one answer holds', `name=api.requests&period=minute&from=${new Date(Date.now() - 30 * 3600_000).toISOString()}`, 'query.from'],
    ['a malformed time', 'name=api.requests&to=yesterday', 'query.to'],
    ['an unknown parameter', 'name=api.requests&tenant=rival', 'query.tenant'],
  ])('answers 400 naming the field for %s', async (_, query, field) => {
    const response = await runtime.call(`/v1/metrics?${query}`);
    expect(response.status).toBe(400);
    const problem = await response.json();
    expect(problem.errors.map((error: { field: string }) => error.field)).toContain(field);
  });
});
