import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { resources } from '../../infra/resources';
import { localNames, provisionTables } from '../../infra/local/provision';
import type { TableStore } from '../../shared/platform/items';
import { deliveryStore, type AttemptItem, type DeliveryItem } from '../../shared/webhooks/delivery-store';
import { webhookEndpointStore, type SecretItem, type WebhookEndpointItem } from '../../shared/webhooks/store';
import { localDynamoDb } from '../support/dynamodb';

/** The delivery store and the endpoints' batch read on DynamoDB Local: conditions, moves and what a read costs. */
let table: TableStore;
beforeAll(async () => {
  const endpoint = process.env.TEST_DYNAMODB_ENDPOINT!;
  const prefix = `store-${randomUUID().slice(0, 8)}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await provisionTables(client, resources, prefix);
  client.destroy();
  table = { db: localDynamoDb(endpoint), table: localNames(prefix).table('main') };
});

const t0 = '2026-12-07T10:00:00.000Z';
const later = (seconds: number) => new Date(Date.parse(t0) + seconds * 1000).toISOString();
let sequence = 0;
const newDelivery = (): DeliveryItem => ({
  id: `msg_${++sequence}`, endpointId: 'whep_1', eventId: `evt_${sequence}`, eventType: 'connection.created', status: 'pending',
  attempts: 1, nextAttemptAt: t0, reason: null, createdAt: t0, updatedAt: t0, expiresAt: 2_000_000_000,
});
const claimOf = (delivery: DeliveryItem, attempts: number, at: string) => ({ ...delivery, attempts, nextAttemptAt: at, updatedAt: at, sendingSince: at });
const attemptOf = (delivery: DeliveryItem, attempt: number, statusCode: number): AttemptItem => ({
  deliveryId: delivery.id, endpointId: delivery.endpointId, attempt, at: t0, statusCode, latencyMs: 5, responseHeaders: {}, responseBody: 'ok',
  errorKind: statusCode < 300 ? null : 'http_status', error: null, expiresAt: delivery.expiresAt,
});

describe('claiming and recording attempts', () => {
  it('keeps the attempt that ended a delivery in the delivery, and a duplicate of it finds it done', async () => {
    const store = deliveryStore(table);
    const delivery = newDelivery();
    await expect(store.claim('t', claimOf(delivery, 1, t0), later(-60))).resolves.toEqual({});
    await store.record('t', { ...delivery, status: 'succeeded', nextAttemptAt: null }, attemptOf(delivery, 1, 200));
    const stored = (await store.get('t', delivery.endpointId, delivery.id))!;
    expect(stored).toMatchObject({ status: 'succeeded', attempts: 1, lastAttempt: { attempt: 1, statusCode: 200 } });
    expect(stored.sendingSince).toBeUndefined();
    await expect(store.attempts('t', stored)).resolves.toEqual([attemptOf(delivery, 1, 200)]);
    await expect(store.claim('t', claimOf(delivery, 1, later(600)), later(540))).resolves.toBe('done');
  });

  it('holds a young claim, takes over a stale one, and finds an attempt a later one followed done', async () => {
    const store = deliveryStore(table);
    const delivery = newDelivery();
    await store.claim('t', claimOf(delivery, 1, t0), later(-60));
    await expect(store.claim('t', claimOf(delivery, 1, later(30)), later(-30))).resolves.toBe('held');
    await expect(store.claim('t', claimOf(delivery, 1, later(90)), later(30))).resolves.toEqual({});
    await store.record('t', { ...delivery, status: 'pending', nextAttemptAt: later(95) }, attemptOf(delivery, 1, 503));
    await expect(store.claim('t', claimOf(delivery, 2, later(95)), later(35))).resolves.toEqual({});
    await expect(store.claim('t', claimOf(delivery, 1, later(96)), later(36))).resolves.toBe('done');
    expect(await store.get('t', delivery.endpointId, delivery.id)).toMatchObject({ attempts: 2, createdAt: t0, sendingSince: later(95) });
  });

  it('moves the attempt that ended an earlier run to an item of its own when a new run records its first', async () => {
    const store = deliveryStore(table);
    const delivery = newDelivery();
    await store.claim('t', claimOf(delivery, 1, t0), later(-60));
    await store.record('t', { ...delivery, status: 'failed', nextAttemptAt: null, reason: 'attempts_exhausted' }, attemptOf(delivery, 1, 500));
    // A retry through the API reopens it; the next run claims attempt 2.
    await store.putDelivery('t', { ...delivery, status: 'pending', attempts: 1, nextAttemptAt: later(10) });
    const claim = await store.claim('t', claimOf(delivery, 2, later(10)), later(-50));
    expect(claim).toEqual({ earlier: attemptOf(delivery, 1, 500) });
    await store.record('t', { ...delivery, attempts: 2, status: 'succeeded', nextAttemptAt: null }, attemptOf(delivery, 2, 200), (claim as { earlier: AttemptItem }).earlier);
    const stored = (await store.get('t', delivery.endpointId, delivery.id))!;
    expect((await store.attempts('t', stored)).map((a) => [a.attempt, a.statusCode])).toEqual([[1, 500], [2, 200]]);
  });

  it('gives an ending attempt an item of its own when a later attempt was claimed meanwhile, and leaves the later state', async () => {
    const store = deliveryStore(table);
    const delivery = newDelivery();
    await store.claim('t', claimOf(delivery, 1, t0), later(-60));
    await store.claim('t', claimOf(delivery, 2, later(1)), later(-59));
    await store.record('t', { ...delivery, status: 'succeeded', nextAttemptAt: null }, attemptOf(delivery, 1, 200));
    const stored = (await store.get('t', delivery.endpointId, delivery.id))!;
    expect(stored).toMatchObject({ status: 'pending', attempts: 2, sendingSince: later(1) });
    expect((await store.attempts('t', stored)).map((a) => a.attempt)).toEqual([1]);
  });

  it('does not let a skipped later message overwrite a delivery written at a later attempt', async () => {
    const store = deliveryStore(table);
    const delivery = newDelivery();
    await store.claim('t', claimOf(delivery, 3, t0), later(-60));
    await store.putDelivery('t', { ...delivery, status: 'failed', attempts: 1, nextAttemptAt: null, reason: 'endpoint_disabled' });
    expect(await store.get('t', delivery.endpointId, delivery.id)).toMatchObject({ status: 'pending', attempts: 3 });
  });
});

describe('reading endpoints for a batch of deliveries', () => {
  const endpoint = (id: string, secretRotatedAt: string | null): WebhookEndpointItem => ({
    id, url: 'https://93.184.215.14/in', eventTypes: ['*'], description: '', enabled: true, headers: {}, rateLimitPerSecond: null,
    version: 1, createdAt: t0, updatedAt: t0, secretRotatedAt,
  });
  /** Sealed stand-ins: the store never opens them. */
  const secret = (id: string, slot: SecretItem['slot'], generation: number, validUntil?: string): SecretItem =>
    ({ ciphertext: `sealed-${id}-${generation}`, tenantId: 't', endpointId: id, slot, generation, createdAt: t0, ...(validUntil ? { validUntil } : {}) }) as unknown as SecretItem;

  it('answers each endpoint with its current secret, the previous only when rotated since the cut-off, and undefined for one gone', async () => {
    const store = webhookEndpointStore(table);
    await store.create('t', endpoint('whep_a', null), secret('whep_a', 'current', 1), []);
    await store.create('t', endpoint('whep_b', null), secret('whep_b', 'current', 1), []);
    await expect(store.rotate('t', 'whep_b', secret('whep_b', 'current', 2), secret('whep_b', 'previous', 1, later(86_400)), later(10), [])).resolves.toBe('rotated');
    const read = await store.getWithSecrets(
      [{ tenantId: 't', id: 'whep_a' }, { tenantId: 't', id: 'whep_b' }, { tenantId: 't', id: 'whep_gone' }, { tenantId: 'u', id: 'whep_a' }, { tenantId: 't', id: 'whep_a' }],
      t0,
    );
    expect(read.map((r) => r && [r.endpoint.id, r.secrets.current?.slot, r.secrets.previous?.slot])).toEqual([
      ['whep_a', 'current', undefined],
      ['whep_b', 'current', 'previous'],
      undefined,
      undefined,
      ['whep_a', 'current', undefined],
    ]);
    const rotatedLongAgo = await store.getWithSecrets([{ tenantId: 't', id: 'whep_b' }], later(20));
    expect(rotatedLongAgo[0]!.secrets.previous).toBeUndefined();
  });
});
