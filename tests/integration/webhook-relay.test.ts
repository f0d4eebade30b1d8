import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { randomBytes } from 'node:crypto';
import type { Declaration } from '../../infra/declaration';
import { declaration as product } from '../../infra/functions';
import { waitFor } from '../../infra/local/ports';
import { DeliveryMessage, deliveryIdOf } from '../../shared/webhooks/delivery-message';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

/**
 * The product's declaration without whatever consumes the deliveries queue (the delivery
 * worker): what the relay sends stays on the queue for this test to read.
 */
const relayOnly: Declaration = {
  ...product,
  functions: Object.fromEntries(
    Object.entries(product.functions).filter(([, declared]) => !(declared.kind === 'consumer' && declared.queue === 'deliveries')),
  ),
};

let runtime: TestRuntime;
let sqs: SQSClient;
let queueUrl: string;
/** Every message read from the deliveries queue so far (received ones stay hidden, so each is read once). */
const received: DeliveryMessage[] = [];

beforeAll(async () => {
  runtime = await startTestRuntime({ declaration: relayOnly });
  sqs = new SQSClient({ endpoint: runtime.env.AWS_ENDPOINT_URL_SQS, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  queueUrl = runtime.env.DELIVERIES_QUEUE_URL!;
});
afterAll(async () => {
  sqs.destroy();
  await runtime.stop();
});

/** Reads the queue until a receive comes back empty. */
async function drain(): Promise<void> {
  for (;;) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    if (Messages.length === 0) return;
    received.push(...Messages.map((m) => DeliveryMessage.parse(JSON.parse(m.Body!))));
  }
}

/** An address written literally, so saving it needs no DNS; nothing connects to it here. */
async function createEndpoint(eventTypes: string[], enabled = true): Promise<string> {
  const response = await runtime.call('/v1/webhook-endpoints', { method: 'POST', json: { url: 'https://93.184.215.14/hooks', eventTypes, enabled } });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

async function createConnection(): Promise<string> {
  const response = await runtime.call('/v1/connections', {
    method: 'POST',
    json: { integration: 'stripe', name: 'Relayed', credentials: { apiKey: `sk_test_${randomBytes(18).toString('hex')}` } },
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

describe('the webhook relay', () => {
  it('puts exactly one attempt-1 message on the deliveries queue per subscribed, enabled endpoint, and none for the others', async () => {
    const subscribed = await createEndpoint(['connection.*']);
    const otherTypes = await createEndpoint(['connection.deleted']);
    const disabled = await createEndpoint(['connection.*'], false);

    const connectionId = await createConnection();
    const events = (await (await runtime.call('/v1/events?type=connection.created&limit=100')).json()) as { data: Array<{ id: string; data: { id: string } }> };
    const event = events.data.find((e) => e.data.id === connectionId)!;
    expect(event).toBeDefined();

    // The relay sends all of an event's messages in one invocation: once one is here, a drain finds the rest.
    await waitFor(
      async () => {
        await drain();
        expect(received.some((m) => m.eventId === event.id)).toBe(true);
      },
      { timeoutMs: 20_000, what: 'the relay\'s message' },
    );
    await drain();

    expect(received.filter((m) => m.eventId === event.id)).toEqual([
      { tenantId: 'local', endpointId: subscribed, eventId: event.id, deliveryId: deliveryIdOf(event.id, subscribed), attempt: 1 },
    ]);
    expect(received.filter((m) => m.endpointId === otherTypes || m.endpointId === disabled)).toEqual([]);
  });
});
