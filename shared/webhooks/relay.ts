import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { deliveryIdOf, type DeliveryMessage } from './delivery-message';
import { logger } from '../platform/logger';
import { matchesEventType } from './event-types';
import type { WebhookEndpointItem, WebhookEndpointStore } from './store';

/**
 * The outbox relay: each new event in the log becomes one `deliveries` message per enabled
 * endpoint of its tenant that subscribes to its type. A record whose messages are not all
 * sent is reported failed, so the stream hands it over again; sending twice is harmless,
 * as the delivery id is derived from the event and the endpoint and the worker deduplicates.
 */
export interface RelayDeps {
  store: Pick<WebhookEndpointStore, 'list'>;
  /** Sends the messages (ten to a request); answers the positions of those SQS refused. */
  send(messages: DeliveryMessage[]): Promise<number[]>;
}

/** One event from the stream: `itemIdentifier` is the record's sequence number. */
export interface EventRecord {
  itemIdentifier: string;
  tenantId: string;
  eventId: string;
  type: string;
}

export interface RelayOutcome extends DynamoDBBatchResponse {
  /** Messages sent, for the log. */
  sent: number;
}

const listPage = 100;

/** The event items in a stream batch (the event source's filter lets only those through). */
export function eventRecordsOf(event: DynamoDBStreamEvent): EventRecord[] {
  return event.Records.map((record) => {
    const item = unmarshall(record.dynamodb!.NewImage as Record<string, AttributeValue>);
    return {
      itemIdentifier: record.dynamodb!.SequenceNumber!,
      tenantId: String(item.pk).replace(/^TENANT#/, ''),
      eventId: String(item.id),
      type: String(item.type),
    };
  });
}

/**
 * The messages of the whole batch go out together, ten to a request whichever events they
 * belong to: under load a stream batch holds many events, and an event for one endpoint
 * would otherwise cost a request of its own.
 */
export async function relayEvents(deps: RelayDeps, records: EventRecord[]): Promise<RelayOutcome> {
  // A batch holds many events of one tenant: read its endpoints once per batch.
  const endpointsOf = new Map<string, Promise<WebhookEndpointItem[]>>();
  const failed = new Set<string>();
  const messages: DeliveryMessage[] = [];
  const recordOf: string[] = [];
  for (const record of records) {
    try {
      if (!endpointsOf.has(record.tenantId)) endpointsOf.set(record.tenantId, enabledEndpoints(deps, record.tenantId));
      const endpoints = (await endpointsOf.get(record.tenantId)!).filter((endpoint) =>
        endpoint.eventTypes.some((filter) => matchesEventType(filter, record.type)),
      );
      for (const endpoint of endpoints) {
        messages.push({
          tenantId: record.tenantId,
          endpointId: endpoint.id,
          eventId: record.eventId,
          deliveryId: deliveryIdOf(record.eventId, endpoint.id),
          attempt: 1,
        });
        recordOf.push(record.itemIdentifier);
      }
    } catch (error) {
      // Retried by the event source; the log says why, for the batch that keeps failing.
      logger.warn('could not relay an event', { tenantId: record.tenantId, eventId: record.eventId, error: error as Error });
      endpointsOf.delete(record.tenantId);
      failed.add(record.itemIdentifier);
    }
  }
  let refused: number[];
  try {
    refused = messages.length > 0 ? await deps.send(messages) : [];
  } catch (error) {
    logger.warn('could not send the relayed messages', { messages: messages.length, error: error as Error });
    refused = messages.map((_, position) => position);
  }
  for (const position of refused) failed.add(recordOf[position]!);
  // In the stream's order: the event source resumes from the earliest failed record.
  const failures = records.filter((record) => failed.has(record.itemIdentifier)).map(({ itemIdentifier }) => ({ itemIdentifier }));
  return { batchItemFailures: failures, sent: messages.length - refused.length };
}

async function enabledEndpoints(deps: RelayDeps, tenantId: string): Promise<WebhookEndpointItem[]> {
  const endpoints: WebhookEndpointItem[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.store.list(tenantId, { limit: listPage, enabled: true, ...(cursor ? { cursor } : {}) });
    endpoints.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return endpoints;
}
