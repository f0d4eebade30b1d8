import { metricsTable } from '../metrics/deps';
import { createMetricsReader } from '../metrics/series';
import { once } from '../platform/config';
import { mainTable } from '../platform/tables';
import { syncRunStore } from '../syncs/run-store';
import type { HealthSources } from './health';
import { connectionStore } from './store';

/**
 * What a health report needs in a Lambda container: the connection, its recent runs as the
 * syncs domain lists them (its run history, newest first), and the metrics series.
 */
export const connectionHealthDeps = once((): HealthSources & { store: ReturnType<typeof connectionStore> } => {
  const runs = syncRunStore(mainTable());
  return {
    store: connectionStore(mainTable()),
    recentRuns: async (tenantId, connectionId, limit) => (await runs.list(tenantId, connectionId, { limit })).items,
    metrics: createMetricsReader(metricsTable()),
  };
});
