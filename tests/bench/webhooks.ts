import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { defaultMemoryMb } from '../../infra/declaration';
import { declaration } from '../../infra/functions';
import { localTenantId, type LocalRuntime } from '../../infra/local/runtime';
import type { DynamoDb } from '../../shared/platform/dynamodb';
import { newId } from '../../shared/platform/ids';
import { send } from '../../shared/platform/outbound';
import { eventStore } from '../../shared/events/store';
import { maxResponseBytes } from '../../shared/webhooks/delivery';
import { deliveryStore, type AttemptItem, type DeliveryItem } from '../../shared/webhooks/delivery-store';
import { webhookEndpointStore } from '../../shared/webhooks/store';
import { deliveryIdOf, type DeliveryMessage } from '../../shared/webhooks/delivery-message';
import type { Receiver } from './measure';

/**
 * The `webhooks` section's measurements (run.ts turns them into rows):
 *
 * - batches: the delivery worker invoked as the local runtime invokes it (its own worker
 *   thread, its esbuild bundle; `runtime.functions.invoke`) with SQS batches of 10, next to
 *   the same batches sent as 10 parallel POSTs signed with `standardwebhooks` through the
 *   outbound client the worker uses, to the same receiver, in alternating rounds;
 * - fan-out: one `connection.created` through the gateway to the last of 100 deliveries at
 *   the receiver, the whole way: DynamoDB Streams → webhookRelay → deliveries queue → worker;
 * - the sizes of the items a delivery reads and writes, for the cost estimate.
 *
 * The receiver (receiver.ts) is a process of its own on the driver's core.
 */
export interface WebhookBench {
  runtime: LocalRuntime;
  call: (path: string, init?: RequestInit & { json?: unknown }) => Promise<Response>;
  /** Invokes a function in its container. */
  invoke: (name: string, event: unknown) => Promise<unknown>;
  db: DynamoDb;
  table: string;
  receiver: Receiver;
}

/** The delivery worker as declared: its batch size and memory are the bench's. */
const worker = (() => {
  const declared = declaration.functions.deliverWebhooks;
  if (declared?.kind !== 'consumer') throw new Error('infra/functions.ts declares no deliverWebhooks consumer');
  return declared;
})();
export const batchSize = worker.batchSize;
/** What a receiver takes to answer in the figures. */
export const receiverDelayMs = 50;
export const fanOutEndpoints = 100;
/**
 * The local runtime's polling, the floor under a fan-out's time (not exported there):
 * infra/local/streams.ts reads each shard every 250 ms; infra/local/pollers.ts long-polls
 * the queue (a receive returns as soon as messages arrive) and hands the worker one batch
 * at a time.
 */
export const streamPollMs = 250;

export const rounds = 10;
export const batchesPerRound = 10;
const warmUpBatches = 5;
const fanOuts = 5;

/** Wall-clock milliseconds, read the same way in the receiver's process. */
const clock = () => performance.timeOrigin + performance.now();

interface Endpoint {
  id: string;
  url: string;
  webhook: Webhook;
}

export interface BatchFigures {
  delayMs: number;
  workerBatchMs: number[];
  plainBatchMs: number[];
  /** Deliveries per second in each round, and the ratio of each round's pair. */
  pairs: Array<{ worker: number; plain: number; ratio: number }>;
  /** The batch's DynamoDB calls alone, made from the host with the worker's stores. */
  storageBatchMs: number[];
  /** CPU time of this process (the host and the worker's thread) per delivery, over the measured rounds. */
  workerCpuMs: number;
  plainCpuMs: number;
}

export interface FanOutFigures {
  /** POST sent → last delivery arrived, per event. */
  totalMs: number[];
  /** POST sent → relay invoked. */
  streamWaitMs: number[];
  relayMs: number[];
  /** Relay invoked → last delivery arrived. */
  queueMs: number[];
  /** The worker's batch sizes, per event. */
  batchSizes: number[][];
}

