import { queueConsumer } from '../../shared/platform/consumer';
import { syncWorkerDeps } from '../../shared/syncs/deps';
import { SyncJobMessage } from '../../shared/syncs/job';
import { processSyncJob } from '../../shared/syncs/worker';

/**
 * The sync worker (`syncJobs`): a message is a page of a stream, and the pages after it
 * while this invocation's time lasts; the messages of a batch at once. A provider's
 * failure ends its stream with a reason; only an infrastructure error (the table, the
 * queue) leaves the message to SQS to retry.
 */
export const handler = queueConsumer({
  what: 'sync job',
  message: SyncJobMessage,
  // A page in progress when the time runs out would be read again by another invocation:
  // stop taking pages 15 s before Lambda's timeout (a slow provider's page takes seconds).
  handle: (job, context) => processSyncJob(syncWorkerDeps(), job, { until: Date.now() + context.getRemainingTimeInMillis() - 15_000 }),
});
