import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LocalRuntime } from '../../infra/local/runtime';
import type { ChannelSenders } from '../../shared/alerts/channels';
import { evaluateRules, type EvaluationOutcome } from '../../shared/alerts/evaluator';
import { limits } from '../../shared/alerts/schema';
import { alertStore, type AlertRuleItem } from '../../shared/alerts/store';
import type { MetricName } from '../../shared/metrics/catalog';
import { createMetricsReader } from '../../shared/metrics/series';
import { documentClient } from '../../shared/platform/dynamodb';
import { newId } from '../../shared/platform/ids';

/**
 * The `alerts` measurement (run.ts may turn it into rows): 1,000 enabled rules across 50
 * tenants, evaluated by the evaluator in this process against the runtime's DynamoDB
 * Local and the real metrics reader. Two runs: the first opens an alert for every rule
 * that breaches (half of them: `gte 0` over counts of nothing), with its `alert.triggered`
 * event; the second finds every rule as it left it (the steady state of most minutes).
 * Each run's wall time and DynamoDB requests, by command, counted by a middleware on the
 * client. Slack and email are not sent (the senders only count): their cost is the
 * receivers', not Junction's.
 */
export const alertTenants = 50;
export const rulesPerTenant = 20;

export interface AlertRunFigures {
  wallMs: number;
  requests: number;
  byCommand: Record<string, number>;
  outcome: Pick<EvaluationOutcome, 'rules' | 'reads' | 'opened' | 'renotified' | 'resolved' | 'raced'> & { failedRules: number };
}

export interface AlertFigures {
  rules: number;
  tenants: number;
  /** The run that opens 500 alerts. */
  opening: AlertRunFigures;
  /** The run after it: nothing changes. */
  steady: AlertRunFigures;
}

/** Metrics the rules watch: rules of one tenant that share metric, scope and window share a read. */
const watched: MetricName[] = ['sync.runs_failed', 'sync.rate_limited', 'webhook.failures', 'inbound.refused', 'api.server_errors'];

export async function measureAlerts(runtime: Pick<LocalRuntime, 'env' | 'dynamodbEndpoint'>): Promise<AlertFigures> {
  const counts: Record<string, number> = {};
  const client = new DynamoDBClient({ endpoint: runtime.dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      counts[context.commandName ?? 'unknown'] = (counts[context.commandName ?? 'unknown'] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  const db = documentClient(client);
  const store = alertStore({ db, table: runtime.env.MAIN_TABLE_NAME! });
  const reader = createMetricsReader({ db, table: runtime.env.METRICS_TABLE_NAME! });
  const senders: ChannelSenders = { slack: async () => {}, email: async () => {} };

  const at = new Date().toISOString();
  const prefix = `bench-alerts-${Date.now().toString(36)}`;
  for (let t = 0; t < alertTenants; t++) {
    const tenantId = `${prefix}-${t}`;
    await Promise.all(
      Array.from({ length: rulesPerTenant }, async (_, i) => {
        const rule: AlertRuleItem = {
          id: newId('arule'),
          name: `bench ${i}`,
          metric: watched[i % watched.length]!,
          aggregation: 'sum',
          comparison: i % 2 === 0 ? 'gte' : 'gt',
          threshold: 0,
          windowMinutes: i < 10 ? 5 : 15,
          scope: { type: 'all' },
          severity: 'warning',
          cooldownMinutes: 60,
          channels: [{ type: 'webhook' }, { type: 'email', to: ['oncall@example.com'] }],
          enabled: true,
          version: 1,
          createdAt: at,
          updatedAt: at,
          stateRev: 0,
          openAlertId: null,
          openState: null,
          lastNotifiedAt: null,
        };
        const created = await store.createRule(tenantId, rule, undefined, limits.rulesPerTenant, []);
        if (created !== 'created') throw new Error(`bench rule not created: ${created}`);
      }),
    );
  }

  const run = async (): Promise<AlertRunFigures> => {
    for (const key of Object.keys(counts)) delete counts[key];
    const started = performance.now();
    const outcome = await evaluateRules({ store, reader, vault: { open: async () => { throw new Error('no Slack channels here'); } }, senders });
    const wallMs = performance.now() - started;
    const byCommand = { ...counts };
    const { rules, reads, opened, renotified, resolved, raced } = outcome;
    return { wallMs, requests: Object.values(byCommand).reduce((a, b) => a + b, 0), byCommand, outcome: { rules, reads, opened, renotified, resolved, raced, failedRules: outcome.failedRules.length } };
  };
  // The index is eventually consistent: the rules just written are all in it before the first run counts.
  const wanted = alertTenants * rulesPerTenant;
  for (let seen = 0, tries = 0; tries < 100; tries++) {
    seen = 0;
    for await (const page of store.enabledRules()) seen += page.filter(({ tenantId }) => tenantId.startsWith(prefix)).length;
    if (seen >= wanted) break;
  }
  const opening = await run();
  const steady = await run();
  client.destroy();
  return { rules: wanted, tenants: alertTenants, opening, steady };
}
