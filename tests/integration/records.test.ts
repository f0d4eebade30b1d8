import { S3Client } from '@aws-sdk/client-s3';
import { localTenantId } from '../../infra/local/runtime';
import { operatorAudit } from '../../shared/platform/audit';
import { RecordPage } from '../../shared/records/schema';
import { recordStore, type RecordInput, type RecordStore } from '../../shared/records/store';
import { createApiKey, createTenant } from '../../shared/tenancy/service';
import { localDynamoDb } from '../support/dynamodb';
import { goodBodies } from '../support/good-bodies';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

/**
 * GET /v1/connections/{id}/records/{stream} through the local gateway and the function's
 * own container. Records are seeded with the store, as the sync worker will write them.
 */
let runtime: TestRuntime;
let store: RecordStore;
let s3: S3Client;
let rivalKey: string;

beforeAll(async () => {
  runtime = await startTestRuntime();
  s3 = new S3Client({
    endpoint: runtime.env.AWS_ENDPOINT_URL_S3,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  store = recordStore({
    table: { db: localDynamoDb(runtime.dynamodbEndpoint), table: runtime.env.RECORDS_TABLE_NAME! },
    bucket: { s3, name: runtime.env.UPLOADS_BUCKET_NAME! },
  });
  const main = { db: localDynamoDb(runtime.dynamodbEndpoint), table: runtime.env.MAIN_TABLE_NAME! };
  await createTenant(main, 'Rival', 'rival');
  rivalKey = (await createApiKey(main, operatorAudit('rival', 'test', 'api_key.create'), { name: 'rival', scopes: ['read'] })).secret;
});
afterAll(async () => {
  s3.destroy();
  await runtime.stop();
});

async function newConnection(): Promise<string> {
  const response = await runtime.call('/v1/connections', { method: 'POST', json: goodBodies['POST /v1/connections']!() });
  expect(response.status).toBe(201);
  return (await response.json()).id;
}

const customer = (n: number, extra: Record<string, unknown> = {}): RecordInput => ({ key: `cus_${n}`, payload: { id: `cus_${n}`, email: `c${n}@example.com`, ...extra } });
const write = (connection: string, records: RecordInput[], stream = 'customers') => store.writePage(localTenantId, connection, stream, 'run_test', records);

async function page(connection: string, query = '', stream = 'customers'): Promise<RecordPage> {
  const response = await runtime.call(`/v1/connections/${connection}/records/${stream}${query}`);
  expect([response.status, response.headers.get('content-type')]).toEqual([200, 'application/json']);
  // What the route answers is what its contract documents, field for field.
  const body = await response.json();
  expect(RecordPage().parse(body)).toEqual(body);
  return body;
}

describe('listing records', () => {
  it('pages the changes in the order they were made, and a stored cursor gets each later change once', async () => {
    const connection = await newConnection();
    await write(connection, [1, 2, 3, 4, 5].map((n) => customer(n)));

    const first = await page(connection, '?limit=2');
    expect([first.data.map((r) => r.key), first.hasMore]).toEqual([['cus_1', 'cus_2'], true]);
    const rest = await page(connection, `?limit=10&cursor=${first.nextCursor}`);
    expect([rest.data.map((r) => r.key), rest.hasMore]).toEqual([['cus_3', 'cus_4', 'cus_5'], false]);
    expect(rest.data[0]).toEqual({ key: 'cus_3', state: 'added', modifiedAt: expect.any(String), payload: { email: 'c3@example.com', id: 'cus_3' } });

    await write(connection, [customer(2, { name: 'Two' }), customer(6), { key: 'cus_4', deleted: true }]);
    const later = await page(connection, `?cursor=${rest.nextCursor}`);
    expect(later.data.map((r) => [r.key, r.state, r.payload])).toEqual([
      ['cus_2', 'updated', { email: 'c2@example.com', id: 'cus_2', name: 'Two' }],
      ['cus_6', 'added', { email: 'c6@example.com', id: 'cus_6' }],
      ['cus_4', 'deleted', null],
    ]);
    await expect(page(connection, `?cursor=${later.nextCursor}`)).resolves.toEqual({ data: [], nextCursor: later.nextCursor, hasMore: false });
  });

  it('lists only the kinds of change asked for, and those after modifiedAfter', async () => {
    const connection = await newConnection();
    await write(connection, [1, 2, 3].map((n) => customer(n)));
    // What a client that last saw this page would send: each page's time is later than the one before.
    const between = (await page(connection)).data.at(-1)!.modifiedAt;
    await write(connection, [customer(1, { v: 2 }), { key: 'cus_2', deleted: true }, customer(4)]);

    expect((await page(connection, '?filter=updated,deleted')).data.map((r) => `${r.key}:${r.state}`)).toEqual(['cus_1:updated', 'cus_2:deleted']);
    expect((await page(connection, '?filter=added')).data.map((r) => r.key)).toEqual(['cus_3', 'cus_4']);
    const after = await page(connection, `?modifiedAfter=${encodeURIComponent(between)}`);
    expect(after.data.map((r) => r.key)).toEqual(['cus_1', 'cus_2', 'cus_4']);
  });

  it('answers an empty page for a stream never synced, and its cursor lists the stream\'s first records later', async () => {
    const connection = await newConnection();
    const empty = await page(connection, '', 'invoices');
    expect(empty).toEqual({ data: [], nextCursor: expect.any(String), hasMore: false });
    await write(connection, [{ key: 'in_1', payload: { total: 100 } }], 'invoices');
    expect((await page(connection, `?cursor=${empty.nextCursor}`, 'invoices')).data.map((r) => r.key)).toEqual(['in_1']);
  });

  it('reads a payload too large for an item back from the bucket', async () => {
    const connection = await newConnection();
    const large = { id: 'cus_big', notes: 'x'.repeat(400_000) };
    await write(connection, [{ key: 'cus_big', payload: large }]);
    expect((await page(connection)).data).toEqual([{ key: 'cus_big', state: 'added', modifiedAt: expect.any(String), payload: large }]);
  });
});

describe('what the route refuses', () => {
  it('answers 400 naming each bad field', async () => {
    const connection = await newConnection();
    const base = `/v1/connections/${connection}/records/customers`;
    const cases: Array<[string, string]> = [
      [`${base}?limit=0`, 'query.limit'],
      [`${base}?limit=1001`, 'query.limit'],
      [`${base}?limit=ten`, 'query.limit'],
      [`${base}?filter=added,removed`, 'query.filter'],
      [`${base}?filter=`, 'query.filter'],
      [`${base}?modifiedAfter=yesterday`, 'query.modifiedAfter'],
      [`${base}?cursor=garbage`, 'query.cursor'],
      [`${base}?since=2026-01-01T00:00:00Z`, 'query.since'],
      [`/v1/connections/${connection}/records/Customers`, 'path.stream'],
      [`/v1/connections/${connection}/records/${'s'.repeat(65)}`, 'path.stream'],
      ['/v1/connections/not-a-connection/records/customers', 'path.id'],
    ];
    const answers = await Promise.all(
      cases.map(async ([path]) => {
        const response = await runtime.call(path);
        const body = await response.json();
        return [path, response.status, response.headers.get('content-type'), body.errors?.map((e: { field: string }) => e.field)];
      }),
    );
    expect(answers).toEqual(cases.map(([path, field]) => [path, 400, 'application/problem+json', [field]]));
  });

  it('refuses a cursor of another stream of the same connection', async () => {
    const connection = await newConnection();
    await write(connection, [customer(1)]);
    const { nextCursor } = await page(connection);
    const response = await runtime.call(`/v1/connections/${connection}/records/invoices?cursor=${nextCursor}`);
    expect(response.status).toBe(400);
    expect((await response.json()).errors).toEqual([{ field: 'query.cursor', message: 'unknown cursor' }]);
  });

  it("answers 404 for another tenant's connection, and for one that does not exist", async () => {
    const connection = await newConnection();
    await write(connection, [customer(1)]);
    const foreign = await runtime.call(`/v1/connections/${connection}/records/customers`, { key: rivalKey });
    expect([foreign.status, foreign.headers.get('content-type')]).toEqual([404, 'application/problem+json']);
    expect(await foreign.text()).not.toContain('cus_1');
    const missing = await runtime.call('/v1/connections/conn_01JCZ8X7Q4B3N5M6P7R8S9T0V1/records/customers');
    expect(missing.status).toBe(404);
  });
});
