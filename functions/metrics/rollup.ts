import type { ScheduledEvent } from 'aws-lambda';
import { metricsTable } from '../../shared/metrics/deps';
import { rollUp, type RollupOutcome } from '../../shared/metrics/rollup';
import { logger } from '../../shared/platform/logger';

/**
 * Every minute: folds the raw counters of minutes that ended two minutes ago or earlier
 * into the minute, hour and day series (shared/metrics/rollup.ts). "Now" is the schedule's
 * own firing time (`time`), so a late or retried invocation rolls up what its minute would have.
 */
export async function handler(event?: Partial<ScheduledEvent>): Promise<RollupOutcome> {
  const at = event?.time ? new Date(event.time) : new Date();
  const outcome = await rollUp(metricsTable(), Number.isNaN(at.getTime()) ? new Date() : at);
  if (outcome.rawItems > 0) logger.info('metrics rolled up', { ...outcome });
  return outcome;
}
