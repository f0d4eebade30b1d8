import { randomBytes } from 'node:crypto';
import { operatorAudit } from '../../shared/platform/audit';
import type { DynamoDb } from '../../shared/platform/dynamodb';
import { createApiKey, createTenant } from '../../shared/tenancy/service';
import { localDynamoDb } from '../support/dynamodb';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

let runtime: TestRuntime;
let db: DynamoDb;
let table: string;

beforeAll(async () => {
  runtime = await startTestRuntime();
  db = localDynamoDb(runtime.dynamodbEndpoint);
  table = runtime.env.MAIN_TABLE_NAME!;
});
afterAll(() => runtime.stop());

interface Event {
  id: string;
  type: string;
  timestamp: string;
  data: { id: string; name: string; version: number; status: string } & Record<string, unknown>;
}

/** A Stripe test key nobody else has: searching for it finds only where we put it. */
const stripeKey = () => `sk_test_${randomBytes(18).toString('hex')}`;

async function createConnection(name = 'Acme payments', secret = stripeKey()) {
  const response = await runtime.call('/v1/connections', { method: 'POST', json: { integration: 'stripe', name, credentials: { apiKey: secret } } });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; version: number };
}

/** Every page of the tenant's log for `query`, newest first. */
async function allEvents(query = '', key?: string): Promise<Event[]> {
  const events: Event[] = [];
  let cursor: string | null = null;
  do {
    const separator = query ? '&' : '';
    const response = await runtime.call(`/v1/events?${query}${separator}limit=100${cursor ? `&cursor=${cursor}` : ''}`, key ? { key } : {});
    expect(response.status).toBe(200);
    const page = (await response.json()) as { data: Event[]; nextCursor: string | null };
    events.push(...page.data);
    cursor = page.nextCursor;
  } while (cursor);
  return events;
}

const eventsOf = async (connectionId: string, query = '') => (await allEvents(query)).filter((event) => event.data.id === connectionId);

