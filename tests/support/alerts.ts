import { derivedId } from '../../shared/platform/ids';
import type { DynamoDb } from '../../shared/platform/dynamodb';
import { alertStore, type AlertItem } from '../../shared/alerts/store';

/** A rule body the API takes: sync failures over 5 minutes, to the webhook channel and one address. */
export const alertRuleBody = () => ({
  name: 'Sync failures',
  metric: 'sync.runs_failed',
  aggregation: 'sum',
  comparison: 'gt',
  threshold: 3,
  windowMinutes: 5,
  scope: { type: 'all' },
  severity: 'critical',
  cooldownMinutes: 30,
  channels: [{ type: 'webhook' }, { type: 'email', to: ['oncall@example.com'] }],
});

/**
 * Opens a firing alert on a fresh rule as the evaluator would (the rule's first state
 * change), for routes that need one without waiting for metrics.
 */
export async function plantFiringAlert(store: { db: DynamoDb; table: string }, tenantId: string, ruleId: string, name = 'planted'): Promise<string> {
  const at = new Date();
  const id = derivedId('alrt', at.getTime(), `${tenantId}#${ruleId}#planted`);
  const alert: AlertItem = {
    id, ruleId, ruleName: name, metric: 'sync.runs_failed', severity: 'critical', state: 'firing', value: 5, lastValue: 5, threshold: 3, comparison: 'gt',
    openedAt: at.toISOString(), acknowledgedAt: null, resolvedAt: null, notifiedAt: at.toISOString(), suppressed: false, notifications: [],
  };
  const done = await alertStore(store).transition(tenantId, ruleId, 0, { openAlertId: id, openState: 'firing', lastNotifiedAt: at.toISOString() }, { put: alert }, []);
  if (!done) throw new Error(`rule ${ruleId} is not fresh: its alert could not be planted`);
  return id;
}
