import type { ConnectionCounts } from '../connections/store';
import type { MetricsReader } from '../metrics/reader';
import type { Overview } from './schema';

/**
 * What the overview reads: counters only, never the items they count. Connections are
 * counted by their store (one item), the 24 h figures are every counter's tenant total
 * (one query), open alerts are counted from their index.
 */
export interface OverviewDeps {
  connectionCounts(tenantId: string): Promise<ConnectionCounts>;
  metrics: Pick<MetricsReader, 'totals'>;
  openAlerts(tenantId: string): Promise<{ firing: number; acknowledged: number }>;
  now?: () => Date;
}

const day = 24 * 3600_000;

export async function readOverview(deps: OverviewDeps, tenantId: string): Promise<Overview> {
  const to = deps.now?.() ?? new Date();
  const from = new Date(to.getTime() - day);
  const [counts, totals, alerts] = await Promise.all([deps.connectionCounts(tenantId), deps.metrics.totals(tenantId, from, to), deps.openAlerts(tenantId)]);
  const total = (name: keyof typeof totals) => totals[name] ?? 0;
  const attempts = total('webhook.attempts');
  const failures = total('webhook.failures');
  return {
    asOf: to.toISOString(),
    integrations: Object.entries(counts.byIntegration)
      .map(([integration, connections]) => ({ integration, connections }))
      .sort((a, b) => b.connections - a.connections || (a.integration < b.integration ? -1 : 1)),
    connections: {
      total: Object.values(counts.byStatus).reduce((sum, n) => sum + n, 0),
      byStatus: counts.byStatus,
    },
    last24h: {
      from: from.toISOString(),
      to: to.toISOString(),
      syncs: { runs: total('sync.runs'), failedRuns: total('sync.runs_failed'), records: total('sync.records') },
      webhooks: {
        deliveries: total('webhook.deliveries'),
        attempts,
        failures,
        successRate: attempts > 0 ? Math.max(0, attempts - failures) / attempts : null,
      },
      inbound: { accepted: total('inbound.accepted'), refused: total('inbound.refused') },
      uploads: { bytes: total('upload.bytes'), completed: total('upload.completed'), failed: total('upload.failed') },
    },
    alerts,
  };
}
