import { getMetricsContract } from '../../shared/metrics/contracts';
import { metricsTable } from '../../shared/metrics/deps';
import { createMetricsReader } from '../../shared/metrics/series';
import { getMetrics } from '../../shared/metrics/service';
import { http } from '../../shared/platform/http';

export const handler = http(getMetricsContract, async ({ principal, query }) => ({
  status: 200,
  body: await getMetrics(createMetricsReader(metricsTable()), principal.tenantId, query),
}));
