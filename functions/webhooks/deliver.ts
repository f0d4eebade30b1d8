import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger } from '../../shared/platform/logger';
import { handleQueueMessage } from '../../shared/webhooks/delivery';
import { deliveryDeps } from '../../shared/webhooks/delivery-deps';
import { QueueMessage } from '../../shared/webhooks/delivery-message';

/**
 * The delivery worker, on both lanes (deliveries and delivery-retries): one attempt per
 * message, or one page of a replay. The records of a batch run in parallel,
 * each POST bounded by its own 15 s timeout, so one slow receiver holds up no other
 * endpoint's delivery for longer than that. A receiver's failure is recorded and
 * scheduled, not thrown; only an infrastructure error (the table, the queue, the key)
 * leaves its message to SQS for a retry, and past maxReceiveCount for the DLQ.
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const results = await Promise.all(event.Records.map(async (record) => ((await handleRecord(record)) ? [] : [{ itemIdentifier: record.messageId }])));
  return { batchItemFailures: results.flat() };
}

/** What the log says about a message: its ids, never its payload. */
const described = (message: QueueMessage) =>
  'kind' in message
    ? { replay: message.endpointId, since: message.since, until: message.until }
    : { deliveryId: message.deliveryId, attempt: message.attempt, lane: message.lane ?? 'fresh' };

/** False when the message should come back. */
async function handleRecord(record: SQSRecord): Promise<boolean> {
  let json: unknown;
  try {
    json = JSON.parse(record.body);
  } catch {
    json = undefined;
  }
  const parsed = QueueMessage.safeParse(json);
  if (!parsed.success) {
    // Retrying a message that can never parse would only move it to the DLQ days later.
    logger.error('dropped a malformed delivery message', { messageId: record.messageId, issues: parsed.error?.issues ?? 'not JSON' });
    return true;
  }
  try {
    const outcome = await handleQueueMessage(deliveryDeps(), parsed.data);
    logger.info('delivery message handled', { ...described(parsed.data), outcome });
    return true;
  } catch (error) {
    logger.error('delivery message failed; SQS will redeliver it', { messageId: record.messageId, ...described(parsed.data), error: error as Error });
    return false;
  }
}
