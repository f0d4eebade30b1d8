import { DeleteObjectsCommand, GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { failedConditions, getMany, type ItemKey, type TableStore, type TransactItem } from '../platform/items';
import { decodeCursor, encodeCursor } from '../platform/pagination';
import { Invalid } from '../platform/errors';
import { streamPattern, type RecordState } from './schema';

/**
 * Synced records, in the records table; this store is their only writer. One partition
 * per (tenant, connection, stream), away from the tenant's main partition:
 *
 *   pk <tenant>#<connection>#<stream>  sk S                          the stream: last seq, first seq of the last page, its time
 *   pk …                               sk R#<record key>             the record: hash, payload (or s3Key), state, seq
 *   pk …                               sk L#<at>#<seqStart>          a change-log item: keys[i] changed at seq seqStart+i
 *   pk …                               sk V#<run>#<digest>#<part>    the keys a full-refresh run saw on one page
 *
 * The log is the modification order. A page with changes is written in two steps:
 *
 *   1. one transaction: the counter (conditional on the seq read: one writer at a time),
 *      the page's log item(s), and its first records (up to 25);
 *   2. the other records, 25 to a BatchWriteItem, the requests in parallel.
 *
 * The log is durable before any record it lists that is not in its transaction, so a
 * crash between the steps leaves records whose seq is older than their log entry: the
 * retried page finds them changed and logs them again, never "unchanged" and unlisted.
 * A reader that meets such an entry does not pass it while its page may still be writing
 * (it is the last page logged, younger than Lambda's 15 minutes); once a later page is
 * logged, or 15 minutes have gone by, it reads the record again and skips it if it never
 * came. `at` only moves forward (at least a millisecond past the counter's), so the log's
 * sort key order is seq order, and `modifiedAfter` is one Query.
 *
 * A reader queries the log from its cursor (consistent) and reads each entry's record: a
 * record whose seq is past the entry's changed again later and is listed at that later
 * entry. So a reader that stores its cursor sees every later change once. Requests for
 * 100 new records: one transaction and three BatchWriteItem (see docs/records.md).
 */
export type { RecordState };

/** A record as a provider page gives it, or its deletion. */
export type RecordInput = { key: string; payload: unknown } | { key: string; deleted: true };

export interface WriteCounts {
  added: number;
  updated: number;
  /** Same payload as stored, or a deletion of a record never stored or already deleted: nothing written. */
  unchanged: number;
  deleted: number;
}

export interface WriteOptions {
  /** The caller knows the stream holds none of these keys (its first sync): no read, only writes. */
  fresh?: boolean;
  /** A full refresh: remember every key of this page (changed or not) for `tombstoneUnseen` of this run. */
  seenBy?: string;
}

export interface StoredRecord {
  key: string;
  state: RecordState;
  modifiedAt: string;
  /** The record as the provider sent it; null for a deletion. */
  payload: unknown;
}

export interface RecordQuery {
  limit: number;
  cursor?: string;
  /** Where to start when there is no cursor: changes after this time (ISO 8601). */
  modifiedAfter?: string;
  filter?: RecordState[];
}

export interface RecordPage {
  records: StoredRecord[];
  /** The position after this page: always given, so a caller that stores it resumes there later. */
  nextCursor: string;
  /** More changes follow now; false once the caller has caught up. */
  hasMore: boolean;
}

export interface StreamSummary {
  /** Changes ever logged (the last seq): 0 for a stream never written, whose first pages may be `fresh`. */
  changes: number;
  lastModifiedAt: string | null;
}

export interface RecordStore {
  /** Writes one provider page: only what changed costs a write, and each change enters the log once. */
  writePage(tenantId: string, connectionId: string, stream: string, runId: string, records: RecordInput[], options?: WriteOptions): Promise<WriteCounts>;
  /** Changes in modification order, from a cursor, a time, or the beginning. */
  list(tenantId: string, connectionId: string, stream: string, query: RecordQuery): Promise<RecordPage>;
  /**
   * After a full refresh whose pages were written with `seenBy: runId`: deletes (as
   * tombstones) every live record no page of the run held, then forgets the run's pages.
   */
  tombstoneUnseen(tenantId: string, connectionId: string, stream: string, runId: string): Promise<{ deleted: number }>;
  summary(tenantId: string, connectionId: string, stream: string): Promise<StreamSummary>;
}

export interface RecordStoreDeps {
  table: TableStore;
  /** The uploads bucket, where payloads too large for an item go (under `records/`). */
  bucket: { s3: S3Client; name: string };
  now?: () => Date;
}

/** DynamoDB's item limit is 400 KB; a record whose item would pass this keeps its payload in S3. */
const maxInlineItemBytes = 350_000;
/**
 * Records written in the log's transaction: as many as one BatchWriteItem takes, so the
 * transaction replaces a request rather than adding one (a transaction's write costs two
 * units, and DynamoDB Local writes them slower than a batch's).
 */
const recordsInTransaction = 25;
/** A transaction's items may total 4 MB; the records in it stay well below (`itemBytes` estimates). */
const transactionRecordBytes = 2_000_000;
/** A log item's keys: a page's keys may need several (an item holds 400 KB). */
const logItemBytes = 300_000;
/** The keys logged in one transaction, at most (with 25 records of at most 2 MB, under its 4 MB). */
const groupKeyBytes = 1_200_000;
/** BatchWriteItem requests of one page in flight at once. */
const batchWrites = 16;
/**
 * A page whose records have not all landed after this long is over: its writer was a
 * Lambda function (15 minutes at most) that died or gave up. Readers pass its entries then.
 */
const writeDeadlineMs = 15 * 60_000;
/** A sort key holds at most 1,024 bytes, `R#` included. */
const maxKeyBytes = 1_000;
/** What one answer carries at most: Lambda answers at most 6 MB. */
const pageBytes = 5_000_000;
/** Log entries one list call examines at most, however few of them match its filter. */
const maxExamined = 5_000;
/** A full refresh that never finishes leaves its seen-keys items behind this long. */
const seenRetentionSeconds = 30 * 86_400;
const seenItemBytes = 300_000;
const seqDigits = 12;

const partitionOf = (tenantId: string, connectionId: string, stream: string) => {
  if (!streamPattern.test(stream)) throw new Error(`not a stream name: ${JSON.stringify(stream)}`);
  if (!tenantId || tenantId.includes('#') || !connectionId || connectionId.includes('#')) throw new Error('tenant and connection ids carry no #');
  return `${tenantId}#${connectionId}#${stream}`;
};
const pad = (seq: number) => String(seq).padStart(seqDigits, '0');
const counterSk = 'S';
const recordSk = (key: string) => `R#${key}`;
const logSk = (at: string, seqStart: number) => `L#${at}#${pad(seqStart)}`;
const seenPrefix = (runId: string) => `V#${runId}#`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A payload's JSON with every object's keys sorted, so the same record always hashes the same. */
function canonicalJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((name) => [name, (v as Record<string, unknown>)[name]]))
      : v,
  );
  if (text === undefined) throw new Error('a record payload must be JSON');
  return text;
}

