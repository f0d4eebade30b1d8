import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { flushTally } from '../../shared/metrics/tally';
import { logger } from '../../shared/platform/logger';
import { handleBatch } from '../../shared/webhooks/delivery';
import { deliveryDeps } from '../../shared/webhooks/delivery-deps';
import { QueueMessage } from '../../shared/webhooks/delivery-message';

/**
 * The delivery worker, on both lanes (deliveries and delivery-retries): one attempt per
 * message, or one page of a replay. A batch's endpoints and events are read together; its
 * messages then run in parallel, each POST bounded by its own 15 s timeout, so one slow
 * receiver holds up no other endpoint's delivery for longer than that. A receiver's
 * failure is recorded and scheduled, not thrown; only an infrastructure error (the table,
 * the queue, the key) leaves its message to SQS for a retry, and past maxReceiveCount for
 * the DLQ.
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const parsed = event.Records.map((record) => ({ record, message: parse(record) }));
  const valid = parsed.flatMap(({ record, message }) => (message ? [{ record, message }] : []));
  const outcomes = await handleBatch(deliveryDeps(), valid.map(({ message }) => message));
  await flushTally();
  const failures = valid.flatMap(({ record, message }, i) => {
    const outcome = outcomes[i]!;
    if (!(outcome instanceof Error)) {
      logger.info('delivery message handled', { ...described(message), outcome });
      return [];
    }
    logger.error('delivery message failed; SQS will redeliver it', { messageId: record.messageId, ...described(message), error: outcome });
    return [{ itemIdentifier: record.messageId }];
  });
  return { batchItemFailures: failures };
}

/** What the log says about a message: its ids, never its payload. */
const described = (message: QueueMessage) =>
  'kind' in message
    ? { replay: message.endpointId, since: message.since, until: message.until }
    : { deliveryId: message.deliveryId, attempt: message.attempt, lane: message.lane ?? 'fresh' };

/** The record's message; undefined (logged, and dropped) when it can never parse. */
function parse(record: SQSRecord): QueueMessage | undefined {
  let json: unknown;
  try {
    json = JSON.parse(record.body);
  } catch {
    json = undefined;
  }
  const parsed = QueueMessage.safeParse(json);
  if (parsed.success) return parsed.data;
  // Retrying a message that can never parse would only move it to the DLQ days later.
  logger.error('dropped a malformed delivery message', { messageId: record.messageId, issues: parsed.error?.issues ?? 'not JSON' });
  return undefined;
}
