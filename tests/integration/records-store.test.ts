import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { startFauxqs, type FauxqsServer } from 'fauxqs';
import { freePort } from '../../infra/local/ports';
import { localNames, provisionTables } from '../../infra/local/provision';
import { resources } from '../../infra/resources';
import type { DynamoDb } from '../../shared/platform/dynamodb';
import { Invalid } from '../../shared/platform/errors';
import { recordStore, type RecordInput, type RecordQuery, type RecordStore, type StoredRecord } from '../../shared/records/store';
import { localDynamoDb } from '../support/dynamodb';

/**
 * The records store on DynamoDB Local, its oversized payloads in fauxqs's S3: what a page
 * costs, what the log lists, and what a crash or a second writer leaves behind.
 */
let fauxqs: FauxqsServer;
let s3: S3Client;
let endpoint: string;
let tableName: string;
const bucketName = 'records-store-test';

beforeAll(async () => {
  endpoint = process.env.TEST_DYNAMODB_ENDPOINT!;
  const prefix = `records-${randomUUID().slice(0, 8)}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await provisionTables(client, resources, prefix);
  client.destroy();
  tableName = localNames(prefix).table('records');
  fauxqs = await startFauxqs({ port: await freePort(), host: '127.0.0.1', logger: false, defaultRegion: 'us-east-1' });
  fauxqs.createBucket(bucketName);
  s3 = new S3Client({
    endpoint: `http://127.0.0.1:${fauxqs.port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});
afterAll(async () => {
  s3.destroy();
  await fauxqs.stop();
});

/**
 * A client that counts the requests it makes, and can fail one or act before one is sent.
 * (The SDK's own retries would not be counted; DynamoDB Local does not throttle.)
 */
function countingDb() {
  const db: DynamoDb = localDynamoDb(endpoint);
  const sent: string[] = [];
  let fail: ((command: string, nth: number) => boolean) | undefined;
  let before: ((command: string) => Promise<void>) | undefined;
  db.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName!.replace(/Command$/, '');
      sent.push(command);
      const nth = sent.filter((c) => c === command).length;
      await before?.(command);
      if (fail?.(command, nth)) throw new Error(`${command} failed (the test made it fail)`);
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return {
    db,
    sent,
    failWhen: (rule: typeof fail) => (fail = rule),
    beforeSending: (hook: typeof before) => (before = hook),
    reset: () => sent.splice(0),
  };
}

let clock = Date.parse('2026-12-07T10:00:00.000Z');
/** A store whose clock moves a second forward at each reading, so changes have distinct times. */
function storeWith(db: DynamoDb): RecordStore {
  return recordStore({ table: { db, table: tableName }, bucket: { s3, name: bucketName }, now: () => new Date((clock += 1000)) });
}

/** A connection of its own for each test: a stream that starts empty. */
const newConnection = () => `conn_${randomUUID().replace(/-/g, '').slice(0, 26).toUpperCase()}`;
const tenant = 't1';
const contact = (n: number, extra: Record<string, unknown> = {}): RecordInput => ({ key: `c${n}`, payload: { id: `c${n}`, name: `Contact ${n}`, ...extra } });
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** Every change from `query`'s start, following cursors until nothing follows. */
async function listAll(store: RecordStore, connection: string, query: Partial<RecordQuery> = {}, stream = 'contacts') {
  const seen: StoredRecord[] = [];
  let cursor = query.cursor;
  for (let pages = 0; pages < 100; pages++) {
    const page = await store.list(tenant, connection, stream, { limit: 100, ...query, cursor });
    seen.push(...page.records);
    cursor = page.nextCursor;
    if (!page.hasMore) return { records: seen, cursor };
  }
  throw new Error('100 pages and still more: the reader is not moving on');
}

describe('writing a page', () => {
  it('writes nothing for a page whose records are unchanged: one read request, no write', async () => {
    const counting = countingDb();
    const store = storeWith(counting.db);
    const connection = newConnection();
    const page = range(0, 60).map((n) => contact(n));
    await expect(store.writePage(tenant, connection, 'contacts', 'run_1', page)).resolves.toEqual({ added: 60, updated: 0, unchanged: 0, deleted: 0 });
    counting.reset();

    await expect(store.writePage(tenant, connection, 'contacts', 'run_2', page)).resolves.toEqual({ added: 0, updated: 0, unchanged: 60, deleted: 0 });
    expect(counting.sent).toEqual(['BatchGetItem']);
    expect((await listAll(store, connection)).records).toHaveLength(60);
  });

  it('lists a record again as updated when its payload changes, and not when only its keys are reordered', async () => {
    const store = storeWith(localDynamoDb(endpoint));
    const connection = newConnection();
    await store.writePage(tenant, connection, 'contacts', 'run_1', [{ key: 'c1', payload: { a: 1, b: { x: 1, y: 2 } } }, contact(2)]);
    const { cursor } = await listAll(store, connection);

    await expect(store.writePage(tenant, connection, 'contacts', 'run_2', [{ key: 'c1', payload: { b: { y: 2, x: 1 }, a: 1 } }])).resolves.toMatchObject({ unchanged: 1 });
    await expect(store.writePage(tenant, connection, 'contacts', 'run_2', [contact(2, { name: 'Renamed' })])).resolves.toMatchObject({ updated: 1 });
    const later = await listAll(store, connection, { cursor });
    expect(later.records).toEqual([{ key: 'c2', state: 'updated', modifiedAt: expect.any(String), payload: { id: 'c2', name: 'Renamed' } }]);
  });

  it('keeps a deletion as a tombstone with key, state and time but no payload, and writes nothing for an unknown key', async () => {
    const counting = countingDb();
    const store = storeWith(counting.db);
    const connection = newConnection();
    await store.writePage(tenant, connection, 'contacts', 'run_1', [contact(1), contact(2)]);
    const { cursor } = await listAll(store, connection);

    await expect(store.writePage(tenant, connection, 'contacts', 'run_2', [{ key: 'c1', deleted: true }])).resolves.toEqual({ added: 0, updated: 0, unchanged: 0, deleted: 1 });
    counting.reset();
    await expect(store.writePage(tenant, connection, 'contacts', 'run_2', [{ key: 'c1', deleted: true }, { key: 'never', deleted: true }])).resolves.toEqual({ added: 0, updated: 0, unchanged: 2, deleted: 0 });
    expect(counting.sent).toEqual(['BatchGetItem']);

    const later = await listAll(store, connection, { cursor });
    expect(later.records).toEqual([{ key: 'c1', state: 'deleted', modifiedAt: expect.any(String), payload: null }]);
    await expect(store.summary(tenant, connection, 'contacts')).resolves.toMatchObject({ changes: 3 });
    // Seen again after its deletion: a new record to the client.
    await expect(store.writePage(tenant, connection, 'contacts', 'run_3', [contact(1)])).resolves.toMatchObject({ added: 1 });
    expect((await listAll(store, connection, { cursor: later.cursor })).records.map((r) => [r.key, r.state])).toEqual([['c1', 'added']]);
  });

  it('keeps a payload too large for an item in S3, reads it back, and deletes the object once the record is deleted', async () => {
    const store = storeWith(localDynamoDb(endpoint));
    const connection = newConnection();
    const large = { id: 'big', notes: 'n'.repeat(500_000), emoji: '💩' };
    await expect(store.writePage(tenant, connection, 'contacts', 'run_1', [{ key: 'big', payload: large }, contact(1)])).resolves.toMatchObject({ added: 2 });
    const objects = async () => (await s3.send(new ListObjectsV2Command({ Bucket: bucketName, Prefix: `records/${tenant}/${connection}/` }))).Contents ?? [];
    const [object] = await objects();
    expect(object?.Key).toMatch(new RegExp(`^records/${tenant}/${connection}/contacts/[0-9a-f]{64}/[0-9a-f]{64}\\.json$`));

    const { records, cursor } = await listAll(store, connection);
    expect(records.find((r) => r.key === 'big')?.payload).toEqual(large);

    // A new large version replaces the object; a deletion removes it.
    const larger = { ...large, notes: 'm'.repeat(600_000) };
    await store.writePage(tenant, connection, 'contacts', 'run_2', [{ key: 'big', payload: larger }]);
    const replaced = await objects();
    expect(replaced).toHaveLength(1);
    expect(replaced[0]!.Key).not.toBe(object!.Key);
    expect(JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: bucketName, Key: replaced[0]!.Key }))).Body!.transformToString())).toEqual(larger);
    await store.writePage(tenant, connection, 'contacts', 'run_3', [{ key: 'big', deleted: true }]);
    expect(await objects()).toEqual([]);
    expect((await listAll(store, connection, { cursor })).records.map((r) => [r.key, r.state, r.payload])).toEqual([['big', 'deleted', null]]);
  });

  it('leaves out a large record replaced while a reader fetched its payload, and lists the new version after', async () => {
    const writer = storeWith(localDynamoDb(endpoint));
    const connection = newConnection();
    await writer.writePage(tenant, connection, 'contacts', 'run_1', [{ key: 'big', payload: { v: 1, notes: 'n'.repeat(400_000) } }, contact(1)]);
    // The reader's S3 client lets the writer replace the record (and delete its object) just before the GET.
    const readerS3 = new S3Client({ endpoint: `http://127.0.0.1:${fauxqs.port}`, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    let replaced = false;
    readerS3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'GetObjectCommand' && !replaced) {
          replaced = true;
          await writer.writePage(tenant, connection, 'contacts', 'run_2', [{ key: 'big', payload: { v: 2, notes: 'm'.repeat(400_000) } }]);
        }
        return next(args);
      },
      { step: 'initialize' },
    );
    const reader = recordStore({ table: { db: localDynamoDb(endpoint), table: tableName }, bucket: { s3: readerS3, name: bucketName } });

    const first = await reader.list(tenant, connection, 'contacts', { limit: 10 });
    expect(replaced).toBe(true);
    expect(first.records.map((r) => r.key)).toEqual(['c1']);
    const next = await reader.list(tenant, connection, 'contacts', { limit: 10, cursor: first.nextCursor });
    expect(next.records.map((r) => [r.key, (r.payload as { v: number }).v])).toEqual([['big', 2]]);
    readerS3.destroy();
  });

  it('logs a page whose keys pass what one transaction holds in groups, and lists each of its changes once', async () => {
    const counting = countingDb();
    const store = storeWith(counting.db);
    const connection = newConnection();
    // 1,500 keys of 1,000 bytes: 1.5 MB of log, past the 1.2 MB one transaction logs.
    const keyOf = (n: number) => `${String(n).padStart(4, '0')}${'k'.repeat(996)}`;
    await store.writePage(tenant, connection, 'contacts', 'run_1', range(0, 1500).map((n) => ({ key: keyOf(n), payload: { n } })), { fresh: true });
    expect(counting.sent.filter((c) => c === 'TransactWriteItems')).toHaveLength(2);
    const { records } = await listAll(store, connection, { limit: 1000 });
    expect(records.map((r) => (r.payload as { n: number }).n)).toEqual(range(0, 1500));
  });

  it('writes the last of a key\'s duplicates in a page, and counts it once', async () => {
    const store = storeWith(localDynamoDb(endpoint));
    const connection = newConnection();
    const counts = await store.writePage(tenant, connection, 'contacts', 'run_1', [contact(1, { v: 1 }), contact(2), contact(1, { v: 2 })]);
    expect(counts).toEqual({ added: 2, updated: 0, unchanged: 0, deleted: 0 });
    const { records } = await listAll(store, connection);
    expect(records.map((r) => [r.key, r.payload])).toEqual([
      ['c1', { id: 'c1', name: 'Contact 1', v: 2 }],
      ['c2', { id: 'c2', name: 'Contact 2' }],
    ]);
    const fresh = storeWith(localDynamoDb(endpoint));
    await expect(fresh.writePage(tenant, newConnection(), 'contacts', 'run_1', [contact(1), contact(1)], { fresh: true })).resolves.toMatchObject({ added: 1 });
  });

  it('lists each change once when a page is written again after a crash between its log and its records', async () => {
    const counting = countingDb();
    const store = storeWith(counting.db);
    const connection = newConnection();
    await store.writePage(tenant, connection, 'contacts', 'run_1', range(0, 100).map((n) => contact(n)));
    const { cursor } = await listAll(store, connection);
    const page = range(0, 100).map((n) => contact(n, { v: 2 }));

    // The transaction (log and records 0–24) commits; of the three batches after it, the second (50–74) fails.
    counting.reset();
    counting.failWhen((command, nth) => command === 'BatchWriteItem' && nth === 2);
    await expect(store.writePage(tenant, connection, 'contacts', 'run_2', page)).rejects.toThrow('the test made it fail');
    counting.failWhen(undefined);
    // A reader stops before the records that did not land: their page may still be writing them.
    const meanwhile = await store.list(tenant, connection, 'contacts', { limit: 1000, cursor });
    expect(meanwhile.records.map((r) => r.key)).toEqual(range(0, 50).map((n) => `c${n}`));
    expect(meanwhile.hasMore).toBe(true);

    await expect(store.writePage(tenant, connection, 'contacts', 'run_2', page)).resolves.toEqual({ added: 0, updated: 25, unchanged: 75, deleted: 0 });
    const { records } = await listAll(store, connection, { cursor: meanwhile.nextCursor });
    const keys = [...meanwhile.records, ...records].map((r) => r.key);
    expect(keys.sort()).toEqual(range(0, 100).map((n) => `c${n}`).sort());
    expect(records.every((r) => r.state === 'updated' && (r.payload as { v: number }).v === 2)).toBe(true);
  });

  it('passes the records a page never wrote once a later page is logged, or after 15 minutes', async () => {
    const counting = countingDb();
    const store = storeWith(counting.db);
    const connection = newConnection();
    await store.writePage(tenant, connection, 'contacts', 'run_1', range(0, 50).map((n) => contact(n)));
    const { cursor } = await listAll(store, connection);
    counting.reset();
    counting.failWhen((command) => command === 'BatchWriteItem');
    await expect(store.writePage(tenant, connection, 'contacts', 'run_2', range(0, 50).map((n) => contact(n, { v: 2 })))).rejects.toThrow();
    counting.failWhen(undefined);
    await expect(store.list(tenant, connection, 'contacts', { limit: 100, cursor })).resolves.toMatchObject({ hasMore: true });

    // 16 minutes on, the page is over: its records 25–49 keep their first version, already listed.
    clock += 16 * 60_000;
    const late = await listAll(store, connection, { cursor });
    expect(late.records.map((r) => r.key)).toEqual(range(0, 25).map((n) => `c${n}`));
    // Without waiting: a later page ends it too.
    counting.failWhen((command) => command === 'BatchWriteItem');
    await expect(store.writePage(tenant, connection, 'contacts', 'run_3', range(0, 50).map((n) => contact(n, { v: 3 })))).rejects.toThrow();
    counting.failWhen(undefined);
    await store.writePage(tenant, connection, 'contacts', 'run_4', [contact(99)]);
    expect((await listAll(store, connection, { cursor: late.cursor })).records.map((r) => r.key)).toEqual([...range(0, 25).map((n) => `c${n}`), 'c99']);
  });

  it('lets a reader list the records of a page being written only once they have landed', async () => {
    const counting = countingDb();
    const store = storeWith(counting.db);
    const reader = storeWith(localDynamoDb(endpoint));
    const connection = newConnection();
    await store.writePage(tenant, connection, 'contacts', 'run_1', [contact(1000)]);
    const { cursor } = await listAll(reader, connection);
    let during: Awaited<ReturnType<RecordStore['list']>> | undefined;
    let held = false;
    // The first batch after the transaction (records 25–49) waits for the reader; the others go on.
    counting.beforeSending(async (command) => {
      if (command !== 'BatchWriteItem' || held) return;
      held = true;
      during = await reader.list(tenant, connection, 'contacts', { limit: 1000, cursor });
    });
    await store.writePage(tenant, connection, 'contacts', 'run_2', range(0, 100).map((n) => contact(n)));
    counting.beforeSending(undefined);

    expect(during!.records.map((r) => r.key)).toEqual(range(0, 25).map((n) => `c${n}`));
    expect(during!.hasMore).toBe(true);
    const after = await listAll(reader, connection, { cursor: during!.nextCursor });
    expect(after.records.map((r) => r.key)).toEqual(range(25, 100).map((n) => `c${n}`));
  });

  it('refuses a page when another writer logged changes between its read of the stream and its write', async () => {
    const other = storeWith(localDynamoDb(endpoint));
    const connection = newConnection();
    await other.writePage(tenant, connection, 'contacts', 'run_1', [contact(1)]);
    // A store that has not written this stream reads its counter with the page's records.
    const counting = countingDb();
    const store = storeWith(counting.db);
    counting.beforeSending(async (command) => {
      if (command !== 'TransactWriteItems') return;
      counting.beforeSending(undefined);
      await other.writePage(tenant, connection, 'contacts', 'run_other', [contact(2)]);
    });
    await expect(store.writePage(tenant, connection, 'contacts', 'run_2', [contact(3)])).rejects.toThrow('only one run may write a stream at a time');
    expect((await listAll(store, connection)).records.map((r) => r.key)).toEqual(['c1', 'c2']);
  });

  it('writes after another container\'s pages by reading the counter again when the one it remembers is stale', async () => {
    const first = storeWith(localDynamoDb(endpoint));
    const second = storeWith(localDynamoDb(endpoint));
    const connection = newConnection();
    await first.writePage(tenant, connection, 'contacts', 'run_1', [contact(1)], { fresh: true });
    await second.writePage(tenant, connection, 'contacts', 'run_1', [contact(2)], { fresh: true });
    await first.writePage(tenant, connection, 'contacts', 'run_1', [contact(3)], { fresh: true });
    expect((await listAll(first, connection)).records.map((r) => r.key)).toEqual(['c1', 'c2', 'c3']);
    await expect(first.summary(tenant, connection, 'contacts')).resolves.toMatchObject({ changes: 3 });
  });

  it('writes 1,000 new records in pages of 100 in 41 requests when fresh (at most 44), and in 51 when it reads first', async () => {
    const counting = countingDb();
    for (const fresh of [true, false]) {
      const store = storeWith(counting.db);
      const connection = newConnection();
      counting.reset();
      for (let page = 0; page < 10; page++) {
        await store.writePage(tenant, connection, 'contacts', 'run_1', range(page * 100, page * 100 + 100).map((n) => contact(n)), { fresh });
      }
      // A page: one transaction (log, counter, 25 records) and three batches of 25; the counter is
      // read once (with the first page's records when reading first); reading 100 keys is one more request.
      const count = (command: string) => counting.sent.filter((c) => c === command).length;
      expect([fresh, counting.sent.length]).toEqual([fresh, fresh ? 41 : 51]);
      expect([count('TransactWriteItems'), count('BatchWriteItem')]).toEqual([10, 30]);
      expect((await listAll(store, connection)).records).toHaveLength(1000);
    }
  });
});

