import { Webhook } from 'standardwebhooks';
import type { ConnectionEventData } from '../../../../shared/events/schema';
import type { EventItem, EventStore } from '../../../../shared/events/store';
import type { OutboundRequest, OutboundResponse } from '../../../../shared/platform/outbound';
import { Conflict, Invalid } from '../../../../shared/platform/errors';
import type { TransactItem } from '../../../../shared/platform/items';
import {
  handleBatch, handleQueueMessage, nextDelayMs, retryDelivery, sendTestEvent, startReplay, staleClaimMs, svixScheduleMs, type DeliveryDeps,
} from '../../../../shared/webhooks/delivery';
import type { DeliveryMessage, Lane, QueueMessage } from '../../../../shared/webhooks/delivery-message';
import type { Audit } from '../../../../shared/platform/audit';
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
  const recordedWith: TransactItem[][] = [];
  const endpoints: WebhookEndpointStore = {
    table: 'main',
    get: async (t, id) => (t === tenantId && id === endpointId && !state.deleted ? structuredClone(endpoint) : undefined),
    async update(_t, _id, version, changes, also) {
      if (version !== endpoint.version) return 'stale';
      Object.assign(endpoint, changes, { version: version + 1 });
      recordedWith.push(also);
      return 'updated';
    },
    async setFailingSince(_t, _id, since) {
      if (since === null || !endpoint.failingSince) endpoint.failingSince = since;
    },
    secrets: async () => ({ current: secretItem }),
    getWithSecrets: async (keys) =>
      keys.map(({ tenantId: t, id }) => (t === tenantId && id === endpointId && !state.deleted ? { endpoint: structuredClone(endpoint), secrets: { current: secretItem } } : undefined)),
    create: async () => true,
    list: async () => ({ items: [], nextCursor: null }),
    delete: async () => true,
    rotate: async () => 'rotated',
  };
  const event: EventItem = {
    id: eventId, type: 'connection.created', timestamp: start.toISOString(),
    data: { id: 'conn_1' } as ConnectionEventData, expiresAt: Math.floor(start.getTime() / 1000) + 30 * 86_400,
  };
  const events: EventStore = {
    get: async (t, id) => (t === tenantId && id === eventId ? event : undefined),
    getMany: async (keys) => keys.map(({ tenantId: t, id }) => (t === tenantId && id === eventId ? event : undefined)),
    list: async (_t, query) => (state.eventPages[query.cursor ?? ''] ?? { items: [], nextCursor: null }),
  };
  // The store's port on maps, with the DynamoDB store's conditions: `deliveries` logs each state written.
  const attempts = new Map<number, AttemptItem>();
  const current = new Map<string, DeliveryItem>();
  const deliveries: DeliveryItem[] = [];
  const write = (delivery: DeliveryItem) => {
    current.set(delivery.id, structuredClone(delivery));
    deliveries.push(structuredClone(delivery));
  };
  const store: DeliveryStore = {
    async claim(_t, delivery, staleBefore) {
      const held = current.get(delivery.id);
      if (held && held.attempts >= delivery.attempts && !(held.attempts === delivery.attempts && held.sendingSince && held.sendingSince < staleBefore)) {
        return held.attempts === delivery.attempts && held.sendingSince ? 'held' : 'done';
      }
      write({ ...delivery, createdAt: held?.createdAt ?? delivery.createdAt, ...(held?.lastAttempt ? { lastAttempt: held.lastAttempt } : {}) });
      return held?.lastAttempt ? { earlier: held.lastAttempt } : {};
    },
    async record(_t, delivery, attempt, earlier) {
      if (earlier) attempts.set(earlier.attempt, structuredClone(earlier));
      attempts.set(attempt.attempt, structuredClone(attempt));
      const held = current.get(delivery.id)!;
      if (held.attempts !== delivery.attempts) return;
      const { sendingSince: _released, lastAttempt: _moved, ...rest } = held;
      const { status, nextAttemptAt, reason, updatedAt } = delivery;
      write({ ...rest, status, nextAttemptAt, reason, updatedAt, ...(status === 'pending' ? {} : { lastAttempt: attempt }) });
    },
    async putDelivery(_t, delivery) {
      const held = current.get(delivery.id);
      if (!held || held.attempts <= delivery.attempts) write({ ...held, ...delivery });
    },
    get: async (_t, _e, id) => structuredClone(current.get(id)),
    list: async () => ({ items: [], nextCursor: null }),
    attempts: async () => [...attempts.values()],
  };
  const sent: OutboundRequest[] = [];
  const enqueued: Array<{ message: QueueMessage; lane: Lane; delaySeconds: number }> = [];
  const state = { now: start, deleted: false, eventPages: {} as Record<string, { items: EventItem[]; nextCursor: string | null }> };
  const deps: DeliveryDeps = {
    deliveries: store, endpoints, events, vault,
    async post(request) {
      sent.push(request);
      const answer = answers[Math.min(sent.length - 1, answers.length - 1)]!;
      if (answer instanceof Error) throw answer;
      return { status: 200, headers: {}, body: '', latencyMs: 12, attempts: 1, ...answer };
    },
    async enqueue(messages, lane, delaySeconds = 0) {
      for (const message of messages) enqueued.push({ message, lane, delaySeconds });
    },
    now: () => state.now,
    random: () => 0.5,
    ...overrides,
  };
  return { deps, sent, enqueued, attempts, deliveries, current, endpoint, event, state, recordedWith };
}

