import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { logger } from '../../shared/platform/logger';
import { eventRecordsOf, relayEvents } from '../../shared/webhooks/relay';
import { relayDeps } from '../../shared/webhooks/relay-deps';

/** The main table's stream (new EVENT# items only): one `deliveries` message per subscribed endpoint. */
export const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const { batchItemFailures, sent } = await relayEvents(relayDeps(), eventRecordsOf(event));
  logger.info('relayed events', { events: event.Records.length, sent, failed: batchItemFailures.length });
  return { batchItemFailures };
};