describe('listing changes', () => {
  it('pages in modification order and never repeats or misses a change while records change between reads', async () => {
    const store = storeWith(localDynamoDb(endpoint));
    const connection = newConnection();
    // Version v of record n: { id, name, v }. Every write is remembered, in order.
    const written: Array<[string, number]> = [];
    const write = async (numbers: number[], v: number) => {
      await store.writePage(tenant, connection, 'contacts', `run_${v}`, numbers.map((n) => contact(n, { v })));
      written.push(...numbers.map((n): [string, number] => [`c${n}`, v]));
    };
    await write(range(0, 40), 1);

    const seen: Array<[string, number]> = [];
    let cursor: string | undefined;
    for (let round = 0; ; round++) {
      const page = await store.list(tenant, connection, 'contacts', { limit: 7, cursor });
      seen.push(...page.records.map((r): [string, number] => [r.key, (r.payload as { v: number }).v]));
      cursor = page.nextCursor;
      // Between reads: records already read, not yet read, and new ones change.
      if (round < 5) await write([round * 3, 39 - round, 100 + round], round + 2);
      if (!page.hasMore && round >= 5) break;
    }

    // No (record, version) twice, and each record's last version among those read.
    expect(new Set(seen.map(([key, v]) => `${key}@${v}`)).size).toBe(seen.length);
    const last = new Map(written);
    expect(new Map(seen)).toEqual(last);
    // In the order of the changes: a record read again is read at a later version.
    const order = new Map<string, number>();
    for (const [key, v] of seen) {
      expect(v).toBeGreaterThan(order.get(key) ?? 0);
      order.set(key, v);
    }
    // A reader that starts now reads each record once, at its last version.
    const fromStart = (await listAll(store, connection)).records;
    expect(fromStart.map((r) => r.key).sort()).toEqual([...last.keys()].sort());
    const times = fromStart.map((r) => r.modifiedAt);
    expect([...times].sort()).toEqual(times);
  });

  it('keeps commit order when a writer\'s clock runs behind the last change, so a stored cursor still finds its change', async () => {
    const store = storeWith(localDynamoDb(endpoint));
    const behind = recordStore({ table: { db: localDynamoDb(endpoint), table: tableName }, bucket: { s3, name: bucketName }, now: () => new Date(clock - 3_600_000) });
    const connection = newConnection();
    await store.writePage(tenant, connection, 'contacts', 'run_1', [contact(1)]);
    const { records: first, cursor } = await listAll(store, connection);
    await behind.writePage(tenant, connection, 'contacts', 'run_2', [contact(2)]);

    const { records: later } = await listAll(store, connection, { cursor });
    expect(later.map((r) => r.key)).toEqual(['c2']);
    expect(later[0]!.modifiedAt >= first[0]!.modifiedAt).toBe(true);
  });

  it('answers an empty page and a cursor for a stream never written, and that cursor lists its first records later', async () => {
    const store = storeWith(localDynamoDb(endpoint));
    const connection = newConnection();
    const empty = await store.list(tenant, connection, 'deals', { limit: 10 });
    expect(empty).toEqual({ records: [], nextCursor: expect.any(String), hasMore: false });
    await store.writePage(tenant, connection, 'deals', 'run_1', [{ key: 'd1', payload: { amount: 5 } }]);
    const later = await store.list(tenant, connection, 'deals', { limit: 10, cursor: empty.nextCursor });
    expect(later.records.map((r) => r.key)).toEqual(['d1']);
    // Caught up: the same cursor comes back with nothing new.
    await expect(store.list(tenant, connection, 'deals', { limit: 10, cursor: later.nextCursor })).resolves.toEqual({ records: [], nextCursor: later.nextCursor, hasMore: false });
  });

  it('starts after a time with modifiedAfter, and continues from the cursor it answers', async () => {
    const store = storeWith(localDynamoDb(endpoint));
    const connection = newConnection();
    await store.writePage(tenant, connection, 'contacts', 'run_1', [contact(1), contact(2)]);
    const between = new Date(clock + 500).toISOString();
    await store.writePage(tenant, connection, 'contacts', 'run_2', [contact(3), contact(1, { v: 2 })]);

    const after = await store.list(tenant, connection, 'contacts', { limit: 1, modifiedAfter: between });
    expect(after.records.map((r) => r.key)).toEqual(['c3']);
    expect(after.hasMore).toBe(true);
    const rest = await store.list(tenant, connection, 'contacts', { limit: 10, cursor: after.nextCursor, modifiedAfter: between });
    expect(rest.records.map((r) => r.key)).toEqual(['c1']);
    await expect(store.list(tenant, connection, 'contacts', { limit: 10, modifiedAfter: new Date(clock + 60_000).toISOString() })).resolves.toMatchObject({ records: [], hasMore: false });
  });

  it('gives each page a later time than the one before, even within a millisecond, so modifiedAfter the last time seen misses nothing', async () => {
    const frozen = recordStore({ table: { db: localDynamoDb(endpoint), table: tableName }, bucket: { s3, name: bucketName }, now: () => new Date(clock) });
    const connection = newConnection();
    await frozen.writePage(tenant, connection, 'contacts', 'run_1', [contact(1)]);
    const [seen] = (await listAll(frozen, connection)).records;
    await frozen.writePage(tenant, connection, 'contacts', 'run_1', [contact(2)]);
    const after = await listAll(frozen, connection, { modifiedAfter: seen!.modifiedAt });
    expect(after.records.map((r) => r.key)).toEqual(['c2']);
    expect(after.records[0]!.modifiedAt > seen!.modifiedAt).toBe(true);
  });

  it('lists only the kinds of change the filter asks for, and moves its cursor past the others', async () => {
    const store = storeWith(localDynamoDb(endpoint));
    const connection = newConnection();
    await store.writePage(tenant, connection, 'contacts', 'run_1', range(0, 6).map((n) => contact(n)));
    await store.writePage(tenant, connection, 'contacts', 'run_2', [contact(0, { v: 2 }), contact(1, { v: 2 }), { key: 'c2', deleted: true }, contact(9)]);

    const states = async (filter: RecordQuery['filter']) => (await listAll(store, connection, { filter })).records.map((r) => `${r.key}:${r.state}`);
    expect(await states(['deleted'])).toEqual(['c2:deleted']);
    expect(await states(['added'])).toEqual(['c3:added', 'c4:added', 'c5:added', 'c9:added']);
    expect(await states(['updated', 'deleted'])).toEqual(['c0:updated', 'c1:updated', 'c2:deleted']);
    const { cursor } = await listAll(store, connection, { filter: ['deleted'] });
    await store.writePage(tenant, connection, 'contacts', 'run_3', [contact(7)]);
    expect((await listAll(store, connection, { cursor })).records.map((r) => r.key)).toEqual(['c7']);
  });

  it('refuses a cursor from another stream or one it never answered', async () => {
    const store = storeWith(localDynamoDb(endpoint));
    const connection = newConnection();
    await store.writePage(tenant, connection, 'contacts', 'run_1', [contact(1)]);
    const { cursor } = await listAll(store, connection);
    await expect(store.list(tenant, connection, 'deals', { limit: 10, cursor })).rejects.toBeInstanceOf(Invalid);
    await expect(store.list('t2', connection, 'contacts', { limit: 10, cursor })).rejects.toBeInstanceOf(Invalid);
    const forged = Buffer.from(JSON.stringify({ pk: `${tenant}#${connection}#contacts`, sk: 'L#garbage' })).toString('base64url');
    await expect(store.list(tenant, connection, 'contacts', { limit: 10, cursor: forged })).rejects.toBeInstanceOf(Invalid);
  });
});

