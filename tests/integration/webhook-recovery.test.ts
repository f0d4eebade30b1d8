import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { operatorAudit } from '../../shared/platform/audit';
import { createApiKey, createTenant } from '../../shared/tenancy/service';
import { localDynamoDb } from '../support/dynamodb';
import { goodBodies } from '../support/good-bodies';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

// The receiver's loopback address is opened, as it would be in no deployment; the rest as in AWS.
const receiverHost = '127.0.0.4';
process.env.OUTBOUND_ALLOWED_NETWORKS = `${receiverHost}/32`;

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Whether the sender is still waiting for the answer. */
  open: () => boolean;
  /** Hangs up on a request held open. */
  release: () => void;
}

let runtime: TestRuntime;
let receiver: Server;
let receiverUrl: string;
let rivalKey: string;
const received: Received[] = [];
/**
 * What the receiver answers on each path, in turn (the last one repeats); 0 holds the
 * request open without an answer, as a stalled receiver does.
 */
const script: Record<string, number[]> = {};

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), open: () => isOpen(req), release: () => req.socket.destroy() });
      const answers = script[path] ?? [200];
      const count = received.filter((r) => r.path === path).length;
      const status = answers[Math.min(count, answers.length) - 1]!;
      if (status !== 0) res.writeHead(status, { 'content-type': 'text/plain' }).end(`answer ${count}`);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, receiverHost, resolve));
  receiverUrl = `http://${receiverHost}:${(receiver.address() as AddressInfo).port}`;
  // One retry a second after a failure, then the delivery ends `failed`.
  runtime = await startTestRuntime({ functionEnv: { WEBHOOK_RETRY_SCHEDULE_SECONDS: '1' } });
  const store = { db: localDynamoDb(runtime.dynamodbEndpoint), table: runtime.env.MAIN_TABLE_NAME! };
  await createTenant(store, 'Rival', 'rival');
  rivalKey = (await createApiKey(store, operatorAudit('rival', 'test', 'api_key.create'), { name: 'rival', scopes: ['read', 'write'] })).secret;
});

const isOpen = (req: IncomingMessage) => !req.socket.destroyed;

afterAll(async () => {
  receiver.closeAllConnections();
  await runtime?.stop();
  await new Promise((resolve) => receiver.close(resolve));
});

/** Each test's endpoints are deleted after it, and stalled requests hung up, so no test sends to another's. */
const created: string[] = [];
afterEach(async () => {
  for (const id of created.splice(0)) await runtime.call(`/v1/webhook-endpoints/${id}`, { method: 'DELETE' });
  for (const request of received) request.release();
});

let paths = 0;
/** An endpoint on a path of its own, answering `answers` in turn. */
async function endpointAnswering(answers: number[], eventTypes = ['connection.*']) {
  const path = `/r${++paths}`;
  script[path] = answers;
  const response = await runtime.call('/v1/webhook-endpoints', { method: 'POST', json: { url: `${receiverUrl}${path}`, eventTypes } });
  expect(response.status).toBe(201);
  const endpoint = (await response.json()) as { id: string; secret: string };
  created.push(endpoint.id);
  return { ...endpoint, path, received: () => received.filter((r) => r.path === path) };
}

async function newConnection(): Promise<string> {
  const response = await runtime.call('/v1/connections', { method: 'POST', json: goodBodies['POST /v1/connections']!() });
  expect(response.status).toBe(201);
  return (await response.json()).id;
}

