import type { MetricName } from '../../../../shared/metrics/catalog';
import { readOverview, type OverviewDeps } from '../../../../shared/overview/service';

const now = new Date('2026-12-07T12:00:00.000Z');

function deps(totals: Partial<Record<MetricName, number>>) {
  const asked: Array<{ tenantId: string; from: string; to: string }> = [];
  const standIn: OverviewDeps = {
    connectionCounts: async () => ({ byStatus: { active: 3, auth_failed: 1, error: 0 }, byIntegration: { stripe: 1, github: 3 } }),
    metrics: {
      totals: async (tenantId, from, to) => {
        asked.push({ tenantId, from: from.toISOString(), to: to.toISOString() });
        return totals;
      },
    },
    openAlerts: async () => ({ firing: 2, acknowledged: 1 }),
    now: () => now,
  };
  return { standIn, asked };
}

describe('the overview', () => {
  it("answers the counts, the last 24 h's totals and the open alerts, read once each", async () => {
    const { standIn, asked } = deps({
      'sync.runs': 10,
      'sync.runs_failed': 2,
      'sync.records': 500,
      'webhook.deliveries': 7,
      'webhook.attempts': 8,
      'webhook.failures': 2,
      'inbound.accepted': 4,
      'inbound.refused': 1,
      'upload.bytes': 1024,
      'upload.completed': 1,
    });

    const overview = await readOverview(standIn, 'acme');

    expect(overview).toEqual({
      asOf: now.toISOString(),
      integrations: [
        { integration: 'github', connections: 3 },
        { integration: 'stripe', connections: 1 },
      ],
      connections: { total: 4, byStatus: { active: 3, auth_failed: 1, error: 0 } },
      last24h: {
        from: '2026-12-06T12:00:00.000Z',
        to: now.toISOString(),
        syncs: { runs: 10, failedRuns: 2, records: 500 },
        webhooks: { deliveries: 7, attempts: 8, failures: 2, successRate: 0.75 },
        inbound: { accepted: 4, refused: 1 },
        uploads: { bytes: 1024, completed: 1, failed: 0 },
      },
      alerts: { firing: 2, acknowledged: 1 },
    });
    expect(asked).toEqual([{ tenantId: 'acme', from: '2026-12-06T12:00:00.000Z', to: now.toISOString() }]);
  });

  it('has no success rate when no delivery was attempted, rather than 0 or 100 %', async () => {
    const overview = await readOverview(deps({}).standIn, 'acme');

    expect(overview.last24h.webhooks).toEqual({ deliveries: 0, attempts: 0, failures: 0, successRate: null });
  });
});
