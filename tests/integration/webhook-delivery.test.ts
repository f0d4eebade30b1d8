import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { operatorAudit } from '../../shared/platform/audit';
import { createApiKey, createTenant } from '../../shared/tenancy/service';
import { eventStore } from '../../shared/events/store';
import { send } from '../../shared/platform/outbound';
import { keyringFromEnv } from '../../shared/vault/keyring';
import { createVault } from '../../shared/vault/vault';
import { handleQueueMessage, maxResponseBytes } from '../../shared/webhooks/delivery';
import { webhookEndpointStore } from '../../shared/webhooks/store';
import { deliveryStore } from '../../shared/webhooks/delivery-store';
import { deliveryIdOf, type DeliveryMessage, type QueueMessage } from '../../shared/webhooks/delivery-message';
import { localDynamoDb } from '../support/dynamodb';
import { goodBodies } from '../support/good-bodies';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

// The receiver's loopback address is opened, as it would be in no deployment; the rest as in AWS.
const receiverHost = '127.0.0.3';
process.env.OUTBOUND_ALLOWED_NETWORKS = `${receiverHost}/32`;

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let runtime: TestRuntime;
let sqs: SQSClient;
let receiver: Server;
let receiverUrl: string;
let rivalKey: string;
const received: Received[] = [];
/** What the receiver answers on each path, in turn (the last one repeats). */
const script: Record<string, number[]> = { '/flaky': [503, 500, 200], '/gone': [410] };

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      if (path === '/endless') return endless(res);
      // A receiver that never answers, or stops halfway: the socket stays open until the client gives up.
      if (path === '/stalled') return received.push({ path, headers: req.headers, body: '' });
      if (path === '/stalled-body') {
        received.push({ path, headers: req.headers, body: '' });
        res.writeHead(200, { 'content-type': 'text/plain' });
        return void res.write('half');
      }
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const answers = script[path] ?? [200];
      const count = received.filter((r) => r.path === path).length;
      res.writeHead(answers[Math.min(count, answers.length) - 1]!, { 'content-type': 'text/plain' }).end(`answer ${count}`);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, receiverHost, resolve));
  receiverUrl = `http://${receiverHost}:${(receiver.address() as AddressInfo).port}`;
  // Retries a second apart (the schedule's own delays are the unit tests' subject): the
  // least that still gives each attempt a timestamp, so a signature, of its own.
  runtime = await startTestRuntime({ functionEnv: { WEBHOOK_RETRY_SCHEDULE_SECONDS: '1,1,1,1,1,1,1' } });
  sqs = new SQSClient({ endpoint: runtime.env.AWS_ENDPOINT_URL_SQS, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const store = { db: localDynamoDb(runtime.dynamodbEndpoint), table: runtime.env.MAIN_TABLE_NAME! };
  await createTenant(store, 'Rival', 'rival');
  rivalKey = (await createApiKey(store, operatorAudit('rival', 'test', 'api_key.create'), { name: 'rival', scopes: ['read'] })).secret;
});
/** An answer with no end (a 100 MB one, or worse): written until the client hangs up. */
function endless(res: import('node:http').ServerResponse) {
  received.push({ path: '/endless', headers: {}, body: '' });
  res.writeHead(200, { 'content-type': 'text/plain' });
  const chunk = Buffer.alloc(64 * 1024, 'a');
  const write = () => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once('drain', write);
  };
  res.on('error', () => undefined);
  write();
}

