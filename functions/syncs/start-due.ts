import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger } from '../../shared/platform/logger';
import { metrics } from '../../shared/platform/metrics';
import { schedulerDeps } from '../../shared/syncs/deps';
import { startDueRuns } from '../../shared/syncs/scheduler';

/**
 * Every minute: starts the scheduled sync runs that are due. A connection whose runs could
 * not be started is tried again next minute; each counts in `ScheduledSyncsFailed`, which
 * has an alarm.
 */
export async function handler(): Promise<{ started: number; busy: number; refused: number; failed: number }> {
  const { started, busy, refused, failed } = await startDueRuns(schedulerDeps());
  if (failed.length > 0) {
    logger.error('scheduled sync runs could not be started', { failed });
    metrics.addMetric('ScheduledSyncsFailed', MetricUnit.Count, failed.length);
    metrics.publishStoredMetrics();
  }
  if (started.length > 0 || busy > 0 || refused > 0) logger.info('started scheduled sync runs', { started: started.length, busy, refused });
  return { started: started.length, busy, refused, failed: failed.length };
}