interface RecordItem {
  key: string;
  state: RecordState;
  seq: number;
  /** SHA-256 of the canonical payload; absent on a deletion. */
  hash?: string;
  payload?: string;
  s3Key?: string;
  /** The payload's size in bytes, 0 for a deletion. */
  bytes: number;
  firstSeenAt: string;
  modifiedAt: string;
  runId: string;
}

interface CounterItem {
  seq: number;
  at: string;
  /** The first seq of the last page logged: the only page whose records may still be on their way. */
  pageStart: number;
}

interface LogItem {
  sk: string;
  seqStart: number;
  keys: string[];
  at: string;
  runId: string;
}

type Existing = Pick<RecordItem, 'state' | 'hash' | 's3Key' | 'firstSeenAt'>;

/** One record to write: its new state and what it replaces. */
interface Change {
  key: string;
  state: RecordState;
  hash?: string;
  payload?: string;
  bytes: number;
  s3Key?: string;
  previous?: Existing;
}

/** A change as the log lists it. */
interface Entry {
  key: string;
  seq: number;
  /** The sort key of its log item. */
  from: string;
  at: string;
}

/** Where a reader is: the log's sort key to query from, and the last seq it has examined. */
interface Position {
  from: string;
  after: number;
}

const iso = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;
const positionPattern = new RegExp(`^(L#(?:${iso}#(?:~|\\d{${seqDigits}}))?)(?:#(\\d{${seqDigits}}))?$`);