describe('a full refresh', () => {
  it('tombstones the records no page of the run saw, and forgets the run\'s pages', async () => {
    const counting = countingDb();
    const store = storeWith(counting.db);
    const connection = newConnection();
    await store.writePage(tenant, connection, 'contacts', 'run_1', range(0, 10).map((n) => contact(n)));
    const { cursor } = await listAll(store, connection);

    // The refresh sees 0–3 unchanged, 4 changed, 20 new, and no longer 5–9.
    counting.reset();
    await store.writePage(tenant, connection, 'contacts', 'run_full', range(0, 4).map((n) => contact(n)), { seenBy: 'run_full' });
    expect(counting.sent.sort()).toEqual(['BatchGetItem', 'PutItem']);
    await store.writePage(tenant, connection, 'contacts', 'run_full', [contact(4, { v: 2 }), contact(20)], { seenBy: 'run_full' });
    await store.writePage(tenant, connection, 'contacts', 'run_full', [], { seenBy: 'run_full' });
    await expect(store.tombstoneUnseen(tenant, connection, 'contacts', 'run_full')).resolves.toEqual({ deleted: 5 });

    const changes = (await listAll(store, connection, { cursor })).records.map((r) => `${r.key}:${r.state}`);
    expect(changes).toEqual(['c4:updated', 'c20:added', 'c5:deleted', 'c6:deleted', 'c7:deleted', 'c8:deleted', 'c9:deleted']);
    const live = (await listAll(store, connection)).records.filter((r) => r.state !== 'deleted').map((r) => r.key);
    expect(live.sort()).toEqual(['c0', 'c1', 'c2', 'c20', 'c3', 'c4']);
    // Its pages are forgotten: a second call has nothing to compare with.
    await expect(store.tombstoneUnseen(tenant, connection, 'contacts', 'run_full')).rejects.toThrow('remembered no page');
  });

  it('tombstones every record when the refresh saw only empty pages, and refuses a run that remembered none', async () => {
    const store = storeWith(localDynamoDb(endpoint));
    const connection = newConnection();
    await store.writePage(tenant, connection, 'contacts', 'run_1', [contact(1), contact(2)]);
    await expect(store.tombstoneUnseen(tenant, connection, 'contacts', 'run_never')).rejects.toThrow('remembered no page');
    await store.writePage(tenant, connection, 'contacts', 'run_empty', [], { seenBy: 'run_empty' });
    await expect(store.tombstoneUnseen(tenant, connection, 'contacts', 'run_empty')).resolves.toEqual({ deleted: 2 });
    expect((await listAll(store, connection)).records.map((r) => `${r.key}:${r.state}`)).toEqual(['c1:deleted', 'c2:deleted']);
  });
});
