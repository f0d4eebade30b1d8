import { Webhook } from 'standardwebhooks';
import type { EventItem, EventStore } from '../../../../shared/events/store';
import type { OutboundRequest, OutboundResponse } from '../../../../shared/platform/outbound';
import { deliverMessage, nextDelayMs, staleClaimMs, svixScheduleMs, type DeliveryDeps } from '../../../../shared/webhooks/delivery';
import type { DeliveryMessage } from '../../../../shared/webhooks/delivery-message';
import type { AttemptItem, DeliveryItem, DeliveryStore } from '../../../../shared/webhooks/delivery-store';
import type { SecretItem, WebhookEndpointItem, WebhookEndpointStore } from '../../../../shared/webhooks/store';
import { fakeVault } from '../../../fakes/in-memory';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const tenantId = 't1';
const endpointId = 'whep_01JCZ8X7Q4B3N5M6P7R8S9T0V2';
const eventId = 'evt_01JCZ8X7Q4B3N5M6P7R8S9T0V1';
const deliveryId = 'msg_01JCZ8X7Q4B3N5M6P7R8S9T0V1_01JCZ8X7Q4B3N5M6P7R8S9T0V2';
/** Now, in whole seconds: the official library checks the signed timestamp against its own clock. */
const start = new Date(Math.floor(Date.now() / 1000) * 1000);

type Answer = Partial<OutboundResponse> | Error;

/** A world of fakes: one endpoint, one event, a receiver answering `answers` in turn. */
async function world(answers: Answer[] = [{ status: 200 }], overrides: Partial<DeliveryDeps> = {}) {
  const vault = fakeVault();
  const endpoint: WebhookEndpointItem = {
    id: endpointId, url: 'https://hooks.example.com/in', eventTypes: ['*'], description: '', enabled: true,
    headers: { 'X-Team': 'payments' }, rateLimitPerSecond: null, version: 1, createdAt: start.toISOString(), updatedAt: start.toISOString(), secretRotatedAt: null,
  };
  const sealed = await vault.seal(secret, { tenantId, connectionId: endpointId, purpose: 'webhook-signing-secret' });
  const secretItem: SecretItem = { ...sealed, tenantId, endpointId, slot: 'current', generation: 1, createdAt: start.toISOString() };
  const endpoints: WebhookEndpointStore = {
    table: 'main',
    get: async (t, id) => (t === tenantId && id === endpointId && !state.deleted ? structuredClone(endpoint) : undefined),
    async update(_t, _id, version, changes) {
      if (version !== endpoint.version) return 'stale';
      Object.assign(endpoint, changes, { version: version + 1 });
      return 'updated';
    },
    secrets: async () => ({ current: secretItem }),
    create: async () => true,
    list: async () => ({ items: [], nextCursor: null }),
    delete: async () => true,
    rotate: async () => 'rotated',
  };
  const event: EventItem = {
    id: eventId, type: 'connection.created', timestamp: start.toISOString(),
    data: { id: 'conn_1' } as EventItem['data'], expiresAt: Math.floor(start.getTime() / 1000) + 30 * 86_400,
  };
  const events: EventStore = { get: async (t, id) => (t === tenantId && id === eventId ? event : undefined), list: async () => ({ items: [], nextCursor: null }) };
  const attempts = new Map<number, AttemptItem>();
  const deliveries: DeliveryItem[] = [];
  const store: DeliveryStore = {
    async claimAttempt(_t, attempt, staleBefore) {
      const held = attempts.get(attempt.attempt);
      if (held && !(held.state === 'sending' && held.at < staleBefore)) return false;
      attempts.set(attempt.attempt, structuredClone(attempt));
      return true;
    },
    recordAttempt: async (_t, attempt) => void attempts.set(attempt.attempt, structuredClone(attempt)),
    putDelivery: async (_t, delivery) => void deliveries.push(structuredClone(delivery)),
    list: async () => ({ items: [], nextCursor: null }),
    attempts: async () => [...attempts.values()],
  };
  const sent: OutboundRequest[] = [];
  const enqueued: Array<{ message: DeliveryMessage; delaySeconds: number }> = [];
  const state = { now: start, deleted: false };
  const deps: DeliveryDeps = {
    deliveries: store, endpoints, events, vault,
    async post(request) {
      sent.push(request);
      const answer = answers[Math.min(sent.length - 1, answers.length - 1)]!;
      if (answer instanceof Error) throw answer;
      return { status: 200, headers: {}, body: '', latencyMs: 12, attempts: 1, ...answer };
    },
    enqueue: async (message, delaySeconds) => void enqueued.push({ message, delaySeconds }),
    now: () => state.now,
    random: () => 0.5,
    ...overrides,
  };
  return { deps, sent, enqueued, attempts, deliveries, endpoint, event, state };
}

const first: DeliveryMessage = { tenantId, endpointId, eventId, deliveryId, attempt: 1 };