/** Polls `read` until `done` holds; fails after 20 s with what it last saw. */
async function until<T>(read: () => Promise<T> | T, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`never got there: ${JSON.stringify(value)}\n${runtime.logs.slice(-20).map((line) => line.text).join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const deliveriesOf = async (endpointId: string, query = '') => (await (await runtime.call(`/v1/webhook-endpoints/${endpointId}/deliveries${query}`)).json()).data as any[];

describe('POST /v1/webhook-endpoints/{id}/test', () => {
  it('sends a signed test event now and answers the attempt', async () => {
    const endpoint = await endpointAnswering([204]);
    const response = await runtime.call(`/v1/webhook-endpoints/${endpoint.id}/test`, { method: 'POST' });
    expect(response.status).toBe(200);
    const delivery = await response.json();
    expect(delivery).toMatchObject({ eventType: 'test', status: 'succeeded', attemptCount: 1, attempts: [{ attempt: 1, statusCode: 204, errorKind: null }] });
    const [request] = endpoint.received();
    expect(request!.headers['webhook-id']).toBe(delivery.id);
    expect(new Webhook(endpoint.secret).verify(request!.body, request!.headers as Record<string, string>)).toMatchObject({ type: 'test', data: { endpointId: endpoint.id } });
    expect((await deliveriesOf(endpoint.id, '?eventType=test')).map((d) => d.id)).toEqual([delivery.id]);
  });

  it("answers a failing receiver's status, and leaves the endpoint as it was", async () => {
    const endpoint = await endpointAnswering([410]);
    const delivery = await (await runtime.call(`/v1/webhook-endpoints/${endpoint.id}/test`, { method: 'POST' })).json();
    expect(delivery).toMatchObject({ status: 'failed', attempts: [{ statusCode: 410, errorKind: 'http_status', responseExcerpt: 'answer 1' }] });
    const after = await (await runtime.call(`/v1/webhook-endpoints/${endpoint.id}`)).json();
    expect(after).toMatchObject({ enabled: true, version: 1, failingSince: null, disabledReason: null });
  });

  it("answers 404 for another tenant's endpoint, and sends nothing", async () => {
    const endpoint = await endpointAnswering([200]);
    const response = await runtime.call(`/v1/webhook-endpoints/${endpoint.id}/test`, { method: 'POST', key: rivalKey });
    expect(response.status).toBe(404);
    expect(endpoint.received()).toEqual([]);
  });
});

describe('POST /v1/webhook-deliveries/{id}/retry', () => {
  it('sends a failed delivery again with the same webhook-id, on a new run of attempts', async () => {
    const endpoint = await endpointAnswering([500, 500, 200]);
    await newConnection();
    const [failed] = await until(() => deliveriesOf(endpoint.id), (data) => data[0]?.status === 'failed');
    expect(failed).toMatchObject({ attemptCount: 2, reason: 'attempts_exhausted' });

    const response = await runtime.call(`/v1/webhook-deliveries/${failed.id}/retry`, { method: 'POST' });
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ id: failed.id, status: 'pending' });
    const [delivered] = await until(() => deliveriesOf(endpoint.id), (data) => data[0]?.status === 'succeeded');
    expect(delivered.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 500, 200]);
    expect(new Set(endpoint.received().map((r) => r.headers['webhook-id']))).toEqual(new Set([failed.id]));
  });

  it("answers 409 while an attempt is scheduled, and 404 for another tenant's delivery", async () => {
    // Fails once, then stalls the retry: the delivery stays pending.
    const endpoint = await endpointAnswering([500, 0]);
    await newConnection();
    const [pending] = await until(() => deliveriesOf(endpoint.id), (data) => data.length > 0);
    expect(pending.status).toBe('pending');
    const busy = await runtime.call(`/v1/webhook-deliveries/${pending.id}/retry`, { method: 'POST' });
    expect(busy.status).toBe(409);
    expect(busy.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await runtime.call(`/v1/webhook-deliveries/${pending.id}/retry`, { method: 'POST', key: rivalKey })).status).toBe(404);
  });

  it('answers 400 naming the path for something that is not a delivery id', async () => {
    const response = await runtime.call('/v1/webhook-deliveries/msg_nope/retry', { method: 'POST' });
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain('path.id');
  });
});

describe('POST /v1/webhook-endpoints/{id}/replay', () => {
  it('sends again every subscribed event of the window, to this endpoint only', async () => {
    const since = new Date().toISOString();
    const sentinel = await endpointAnswering([200], ['connection.created']);
    const connections = [await newConnection(), await newConnection()];
    // Made once the relay has handed the events on: it sent these endpoints none of them.
    await until(() => sentinel.received().length, (count) => count === 2);
    const endpoint = await endpointAnswering([200], ['connection.created']);
    const bystander = await endpointAnswering([200], ['connection.created']);
    const response = await runtime.call(`/v1/webhook-endpoints/${endpoint.id}/replay`, { method: 'POST', json: { since } });
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ endpointId: endpoint.id, since, status: 'queued' });

    const sent = await until(
      () => endpoint.received().map((r) => JSON.parse(r.body).data.id as string),
      (ids) => connections.every((id) => ids.includes(id)),
    );
    expect(sent.filter((id) => connections.includes(id))).toHaveLength(2);
    expect(endpoint.received().every((r) => JSON.parse(r.body).type === 'connection.created')).toBe(true);
    expect(bystander.received()).toEqual([]);
  });

  it('refuses a window reaching more than 14 days back, naming the field', async () => {
    const endpoint = await endpointAnswering([200]);
    const since = new Date(Date.now() - 15 * 86_400_000).toISOString();
    const response = await runtime.call(`/v1/webhook-endpoints/${endpoint.id}/replay`, { method: 'POST', json: { since } });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ errors: [{ field: 'body.since' }] });
  });

  it("answers 404 for another tenant's endpoint", async () => {
    const endpoint = await endpointAnswering([200]);
    const response = await runtime.call(`/v1/webhook-endpoints/${endpoint.id}/replay`, { method: 'POST', json: { since: new Date().toISOString() }, key: rivalKey });
    expect(response.status).toBe(404);
  });
});

describe('a failing endpoint', () => {
  it("does not hold up a healthy endpoint's deliveries: those go out while its stalled request is still open", async () => {
    // It fails once (so it is known to be failing), then stalls every request it gets.
    const stalled = await endpointAnswering([500, 0]);
    const healthy = await endpointAnswering([200]);
    await newConnection();
    const [held] = await until(() => stalled.received(), (requests) => requests.length >= 2 && requests[1]!.open()).then((requests) => requests.slice(1));
    // One event at a time, each in a batch of its own: a stalled send on the healthy
    // endpoint's lane would hold every later batch for the 15 s send timeout.
    for (let i = 0; i < 4; i++) {
      const before = healthy.received().length;
      await newConnection();
      await until(() => healthy.received().length, (count) => count > before);
    }
    expect(held!.open()).toBe(true);
    expect(healthy.received()).toHaveLength(5);
    const endpoint = await (await runtime.call(`/v1/webhook-endpoints/${stalled.id}`)).json();
    expect(endpoint.failingSince).toEqual(expect.any(String));
  });
});