const first: DeliveryMessage = { tenantId, endpointId, eventId, deliveryId, attempt: 1 };
/** One delivery message, as a batch of one. */
const deliverMessage = (deps: DeliveryDeps, message: DeliveryMessage) => handleQueueMessage(deps, message);

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
    expect(enqueued).toEqual([{ message: first, lane: 'fresh', delaySeconds: 1 }]);
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
    expect(attempts.get(1)).toMatchObject({ statusCode: 503, latencyMs: 40, responseHeaders: { 'x-request': 'r1', 'set-x': 'a, b' }, errorKind: 'http_status' });
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
    expect(enqueued[0]).toMatchObject({ message: { ...first, attempt: 2, lane: 'retry' }, lane: 'retry' });
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
    expect(enqueued).toEqual([{ message: { ...first, attempt: 4, lane: 'retry', notBefore: due }, lane: 'retry', delaySeconds: 900 }]);
    expect(deliveries.at(-1)).toMatchObject({ nextAttemptAt: due });
  });

  it('sends an early message on for the rest of its wait, without an attempt', async () => {
    const { deps, enqueued, sent, state } = await world();
    const message = { ...first, attempt: 4, notBefore: new Date(start.getTime() + 1_800_000).toISOString() };
    await expect(deliverMessage(deps, message)).resolves.toBe('deferred');
    expect(enqueued).toEqual([{ message, lane: 'fresh', delaySeconds: 900 }]);
    state.now = new Date(start.getTime() + 1_500_000);
    await deliverMessage(deps, message);
    expect(enqueued[1]).toEqual({ message, lane: 'fresh', delaySeconds: 300 });
    state.now = new Date(start.getTime() + 1_800_000);
    await expect(deliverMessage(deps, message)).resolves.toBe('succeeded');
    expect(sent).toHaveLength(1);
  });
});