describe('one delivery attempt', () => {
  it("puts a message over the endpoint's per-second budget back for a second, without an attempt", async () => {
    const { deps, sent, enqueued, attempts, endpoint } = await world();
    endpoint.rateLimitPerSecond = 5;
    const asked: Array<[string, string, number]> = [];
    deps.admit = async (...args) => (asked.push(args), false);
    await expect(deliverMessage(deps, first)).resolves.toBe('deferred');
    expect(asked).toEqual([[tenantId, endpointId, 5]]);
    expect(sent).toEqual([]);
    expect(attempts.size).toBe(0);
    expect(enqueued).toEqual([{ message: first, delaySeconds: 1 }]);
  });

  it('asks no budget of an endpoint without a limit of its own', async () => {
    const { deps, sent } = await world();
    deps.admit = async () => false;
    await expect(deliverMessage(deps, first)).resolves.toBe('succeeded');
    expect(sent).toHaveLength(1);
  });

  it('posts the event signed by the Standard Webhooks scheme, verifiable by the official library', async () => {
    const { deps, sent, deliveries } = await world();
    await expect(deliverMessage(deps, first)).resolves.toBe('succeeded');
    const [request] = sent;
    expect(request!.headers).toMatchObject({ 'webhook-id': deliveryId, 'webhook-timestamp': String(start.getTime() / 1000), 'content-type': 'application/json', 'X-Team': 'payments' });
    expect(JSON.parse(request!.body!)).toEqual({ type: 'connection.created', timestamp: start.toISOString(), data: { id: 'conn_1' } });
    expect(new Webhook(secret).verify(request!.body!, request!.headers!)).toEqual(JSON.parse(request!.body!));
    expect(deliveries.at(-1)).toMatchObject({ status: 'succeeded', attempts: 1, nextAttemptAt: null });
  });

  it('records the status, latency, headers and at most 20,000 bytes of the answer', async () => {
    const { deps, attempts } = await world([{ status: 503, headers: { 'x-request': 'r1', 'set-x': ['a', 'b'] }, body: 'x'.repeat(25_000), latencyMs: 40 }]);
    await deliverMessage(deps, first);
    expect(attempts.get(1)).toMatchObject({ state: 'done', statusCode: 503, latencyMs: 40, responseHeaders: { 'x-request': 'r1', 'set-x': 'a, b' }, errorKind: 'http_status' });
    expect(attempts.get(1)!.responseBody).toHaveLength(20_000);
  });

  it.each([
    ['a timeout', new Error('no answer from hooks.example.com after 1 attempts: The operation was aborted due to timeout'), 'timeout'],
    ['a refused connection', new Error('no answer from hooks.example.com after 1 attempts: connect ECONNREFUSED'), 'connection'],
    ['a forbidden address', new Error('hooks.example.com resolves to a forbidden address'), 'forbidden_address'],
  ])('records %s as a failed attempt and retries it', async (_name, error, kind) => {
    const { deps, attempts, enqueued } = await world([error]);
    await expect(deliverMessage(deps, first)).resolves.toBe('retrying');
    expect(attempts.get(1)).toMatchObject({ statusCode: null, errorKind: kind });
    expect(enqueued).toHaveLength(1);
  });

  it.each([301, 400, 401, 404, 429, 500, 503])('retries after a %i, never following a redirect', async (status) => {
    const { deps, sent, enqueued, deliveries } = await world([{ status, headers: { location: 'https://elsewhere.example.com/' } }]);
    await expect(deliverMessage(deps, first)).resolves.toBe('retrying');
    expect(sent).toHaveLength(1);
    expect(enqueued[0]!.message).toEqual({ ...first, attempt: 2 });
    expect(deliveries.at(-1)).toMatchObject({ status: 'pending', attempts: 1 });
  });

  it('disables the endpoint on a 410 and schedules nothing', async () => {
    const { deps, endpoint, enqueued, deliveries } = await world([{ status: 410 }]);
    await expect(deliverMessage(deps, first)).resolves.toBe('disabled');
    expect(endpoint.enabled).toBe(false);
    expect(enqueued).toEqual([]);
    expect(deliveries.at(-1)).toMatchObject({ status: 'failed', reason: 'endpoint_gone' });
  });

  it('ends failed when the attempt after the last scheduled delay fails', async () => {
    const { deps, enqueued, deliveries } = await world([{ status: 500 }]);
    await expect(deliverMessage(deps, { ...first, attempt: svixScheduleMs.length + 1 })).resolves.toBe('failed');
    expect(enqueued).toEqual([]);
    expect(deliveries.at(-1)).toMatchObject({ status: 'failed', reason: 'attempts_exhausted', attempts: 8, nextAttemptAt: null });
  });
});

