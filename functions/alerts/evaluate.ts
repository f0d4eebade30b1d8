import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { evaluatorDeps } from '../../shared/alerts/deps';
import { evaluateRules } from '../../shared/alerts/evaluator';
import { metricsReader } from '../../shared/metrics/series';
import { logger } from '../../shared/platform/logger';
import { metrics } from '../../shared/platform/metrics';

/**
 * Every minute: evaluates every enabled alert rule, opening and resolving alerts and
 * notifying their channels. A rule that could not be evaluated counts in
 * `AlertRulesFailed` and a channel that failed in `AlertNotificationsFailed` (both alarmed);
 * neither stops the others.
 */
export async function handler(): Promise<{ rules: number; opened: number; resolved: number; failedRules: number; failedNotifications: number }> {
  const outcome = await evaluateRules(evaluatorDeps(metricsReader()));
  if (outcome.failedRules.length > 0) {
    logger.error('alert rules could not be evaluated', { failed: outcome.failedRules });
    metrics.addMetric('AlertRulesFailed', MetricUnit.Count, outcome.failedRules.length);
  }
  if (outcome.failedNotifications.length > 0) {
    logger.warn('alert notifications failed', { failed: outcome.failedNotifications });
    metrics.addMetric('AlertNotificationsFailed', MetricUnit.Count, outcome.failedNotifications.length);
  }
  metrics.publishStoredMetrics();
  const { rules, reads, opened, renotified, resolved, suppressed, raced } = outcome;
  if (opened + renotified + resolved > 0) logger.info('evaluated alert rules', { rules, reads, opened, renotified, resolved, suppressed, raced });
  return { rules, opened, resolved, failedRules: outcome.failedRules.length, failedNotifications: outcome.failedNotifications.length };
}