describe('a batch of messages', () => {
  it('reads the endpoints and the events of the whole batch in one call each', async () => {
    const { deps, sent } = await world();
    const reads: string[] = [];
    const { getWithSecrets } = deps.endpoints;
    const { getMany } = deps.events;
    deps.endpoints = { ...deps.endpoints, getWithSecrets: (keys, since) => (reads.push(`endpoints ×${keys.length}`), getWithSecrets(keys, since)) };
    deps.events = { ...deps.events, getMany: (keys) => (reads.push(`events ×${keys.length}`), getMany(keys)) };
    const other = (n: number): DeliveryMessage => ({ ...first, deliveryId: `${deliveryId}${n}` });
    await expect(handleBatch(deps, [first, other(2), other(3)])).resolves.toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(reads.sort()).toEqual(['endpoints ×3', 'events ×3']);
    expect(sent).toHaveLength(3);
  });

  it("answers one message's infrastructure error for that message only, and handles the others", async () => {
    const { deps, sent } = await world();
    const { claim } = deps.deliveries;
    deps.deliveries = { ...deps.deliveries, claim: (t, delivery, stale) => (delivery.id === deliveryId ? Promise.reject(new Error('throttled')) : claim(t, delivery, stale)) };
    const outcomes = await handleBatch(deps, [first, { ...first, deliveryId: `${deliveryId}2` }]);
    expect(outcomes).toEqual([new Error('throttled'), 'succeeded']);
    expect(sent).toHaveLength(1);
  });

  it('fails the messages that needed the batch read when it fails, and still defers one not yet due', async () => {
    const { deps, enqueued } = await world();
    deps.events = { ...deps.events, getMany: () => Promise.reject(new Error('table unavailable')) };
    const early = { ...first, notBefore: new Date(start.getTime() + 3_600_000).toISOString() };
    await expect(handleBatch(deps, [first, early])).resolves.toEqual([new Error('table unavailable'), 'deferred']);
    expect(enqueued.map((e) => e.message)).toEqual([early]);
  });
});

