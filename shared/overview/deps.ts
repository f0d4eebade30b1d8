import { countOpenAlerts } from '../alerts/store';
import { connectionCounts } from '../connections/store';
import { metricsTable } from '../metrics/deps';
import { createMetricsReader } from '../metrics/series';
import { once } from '../platform/config';
import { mainTable } from '../platform/tables';
import type { OverviewDeps } from './service';

/** The overview's dependencies in a Lambda container, built once from its environment. */
export const overviewDeps = once(
  (): OverviewDeps => ({
    connectionCounts: (tenantId) => connectionCounts(mainTable(), tenantId),
    metrics: createMetricsReader(metricsTable()),
    openAlerts: (tenantId) => countOpenAlerts(mainTable(), tenantId),
  }),
);