/** Bytes of each item a delivery touches, as DynamoDB sizes them. */
export interface ItemSizes {
  endpoint: number;
  event: number;
  /** The current signing secret (the previous one is read only within a day of a rotation). */
  secret: number;
  /** The delivery as its claim writes it, before the attempt is in it. */
  claim: number;
  /** The delivery once it has ended, its attempt in it. */
  delivery: number;
}

export async function measureWebhooks(bench: WebhookBench) {
  const { origin } = await bench.receiver.run<{ origin: string }>({ kind: 'origin' });
  const event = await newEvent(bench);
  const body = JSON.stringify({ type: event.type, timestamp: event.timestamp, data: event.data });
  let plainSequence = 0;
  let lastDelivery: { endpointId: string; deliveryId: string } | undefined;

  const workerBatch = async (endpoints: Endpoint[]) => {
    // The worker claims each (delivery, attempt) once: every delivery needs an id of its
    // own, shaped as the relay's are, while all of them carry the one event.
    const messages = endpoints.map(
      (endpoint): DeliveryMessage => ({ tenantId: localTenantId, endpointId: endpoint.id, eventId: event.id, deliveryId: deliveryIdOf(newId('evt'), endpoint.id), attempt: 1 }),
    );
    const records: SQSEvent = { Records: messages.map(sqsRecord) };
    const start = performance.now();
    const answer = (await bench.invoke('deliverWebhooks', records)) as SQSBatchResponse;
    const elapsed = performance.now() - start;
    if (answer.batchItemFailures.length > 0) throw new Error(`the worker failed ${answer.batchItemFailures.length} of a batch: ${bench.runtime.logs.slice(-5).map((l) => l.text).join('')}`);
    lastDelivery = { endpointId: messages[0]!.endpointId, deliveryId: messages[0]!.deliveryId };
    return elapsed;
  };
  // The worker's own POST: one attempt, its timeout and answer limit (shared/webhooks/delivery-deps.ts).
  const plainBatch = async (endpoints: Endpoint[]) => {
    const start = performance.now();
    await Promise.all(
      endpoints.map(async (endpoint) => {
        const id = `msg_plain${++plainSequence}`;
        const at = new Date();
        const headers = { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': endpoint.webhook.sign(id, at, body) };
        const response = await send({ method: 'POST', url: endpoint.url, headers, body }, { maxAttempts: 1, timeoutMs: 15_000, maxBodyBytes: maxResponseBytes });
        if (response.status !== 200) throw new Error(`the receiver answered ${response.status}`);
      }),
    );
    return performance.now() - start;
  };

  // What the worker asks of DynamoDB for a batch, asked from here with its own stores: the
  // endpoints and the event read, then the claims, then the outcomes. The floor under the
  // worker's batch that no change to the worker removes (DynamoDB Local's own latency).
  const table = { db: bench.db, table: bench.table };
  const stores = { endpoints: webhookEndpointStore(table), events: eventStore(table), deliveries: deliveryStore(table) };
  let storageSequence = 0;
  const storageBatch = async (endpoints: Endpoint[]) => {
    const start = performance.now();
    const at = new Date().toISOString();
    await Promise.all([
      stores.endpoints.getWithSecrets(endpoints.map((endpoint) => ({ tenantId: localTenantId, id: endpoint.id })), at),
      stores.events.getMany(endpoints.map(() => ({ tenantId: localTenantId, id: event.id }))),
    ]);
    const claims = endpoints.map((endpoint): DeliveryItem & { sendingSince: string } => ({
      id: `msg_storage${++storageSequence}`, endpointId: endpoint.id, eventId: event.id, eventType: event.type, status: 'pending', attempts: 1,
      nextAttemptAt: at, reason: null, createdAt: at, updatedAt: at, expiresAt: Math.floor(Date.now() / 1000) + 3_600, sendingSince: at,
    }));
    await Promise.all(claims.map((claim) => stores.deliveries.claim(localTenantId, claim, at)));
    await Promise.all(
      claims.map(({ sendingSince: _sent, ...claim }) => {
        const attempt: AttemptItem = {
          deliveryId: claim.id, endpointId: claim.endpointId, attempt: 1, at, statusCode: 200, latencyMs: 1, responseHeaders: {}, responseBody: '', errorKind: null, error: null, expiresAt: claim.expiresAt,
        };
        return stores.deliveries.record(localTenantId, { ...claim, status: 'succeeded', nextAttemptAt: null }, attempt);
      }),
    );
    return performance.now() - start;
  };

  const batches: BatchFigures[] = [];
  for (const delayMs of [receiverDelayMs, 0]) {
    const tag = `batch${delayMs}`;
    // Subscribed to a type the bench never causes, so no relay fans an event out to them.
    const endpoints = await createEndpoints(bench, batchSize, `${origin}/after/${delayMs}/${tag}`, ['connection.auth_failed']);
    for (let i = 0; i < warmUpBatches; i++) {
      await workerBatch(endpoints);
      await plainBatch(endpoints);
    }
    const figures: BatchFigures = { delayMs, workerBatchMs: [], plainBatchMs: [], storageBatchMs: [], pairs: [], workerCpuMs: 0, plainCpuMs: 0 };
    const cpuMs = { worker: 0, plain: 0 };
    const perRound = batchesPerRound * batchSize;
    const rate = async (side: 'worker' | 'plain') => {
      const [batch, into] = side === 'worker' ? [workerBatch, figures.workerBatchMs] : [plainBatch, figures.plainBatchMs];
      // process.cpuUsage counts every thread of this process: the worker's container is one.
      const cpu = process.cpuUsage();
      const start = performance.now();
      for (let i = 0; i < batchesPerRound; i++) into.push(await batch(endpoints));
      const elapsed = performance.now() - start;
      const used = process.cpuUsage(cpu);
      cpuMs[side] += (used.user + used.system) / 1000;
      return perRound / (elapsed / 1000);
    };
    // Pairs in alternating order (ABBA), as the throughput section does: a slow spell of the host lands on both of a pair.
    for (let round = 0; round < rounds; round++) {
      const workerFirst = round % 2 === 0;
      const first = await rate(workerFirst ? 'worker' : 'plain');
      const second = await rate(workerFirst ? 'plain' : 'worker');
      const [workerRate, plainRate] = workerFirst ? [first, second] : [second, first];
      figures.pairs.push({ worker: workerRate, plain: plainRate, ratio: workerRate / plainRate });
      for (let i = 0; i < batchesPerRound; i++) figures.storageBatchMs.push(await storageBatch(endpoints));
    }
    figures.workerCpuMs = cpuMs.worker / (rounds * perRound);
    figures.plainCpuMs = cpuMs.plain / (rounds * perRound);
    // A worker's failed POST is recorded and retried, not thrown: only the receiver can tell it missed one.
    const sent = (warmUpBatches + rounds * batchesPerRound) * batchSize * 2;
    const arrived = await bench.receiver.run<{ count: number; distinct: number }>({ kind: 'arrivals', tag });
    if (arrived.count !== sent || arrived.distinct !== sent) throw new Error(`${sent} deliveries sent to ${tag}, ${arrived.count} arrived (${arrived.distinct} distinct)`);
    batches.push(figures);
  }

  const fanOut = await measureFanOut(bench, origin);
  const sizes = await itemSizes(bench, event.id, lastDelivery!);
  return { batches, fanOut, sizes };
}

async function measureFanOut(bench: WebhookBench, origin: string): Promise<FanOutFigures> {
  const tag = 'fanout';
  await createEndpoints(bench, fanOutEndpoints, `${origin}/after/${receiverDelayMs}/${tag}`, ['connection.created']);
  // Every invocation the stream and queue pollers make, with its wall-clock span.
  const host = bench.runtime.functions;
  const inner = host.invoke;
  const seen: Array<{ name: string; start: number; end: number; records: number }> = [];
  host.invoke = async (name, event) => {
    const start = clock();
    try {
      return await inner.call(host, name, event);
    } finally {
      seen.push({ name, start, end: clock(), records: (event as { Records?: unknown[] }).Records?.length ?? 0 });
    }
  };
  const figures: FanOutFigures = { totalMs: [], streamWaitMs: [], relayMs: [], queueMs: [], batchSizes: [] };
  try {
    // The first event warms the relay's container and the queue's path; it is not counted.
    for (let i = 0; i <= fanOuts; i++) {
      const from = seen.length;
      const start = clock();
      const created = await bench.call('/v1/connections', { method: 'POST', json: connectionBody('Fan-out') });
      if (created.status !== 201) throw new Error(`POST /v1/connections answered ${created.status}: ${await created.text()}`);
      const expected = (i + 1) * fanOutEndpoints;
      const arrived = await until(`${fanOutEndpoints} deliveries of event ${i + 1}`, async () => {
        const a = await bench.receiver.run<{ distinct: number; count: number; lastAt: number }>({ kind: 'arrivals', tag });
        return a.distinct >= expected ? a : undefined;
      });
      // The worker's last batch ends after its receiver answers; wait for it, so the next event starts clean.
      const batches = await until('the worker\'s batches to end', async () => {
        const done = seen.slice(from).filter((s) => s.name === 'deliverWebhooks');
        return done.reduce((sum, s) => sum + s.records, 0) >= fanOutEndpoints ? done : undefined;
      });
      if (arrived.count !== expected) throw new Error(`${arrived.count} deliveries arrived for ${expected} sent: some were sent twice`);
      if (i === 0) continue;
      const relay = seen.slice(from).find((s) => s.name === 'webhookRelay')!;
      figures.totalMs.push(arrived.lastAt - start);
      figures.streamWaitMs.push(relay.start - start);
      figures.relayMs.push(relay.end - relay.start);
      figures.queueMs.push(arrived.lastAt - relay.start);
      figures.batchSizes.push(batches.sort((a, b) => a.start - b.start).map((b) => b.records));
    }
  } finally {
    host.invoke = inner;
  }
  return figures;
}

/** A fresh `connection.created` in the log (a new connection records one in its transaction). */
async function newEvent(bench: WebhookBench) {
  const created = await bench.call('/v1/connections', { method: 'POST', json: connectionBody('Webhook bench') });
  if (created.status !== 201) throw new Error(`POST /v1/connections answered ${created.status}: ${await created.text()}`);
  const { id } = (await created.json()) as { id: string };
  const page = (await (await bench.call('/v1/events?type=connection.created&limit=10')).json()) as {
    data: Array<{ id: string; type: string; timestamp: string; data: { id: string } }>;
  };
  const event = page.data.find((e) => e.data.id === id);
  if (!event) throw new Error(`no connection.created event for ${id}`);
  return event;
}

const connectionBody = (name: string) => ({ integration: 'stripe', name, credentials: { apiKey: `sk_test_${randomBytes(12).toString('hex')}` } });

async function createEndpoints(bench: WebhookBench, n: number, url: string, eventTypes: string[]): Promise<Endpoint[]> {
  const endpoints: Endpoint[] = [];
  for (let i = 0; i < n; i++) {
    const response = await bench.call('/v1/webhook-endpoints', { method: 'POST', json: { url, eventTypes } });
    if (response.status !== 201) throw new Error(`POST /v1/webhook-endpoints answered ${response.status}: ${await response.text()}`);
    const { id, secret } = (await response.json()) as { id: string; secret: string };
    endpoints.push({ id, url, webhook: new Webhook(secret) });
  }
  return endpoints;
}

/** A record as Lambda's SQS event source hands it over (the worker reads `messageId` and `body`). */
function sqsRecord(message: DeliveryMessage): SQSRecord {
  const now = String(Date.now());
  return {
    messageId: randomUUID(),
    receiptHandle: 'bench',
    body: JSON.stringify(message),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: now, SenderId: 'bench', ApproximateFirstReceiveTimestamp: now },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:deliveries',
    awsRegion: 'us-east-1',
  };
}