afterAll(async () => {
  sqs?.destroy();
  await runtime?.stop();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

/**
 * An event in the log (a new connection records one), then an endpoint made after it, so
 * no relay matches the two: the test sends the first message itself, as the relay would.
 */
async function deliveryTo(path: string) {
  const connection = await (await runtime.call('/v1/connections', { method: 'POST', json: goodBodies['POST /v1/connections']!() })).json();
  const events = await (await runtime.call('/v1/events?type=connection.created&limit=100')).json();
  const event = events.data.find((e: { data: { id: string } }) => e.data.id === connection.id);
  const endpoint = await (await runtime.call('/v1/webhook-endpoints', { method: 'POST', json: { url: `${receiverUrl}${path}`, eventTypes: ['*'] } })).json();
  expect(endpoint.id).toMatch(/^whep_/);
  const message: DeliveryMessage = { tenantId: 'local', endpointId: endpoint.id, eventId: event.id, deliveryId: deliveryIdOf(event.id, endpoint.id), attempt: 1 };
  await sqs.send(new SendMessageCommand({ QueueUrl: runtime.env.DELIVERIES_QUEUE_URL, MessageBody: JSON.stringify(message) }));
  return { endpoint: endpoint as { id: string; secret: string }, event, message };
}

/** The endpoint's deliveries once `done` says so; fails after 20 s. */
async function deliveriesWhen(endpointId: string, done: (deliveries: any[]) => boolean) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const response = await runtime.call(`/v1/webhook-endpoints/${endpointId}/deliveries`);
    expect(response.status).toBe(200);
    const { data } = await response.json();
    if (done(data)) return data;
    if (Date.now() > deadline) throw new Error(`deliveries never got there: ${JSON.stringify(data)}\n${runtime.logs.slice(-20).map((line) => line.text).join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('delivering an event to a webhook endpoint', () => {
  it('retries a receiver that fails twice: three attempts, one webhook-id, each signed anew and verifiable', async () => {
    const { endpoint, event, message } = await deliveryTo('/flaky');
    const [delivery] = await deliveriesWhen(endpoint.id, (d) => d[0]?.status === 'succeeded');

    expect(delivery).toMatchObject({ id: message.deliveryId, eventId: event.id, eventType: 'connection.created', attemptCount: 3, nextAttemptAt: null });
    expect(delivery.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([503, 500, 200]);
    expect(delivery.attempts[0]).toMatchObject({ errorKind: 'http_status', responseExcerpt: 'answer 1', latencyMs: expect.any(Number) });
    expect(delivery.attempts[0].responseHeaders['content-type']).toBe('text/plain');

    const requests = received.filter((r) => r.path === '/flaky');
    expect(requests).toHaveLength(3);
    expect(new Set(requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([message.deliveryId]));
    expect(new Set(requests.map((r) => r.headers['webhook-timestamp'])).size).toBe(3);
    expect(new Set(requests.map((r) => r.headers['webhook-signature'])).size).toBe(3);
    for (const request of requests) {
      expect(new Webhook(endpoint.secret).verify(request.body, request.headers as Record<string, string>)).toEqual({
        type: 'connection.created',
        timestamp: event.timestamp,
        data: event.data,
      });
    }
  });

  it('disables the endpoint when the receiver answers 410', async () => {
    const { endpoint } = await deliveryTo('/gone');
    const [delivery] = await deliveriesWhen(endpoint.id, (d) => d[0]?.status === 'failed');
    expect(delivery).toMatchObject({ reason: 'endpoint_gone', attemptCount: 1 });
    expect(delivery.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([410]);
    const after = await (await runtime.call(`/v1/webhook-endpoints/${endpoint.id}`)).json();
    expect(after.enabled).toBe(false);
  });

  it("answers 404 for another tenant's endpoint deliveries", async () => {
    const { endpoint } = await deliveryTo('/ok');
    await deliveriesWhen(endpoint.id, (d) => d[0]?.status === 'succeeded');
    const response = await runtime.call(`/v1/webhook-endpoints/${endpoint.id}/deliveries`, { key: rivalKey });
    expect(response.status).toBe(404);
  });

  it('filters deliveries by status and event type', async () => {
    const { endpoint, message } = await deliveryTo('/ok');
    await deliveriesWhen(endpoint.id, (d) => d.some((delivery) => delivery.id === message.deliveryId && delivery.status === 'succeeded'));
    // Counts this test's delivery only: an earlier test's event the relay reaches late may go to this `*` endpoint too.
    const list = async (query: string) =>
      (await (await runtime.call(`/v1/webhook-endpoints/${endpoint.id}/deliveries?${query}`)).json()).data.filter((d: { id: string }) => d.id === message.deliveryId).length;
    await expect(list('status=succeeded')).resolves.toBe(1);
    await expect(list('status=failed')).resolves.toBe(0);
    await expect(list('eventType=connection.deleted')).resolves.toBe(0);
    await expect(list(`since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).resolves.toBe(0);
  });

  it('records one attempt when the same queue message arrives twice', async () => {
    const { endpoint, message } = await deliveryTo('/twice');
    await sqs.send(new SendMessageCommand({ QueueUrl: runtime.env.DELIVERIES_QUEUE_URL, MessageBody: JSON.stringify(message) }));
    const [delivery] = await deliveriesWhen(endpoint.id, (d) => d[0]?.status === 'succeeded');
    // The second copy is handled once its claim is seen: wait for the log line that says so.
    const deadline = Date.now() + 20_000;
    while (runtime.logs.filter((line) => line.text.includes(message.deliveryId)).length < 2) {
      if (Date.now() > deadline) throw new Error('the second copy was never handled');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(delivery.attempts).toHaveLength(1);
    expect(received.filter((r) => r.path === '/twice')).toHaveLength(1);
  });

  it('keeps 20,000 bytes of an answer that never ends, and succeeds', async () => {
    const { endpoint } = await deliveryTo('/endless');
    const [delivery] = await deliveriesWhen(endpoint.id, (d) => d[0]?.status === 'succeeded');
    expect(delivery.attempts[0].statusCode).toBe(200);
    expect(delivery.attempts[0].responseExcerpt).toBe('a'.repeat(1_000));
    const store = deliveryStore({ db: localDynamoDb(runtime.dynamodbEndpoint), table: runtime.env.MAIN_TABLE_NAME! });
    const [stored] = await store.attempts('local', (await store.get('local', endpoint.id, delivery.id))!);
    expect(stored!.responseBody).toBe('a'.repeat(20_000));
  });

  it('drops a malformed message rather than retrying it', async () => {
    const { output } = await runtime.logsDuring(async () => {
      await sqs.send(new SendMessageCommand({ QueueUrl: runtime.env.DELIVERIES_QUEUE_URL, MessageBody: '{"attempt":"one"}' }));
      const deadline = Date.now() + 20_000;
      while (!runtime.logs.some((line) => line.text.includes('dropped a malformed delivery message'))) {
        if (Date.now() > deadline) throw new Error('the malformed message was never handled');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });
    expect(output).toContain('dropped a malformed delivery message');
    expect(output).not.toContain('SQS will redeliver');
  });

  it.each([
    ['never answers', '/stalled'],
    ['stops halfway through its answer', '/stalled-body'],
  ])('records a timeout when the receiver %s, and schedules a retry', async (_name, path) => {
    const { endpoint, message } = await deliveryTo(path);
    // The worker's own deps, but a 300 ms timeout in place of its 15 s, called here.
    const table = { db: localDynamoDb(runtime.dynamodbEndpoint), table: runtime.env.MAIN_TABLE_NAME! };
    const enqueued: QueueMessage[] = [];
    const deps = {
      deliveries: deliveryStore(table),
      endpoints: webhookEndpointStore(table),
      events: eventStore(table),
      vault: createVault(keyringFromEnv({ env: runtime.env })),
      post: (request: Parameters<typeof send>[0]) => send(request, { maxAttempts: 1, timeoutMs: 300, maxBodyBytes: maxResponseBytes }),
      enqueue: async (next: QueueMessage[]) => void enqueued.push(...next),
    };
    // Claimed at attempt 2, so the worker's own copy of attempt 1 (from deliveryTo) does not race it.
    await expect(handleQueueMessage(deps, { ...message, attempt: 2, lane: 'retry' })).resolves.toBe('retrying');
    const attempts = await deps.deliveries.attempts('local', (await deps.deliveries.get('local', endpoint.id, message.deliveryId))!);
    expect(attempts.find((a) => a.attempt === 2)).toMatchObject({ statusCode: null, errorKind: 'timeout' });
    expect(enqueued).toEqual([expect.objectContaining({ attempt: 3 })]);
  });
});
