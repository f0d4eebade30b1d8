import type { DynamoDb } from '../../shared/platform/dynamodb';
import { localDynamoDb } from '../support/dynamodb';
import { operatorAudit } from '../../shared/platform/audit';
import { admitThisSecond, createRateLimiter } from '../../shared/platform/rate-limit';
import { createApiKey, createTenant } from '../../shared/tenancy/service';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

let runtime: TestRuntime;
let db: DynamoDb;
beforeAll(async () => {
  process.env.RATE_LIMIT_PER_MINUTE = '5';
  runtime = await startTestRuntime();
  db = localDynamoDb(runtime.dynamodbEndpoint);
});
afterAll(() => runtime.stop());

describe('tenant rate limits through the gateway', () => {
  it('answers 429 with Retry-After and RateLimit headers past the budget, and spares other tenants', async () => {
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 7; i++) {
      last = (await runtime.call('/v1/api-keys')) as unknown as Response;
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(last!.headers.get('content-type')).toBe('application/problem+json');
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(last!.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(last!.headers.get('ratelimit-limit')).toBe('5');
    expect(last!.headers.get('ratelimit-remaining')).toBe('0');

    const store = { db, table: runtime.env.MAIN_TABLE_NAME! };
    await createTenant(store, 'Quiet', 'quiet');
    const quiet = await createApiKey(store, operatorAudit('quiet', 'test', 'api_key.create'), { name: 'q', scopes: ['admin'] });
    const other = await runtime.call('/v1/api-keys', { key: quiet.secret });
    expect(other.status).toBe(200);
    expect(other.headers.get('ratelimit-remaining')).toBe('4');
  });

  it('does not count requests without a valid key against anyone', async () => {
    const response = await runtime.call('/v1/api-keys', { key: 'jh_not_a_real_key_at_all_0000000000' });
    expect(response.status).toBe(401);
    expect(response.headers.get('ratelimit-limit')).toBeNull();
  });
});

describe('the limiter', () => {
  it('grants the budget again in the next minute', async () => {
    let now = Date.parse('2026-01-01T00:00:30Z');
    const admit = createRateLimiter({ db, table: runtime.env.LIMITS_TABLE_NAME!, limitPerMinute: 2, now: () => now });
    await admit('t-window');
    await admit('t-window');
    await expect(admit('t-window')).rejects.toMatchObject({ status: 429 });
    now += 30_000;
    await expect(admit('t-window')).resolves.toMatchObject({ limit: 2, remaining: 1 });
  });

  it('never lets more than the limit through across containers sharing the count', async () => {
    const table = runtime.env.LIMITS_TABLE_NAME!;
    const now = () => Date.parse('2026-01-01T01:00:10Z');
    const containers = Array.from({ length: 4 }, () => createRateLimiter({ db, table, limitPerMinute: 100, now }));
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) => containers[i % 4]!('t-shared')),
    );
    const admitted = results.filter((r) => r.status === 'fulfilled').length;
    expect(admitted).toBeLessThanOrEqual(100);
    expect(admitted).toBeGreaterThanOrEqual(90);
  });

  it('claims bigger batches while a container spends them fast, up to a twentieth of the limit, and smaller ones again as traffic slows', async () => {
    const claimed: number[] = [];
    const counting = {
      update: (input: Parameters<DynamoDb['update']>[0]) => (claimed.push(Number(input.ExpressionAttributeValues?.[':batch'])), db.update(input)),
    } as DynamoDb;
    let now = Date.parse('2026-01-01T02:00:00Z');
    const admit = createRateLimiter({ db: counting, table: runtime.env.LIMITS_TABLE_NAME!, limitPerMinute: 2000, now: () => now });
    for (let i = 0; i < 600; i++) await admit('t-busy');
    expect(claimed.slice(0, 5)).toEqual([10, 20, 40, 80, 100]);
    expect(Math.max(...claimed)).toBe(100);
    // Ten requests a claim before batches grew; now far fewer.
    expect(claimed.length).toBeLessThan(15);

    claimed.length = 0;
    for (let i = 0; i < 100; i++) {
      now += 2500;
      await admit('t-busy');
    }
    expect(claimed.at(-1)).toBe(10);
  });
});

describe('a per-second budget', () => {
  it('admits exactly the budget within one second, shared by every caller, and admits again the next second', async () => {
    const table = runtime.env.LIMITS_TABLE_NAME!;
    let now = Date.parse('2026-01-01T03:00:00.100Z');
    const callers = Array.from({ length: 3 }, () => ({ db, table, now: () => now }));
    const verdicts = await Promise.all(Array.from({ length: 12 }, (_, i) => admitThisSecond(callers[i % 3]!, 'ENDPOINT#t#whep_1', 5)));
    expect(verdicts.filter(Boolean)).toHaveLength(5);
    now += 1000;
    await expect(admitThisSecond(callers[0]!, 'ENDPOINT#t#whep_1', 5)).resolves.toBe(true);
  });
});
