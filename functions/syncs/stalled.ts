import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { once, readConfig } from '../../shared/platform/config';
import { logger } from '../../shared/platform/logger';
import { metrics } from '../../shared/platform/metrics';
import { flushTally } from '../../shared/metrics/tally';
import { syncReadDeps } from '../../shared/syncs/deps';
import { failStalledRuns } from '../../shared/syncs/service';

/** Minutes a run may go without progress (cdk.json `syncStallMinutes`). */
const stallMs = once(() => readConfig('stalled syncs', z.object({ SYNC_STALL_MINUTES: z.coerce.number().positive() })).SYNC_STALL_MINUTES * 60_000);

/**
 * Every few minutes: fails the sync runs whose progress stopped (a lost message, a worker
 * that kept failing into the DLQ), so none stays `running` for ever. Each one counts in
 * `SyncRunsStalled`, which has an alarm: a stalled run is a bug or an outage to look at.
 */
export async function handler(): Promise<{ failed: number }> {
  const failed = await failStalledRuns(syncReadDeps(), stallMs());
  await flushTally();
  if (failed.length > 0) {
    logger.warn('failed stalled sync runs', { runIds: failed });
    metrics.addMetric('SyncRunsStalled', MetricUnit.Count, failed.length);
    metrics.publishStoredMetrics();
  }
  return { failed: failed.length };
}
