import { S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { defaultMemoryMb } from '../../infra/declaration';
import { declaration } from '../../infra/functions';
import { localTenantId, type LocalRuntime } from '../../infra/local/runtime';
import { openCredentials } from '../../shared/connections/service';
import { connectionStore } from '../../shared/connections/store';
import { stripe } from '../../shared/integrations/catalog/stripe';
import { IntegrationDefinition, type Integration } from '../../shared/integrations/schema';
import { operatorAudit } from '../../shared/platform/audit';
import type { DynamoDb } from '../../shared/platform/dynamodb';
import { send } from '../../shared/platform/outbound';
import { recordStore } from '../../shared/records/store';
import { syncRunStore, type StreamRunItem, type SyncRunStore } from '../../shared/syncs/run-store';
import type { SyncMode } from '../../shared/syncs/schema';
import { startSyncRun, type SyncApiDeps, type SyncJob } from '../../shared/syncs/service';
import { maxPageBytes, processSyncJob, type SyncWorkerDeps } from '../../shared/syncs/worker';
import { flushTally } from '../../shared/metrics/tally';
import type { OutboundRequest } from '../../shared/platform/outbound';
import { keyringFromEnv } from '../../shared/vault/keyring';
import { createVault } from '../../shared/vault/vault';
import type { ProviderRecord } from '../fakes/provider';
import { startFakeStripe, type FakeStripe } from '../fakes/stripe';
import { localDynamoDb } from '../support/dynamodb';
import { median, peakRssMb, root } from './measure';
import { itemBytes } from './webhooks';

/**
 * The `syncs` section's measurements (run.ts turns them into rows):
 *
 * - rate: Stripe customers from the fake Stripe (tests/fakes/stripe.ts: `has_more`
 *   paging, 100 a page) into the records store, through the sync worker's own code
 *   (`startSyncRun`, then `processSyncJob` for each message of an in-memory queue, as
 *   tests/integration/sync-worker.test.ts plays it) on DynamoDB Local, next to a raw loop
 *   of `BatchWriteItem` writing the same records, 25 a request, one request at a time, to
 *   the same table; rounds in alternating order;
 * - requests: every DynamoDB request the worker's client sends (a middleware after the
 *   SDK's retries, so a retried request counts twice), for the first sync of each round
 *   and for a full re-sync where nothing changed;
 * - end to end: 100,000 records in a process of its own (this file, run as a script),
 *   whose peak RSS the process reports (`peakRssMb`: Linux's VmHWM, see measure.ts);
 * - the sizes of the items a page reads and writes, for the cost estimate.
 */
export interface SyncBench {
  runtime: LocalRuntime;
  call: (path: string, init?: RequestInit & { json?: unknown }) => Promise<Response>;
}

/** The sync worker as declared: its memory is the cost estimate's. */
const worker = (() => {
  const declared = declaration.functions.syncWorker;
  if (declared?.kind !== 'consumer') throw new Error('infra/functions.ts declares no syncWorker consumer');
  return declared;
})();
/** Stripe's largest page (`limit` 1–100), which the catalog's customers stream asks for. */
export const recordsPerPage = 100;
/** What one record weighs as the fake Stripe sends it: its JSON, in bytes. */
export const recordBytes = 1024;
export const recordsPerRound = 10_000;
export const rounds = 6;
export const endToEndRecords = 100_000;
/** The worker's memory budget in the end-to-end run. */
export const rssBudgetMb = 256;

export interface RateFigures {
  /** Records per second in each round, and the ratio of each round's pair. */
  pairs: Array<{ worker: number; raw: number; ratio: number }>;
  /** Each `processSyncJob` call of the measured rounds: its time per page it read. */
  pageMs: number[];
  /** Each call's pages: an invocation reads on while its time lasts. */
  pagesPerInvocation: number[];
  /** Within those pages: the provider's answer (`send`), and the records store's `writePage`. */
  providerMs: number[];
  writeMs: number[];
  /**
   * Each invocation's time (its pages), and the flush of what it counted into the tenant's
   * metrics that the queue consumer makes after it (shared/platform/consumer.ts): the
   * counters' cost, side by side with the work they count.
   */
  invocationMs: number[];
  flushMs: number[];
}

export interface RequestFigures {
  records: number;
  pages: number;
  /** Requests by DynamoDB operation (`GetItem`, `BatchWriteItem`, …). */
  byOperation: Record<string, number>;
  total: number;
  recordsPerSecond: number;
}

export interface EndToEndFigures {
  records: number;
  pages: number;
  seconds: number;
  /** The process's peak resident set, and its resident set once loaded, before the first page. */
  maxRssMb: number;
  loadedRssMb: number;
}

/** Bytes of each item a page reads and writes, as DynamoDB sizes them. */
export interface SyncItemSizes {
  record: number;
  /** The page's change-log item (its 100 keys). */
  log: number;
  /** The stream's counter. */
  counter: number;
  /** The run, as a page's progress rewrites it. */
  run: number;
  connection: number;
  credentials: number;
}

export async function measureSyncs(bench: SyncBench) {
  process.env.OUTBOUND_ALLOWED_NETWORKS = '127.0.0.0/8';
  const fake = await startFakeStripe();
  try {
    // Stripe's real definition, pointed at the fake: requests are built as for api.stripe.com.
    fake.publicUrl = fake.url.replace('http:', 'https:');
    const definition = IntegrationDefinition.parse({ ...stripe, baseUrl: fake.publicUrl });
    const apiKey = `sk_test_${randomBytes(12).toString('hex')}`;
    fake.tokens.add(apiKey);
    for (let i = 0; i < recordsPerRound; i++) addCustomer(fake, i);

    const db = localDynamoDb(bench.runtime.dynamodbEndpoint);
    const counts = countRequests(db);
    const uncounted = syncRunStore({ db: localDynamoDb(bench.runtime.dynamodbEndpoint), table: process.env.MAIN_TABLE_NAME! });
    const deps = syncDeps(process.env, db, definition);
    const providerMs: number[] = [];
    const writeMs: number[] = [];
    deps.worker.send = timed(deps.worker.send, providerMs);
    deps.worker.records = { ...deps.worker.records, writePage: timed(deps.worker.records.writePage, writeMs) };
    const recordsTable = process.env.RECORDS_TABLE_NAME!;
    const connect = async () => {
      const response = await bench.call('/v1/connections', { method: 'POST', json: { integration: 'stripe', name: 'Sync bench', credentials: { apiKey } } });
      if (response.status !== 201) throw new Error(`POST /v1/connections answered ${response.status}: ${await response.text()}`);
      return ((await response.json()) as { id: string }).id;
    };

    // The raw side writes the very records the worker reads, as the records store shapes
    // them (the same attributes, so the same sizes), made before it is timed.
    const served = await servedCustomers(fake, apiKey);
    let rawSequence = 0;
    const rawLoop = async (n: number) => {
      const items = rawItems(`${localTenantId}#raw${++rawSequence}#customers`, served.slice(0, n));
      const start = performance.now();
      for (let i = 0; i < items.length; i += 25) {
        const { UnprocessedItems = {} } = await db.batchWrite({ RequestItems: { [recordsTable]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } });
        if (Object.keys(UnprocessedItems).length > 0) throw new Error('DynamoDB Local left writes unprocessed');
      }
      return n / ((performance.now() - start) / 1000);
    };
    const workerSync = async (connectionId: string, mode: SyncMode, pageMs?: number[], invocations?: number[], invocationMs?: number[], flushMs?: number[]) => {
      const before = snapshot(counts);
      const start = performance.now();
      const { runId, stream } = await sync(deps, connectionId, mode, { pageMs, invocations, invocationMs, flushMs, runs: uncounted });
      const seconds = (performance.now() - start) / 1000;
      const byOperation = difference(counts, before);
      const records = stream.added + stream.updated + stream.unchanged;
      const total = Object.values(byOperation).reduce((a, b) => a + b, 0);
      return { records, pages: stream.pages, byOperation, total, recordsPerSecond: records / seconds, runId, stream };
    };

    // One round of each to warm up, not counted.
    await workerSync(await connect(), 'incremental');
    await rawLoop(recordsPerRound);
    providerMs.length = 0;
    writeMs.length = 0;

    const rate: RateFigures = { pairs: [], pageMs: [], pagesPerInvocation: [], providerMs: [], writeMs: [], invocationMs: [], flushMs: [] };
    const fresh: RequestFigures = { records: 0, pages: 0, byOperation: {}, total: 0, recordsPerSecond: 0 };
    let last = { connectionId: '', runId: '' };
    // Pairs in alternating order (ABBA), as the other sections do: a slow spell of the host lands on both of a pair.
    for (let round = 0; round < rounds; round++) {
      const connectionId = await connect();
      const workerRound = async () => {
        const figures = await workerSync(connectionId, 'incremental', rate.pageMs, rate.pagesPerInvocation, rate.invocationMs, rate.flushMs);
        last = { connectionId, runId: figures.runId };
        if (figures.stream.added !== recordsPerRound) throw new Error(`a first sync added ${figures.stream.added} of ${recordsPerRound} records`);
        fresh.records += figures.records;
        fresh.pages += figures.pages;
        fresh.total += figures.total;
        for (const [operation, n] of Object.entries(figures.byOperation)) fresh.byOperation[operation] = (fresh.byOperation[operation] ?? 0) + n;
        return figures.recordsPerSecond;
      };
      const workerFirst = round % 2 === 0;
      const first = workerFirst ? await workerRound() : await rawLoop(recordsPerRound);
      const second = workerFirst ? await rawLoop(recordsPerRound) : await workerRound();
      const [workerRate, rawRate] = workerFirst ? [first, second] : [second, first];
      rate.pairs.push({ worker: workerRate, raw: rawRate, ratio: workerRate / rawRate });
    }
    fresh.recordsPerSecond = median(rate.pairs.map((p) => p.worker));
    rate.providerMs = providerMs.splice(0);
    rate.writeMs = writeMs.splice(0);

    // Every record read again, none changed: a full run (an incremental one of Stripe reads
    // only what was created since its checkpoint, less a minute).
    const again = await workerSync(last.connectionId, 'full');
    if (again.stream.unchanged !== recordsPerRound) throw new Error(`a re-sync found ${again.stream.unchanged} of ${recordsPerRound} records unchanged`);
    const resync: RequestFigures = { records: again.records, pages: again.pages, byOperation: again.byOperation, total: again.total, recordsPerSecond: again.recordsPerSecond };
    const sizes = await itemSizes(db, last);

    for (let i = recordsPerRound; i < endToEndRecords; i++) addCustomer(fake, i);
    const endToEnd = await syncInChild(bench.runtime.dynamodbEndpoint, await connect(), fake.publicUrl);
    if (endToEnd.records !== endToEndRecords) throw new Error(`the end-to-end sync read ${endToEnd.records} of ${endToEndRecords} records`);
    return { rate, fresh, resync, endToEnd, sizes };
  } finally {
    await fake.close();
  }
}

/** A Stripe customer of `recordBytes` as the fake sends it: the usual fields, the description padded to the size. */
function addCustomer(fake: FakeStripe, i: number) {
  const fields: Partial<ProviderRecord> = {
    address: { city: 'San Francisco', country: 'US', line1: `${100 + (i % 900)} Townsend Street`, line2: null, postal_code: '94103', state: 'CA' },
    balance: 0,
    currency: 'usd',
    default_source: null,
    delinquent: false,
    description: '',
    discount: null,
    email: `customer${i}@example.com`,
    invoice_prefix: createHash('sha256').update(String(i)).digest('hex').slice(0, 8).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    metadata: { account_manager: 'ops@example.com', plan: 'growth', region: 'us-west', source: 'checkout' },
    name: `Customer ${i}`,
    next_invoice_sequence: 1,
    phone: '+14155550100',
    preferred_locales: ['en'],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
  const record = fake.add('customers', fields);
  const sent = (r: ProviderRecord) => JSON.stringify({ id: r.id, object: 'customer', created: Math.floor(r.created / 1000), livemode: false, ...fields, description: r.description });
  record.description = 'x'.repeat(recordBytes - sent(record).length);
}

/** Every customer as the fake's pages send them, newest first (the order the worker reads them in). */
async function servedCustomers(fake: FakeStripe, apiKey: string): Promise<Array<{ id: string }>> {
  const customers: Array<{ id: string }> = [];
  for (let after = ''; ; ) {
    const response = await fetch(`${fake.url}/v1/customers?limit=${recordsPerPage}${after && `&starting_after=${after}`}`, { headers: { authorization: `Bearer ${apiKey}` } });
    const page = (await response.json()) as { data: Array<{ id: string }>; has_more: boolean };
    customers.push(...page.data);
    if (!page.has_more) return customers;
    after = page.data.at(-1)!.id;
  }
}

/** The records as the records store writes them (shared/records/store.ts `recordItem`), into a partition of their own. */
function rawItems(partition: string, records: Array<{ id: string }>) {
  const at = new Date().toISOString();
  return records.map((record, i) => {
    const payload = JSON.stringify(record);
    return {
      pk: partition,
      sk: `R#${record.id}`,
      key: record.id,
      state: 'added',
      seq: i + 1,
      hash: createHash('sha256').update(payload).digest('hex'),
      payload,
      bytes: Buffer.byteLength(payload),
      firstSeenAt: at,
      modifiedAt: at,
      runId: 'sync_raw',
    };
  });
}

interface SyncDeps {
  api: SyncApiDeps;
  worker: SyncWorkerDeps;
  queue: SyncJob[];
}

/**
 * The worker's dependencies as sync-worker.test.ts builds them: the runtime's tables and
 * bucket, the connection's sealed credentials opened by the vault, the queue in memory,
 * and the outbound client (the definition says https; the fake speaks plain HTTP on loopback).
 */
function syncDeps(env: NodeJS.ProcessEnv, db: DynamoDb, definition: Integration): SyncDeps {
  const main = { db, table: env.MAIN_TABLE_NAME! };
  const s3 = new S3Client({ endpoint: env.AWS_ENDPOINT_URL_S3, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const records = recordStore({ table: { db, table: env.RECORDS_TABLE_NAME! }, bucket: { s3, name: env.UPLOADS_BUCKET_NAME! } });
  const connections = connectionStore(main);
  const vault = createVault(keyringFromEnv({ env }));
  const queue: SyncJob[] = [];
  const enqueue = async (jobs: SyncJob[]) => void queue.push(...jobs);
  const integrations = { find: async (_tenantId: string, key: string) => (key === definition.key ? definition : undefined) };
  const runs = syncRunStore(main);
  return {
    queue,
    api: { runs, connections, integrations, enqueue },
    worker: {
      runs,
      connections,
      integrations,
      records,
      enqueue,
      credentials: (tenantId, connection) => openCredentials({ store: connections, vault }, tenantId, connection.id),
      send: (request) => send({ ...request, url: request.url.replace('https:', 'http:') }, { maxAttempts: 1, maxBodyBytes: maxPageBytes }),
    },
  };
}

/**
 * One run of the customers stream, its messages played until the queue is empty (the fake
 * never asks to wait), then the run read back from `runs` (the bench's own reads are not the worker's).
 */
async function sync(
  deps: SyncDeps,
  connectionId: string,
  mode: SyncMode,
  options: { pageMs?: number[]; invocations?: number[]; invocationMs?: number[]; flushMs?: number[]; runs?: Pick<SyncRunStore, 'get'> } = {},
): Promise<{ runId: string; stream: StreamRunItem }> {
  deps.queue.length = 0;
  const run = await startSyncRun(deps.api, operatorAudit(localTenantId, 'bench', 'sync.start'), connectionId, { streams: ['customers'], mode });
  let sent = 0;
  const counting = { ...deps.worker, send: (request: OutboundRequest) => (sent++, deps.worker.send(request)) };
  while (deps.queue.length > 0) {
    const start = performance.now();
    const before = sent;
    // An invocation's time, as the handler gives it: the worker's timeout less 15 s.
    const outcome = await processSyncJob(counting, deps.queue.shift()!, { until: Date.now() + (worker.timeoutSeconds ?? 60) * 1000 - 15_000 });
    const took = performance.now() - start;
    const pages = Math.max(1, sent - before);
    options.pageMs?.push(took / pages);
    options.invocations?.push(pages);
    options.invocationMs?.push(took);
    const flushing = performance.now();
    await flushTally();
    options.flushMs?.push(performance.now() - flushing);
    if (outcome !== 'next-page' && outcome !== 'stream-succeeded') throw new Error(`a page of run ${run.id} ended ${outcome}`);
  }
  const ended = await (options.runs ?? deps.api.runs).get(localTenantId, run.id);
  if (ended?.status !== 'succeeded') throw new Error(`sync run ${run.id} ended ${ended?.status}: ${ended?.reason}`);
  return { runId: run.id, stream: ended.streams[0]! };
}

/** `call`, its durations pushed to `into`. */
function timed<A extends unknown[], R>(call: (...args: A) => Promise<R>, into: number[]): (...args: A) => Promise<R> {
  return async (...args) => {
    const start = performance.now();
    try {
      return await call(...args);
    } finally {
      into.push(performance.now() - start);
    }
  };
}

/** DynamoDB requests this client sends, by operation: counted after the SDK's retry step, so each attempt once. */
function countRequests(db: DynamoDb): Map<string, number> {
  const counts = new Map<string, number>();
  db.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = context.commandName?.replace(/Command$/, '') ?? 'unknown';
      counts.set(operation, (counts.get(operation) ?? 0) + 1);
      return next(args);
    },
    { step: 'finalizeRequest', name: 'benchRequestCount' },
  );
  return counts;
}
const snapshot = (counts: Map<string, number>) => new Map(counts);
const difference = (counts: Map<string, number>, before: Map<string, number>) =>
  Object.fromEntries([...counts].map(([operation, n]) => [operation, n - (before.get(operation) ?? 0)] as const).filter(([, n]) => n > 0));

/**
 * The items a page touches, read back after the run: a record, the page's log item, the
 * stream's counter (records table); the run as it ended, the connection and its
 * credentials (main table).
 */
async function itemSizes(db: DynamoDb, synced: { connectionId: string; runId: string }): Promise<SyncItemSizes> {
  const get = async (table: string, pk: string, sk: string) => {
    const { Item } = await db.get({ TableName: table, Key: { pk, sk } });
    if (!Item) throw new Error(`no item ${sk} in ${pk}`);
    return itemBytes(Item);
  };
  const records = process.env.RECORDS_TABLE_NAME!;
  const partition = `${localTenantId}#${synced.connectionId}#customers`;
  const { Items = [] } = await db.query({ TableName: records, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)', ExpressionAttributeValues: { ':pk': partition, ':prefix': 'L#' }, Limit: 1 });
  const firstRecord = (Items[0] as { keys: string[] } | undefined)?.keys[0];
  if (!Items[0] || !firstRecord) throw new Error(`no log item in ${partition}`);
  const main = process.env.MAIN_TABLE_NAME!;
  const tenant = `TENANT#${localTenantId}`;
  return {
    record: await get(records, partition, `R#${firstRecord}`),
    log: itemBytes(Items[0]),
    counter: await get(records, partition, 'S'),
    run: await get(main, tenant, `SYNCRUN#${synced.runId}`),
    connection: await get(main, tenant, `CONN#${synced.connectionId}`),
    credentials: await get(main, tenant, `CREDENTIALS#${synced.connectionId}`),
  };
}

const script = fileURLToPath(import.meta.url);

/**
 * The heap limits Lambda's Node.js runtime starts node with at the worker's memory: a tenth
 * of it for the young generation (two semi-spaces), the rest for the old one (the `bootstrap`
 * of the runtime's base image, public.ecr.aws/lambda/nodejs). Without them V8 sizes its heap
 * for this machine's memory and collects lazily: the same run peaked at 310 MB, with under
 * 100 MB of it live.
 */
export const lambdaHeapFlags = (memoryMb = worker.memoryMb ?? defaultMemoryMb) => {
  const youngMb = Math.floor(memoryMb / 10);
  return [`--max-semi-space-size=${Math.floor(youngMb / 2)}`, `--max-old-space-size=${memoryMb - youngMb}`];
};

/** This file run as a script: one sync, alone in its process (with Lambda's heap limits), which reports its peak RSS. */
async function syncInChild(endpoint: string, connectionId: string, baseUrl: string): Promise<EndToEndFigures> {
  const child = spawn(process.execPath, [...lambdaHeapFlags(), '--import', 'tsx', script, JSON.stringify({ endpoint, connectionId, baseUrl })], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`the end-to-end sync's process exited ${code}: ${output}`);
  return JSON.parse(output) as EndToEndFigures;
}

if (process.argv[1] === script) {
  const { endpoint, connectionId, baseUrl } = JSON.parse(process.argv[2]!) as { endpoint: string; connectionId: string; baseUrl: string };
  const deps = syncDeps(process.env, localDynamoDb(endpoint), IntegrationDefinition.parse({ ...stripe, baseUrl }));
  const loadedRssMb = process.memoryUsage.rss() / 2 ** 20;
  const start = performance.now();
  const { stream } = await sync(deps, connectionId, 'incremental');
  const figures: EndToEndFigures = {
    records: stream.added,
    pages: stream.pages,
    seconds: (performance.now() - start) / 1000,
    maxRssMb: peakRssMb(),
    loadedRssMb,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
  process.exit(0);
}

/**
 * Per million records synced, at us-east-1 list prices, a page of `recordsPerPage` per
 * invocation: Lambda arm64 ($0.0000133334 per GB-s at the worker's memory, $0.20 per
 * million requests, billed per ms rounded up); SQS ($0.40 per million requests): the
 * page's message sent, received and deleted; DynamoDB on demand ($0.625 per million write
 * units of 1 KB, $0.125 per million read units of 4 KB, each item of a batch rounded up on
 * its own, an item in a transaction at twice its units, a consistent read of an item that
 * is not there one unit:
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html):
 *
 * - writes: the page's transaction (the counter, the log item, its first 25 records), each
 *   item at twice its units; the other 75 records by BatchWriteItem; the run's progress,
 *   a one-item transaction (twice the run item's units);
 * - reads, all consistent: the run, the connection, its credentials (once an invocation,
 *   which reads pages on while its time lasts), and the page's records (a first sync
 *   finds none there: a unit each);
 * - Lambda and SQS: an invocation and its message per `pagesPerInvocation` pages.
 *
 * Not counted: what a run does once (its start, its stream's end and checkpoint, the
 * first page's read of the checkpoint and of the counter), KMS (the vault keeps a data
 * key 5 minutes per container), S3 (a record's payload goes there only past 350 KB).
 */
export function costPerMillion(pageMs: number, pagesPerInvocation: number, sizes: SyncItemSizes) {
  const memoryGb = (worker.memoryMb ?? defaultMemoryMb) / 1024;
  const pages = 1e6 / recordsPerPage;
  const invocations = pages / pagesPerInvocation;
  const lambda = (invocations * 0.2 + (pages * Math.ceil(pageMs)) / 1000 * memoryGb * 0.0000133334 * 1e6) / 1e6;
  const sqsRequests = 3;
  const sqs = (invocations * sqsRequests * 0.4) / 1e6;
  const wru = (bytes: number) => Math.ceil(bytes / 1024);
  const inTransaction = 25;
  const recordUnits = wru(sizes.record);
  const pageWriteUnits = 2 * (wru(sizes.counter) + wru(sizes.log) + inTransaction * recordUnits) + (recordsPerPage - inTransaction) * recordUnits + 2 * wru(sizes.run);
  const rru = (bytes: number) => Math.ceil(bytes / 4096);
  // The run, the connection and its credentials are read once an invocation; the records every page.
  const pageReadUnits = (rru(sizes.run) + rru(sizes.connection) + rru(sizes.credentials)) / pagesPerInvocation + recordsPerPage;
  const writes = (pages * pageWriteUnits * 0.625) / 1e6;
  const reads = (pages * pageReadUnits * 0.125) / 1e6;
  return {
    total: lambda + sqs + writes + reads,
    lambda,
    sqs,
    writes,
    reads,
    sqsRequests,
    recordUnits,
    writeUnitsPerRecord: pageWriteUnits / recordsPerPage,
    readUnitsPerRecord: pageReadUnits / recordsPerPage,
    memoryMb: memoryGb * 1024,
  };
}