describe('the retry schedule', () => {
  it.each(svixScheduleMs.map((ms, i) => [i + 1, ms]))('after attempt %i waits %i ms ±20 %%', (_attempt, scheduled) => {
    expect(nextDelayMs(scheduled, undefined, () => 0)).toBe(Math.round(scheduled * 0.8));
    expect(nextDelayMs(scheduled, undefined, () => 0.999_999)).toBeLessThanOrEqual(scheduled * 1.2);
    expect(nextDelayMs(scheduled, undefined, () => 0.999_999)).toBeGreaterThan(scheduled * 1.19);
  });

  it('holds Retry-After within 1-2x the scheduled delay', () => {
    expect(nextDelayMs(300_000, 10_000)).toBe(300_000);
    expect(nextDelayMs(300_000, 450_000)).toBe(450_000);
    expect(nextDelayMs(300_000, 3_600_000)).toBe(600_000);
  });

  it("reads a 429's Retry-After when scheduling the next attempt", async () => {
    const { deps, enqueued } = await world([{ status: 429, headers: { 'retry-after': '9' } }]);
    await deliverMessage(deps, first);
    expect(enqueued[0]!.delaySeconds).toBe(9);
  });

  it('chains a wait longer than SQS allows through notBefore', async () => {
    const { deps, enqueued, deliveries } = await world([{ status: 500 }]);
    await deliverMessage(deps, { ...first, attempt: 3 });
    const due = new Date(start.getTime() + svixScheduleMs[2]!).toISOString();
    expect(enqueued).toEqual([{ message: { ...first, attempt: 4, notBefore: due }, delaySeconds: 900 }]);
    expect(deliveries.at(-1)).toMatchObject({ nextAttemptAt: due });
  });

  it('sends an early message on for the rest of its wait, without an attempt', async () => {
    const { deps, enqueued, sent, state } = await world();
    const message = { ...first, attempt: 4, notBefore: new Date(start.getTime() + 1_800_000).toISOString() };
    await expect(deliverMessage(deps, message)).resolves.toBe('deferred');
    expect(enqueued).toEqual([{ message, delaySeconds: 900 }]);
    state.now = new Date(start.getTime() + 1_500_000);
    await deliverMessage(deps, message);
    expect(enqueued[1]).toEqual({ message, delaySeconds: 300 });
    state.now = new Date(start.getTime() + 1_800_000);
    await expect(deliverMessage(deps, message)).resolves.toBe('succeeded');
    expect(sent).toHaveLength(1);
  });
});

describe('a message seen twice', () => {
  it('sends and records an attempt once when the same message comes again', async () => {
    const { deps, sent, enqueued } = await world([{ status: 500 }]);
    await deliverMessage(deps, first);
    await expect(deliverMessage(deps, first)).resolves.toBe('duplicate');
    expect(sent).toHaveLength(1);
    expect(enqueued).toHaveLength(1);
  });

  it('sends once when both copies arrive at the same time', async () => {
    const { deps, sent } = await world();
    const outcomes = await Promise.all([deliverMessage(deps, first), deliverMessage(deps, first)]);
    expect(outcomes.sort()).toEqual(['duplicate', 'succeeded']);
    expect(sent).toHaveLength(1);
  });

  it('takes over the claim of a worker that died mid-send, with the same webhook-id', async () => {
    const { deps, sent, attempts, state } = await world();
    attempts.set(1, { deliveryId, endpointId, attempt: 1, state: 'sending', at: start.toISOString(), statusCode: null, latencyMs: null, responseHeaders: {}, responseBody: '', errorKind: null, error: null, expiresAt: 0 });
    await expect(deliverMessage(deps, first)).resolves.toBe('duplicate');
    state.now = new Date(start.getTime() + staleClaimMs + 1);
    await expect(deliverMessage(deps, first)).resolves.toBe('succeeded');
    expect(sent.map((r) => r.headers!['webhook-id'])).toEqual([deliveryId]);
  });
});

describe('what is not sent', () => {
  it('records a delivery to a disabled endpoint as failed, without a request', async () => {
    const { deps, endpoint, sent, deliveries } = await world();
    endpoint.enabled = false;
    await expect(deliverMessage(deps, first)).resolves.toBe('skipped');
    expect(sent).toEqual([]);
    expect(deliveries.at(-1)).toMatchObject({ status: 'failed', reason: 'endpoint_disabled' });
  });

  it('records a delivery of an expired event as failed, without a request', async () => {
    const { deps, event, sent, deliveries } = await world();
    event.expiresAt = Math.floor(start.getTime() / 1000);
    await expect(deliverMessage(deps, first)).resolves.toBe('skipped');
    expect(sent).toEqual([]);
    expect(deliveries.at(-1)).toMatchObject({ status: 'failed', reason: 'event_expired' });
  });

  it('sends nothing to a deleted endpoint', async () => {
    const { deps, sent, state } = await world();
    state.deleted = true;
    await expect(deliverMessage(deps, first)).resolves.toBe('skipped');
    expect(sent).toEqual([]);
  });
});