describe('a message seen twice', () => {
  it('sends and records an attempt once when the same message comes again', async () => {
    const { deps, sent, enqueued } = await world([{ status: 500 }]);
    await deliverMessage(deps, first);
    await expect(deliverMessage(deps, { ...first, lane: 'retry' })).resolves.toBe('duplicate');
    expect(sent).toHaveLength(1);
    expect(enqueued).toHaveLength(1);
  });

  it('sends once when both copies arrive at the same time; the second comes back once the claim could be stale', async () => {
    const { deps, sent, enqueued } = await world();
    const outcomes = await Promise.all([deliverMessage(deps, first), deliverMessage(deps, first)]);
    expect(outcomes.sort()).toEqual(['deferred', 'succeeded']);
    expect(sent).toHaveLength(1);
    expect(enqueued).toEqual([{ message: first, lane: 'fresh', delaySeconds: staleClaimMs / 1000 }]);
    await expect(deliverMessage(deps, first)).resolves.toBe('duplicate');
  });

  it('keeps a message whose attempt a dead worker claimed, and takes the claim over once it is stale, with the same webhook-id', async () => {
    const { deps, sent, current, state, enqueued } = await world();
    current.set(deliveryId, {
      id: deliveryId, endpointId, eventId, eventType: 'connection.created', status: 'pending', attempts: 1, nextAttemptAt: start.toISOString(), reason: null,
      createdAt: start.toISOString(), updatedAt: start.toISOString(), expiresAt: 0, sendingSince: start.toISOString(),
    });
    await expect(deliverMessage(deps, first)).resolves.toBe('deferred');
    expect(enqueued).toHaveLength(1);
    state.now = new Date(start.getTime() + staleClaimMs + 1);
    await expect(deliverMessage(deps, enqueued[0]!.message as DeliveryMessage)).resolves.toBe('succeeded');
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

describe("an endpoint's health", () => {
  const day = 86_400_000;

  it('marks the endpoint failing from its first failed attempt, and keeps that time through later failures', async () => {
    const { deps, endpoint, state } = await world([{ status: 500 }]);
    await deliverMessage(deps, first);
    expect(endpoint.failingSince).toBe(start.toISOString());
    state.now = new Date(start.getTime() + 60_000);
    await deliverMessage(deps, { ...first, attempt: 2, lane: 'retry' });
    expect(endpoint.failingSince).toBe(start.toISOString());
  });

  it('clears the mark on a success', async () => {
    const { deps, endpoint } = await world([{ status: 200 }]);
    endpoint.failingSince = new Date(start.getTime() - day).toISOString();
    await deliverMessage(deps, { ...first, lane: 'retry' });
    expect(endpoint.failingSince).toBeNull();
  });

  it('moves a first attempt to a failing endpoint onto the retry lane, without sending it', async () => {
    const { deps, endpoint, sent, enqueued } = await world();
    endpoint.failingSince = start.toISOString();
    await expect(deliverMessage(deps, first)).resolves.toBe('moved');
    expect(sent).toEqual([]);
    expect(enqueued).toEqual([{ message: { ...first, lane: 'retry' }, lane: 'retry', delaySeconds: 0 }]);
  });

  it('disables an endpoint failing for longer than allowed, recording webhook_endpoint.disabled in the same change', async () => {
    const { deps, endpoint, enqueued, deliveries, recordedWith } = await world([{ status: 503 }], { disableAfterMs: 5 * day });
    endpoint.failingSince = new Date(start.getTime() - 5 * day).toISOString();
    await expect(deliverMessage(deps, { ...first, lane: 'retry' })).resolves.toBe('disabled');
    expect(endpoint).toMatchObject({ enabled: false, disabledReason: 'failing', version: 2 });
    expect(enqueued).toEqual([]);
    expect(deliveries.at(-1)).toMatchObject({ status: 'failed', reason: 'endpoint_disabled' });
    expect(recordedWith).toHaveLength(1);
    expect(recordedWith[0]![0]!.Put!.Item).toMatchObject({ type: 'webhook_endpoint.disabled', data: { id: endpointId, enabled: false, reason: 'failing' } });
  });

  it('keeps retrying an endpoint failing for less than that', async () => {
    const { deps, endpoint } = await world([{ status: 503 }], { disableAfterMs: 5 * day });
    endpoint.failingSince = new Date(start.getTime() - 5 * day + 1000).toISOString();
    await expect(deliverMessage(deps, { ...first, lane: 'retry' })).resolves.toBe('retrying');
    expect(endpoint.enabled).toBe(true);
  });

  it('records webhook_endpoint.disabled with reason gone on a 410', async () => {
    const { deps, recordedWith } = await world([{ status: 410 }]);
    await deliverMessage(deps, first);
    expect(recordedWith[0]![0]!.Put!.Item).toMatchObject({ type: 'webhook_endpoint.disabled', data: { reason: 'gone' } });
  });
});

const audit: Audit = { tenantId, keyId: 'key_1', requestId: 'req_1', action: 'test' };

describe('a test event', () => {
  it('is sent signed to the endpoint, attempted once, and answered with its delivery', async () => {
    const { deps, sent, deliveries } = await world([{ status: 204 }]);
    const delivery = await sendTestEvent(deps, audit, endpointId);
    expect(delivery).toMatchObject({ eventType: 'test', status: 'succeeded', attemptCount: 1, attempts: [{ attempt: 1, statusCode: 204 }] });
    const [request] = sent;
    expect(new Webhook(secret).verify(request!.body!, request!.headers!)).toMatchObject({ type: 'test', data: { endpointId } });
    expect(request!.headers!['webhook-id']).toBe(delivery.id);
    expect(deliveries.at(-1)).toMatchObject({ id: delivery.id, eventType: 'test', status: 'succeeded' });
  });

  it('changes nothing about the endpoint when it fails, and schedules no retry', async () => {
    const { deps, endpoint, enqueued } = await world([{ status: 410 }]);
    const delivery = await sendTestEvent(deps, audit, endpointId);
    expect(delivery).toMatchObject({ status: 'failed', reason: 'test_not_retried', attempts: [{ statusCode: 410, errorKind: 'http_status' }] });
    expect(endpoint).toMatchObject({ enabled: true, version: 1 });
    expect(endpoint.failingSince).toBeUndefined();
    expect(enqueued).toEqual([]);
  });
});

describe('retrying a delivery through the API', () => {
  it('starts a new run of attempts with the same webhook-id, and shows the delivery pending', async () => {
    const { deps, enqueued } = await world([{ status: 500 }]);
    await deliverMessage(deps, { ...first, attempt: svixScheduleMs.length + 1 });
    const delivery = await retryDelivery(deps, audit, deliveryId);
    expect(delivery).toMatchObject({ id: deliveryId, status: 'pending', attemptCount: 8 });
    const next = { ...first, attempt: 9, firstAttempt: 9 };
    expect(enqueued).toEqual([{ message: next, lane: 'fresh', delaySeconds: 0 }]);
    // The run's schedule counts from its own first attempt: a failure schedules attempt 10.
    await expect(deliverMessage(deps, { ...next, lane: 'retry' })).resolves.toBe('retrying');
  });

  it('refuses a delivery with an attempt scheduled, to a disabled endpoint, or of an expired event', async () => {
    const { deps, endpoint, event, state } = await world([{ status: 500 }]);
    await deliverMessage(deps, first);
    await expect(retryDelivery(deps, audit, deliveryId)).rejects.toThrow(/already has an attempt scheduled/);
    await deliverMessage(deps, { ...first, attempt: svixScheduleMs.length + 1, lane: 'retry' });
    endpoint.enabled = false;
    await expect(retryDelivery(deps, audit, deliveryId)).rejects.toThrow(Conflict);
    endpoint.enabled = true;
    state.now = new Date(event.expiresAt * 1000);
    await expect(retryDelivery(deps, audit, deliveryId)).rejects.toThrow(/no longer in the event log/);
  });

  it('answers 404 for a delivery it does not know', async () => {
    const { deps } = await world();
    await expect(retryDelivery(deps, audit, deliveryId)).rejects.toMatchObject({ status: 404 });
  });
});

describe('a replay', () => {
  const day = 86_400_000;

  it('refuses a window reaching more than 14 days back, or ending before it starts, naming the field', async () => {
    const { deps } = await world();
    await expect(startReplay(deps, audit, endpointId, { since: new Date(start.getTime() - 15 * day).toISOString() })).rejects.toMatchObject({
      errors: [{ field: 'body.since' }],
    });
    await expect(
      startReplay(deps, audit, endpointId, { since: new Date(start.getTime() - day).toISOString(), until: new Date(start.getTime() - 2 * day).toISOString() }),
    ).rejects.toThrow(Invalid);
  });

  it('queues its first page, then sends every subscribed event of each page but those still pending', async () => {
    const { deps, enqueued, event, state, endpoint } = await world([{ status: 500 }]);
    endpoint.eventTypes = ['connection.*'];
    const since = new Date(start.getTime() - day).toISOString();
    await expect(startReplay(deps, audit, endpointId, { since })).resolves.toMatchObject({ since, until: start.toISOString(), status: 'queued' });
    const [page1] = enqueued.splice(0);
    expect(page1).toEqual({ message: { kind: 'replay', tenantId, endpointId, since, until: start.toISOString() }, lane: 'fresh', delaySeconds: 0 });

    const other = (id: string, type: string) => ({ ...event, id, type }) as EventItem;
    const ended = 'evt_01JCZ8X7Q4B3N5M6P7R8S9T0V3';
    state.eventPages[''] = { items: [event, other(ended, 'connection.updated'), other('evt_01JCZ8X7Q4B3N5M6P7R8S9T0V4', 'webhook_endpoint.disabled')], nextCursor: 'page2' };
    await deliverMessage(deps, first); // the first event's delivery is now pending a retry
    enqueued.splice(0);
    await expect(handleQueueMessage(deps, page1!.message)).resolves.toBe('replayed');
    expect(enqueued.map((e) => e.message)).toEqual([
      { tenantId, endpointId, eventId: ended, deliveryId: `msg_01JCZ8X7Q4B3N5M6P7R8S9T0V3_01JCZ8X7Q4B3N5M6P7R8S9T0V2`, attempt: 1, firstAttempt: 1 },
      { ...(page1!.message as object), cursor: 'page2' },
    ]);
  });
});
