import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger } from '../../shared/platform/logger';
import { syncWorkerDeps } from '../../shared/syncs/deps';
import { SyncJobMessage } from '../../shared/syncs/job';
import { processSyncJob } from '../../shared/syncs/worker';

/**
 * The sync worker (`syncJobs`): a message is a page of a stream, and the pages after it
 * while this invocation's time lasts; the messages of a batch in parallel. A provider's
 * failure ends its stream with a reason; only an
 * infrastructure error (the table, the queue) leaves the message to SQS to retry, and
 * past maxReceiveCount for the DLQ.
 */
export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  // A page in progress when the time runs out would be read again by another invocation:
  // stop taking pages 15 s before Lambda's timeout (a slow provider's page takes seconds).
  const until = Date.now() + context.getRemainingTimeInMillis() - 15_000;
  const failures = await Promise.all(event.Records.map(async (record) => ((await handle(record, until)) ? [] : [{ itemIdentifier: record.messageId }])));
  return { batchItemFailures: failures.flat() };
}

async function handle(record: SQSRecord, until: number): Promise<boolean> {
  let json: unknown;
  try {
    json = JSON.parse(record.body);
  } catch {
    json = undefined;
  }
  const parsed = SyncJobMessage.safeParse(json);
  if (!parsed.success) {
    // A message that can never parse would only reach the DLQ days later.
    logger.error('dropped a malformed sync job', { messageId: record.messageId, issues: parsed.error?.issues ?? 'not JSON' });
    return true;
  }
  const { runId, stream, page } = parsed.data;
  try {
    const outcome = await processSyncJob(syncWorkerDeps(), parsed.data, { until });
    logger.info('sync job handled', { runId, stream, page, outcome });
    return true;
  } catch (error) {
    logger.error('sync job failed; SQS will redeliver it', { messageId: record.messageId, runId, stream, page, error: error as Error });
    return false;
  }
}