/** Polls until `probe` answers, for 30 s at most. */
async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * The items one delivery reads and writes (shared/webhooks/delivery.ts, delivery-store.ts,
 * store.ts), read back after the run. The claim is the delivery item before its attempt
 * is in it: the claim writes it, the outcome updates it.
 */
async function itemSizes(bench: WebhookBench, eventId: string, delivery: { endpointId: string; deliveryId: string }): Promise<ItemSizes> {
  const pk = `TENANT#${localTenantId}`;
  const get = async (sk: string) => {
    const { Item } = await bench.db.get({ TableName: bench.table, Key: { pk, sk } });
    if (!Item) throw new Error(`no item ${sk}`);
    return Item;
  };
  const ended = await get(`WHDELIVERY#${delivery.endpointId}#${delivery.deliveryId}`);
  if (!ended.lastAttempt) throw new Error(`delivery ${delivery.deliveryId} keeps no attempt`);
  const { lastAttempt: _attempt, ...claim }: Record<string, unknown> = { ...ended, status: 'pending', sendingSince: ended.updatedAt };
  return {
    endpoint: itemBytes(await get(`WHEP#${delivery.endpointId}`)),
    event: itemBytes(await get(`EVENT#${eventId}`)),
    secret: itemBytes(await get(`WHSECRET#${delivery.endpointId}#current`)),
    claim: itemBytes(claim),
    delivery: itemBytes(ended),
  };
}

