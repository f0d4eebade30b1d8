import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * CloudWatch metrics as embedded-metric-format log lines. Request counts and latency come
 * from API Gateway already; these count what only the code can tell apart. Local mode
 * turns them off (POWERTOOLS_METRICS_DISABLED), as there is no CloudWatch to read them.
 */
export const metrics = new Metrics({
  // infra/declaration.ts metricsNamespace: the alarms on these metrics read it there.
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Junction',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'junction',
});

export function countProblem(status: number) {
  if (status === 401 || status === 403) metrics.addMetric('AuthFailures', MetricUnit.Count, 1);
  else if (status >= 500) metrics.addMetric('UnhandledErrors', MetricUnit.Count, 1);
  else return;
  metrics.publishStoredMetrics();
}
