import { operatorAudit } from '../../shared/platform/audit';
import { createApiKey, createTenant } from '../../shared/tenancy/service';
import { localDynamoDb } from '../support/dynamodb';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

/**
 * `GET /v1/errors`: the API's refusals and failures grouped by kind and route, as the
 * wrapper counts them, through the gateway.
 */
let runtime: TestRuntime;
let rivalKey: string;

beforeAll(async () => {
  // Every request flushed before it answers, so the groups are complete when listed.
  runtime = await startTestRuntime({ functionEnv: { METRICS_FLUSH_HOLD_MS: '0' } });
  const main = { db: localDynamoDb(runtime.dynamodbEndpoint), table: runtime.env.MAIN_TABLE_NAME! };
  await createTenant(main, 'Rival', 'rival');
  rivalKey = (await createApiKey(main, operatorAudit('rival', 'test', 'api_key.create'), { name: 'rival', scopes: ['read'] })).secret;
  // Three invalid queries on one route, one invalid body on another, and a 404 (not a group).
  for (let i = 0; i < 3; i++) expect((await runtime.call('/v1/events?type=nonsense')).status).toBe(400);
  expect((await runtime.call('/v1/connections', { method: 'POST', json: { integration: 'stripe', credentials: { apiKey: 'sk_test_not_kept_anywhere' }, extra: 1 } })).status).toBe(400);
  expect((await runtime.call('/v1/connections/conn_01JCZ8X7Q4B3N5M6P7R8S9T0V1')).status).toBe(404);
});
afterAll(() => runtime.stop());

interface Group {
  kind: string;
  route: string | null;
  count: number;
  firstSeen: string;
  lastSeen: string;
  sample: string;
}

async function groups(query = '', key?: string): Promise<{ data: Group[]; nextCursor: string | null }> {
  const response = await runtime.call(`/v1/errors${query}`, key ? { key } : {});
  expect(response.status).toBe(200);
  return response.json();
}

describe('GET /v1/errors', () => {
  it('groups refusals by kind and route, with their count, first and last seen, and the problem title as sample', async () => {
    const { data } = await groups();
    const events = data.find((group) => group.route === 'GET /v1/events')!;
    expect(events).toMatchObject({ kind: 'api.invalid-request', count: 3, sample: 'The request is not valid' });
    expect(Date.parse(events.firstSeen)).toBeLessThanOrEqual(Date.parse(events.lastSeen));
    expect(data.find((group) => group.route === 'POST /v1/connections')).toMatchObject({ kind: 'api.invalid-request', count: 1 });
    expect(data.map((group) => group.route)).not.toContain('GET /v1/connections/{id}');
    expect(JSON.stringify(data)).not.toContain('sk_test_not_kept_anywhere');
  });

  it('lists the newest lastSeen first and pages with a cursor', async () => {
    const first = await groups('?limit=1');
    expect(first.data).toHaveLength(1);
    expect(first.data[0]!.route).toBe('POST /v1/connections');
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await groups(`?limit=1&cursor=${first.nextCursor}`);
    expect(second.data[0]!.route).toBe('GET /v1/events');
  });

  it('filters by route, kind and since', async () => {
    expect((await groups(`?route=${encodeURIComponent('GET /v1/events')}`)).data.map((g) => g.route)).toEqual(['GET /v1/events']);
    expect((await groups('?kind=api.server_error')).data).toEqual([]);
    expect((await groups(`?since=${new Date(Date.now() + 60_000).toISOString()}`)).data).toEqual([]);
  });

  it("never shows another tenant's groups, nor takes its cursor", async () => {
    expect((await groups('', rivalKey)).data).toEqual([]);
    const { nextCursor } = await groups('?limit=1');
    const response = await runtime.call(`/v1/errors?cursor=${nextCursor}`, { key: rivalKey });
    expect(response.status).toBe(400);
    expect((await response.json()).errors[0].field).toBe('query.cursor');
  });

  it.each([
    ['limit=0', 'query.limit'],
    ['since=yesterday', 'query.since'],
    ['cursor=garbage', 'query.cursor'],
    ['color=red', 'query.color'],
  ])('answers 400 naming the field for %s', async (query, field) => {
    const response = await runtime.call(`/v1/errors?${query}`);
    expect(response.status).toBe(400);
    expect((await response.json()).errors.map((error: { field: string }) => error.field)).toContain(field);
  });
});