/**
 * An item's size as DynamoDB bills it: names and strings in UTF-8 bytes, a number about one
 * byte per two digits plus one, null and booleans one byte, a map or list 3 bytes plus one
 * per element
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html).
 */
export function itemBytes(item: Record<string, unknown>): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueBytes(value), 0);
}

function valueBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') return Math.ceil(String(Math.abs(value)).replace(/\.|^0+/g, '').length / 2) + 1;
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (value instanceof Uint8Array) return value.length;
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, v) => sum + 1 + valueBytes(v), 0);
  return 3 + Object.entries(value as object).reduce((sum, [name, v]) => sum + 1 + Buffer.byteLength(name) + valueBytes(v), 0);
}

/**
 * Per million deliveries, at us-east-1 list prices: Lambda arm64 ($0.0000133334 per GB-s,
 * $0.20 per million requests, billed per ms rounded up) for one invocation per batch; SQS
 * ($0.40 per million requests): a tenth of a receive and of a delete (batches of 10), and
 * the relay's send, a tenth of one when a stream batch brings it ten or more messages
 * (a busy stream, or an event with many endpoints), a whole one for a lone event to one
 * endpoint (`sendsPerDelivery`); DynamoDB on demand ($0.625 per million write units of
 * 1 KB, $0.125 per million read units of 4 KB, half for an eventually consistent read,
 * each item of a batch read rounded up on its own).
 */
export function costPerMillion(batchMs: number, sizes: ItemSizes, sendsPerDelivery: number) {
  const memoryGb = (worker.memoryMb ?? defaultMemoryMb) / 1024;
  const lambda = (0.2 + (Math.ceil(batchMs) / 1000) * memoryGb * 0.0000133334 * 1e6) / batchSize;
  const sqsRequests = sendsPerDelivery + 2 / batchSize;
  const sqs = sqsRequests * 0.4;
  const wru = (bytes: number) => Math.ceil(bytes / 1024);
  // An update is billed on the larger of the item before and after it: the ended delivery.
  const writeUnits = wru(sizes.claim) + wru(Math.max(sizes.claim, sizes.delivery));
  const consistent = (bytes: number) => Math.ceil(bytes / 4096);
  // The endpoint and its secret are read consistently (store.ts), the event eventually (events/store.ts).
  const readUnits = consistent(sizes.endpoint) + consistent(sizes.secret) + consistent(sizes.event) / 2;
  const writes = writeUnits * 0.625;
  const reads = readUnits * 0.125;
  return { total: lambda + sqs + writes + reads, lambda, sqs, sqsRequests, writes, reads, writeUnits, readUnits, memoryMb: memoryGb * 1024 };
}
