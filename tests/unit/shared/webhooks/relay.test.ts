import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBStreamEvent } from 'aws-lambda';
import { DeliveryMessage, deliveryIdOf } from '../../../../shared/webhooks/delivery-message';
import { eventRecordsOf, relayEvents, type EventRecord, type RelayDeps } from '../../../../shared/webhooks/relay';
import type { WebhookEndpointItem } from '../../../../shared/webhooks/store';

const endpoint = (id: string, eventTypes: string[], enabled = true): WebhookEndpointItem => ({
  id,
  url: 'https://93.184.215.14/hooks',
  eventTypes,
  description: '',
  enabled,
  headers: {},
  rateLimitPerSecond: null,
  version: 1,
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:00.000Z',
  secretRotatedAt: null,
});

/** A store holding endpoints per tenant (answering `enabled` filters and pages of 2), and a queue that records what it is sent. */
function fakes(endpoints: Record<string, WebhookEndpointItem[]>, refuse: (message: DeliveryMessage) => boolean = () => false) {
  const batches: DeliveryMessage[][] = [];
  const deps: RelayDeps = {
    store: {
      async list(tenantId, query) {
        const all = (endpoints[tenantId] ?? []).filter((e) => query.enabled === undefined || e.enabled === query.enabled);
        const from = Number(query.cursor ?? 0);
        const next = from + 2;
        return { items: all.slice(from, next), nextCursor: next < all.length ? String(next) : null };
      },
    },
    async send(messages) {
      batches.push(messages.map((message) => DeliveryMessage.parse(message)));
      return messages.flatMap((message, position) => (refuse(message) ? [position] : []));
    },
  };
  return { deps, batches, sent: () => batches.flat() };
}

const record = (itemIdentifier: string, type: string, tenantId = 'ten_a', eventId = `evt_${itemIdentifier}`): EventRecord => ({ itemIdentifier, tenantId, eventId, type });

describe('relaying events to the deliveries queue', () => {
  it('sends one attempt-1 message per enabled endpoint whose filter matches the type, with the deterministic delivery id', async () => {
    const { deps, sent } = fakes({
      ten_a: [
        endpoint('whep_all', ['*']),
        endpoint('whep_conn', ['connection.*']),
        endpoint('whep_exact', ['connection.created']),
        endpoint('whep_other', ['connection.deleted']),
        endpoint('whep_off', ['*'], false),
      ],
      ten_b: [endpoint('whep_b', ['*'])],
    });
    const outcome = await relayEvents(deps, [record('1', 'connection.created')]);
    expect(outcome.batchItemFailures).toEqual([]);
    expect(sent()).toEqual(
      ['whep_all', 'whep_conn', 'whep_exact'].map((endpointId) => ({
        tenantId: 'ten_a',
        endpointId,
        eventId: 'evt_1',
        deliveryId: deliveryIdOf('evt_1', endpointId),
        attempt: 1,
      })),
    );
  });

  it('sends nothing for an event no endpoint subscribes to', async () => {
    const { deps, batches } = fakes({ ten_a: [endpoint('whep_other', ['connection.deleted'])] });
    await expect(relayEvents(deps, [record('1', 'connection.created')])).resolves.toEqual({ batchItemFailures: [], sent: 0 });
    expect(batches).toEqual([]);
  });

  it('sends the messages of every event in the batch in one call, so single-endpoint events share requests', async () => {
    const { deps, batches } = fakes({ ten_a: [endpoint('whep_1', ['*'])], ten_b: [endpoint('whep_2', ['*'])] });
    const records = Array.from({ length: 12 }, (_, i) => record(String(i), 'connection.updated', i % 2 ? 'ten_a' : 'ten_b'));
    const outcome = await relayEvents(deps, records);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.map((m) => m.eventId)).toEqual(records.map((r) => r.eventId));
    expect(outcome).toEqual({ batchItemFailures: [], sent: 12 });
  });

  it('reports a record as failed when SendMessageBatch refuses one of its messages, and only that record', async () => {
    const { deps } = fakes({ ten_a: [endpoint('whep_1', ['*']), endpoint('whep_2', ['*'])] }, (m) => m.eventId === 'evt_2' && m.endpointId === 'whep_2');
    const outcome = await relayEvents(deps, [record('1', 'connection.created'), record('2', 'connection.updated'), record('3', 'connection.deleted')]);
    expect(outcome).toEqual({ batchItemFailures: [{ itemIdentifier: '2' }], sent: 5 });
  });

  it('reports every record with messages as failed when sending throws, and none without', async () => {
    const { deps } = fakes({ ten_a: [endpoint('whep_1', ['connection.created'])] });
    deps.send = async () => {
      throw new Error('throttled');
    };
    const outcome = await relayEvents(deps, [record('1', 'connection.created'), record('2', 'connection.updated'), record('3', 'connection.created')]);
    expect(outcome).toEqual({ batchItemFailures: [{ itemIdentifier: '1' }, { itemIdentifier: '3' }], sent: 0 });
  });

  it('reports a record whose endpoints cannot be read as failed, and sends the others\' messages', async () => {
    const { deps, sent } = fakes({ ten_a: [endpoint('whep_1', ['*'])], ten_b: [endpoint('whep_2', ['*'])] });
    const list = deps.store.list;
    deps.store = { list: (tenantId, query) => (tenantId === 'ten_b' ? Promise.reject(new Error('throttled')) : list(tenantId, query)) };
    const outcome = await relayEvents(deps, [record('1', 'connection.created', 'ten_b'), record('2', 'connection.created', 'ten_a')]);
    expect(outcome).toEqual({ batchItemFailures: [{ itemIdentifier: '1' }], sent: 1 });
    expect(sent().map((m) => m.eventId)).toEqual(['evt_2']);
  });

  it('reads each tenant\'s endpoints once per batch, every page of them', async () => {
    const { deps, sent } = fakes({ ten_a: [1, 2, 3, 4, 5].map((i) => endpoint(`whep_${i}`, ['*'])) });
    const list = deps.store.list;
    let calls = 0;
    deps.store = { list: (tenantId, query) => (calls++, list(tenantId, query)) };
    await relayEvents(deps, [record('1', 'connection.created'), record('2', 'connection.updated')]);
    expect(calls).toBe(3);
    expect(sent()).toHaveLength(10);
  });
});

describe('reading a stream batch', () => {
  it('takes each event item\'s tenant, id and type, and the record\'s sequence number', () => {
    const item = { pk: 'TENANT#ten_a', sk: 'EVENT#evt_9', id: 'evt_9', type: 'connection.created', timestamp: '2026-12-07T00:00:00.000Z', data: { id: 'conn_1' }, expiresAt: 1 };
    const event: DynamoDBStreamEvent = {
      Records: [
        {
          eventID: 'e1',
          eventName: 'INSERT',
          eventSourceARN: 'arn:aws:dynamodb:us-east-1:000000000000:table/main/stream/x',
          dynamodb: { SequenceNumber: '100', NewImage: marshall(item) as Record<string, AttributeValue>, Keys: marshall({ pk: item.pk, sk: item.sk }) as Record<string, AttributeValue> },
        },
      ],
    };
    expect(eventRecordsOf(event)).toEqual([{ itemIdentifier: '100', tenantId: 'ten_a', eventId: 'evt_9', type: 'connection.created' }]);
  });
});