/** Rough DynamoDB size of an item: names plus values (numbers as their digits). */
function itemBytes(item: object): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    bytes += Buffer.byteLength(name);
    if (typeof value === 'string') bytes += Buffer.byteLength(value);
    else if (typeof value === 'number') bytes += 21;
    else if (Array.isArray(value)) bytes += value.reduce((sum: number, v) => sum + Buffer.byteLength(String(v)) + 3, 3);
    else bytes += 1;
  }
  return bytes;
}

/**
 * Runs `run` on each item, `concurrency` at a time. After a failure it starts no more, and
 * it throws only once those running have ended: a write of this page must never land
 * after the call has returned (and the page been retried, or the next one written).
 */
async function eachLimited<T>(items: T[], concurrency: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length && errors.length === 0) {
        try {
          await run(items[next++]!);
        } catch (error) {
          errors.push(error);
        }
      }
    }),
  );
  if (errors.length > 0) throw errors[0];
}

export function recordStore(deps: RecordStoreDeps): RecordStore {
  const { table, bucket } = deps;
  const { db } = table;
  const now = () => (deps.now?.() ?? new Date()).toISOString();
  const objectKey = (tenantId: string, connectionId: string, stream: string, change: Change) =>
    `records/${tenantId}/${connectionId}/${stream}/${sha256(change.key)}/${change.hash}.json`;

  /**
   * Each stream's counter as this container's last commit left it. The single writer of a
   * stream writes page after page, here mostly: a fresh page then needs no read at all.
   * A stale one fails the transaction's condition, and is read again.
   */
  const written = new Map<string, CounterItem>();
  const remember = (partition: string, counter: CounterItem) => {
    written.delete(partition);
    written.set(partition, counter);
    if (written.size > 1000) written.delete(written.keys().next().value!);
  };

  async function readCounter(partition: string): Promise<CounterItem | undefined> {
    const { Item } = await db.get({ TableName: table.table, Key: { pk: partition, sk: counterSk }, ConsistentRead: true });
    return Item as CounterItem | undefined;
  }

  /**
   * The page's records (hash and state, not payloads), and the counter in the same
   * BatchGetItem requests unless this container knows it already.
   */
  async function readExisting(partition: string, keys: string[], counterKnown: boolean) {
    const counterKeys = counterKnown ? [] : [{ pk: partition, sk: counterSk }];
    const items = await getMany<Existing & Partial<CounterItem>>(
      table,
      [...counterKeys, ...keys.map((key) => ({ pk: partition, sk: recordSk(key) }))],
      { consistent: true, projection: ['state', 'hash', 's3Key', 'firstSeenAt', 'seq', 'at', 'pageStart'] },
    );
    const records = items.slice(counterKeys.length);
    return {
      counter: counterKnown ? undefined : (items[0] as CounterItem | undefined),
      existing: new Map(keys.flatMap((key, i) => (records[i] ? [[key, records[i]] as const] : []))),
    };
  }

  /**
   * Logs the changes and writes their records, in groups whose log fits one transaction
   * with room to spare (a group is a page to readers: written whole before the next starts).
   */
  async function commit(tenantId: string, connectionId: string, stream: string, runId: string, changes: Change[], counter: CounterItem | undefined, cached = false) {
    let known = counter;
    for (let start = 0; start < changes.length; ) {
      let end = start;
      for (let bytes = 0; end < changes.length && bytes < groupKeyBytes; end++) bytes += Buffer.byteLength(changes[end]!.key) + 3;
      known = await commitGroup(tenantId, connectionId, stream, runId, changes.slice(start, end), known, cached && start === 0);
      start = end;
    }
  }

  /**
   * Logs one group of changes and writes their records (see the top of this file). Oversized
   * payloads go to S3 first; objects the changes replace are deleted once nothing points at them.
   */
  async function commitGroup(
    tenantId: string,
    connectionId: string,
    stream: string,
    runId: string,
    changes: Change[],
    counter: CounterItem | undefined,
    cached: boolean,
  ): Promise<CounterItem> {
    const partition = partitionOf(tenantId, connectionId, stream);
    // A millisecond after the last page at least, whatever this clock says: the log's sort key
    // order stays seq order, and `modifiedAfter` of the last time a client saw misses nothing.
    const at = new Date(Math.max(Date.parse(now()), counter ? Date.parse(counter.at) + 1 : 0)).toISOString();
    const pageStart = (counter?.seq ?? 0) + 1;
    const items: RecordItem[] = changes.map((change, i) => recordItem(change, pageStart + i, at, runId));
    const oversized = items.flatMap((item, i) => (itemBytes({ pk: partition, sk: recordSk(item.key), ...item }) > maxInlineItemBytes ? [i] : []));
    await eachLimited(oversized, 8, async (i) => {
      const s3Key = objectKey(tenantId, connectionId, stream, changes[i]!);
      await bucket.s3.send(new PutObjectCommand({ Bucket: bucket.name, Key: s3Key, Body: items[i]!.payload, ContentType: 'application/json' }));
      const { payload: _inS3, ...rest } = items[i]!;
      items[i] = { ...rest, s3Key };
      changes[i]!.s3Key = s3Key;
    });

    let inTransaction = 0;
    for (let bytes = 0; inTransaction < Math.min(items.length, recordsInTransaction); inTransaction++) {
      bytes += itemBytes(items[inTransaction]!);
      if (bytes > transactionRecordBytes) break;
    }
    const seq = pageStart + items.length - 1;
    const transaction: TransactItem[] = [
      {
        Update: {
          TableName: table.table,
          Key: { pk: partition, sk: counterSk },
          UpdateExpression: 'SET #seq = :seq, #at = :at, #pageStart = :pageStart',
          ConditionExpression: counter ? '#seq = :read' : 'attribute_not_exists(#seq)',
          ExpressionAttributeNames: { '#seq': 'seq', '#at': 'at', '#pageStart': 'pageStart' },
          ExpressionAttributeValues: { ':seq': seq, ':at': at, ':pageStart': pageStart, ...(counter ? { ':read': counter.seq } : {}) },
        },
      },
      ...logItems(partition, items, at, runId).map((Item): TransactItem => ({ Put: { TableName: table.table, Item } })),
      ...items.slice(0, inTransaction).map((item): TransactItem => ({ Put: { TableName: table.table, Item: { pk: partition, sk: recordSk(item.key), ...item } } })),
    ];
    if (await failedConditions(table, transaction)) {
      if (cached) {
        // This container's counter was stale (another container wrote a page since): read it, write again.
        written.delete(partition);
        return commitGroup(tenantId, connectionId, stream, runId, changes, await readCounter(partition), false);
      }
      throw new Error(`another writer logged changes of ${stream} of ${connectionId} meanwhile (its seq is no longer ${counter?.seq ?? 0}); only one run may write a stream at a time`);
    }
    const committed = { seq, at, pageStart };
    remember(partition, committed);

    const batches: RecordItem[][] = [];
    for (let i = inTransaction; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
    await eachLimited(batches, batchWrites, (batch) => putAll(batch.map((item) => ({ pk: partition, sk: recordSk(item.key), ...item }))));

    const replaced = changes.flatMap((change) => (change.previous?.s3Key && change.previous.s3Key !== change.s3Key ? [change.previous.s3Key] : []));
    for (let i = 0; i < replaced.length; i += 1000) {
      await bucket.s3.send(new DeleteObjectsCommand({ Bucket: bucket.name, Delete: { Objects: replaced.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }));
    }
    return committed;
  }

  /** The page's log: its keys in order, split into items that stay well under 400 KB. */
  function logItems(partition: string, items: RecordItem[], at: string, runId: string): Array<ItemKey & Omit<LogItem, 'sk'>> {
    const logged: Array<ItemKey & Omit<LogItem, 'sk'>> = [];
    let bytes = Infinity;
    for (const item of items) {
      const size = Buffer.byteLength(item.key) + 3;
      if (bytes + size > logItemBytes) {
        logged.push({ pk: partition, sk: logSk(at, item.seq), seqStart: item.seq, keys: [], at, runId });
        bytes = 0;
      }
      logged.at(-1)!.keys.push(item.key);
      bytes += size;
    }
    return logged;
  }

  /** BatchWriteItem puts or deletes (at most 25), asking again for what DynamoDB left unprocessed under throttling. */
  async function writeBatch(requests: Array<{ PutRequest: { Item: Record<string, unknown> } } | { DeleteRequest: { Key: ItemKey } }>) {
    for (let round = 0; requests.length > 0; round++) {
      if (round === 8) throw new Error(`DynamoDB left ${requests.length} write(s) unprocessed after ${round} requests`);
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * 25 * 2 ** round));
      const { UnprocessedItems = {} } = await db.batchWrite({ RequestItems: { [table.table]: requests } });
      requests = (UnprocessedItems[table.table] ?? []) as typeof requests;
    }
  }
  const putAll = (items: Array<Record<string, unknown>>) => writeBatch(items.map((Item) => ({ PutRequest: { Item } })));

  function recordItem(change: Change, seq: number, at: string, runId: string): RecordItem {
    return {
      key: change.key,
      state: change.state,
      seq,
      ...(change.state === 'deleted' ? {} : { hash: change.hash, payload: change.payload }),
      bytes: change.bytes,
      firstSeenAt: change.previous?.firstSeenAt ?? at,
      modifiedAt: at,
      runId,
    };
  }

  /** Keeps the keys a full-refresh page saw, split so each item stays well under 400 KB. */
  async function markSeen(partition: string, runId: string, keys: string[]) {
    const digest = sha256(JSON.stringify(keys)).slice(0, 32);
    const parts: string[][] = [[]];
    let bytes = 0;
    for (const key of keys) {
      const size = Buffer.byteLength(key) + 3;
      if (bytes + size > seenItemBytes) {
        parts.push([]);
        bytes = 0;
      }
      parts.at(-1)!.push(key);
      bytes += size;
    }
    const expiresAt = Math.floor(Date.parse(now()) / 1000) + seenRetentionSeconds;
    // Named after the keys it holds, so a retried page writes the same item again.
    await Promise.all(
      parts.map((part, n) => db.put({ TableName: table.table, Item: { pk: partition, sk: `${seenPrefix(runId)}${digest}#${n}`, keys: part, runId, expiresAt } })),
    );
  }

  /** Every item of the partition under `prefix`, with only the given attributes. */
  async function queryAll<T>(partition: string, prefix: string, attributes: string[], filter?: { expression: string; values: Record<string, unknown> }): Promise<T[]> {
    // Every name through a placeholder (`key` and `state` are reserved words); a filter uses the same `#name`.
    const found: T[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await db.query({
        TableName: table.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ProjectionExpression: attributes.map((name) => `#${name}`).join(', '),
        ExpressionAttributeNames: Object.fromEntries(attributes.map((name) => [`#${name}`, name])),
        ExpressionAttributeValues: { ':pk': partition, ':prefix': prefix, ...filter?.values },
        ...(filter ? { FilterExpression: filter.expression } : {}),
        ConsistentRead: true,
        ExclusiveStartKey,
      });
      found.push(...((page.Items ?? []) as T[]));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return found;
  }

  /**
   * Each entry's record as a reader takes it: the record (its seq is the entry's), `skip`
   * (it changed again later, or its write never came), or `pending` (the page that logged
   * it may still be writing it: the reader stops before it, and finds it on its next call).
   */
  async function settle(partition: string, entries: Entry[]): Promise<Array<RecordItem | 'skip' | 'pending'>> {
    const keyOf = (entry: Entry) => ({ pk: partition, sk: recordSk(entry.key) });
    const read = await getMany<RecordItem>(table, entries.map(keyOf), { consistent: true });
    const landed = (item: RecordItem | undefined, entry: Entry) => item !== undefined && item.seq >= entry.seq;
    const settled: Array<RecordItem | 'skip' | 'pending' | undefined> = entries.map(() => undefined);
    const missing = entries.flatMap((entry, i) => (landed(read[i], entry) ? [] : [i]));
    if (missing.length > 0) {
      // The counter first, then the records again: a page found finished writes nothing
      // more, and what it wrote before it finished is seen by the second read.
      const at = Date.parse(now());
      const counter = await readCounter(partition);
      const again = await getMany<RecordItem>(table, missing.map((i) => keyOf(entries[i]!)), { consistent: true });
      for (const [n, i] of missing.entries()) {
        const entry = entries[i]!;
        if (landed(again[n], entry)) read[i] = again[n];
        else settled[i] = counter === undefined || entry.seq < counter.pageStart || at - Date.parse(entry.at) > writeDeadlineMs ? 'skip' : 'pending';
      }
    }
    return entries.map((entry, i) => settled[i] ?? (read[i]!.seq === entry.seq ? read[i]! : 'skip'));
  }

  async function payloadOf(partition: string, item: RecordItem): Promise<{ payload: unknown } | 'superseded'> {
    if (item.state === 'deleted') return { payload: null };
    if (item.payload !== undefined) return { payload: JSON.parse(item.payload) };
    try {
      const object = await bucket.s3.send(new GetObjectCommand({ Bucket: bucket.name, Key: item.s3Key }));
      return { payload: JSON.parse(await object.Body!.transformToString()) };
    } catch (error) {
      if (!(error instanceof NoSuchKey)) throw error;
      // The writer deletes an object once a newer change replaced it: that change is listed at its own seq.
      const { Item } = await db.get({ TableName: table.table, Key: { pk: partition, sk: recordSk(item.key) }, ConsistentRead: true, ProjectionExpression: 'seq' });
      if (Item && Item.seq !== item.seq) return 'superseded';
      throw new Error(`the payload of record ${item.key} is missing from S3 (${item.s3Key})`);
    }
  }

  function positionOf(partition: string, query: RecordQuery): Position {
    if (query.cursor !== undefined) {
      const { sk } = decodeCursor(query.cursor, { pk: partition, prefix: 'L#' })!;
      const match = positionPattern.exec(sk);
      if (!match) throw new Invalid('the cursor is not one this list returned', [{ field: 'query.cursor', message: 'unknown cursor' }]);
      return { from: match[1]!, after: match[2] === undefined ? 0 : Number(match[2]) };
    }
    if (query.modifiedAfter !== undefined) return { from: `L#${new Date(query.modifiedAfter).toISOString()}#~`, after: 0 };
    return { from: 'L#', after: 0 };
  }

  const cursorOf = (partition: string, position: Position) =>
    encodeCursor({ pk: partition, sk: position.after === 0 ? position.from : `${position.from}#${pad(position.after)}` })!;

  return {
    async writePage(tenantId, connectionId, stream, runId, records, options = {}) {
      const partition = partitionOf(tenantId, connectionId, stream);
      if (!runId || runId.includes('#')) throw new Error('a run id carries no #');
      // The last of a key's duplicates wins.
      const page = new Map<string, RecordInput>();
      for (const record of records) {
        if (typeof record.key !== 'string' || record.key === '' || Buffer.byteLength(record.key) > maxKeyBytes) {
          throw new Error(`a record key is a string of 1 to ${maxKeyBytes} bytes: ${JSON.stringify(record.key)?.slice(0, 80)}`);
        }
        page.set(record.key, record);
      }
      const write = async () => {
        const incoming = [...page.values()].map((record): { key: string; payload?: string; hash?: string } => {
          if ('deleted' in record && record.deleted) return { key: record.key };
          const payload = canonicalJson((record as { payload: unknown }).payload);
          return { key: record.key, payload, hash: sha256(payload) };
        });
        const known = written.get(partition);
        const { counter, existing } = options.fresh
          ? { counter: undefined, existing: new Map<string, Existing>() }
          : await readExisting(partition, [...page.keys()], known !== undefined);

        const counts: WriteCounts = { added: 0, updated: 0, unchanged: 0, deleted: 0 };
        const changes: Change[] = [];
        for (const record of incoming) {
          const previous = existing.get(record.key);
          const live = previous !== undefined && previous.state !== 'deleted';
          if (record.payload === undefined) {
            if (live) changes.push({ key: record.key, state: 'deleted', bytes: 0, previous });
            else counts.unchanged++;
            continue;
          }
          if (live && previous.hash === record.hash) {
            counts.unchanged++;
            continue;
          }
          changes.push({
            key: record.key,
            state: live ? 'updated' : 'added',
            hash: record.hash,
            payload: record.payload,
            bytes: Buffer.byteLength(record.payload),
            ...(previous ? { previous } : {}),
          });
        }
        for (const change of changes) counts[change.state]++;
        // A fresh page reads the counter only when it has something to write and this container does not know it.
        if (changes.length > 0) {
          await commit(tenantId, connectionId, stream, runId, changes, known ?? (options.fresh ? await readCounter(partition) : counter), known !== undefined);
        }
        return counts;
      };
      const [counts] = await Promise.all([write(), options.seenBy ? markSeen(partition, options.seenBy, [...page.keys()]) : undefined]);
      return counts;
    },

    async list(tenantId, connectionId, stream, query) {
      const partition = partitionOf(tenantId, connectionId, stream);
      let position = positionOf(partition, query);
      const filter = query.filter && new Set(query.filter);
      const found: RecordItem[] = [];
      let bytes = 0;
      let examined = 0;
      let hasMore = false;
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      reading: for (;;) {
        const { Items = [], LastEvaluatedKey } = await db.query({
          TableName: table.table,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': partition, ':from': position.from, ':to': 'L#\uffff' },
          ConsistentRead: true,
          Limit: 50,
          ExclusiveStartKey,
        });
        const after = position.after;
        const entries = (Items as LogItem[])
          .flatMap((item) => item.keys.map((key, i): Entry => ({ key, seq: item.seqStart + i, from: item.sk, at: item.at })))
          .filter((entry) => entry.seq > after);
        for (let offset = 0; offset < entries.length; ) {
          // Without a filter nearly every entry is listed: read no more records than the page still takes.
          const window = entries.slice(offset, offset + (filter ? 100 : Math.min(100, query.limit - found.length)));
          const items = await settle(partition, window);
          for (const [i, entry] of window.entries()) {
            const item = items[i]!;
            if (item === 'pending') {
              hasMore = true;
              break reading;
            }
            position = { from: entry.from, after: entry.seq };
            examined++;
            if (item !== 'skip' && (!filter || filter.has(item.state))) {
              found.push(item);
              bytes += item.bytes;
            }
            if (found.length >= query.limit || bytes >= pageBytes || examined >= maxExamined) {
              hasMore = offset + i + 1 < entries.length || LastEvaluatedKey !== undefined;
              break reading;
            }
          }
          offset += window.length;
        }
        if (!LastEvaluatedKey) break;
        ExclusiveStartKey = LastEvaluatedKey;
      }

      const records: Array<StoredRecord | undefined> = new Array(found.length);
      await eachLimited([...found.keys()], 8, async (i) => {
        const item = found[i]!;
        const read = await payloadOf(partition, item);
        if (read !== 'superseded') records[i] = { key: item.key, state: item.state, modifiedAt: item.modifiedAt, payload: read.payload };
      });
      return { records: records.filter((record) => record !== undefined), nextCursor: cursorOf(partition, position), hasMore };
    },

    async tombstoneUnseen(tenantId, connectionId, stream, runId) {
      const partition = partitionOf(tenantId, connectionId, stream);
      const pages = await queryAll<{ sk: string; keys: string[] }>(partition, seenPrefix(runId), ['pk', 'sk', 'keys']);
      // No page at all is a run that never wrote with `seenBy`, not a provider with no records
      // (an empty page is remembered too): deleting everything would be the wrong answer.
      if (pages.length === 0) throw new Error(`run ${runId} remembered no page of ${stream}: nothing to compare the stored records with`);
      const seen = new Set(pages.flatMap((page) => page.keys));
      const live = await queryAll<Existing & { key: string }>(partition, 'R#', ['key', 'state', 'hash', 's3Key', 'firstSeenAt'], {
        expression: '#state <> :deleted',
        values: { ':deleted': 'deleted' },
      });
      const changes: Change[] = live
        .filter((record) => !seen.has(record.key))
        .map(({ key, ...previous }) => ({ key, state: 'deleted', bytes: 0, previous }));
      if (changes.length > 0) await commit(tenantId, connectionId, stream, runId, changes, await readCounter(partition));
      for (let i = 0; i < pages.length; i += 25) {
        await writeBatch(pages.slice(i, i + 25).map((page) => ({ DeleteRequest: { Key: { pk: partition, sk: page.sk } } })));
      }
      return { deleted: changes.length };
    },

    async summary(tenantId, connectionId, stream) {
      const counter = await readCounter(partitionOf(tenantId, connectionId, stream));
      return { changes: counter?.seq ?? 0, lastModifiedAt: counter?.at ?? null };
    },
  };
}
