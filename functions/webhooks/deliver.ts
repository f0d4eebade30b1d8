import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger } from '../../shared/platform/logger';
import { deliverMessage } from '../../shared/webhooks/delivery';
import { deliveryDeps } from '../../shared/webhooks/delivery-deps';
import { DeliveryMessage } from '../../shared/webhooks/delivery-message';

/**
 * The delivery worker: one attempt per message. The records of a batch run in parallel,
 * each POST bounded by its own 15 s timeout, so one slow receiver holds up no other
 * endpoint's delivery for longer than that. A receiver's failure is recorded and
 * scheduled, not thrown; only an infrastructure error (the table, the queue, the key)
 * leaves its message to SQS for a retry, and past maxReceiveCount for the DLQ.
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const results = await Promise.all(event.Records.map(async (record) => ((await handleRecord(record)) ? [] : [{ itemIdentifier: record.messageId }])));
  return { batchItemFailures: results.flat() };
}

/** False when the message should come back. */
async function handleRecord(record: SQSRecord): Promise<boolean> {
  let json: unknown;
  try {
    json = JSON.parse(record.body);
  } catch {
    json = undefined;
  }
  const parsed = DeliveryMessage.safeParse(json);
  if (!parsed.success) {
    // Retrying a message that can never parse would only move it to the DLQ days later.
    logger.error('dropped a malformed delivery message', { messageId: record.messageId, issues: parsed.error?.issues ?? 'not JSON' });
    return true;
  }
  try {
    const outcome = await deliverMessage(deliveryDeps(), parsed.data);
    logger.info('delivery message handled', { deliveryId: parsed.data.deliveryId, attempt: parsed.data.attempt, outcome });
    return true;
  } catch (error) {
    logger.error('delivery message failed; SQS will redeliver it', { messageId: record.messageId, deliveryId: parsed.data.deliveryId, error: error as Error });
    return false;
  }
}
