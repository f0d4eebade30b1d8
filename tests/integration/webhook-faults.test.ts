import { createServer as createHttpServer, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import type { ConsumerDeclaration, Declaration } from '../../infra/declaration';
import { declaration as product } from '../../infra/functions';
import { waitFor } from '../../infra/local/ports';
import { operatorAudit } from '../../shared/platform/audit';
import { scopes } from '../../shared/platform/contract';
import { createApiKey, createTenant } from '../../shared/tenancy/service';
import { staleClaimMs } from '../../shared/webhooks/delivery';
import { deliveryIdOf } from '../../shared/webhooks/delivery-message';
import { webhookEndpointStore } from '../../shared/webhooks/store';
import { localDynamoDb } from '../support/dynamodb';
import { goodBodies } from '../support/good-bodies';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

/**
 * Webhook delivery when something breaks: the worker's container dies mid-batch, a name
 * points at loopback by the time it is sent to, a tenant floods the API. Each test has a
 * tenant of its own, so the relay hands each test's events to that test's endpoints only.
 */

// The receiver's loopback address is opened to every function, as it would be in no deployment.
const receiverHost = '127.0.0.4';
process.env.OUTBOUND_ALLOWED_NETWORKS = `${receiverHost}/32`;

/**
 * A redelivered message takes over its dead worker's claim only once the claim is older
 * than `staleClaimMs` (60 s; no variable shortens it), so the deliveries queue hides a
 * received message a little longer than that, not the deployed 180 s: 10 s longer, for
 * the time between the batch's receipt and its claims. The worker's timeout goes down to
 * 10 s with it, under the 6x rule the runtime enforces as synth does.
 */
const redeliverySeconds = Math.ceil(staleClaimMs / 1000) + 10;
const worker = product.functions.deliverWebhooks as ConsumerDeclaration;
const quickRedelivery: Declaration = {
  ...product,
  resources: {
    ...product.resources,
    queues: { ...product.resources.queues, deliveries: { ...product.resources.queues.deliveries!, visibilityTimeoutSeconds: redeliverySeconds } },
  },
  functions: { ...product.functions, deliverWebhooks: { ...worker, timeoutSeconds: 10 } },
};

async function keyFor(runtime: TestRuntime, tenantId: string): Promise<string> {
  const store = { db: localDynamoDb(runtime.dynamodbEndpoint), table: runtime.env.MAIN_TABLE_NAME! };
  await createTenant(store, tenantId, tenantId);
  return (await createApiKey(store, operatorAudit(tenantId, 'test', 'api_key.create'), { name: tenantId, scopes: [...scopes] })).secret;
}

const createEndpoint = (runtime: TestRuntime, key: string, url: string) =>
  runtime.call('/v1/webhook-endpoints', { method: 'POST', key, json: { url, eventTypes: ['connection.created'] } });

async function endpointAt(runtime: TestRuntime, key: string, url: string): Promise<string> {
  const response = await createEndpoint(runtime, key, url);
  expect(response.status).toBe(201);
  return (await response.json()).id;
}

/** A new connection's `connection.created` event, which the relay hands to every subscribed endpoint of the tenant. */
async function connectionEvent(runtime: TestRuntime, key: string): Promise<{ id: string }> {
  const created = await runtime.call('/v1/connections', { method: 'POST', key, json: goodBodies['POST /v1/connections']!() });
  expect(created.status).toBe(201);
  const connection = await created.json();
  const events = await (await runtime.call('/v1/events?type=connection.created&limit=100', { key })).json();
  const event = events.data.find((e: { data: { id: string } }) => e.data.id === connection.id);
  expect(event).toBeDefined();
  return event;
}

async function deliveriesOf(runtime: TestRuntime, key: string, endpointId: string): Promise<any[]> {
  const response = await runtime.call(`/v1/webhook-endpoints/${endpointId}/deliveries`, { key });
  expect(response.status).toBe(200);
  return (await response.json()).data;
}

describe('delivering webhooks through faults', () => {
  let runtime: TestRuntime;
  let receiver: Server;
  let receiverUrl: string;
  /** A listener on the address `localhost` resolves to: nothing may connect to it. */
  let trap: TcpServer;
  let trapPort: number;
  let trapConnections = 0;
  const received: Array<{ path: string; webhookId: string }> = [];
  /** While set, the receiver leaves requests to /held/… unanswered. */
  let holding = false;
  const unanswered: ServerResponse[] = [];

  beforeAll(async () => {
    receiver = createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received.push({ path: req.url ?? '/', webhookId: String(req.headers['webhook-id']) });
        if (holding && req.url?.startsWith('/held/')) return void unanswered.push(res);
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, receiverHost, resolve));
    receiverUrl = `http://${receiverHost}:${(receiver.address() as AddressInfo).port}`;
    trap = createTcpServer((socket) => {
      trapConnections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    trapPort = (trap.address() as AddressInfo).port;
    runtime = await startTestRuntime({
      declaration: quickRedelivery,
      // Where endpoints are saved, localhost's 127.0.0.1 is open too: a name passes the
      // check at save as one whose DNS answer is public then would. The worker keeps the
      // rules every deployment has, so for it the name now points at loopback (rebinding).
      envByFunction: { createWebhookEndpoint: { OUTBOUND_ALLOWED_NETWORKS: `${receiverHost}/32,127.0.0.1/32` } },
    });
  });

  afterAll(async () => {
    await runtime?.stop();
    for (const response of unanswered) response.destroy();
    receiver?.closeAllConnections();
    await new Promise((resolve) => receiver?.close(resolve));
    await new Promise((resolve) => trap?.close(resolve));
  });

  const requestsTo = (path: string) => received.filter((r) => r.path === path);

  it(
    'delivers every message of a batch whose worker dies mid-send once SQS redelivers it: the answered ones once, the cut-off ones again under the same webhook-id',
    async () => {
      const key = await keyFor(runtime, 'crash');
      const quick = await Promise.all([1, 2, 3, 4].map((i) => endpointAt(runtime, key, `${receiverUrl}/quick/${i}`)));
      const held = await Promise.all([1, 2, 3, 4].map((i) => endpointAt(runtime, key, `${receiverUrl}/held/${i}`)));
      holding = true;
      // A cold start (a bundle rebuilt) between the batch's receipt and its claims would eat
      // into the margin above: the container starts now, on an empty batch.
      await runtime.functions.invoke('deliverWebhooks', { Records: [] });

      // One event for eight endpoints: the relay sends its eight messages in one
      // SendMessageBatch, and the worker receives them as one batch.
      const event = await connectionEvent(runtime, key);
      await waitFor(
        async () => {
          expect(held.map((_, i) => requestsTo(`/held/${i + 1}`).length)).toEqual([1, 1, 1, 1]);
          for (const id of quick) expect((await deliveriesOf(runtime, key, id))[0]?.status).toBe('succeeded');
        },
        { timeoutMs: 20_000, intervalMs: 200, what: 'the batch sent, four answers recorded and four held open' },
      );

      holding = false;
      await runtime.functions.killContainer('deliverWebhooks');

      await waitFor(async () => expect(held.map((_, i) => requestsTo(`/held/${i + 1}`).length)).toEqual([2, 2, 2, 2]), {
        timeoutMs: redeliverySeconds * 1000 + 20_000,
        intervalMs: 250,
        what: 'the held messages sent again after their redelivery',
      });
      const all = [...quick, ...held];
      let deliveries: any[][] = [];
      await waitFor(
        async () => {
          deliveries = await Promise.all(all.map((id) => deliveriesOf(runtime, key, id)));
          expect(deliveries.map((d) => d[0]?.status)).toEqual(all.map(() => 'succeeded'));
        },
        { timeoutMs: 10_000, intervalMs: 200, what: 'every delivery recorded as succeeded' },
      );

      // Answered before the crash: recorded, so the redelivered copy is not sent again.
      for (const [i, id] of quick.entries()) {
        expect(requestsTo(`/quick/${i + 1}`).map((r) => r.webhookId)).toEqual([deliveryIdOf(event.id, id)]);
      }
      // In flight at the crash: sent again, under the same webhook-id for the receiver to deduplicate.
      for (const [i, id] of held.entries()) {
        expect(requestsTo(`/held/${i + 1}`).map((r) => r.webhookId)).toEqual([deliveryIdOf(event.id, id), deliveryIdOf(event.id, id)]);
      }
      // The attempt that never finished is taken over, not counted twice.
      for (const [delivery] of deliveries) {
        expect(delivery).toMatchObject({ attemptCount: 1, attempts: [expect.objectContaining({ attempt: 1, statusCode: 200, errorKind: null })] });
      }
    },
    redeliverySeconds * 1000 + 60_000,
  );

  it('records a forbidden_address attempt and connects to nothing when a name saved as allowed resolves to loopback at send', async () => {
    const key = await keyFor(runtime, 'rebind');
    const endpointId = await endpointAt(runtime, key, `http://localhost:${trapPort}/hook`);

    const event = await connectionEvent(runtime, key);
    let deliveries: any[] = [];
    await waitFor(
      async () => {
        deliveries = await deliveriesOf(runtime, key, endpointId);
        expect(deliveries[0]?.attempts).toHaveLength(1);
      },
      { timeoutMs: 20_000, intervalMs: 200, what: 'the first attempt recorded' },
    );

    expect(deliveries[0]).toMatchObject({ id: deliveryIdOf(event.id, endpointId), status: 'pending', attemptCount: 1 });
    expect(deliveries[0].attempts[0]).toMatchObject({
      attempt: 1,
      statusCode: null,
      errorKind: 'forbidden_address',
      error: expect.stringContaining('localhost resolves to a forbidden address'),
    });
    expect(trapConnections).toBe(0);
  });
});

describe('a flood of webhook endpoint creations', () => {
  const budget = 5;
  let runtime: TestRuntime;
  beforeAll(async () => {
    runtime = await startTestRuntime({ functionEnv: { RATE_LIMIT_PER_MINUTE: String(budget) } });
  });
  afterAll(() => runtime?.stop());

  /** A public address written literally: saving it needs no DNS, and nothing is sent to it here. */
  const publicUrl = 'https://93.184.215.14/hooks';

  it("answers 429 with problem+json and Retry-After past the tenant's budget, and still creates another tenant's", async () => {
    const flood = await keyFor(runtime, 'flood');
    const calm = await keyFor(runtime, 'calm');
    // The budget is per fixed UTC minute: a flood straddling two minutes would get two budgets.
    await waitFor(async () => expect(Date.now() % 60_000).toBeLessThan(50_000), { timeoutMs: 15_000, intervalMs: 250, what: 'a minute with time left in it' });

    const responses = await Promise.all(Array.from({ length: budget + 5 }, () => createEndpoint(runtime, flood, publicUrl)));
    const other = await createEndpoint(runtime, calm, publicUrl);

    expect(responses.map((r) => r.status).sort()).toEqual([...Array(budget).fill(201), ...Array(5).fill(429)]);
    for (const refused of responses.filter((r) => r.status === 429)) {
      expect(refused.headers.get('content-type')).toBe('application/problem+json');
      expect(await refused.json()).toMatchObject({ status: 429, title: 'Too many requests' });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    }
    expect(other.status).toBe(201);
    // Refused before anything was written (asked of the table: the API would refuse this tenant too).
    const store = webhookEndpointStore({ db: localDynamoDb(runtime.dynamodbEndpoint), table: runtime.env.MAIN_TABLE_NAME! });
    await expect(store.list('flood', { limit: 100 })).resolves.toMatchObject({ items: Array(budget).fill(expect.anything()) });
  });
});
