import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import { routeDeps } from '../../shared/inbound/deps';
import { routeInboundEvent } from '../../shared/inbound/service';
import { logger } from '../../shared/platform/logger';

/**
 * The inbound worker (`inboundEvents`): per message, serves the connection's sync request
 * (start a run, or find one already covering the event) and marks the event processed.
 * Only an infrastructure error leaves the message to SQS to retry.
 */
const InboundMessage = z.strictObject({ tenantId: z.string().min(1), connectionId: z.string().min(1), inboundId: z.string().min(1).optional() });

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  // One after another: a burst's messages for one connection then find the run the first
  // started, instead of racing it for the streams' locks.
  const failures: Array<{ itemIdentifier: string }> = [];
  for (const record of event.Records) if (!(await handle(record))) failures.push({ itemIdentifier: record.messageId });
  return { batchItemFailures: failures };
}

async function handle(record: SQSRecord): Promise<boolean> {
  let json: unknown;
  try {
    json = JSON.parse(record.body);
  } catch {
    json = undefined;
  }
  const parsed = InboundMessage.safeParse(json);
  if (!parsed.success) {
    // It can never parse: retrying would only take it to the DLQ days later.
    logger.error('dropped a malformed inbound message', { messageId: record.messageId });
    return true;
  }
  try {
    const outcome = await routeInboundEvent(routeDeps(), parsed.data);
    logger.info('inbound event routed', { ...parsed.data, outcome });
    return true;
  } catch (error) {
    logger.error('routing an inbound event failed; SQS will redeliver it', { messageId: record.messageId, error: error as Error });
    return false;
  }
}