describe('connection changes in the event log', () => {
  it('records one event per create, update and delete, with the connection as the API shows it and never its credentials', async () => {
    const firstKey = stripeKey();
    const secondKey = stripeKey();
    const made = await createConnection('Logged', firstKey);
    const patched = await runtime.call(`/v1/connections/${made.id}`, { method: 'PATCH', json: { name: 'Renamed', credentials: { apiKey: secondKey } }, headers: { 'if-match': '"1"' } });
    expect(patched.status).toBe(200);
    expect((await runtime.call(`/v1/connections/${made.id}`, { method: 'DELETE' })).status).toBe(200);

    const events = await eventsOf(made.id);
    expect(events.map((event) => event.type)).toEqual(['connection.deleted', 'connection.updated', 'connection.created']);
    expect(events.map((event) => [event.data.name, event.data.version])).toEqual([
      ['Renamed', 2],
      ['Renamed', 2],
      ['Logged', 1],
    ]);
    expect(events[2]!.data).toEqual({
      id: made.id,
      integration: 'stripe',
      name: 'Logged',
      authType: 'api_key',
      params: {},
      credentialFields: ['apiKey'],
      status: 'active',
      version: 1,
      createdAt: events[2]!.timestamp,
      updatedAt: events[2]!.timestamp,
      lastTest: null,
      oauth: null,
      syncSchedule: null,
    });
    const stored = JSON.stringify((await db.query({ TableName: table, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)', ExpressionAttributeValues: { ':pk': 'TENANT#local', ':prefix': 'EVENT#' } })).Items);
    expect(stored).toContain(made.id);
    expect(stored).not.toContain(firstKey);
    expect(stored).not.toContain(secondKey);
  });

  it('shows one event by its id, as the list shows it', async () => {
    const made = await createConnection();
    const [created] = await eventsOf(made.id);
    const response = await runtime.call(`/v1/events/${created!.id}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(created);
  });

  it('records nothing for a change that fails (a stale If-Match)', async () => {
    const made = await createConnection();
    const stale = await runtime.call(`/v1/connections/${made.id}`, { method: 'PATCH', json: { name: 'Too late' }, headers: { 'if-match': '"7"' } });
    expect(stale.status).toBe(412);
    expect((await eventsOf(made.id)).map((event) => event.type)).toEqual(['connection.created']);
  });

  it('keeps each event for 30 days, through the table\'s TTL attribute', async () => {
    const made = await createConnection();
    const [created] = await eventsOf(made.id);
    const { Item } = await db.get({ TableName: table, Key: { pk: 'TENANT#local', sk: `EVENT#${created!.id}` } });
    const expected = Date.parse(created!.timestamp) / 1000 + 30 * 86_400;
    expect(Item!.expiresAt).toBeGreaterThan(expected - 2);
    expect(Item!.expiresAt).toBeLessThanOrEqual(expected);
  });
});

describe('listing events', () => {
  it('filters by one type, or by a family with a wildcard', async () => {
    const made = await createConnection();
    await runtime.call(`/v1/connections/${made.id}`, { method: 'PATCH', json: { name: 'Again' }, headers: { 'if-match': '"1"' } });

    expect((await eventsOf(made.id, 'type=connection.updated')).map((event) => event.type)).toEqual(['connection.updated']);
    expect((await eventsOf(made.id, 'type=connection.*')).map((event) => event.type)).toEqual(['connection.updated', 'connection.created']);
    expect(await eventsOf(made.id, 'type=connection.deleted')).toEqual([]);
  });

  it('answers only events at or after `since`', async () => {
    const before = await createConnection();
    const [earlier] = await eventsOf(before.id);
    const after = await createConnection();

    const since = await allEvents(`since=${encodeURIComponent(earlier!.timestamp)}`);
    expect(since.map((event) => event.data.id)).toEqual(expect.arrayContaining([before.id, after.id]));
    expect(since.every((event) => event.timestamp >= earlier!.timestamp)).toBe(true);
    const later = new Date(Date.parse(earlier!.timestamp) + 1).toISOString();
    expect((await allEvents(`since=${encodeURIComponent(later)}`)).map((event) => event.id)).not.toContain(earlier!.id);
  });

  it('pages newest first, each event once, with no cursor after the last page', async () => {
    for (let i = 0; i < 3; i++) await createConnection(`Paged ${i}`);
    const everything = await allEvents();
    const pages: Event[][] = [];
    let cursor: string | null = null;
    do {
      const response = await runtime.call(`/v1/events?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      const page = (await response.json()) as { data: Event[]; nextCursor: string | null };
      pages.push(page.data);
      cursor = page.nextCursor;
    } while (cursor);

    expect(pages.flat()).toEqual(everything);
    expect(pages.every((page) => page.length > 0 && page.length <= 2)).toBe(true);
    const times = everything.map((event) => event.id);
    expect(times).toEqual([...times].sort().reverse());
  });

  it.each([
    ['type=conection.created', 'query.type'],
    ['type=*', 'query.type'],
    ['since=yesterday', 'query.since'],
    ['limit=0', 'query.limit'],
  ])('answers 400 naming the field for %s', async (query, field) => {
    const response = await runtime.call(`/v1/events?${query}`);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(JSON.stringify(await response.json())).toContain(field);
  });

  it('answers 400 for a cursor of another list used with `since`', async () => {
    await createConnection();
    const first = (await (await runtime.call('/v1/events?limit=1')).json()) as { nextCursor: string | null };
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const response = await runtime.call(`/v1/events?since=${encodeURIComponent(future)}&cursor=${first.nextCursor}`);
    expect(response.status).toBe(400);
  });

  it('answers 400 for a malformed event id and 404 for an unknown one', async () => {
    expect((await runtime.call('/v1/events/nope')).status).toBe(400);
    expect((await runtime.call(`/v1/events/evt_${'0'.repeat(26)}`)).status).toBe(404);
  });
});

describe("another tenant's key", () => {
  it('finds none of the owner\'s events, by id or in its list', async () => {
    const store = { db, table };
    await createTenant(store, 'Events rival', 'events-rival');
    const rivalKey = (await createApiKey(store, operatorAudit('events-rival', 'test', 'api_key.create'), { name: 'rival', scopes: ['read', 'write'] })).secret;
    const made = await createConnection();
    const [created] = await eventsOf(made.id);

    expect((await runtime.call(`/v1/events/${created!.id}`, { key: rivalKey })).status).toBe(404);
    expect(await allEvents('', rivalKey)).toEqual([]);
  });
});
