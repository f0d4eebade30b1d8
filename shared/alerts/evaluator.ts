import { eventPut } from '../events/store';
import type { MetricsReader, SeriesFilter, WindowValue } from '../metrics/reader';
import { derivedId } from '../platform/ids';
import type { TransactItem } from '../platform/items';
import type { Vault } from '../vault/vault';
import { emailMessage, slackMessage, type ChannelSenders, type NotificationKind } from './channels';
import type { AlertNotification, AlertScope } from './schema';
import { alertView, slackContext } from './service';
import type { AlertItem, AlertRuleItem, AlertStore } from './store';

/**
 * The alert evaluator, run once a minute. For each enabled rule it reads the metric's
 * aggregate over the rule's window and compares it with the threshold:
 *
 *   no open alert   + breach     → opens an alert (`firing`); notifies unless within the cooldown
 *   firing          + breach     → notifies again once the cooldown has passed since the last notification
 *   acknowledged    + breach     → nothing (acknowledging stops the repeats)
 *   firing or acked + no breach  → `resolved`; notifies if the alert's trigger was notified
 *
 * The cooldown counts from the rule's last `alert.triggered` notification, whichever alert
 * it was for: an alert that resolves and fires again within it is recorded but not
 * notified (`suppressed`), and is notified once the cooldown has passed if it still fires.
 *
 * Each change is one transaction, conditional on the rule's state being the one read
 * (`stateRev`), holding the alert and, for the webhook channel, the event: two evaluators
 * at once make the change (and notify) once. Slack and email are sent after the change is
 * stored, and each outcome is kept on the alert. One rule's or channel's failure is
 * counted and the others go on.
 */
export interface EvaluatorDeps {
  store: AlertStore;
  reader: Pick<MetricsReader, 'window'>;
  vault: Pick<Vault, 'open'>;
  senders: ChannelSenders;
  now?: () => Date;
  /** Rules evaluated at once (reads and writes in flight). */
  concurrency?: number;
}

export interface EvaluationOutcome {
  rules: number;
  /** Metric reads made: rules that share tenant, metric, scope and window share one. */
  reads: number;
  opened: number;
  renotified: number;
  resolved: number;
  /** Alerts opened within the cooldown: recorded, not notified. */
  suppressed: number;
  /** Changes another evaluator (or an acknowledgement) made first: left to it. */
  raced: number;
  failedRules: Array<{ tenantId: string; ruleId: string; error: string }>;
  failedNotifications: Array<{ tenantId: string; alertId: string; channel: string; error: string }>;
}

/** An alert keeps its last 20 notifications: enough to see a channel failing, small enough for the item. */
const keptNotifications = 20;

export async function evaluateRules(deps: EvaluatorDeps): Promise<EvaluationOutcome> {
  const now = deps.now?.() ?? new Date();
  const outcome: EvaluationOutcome = { rules: 0, reads: 0, opened: 0, renotified: 0, resolved: 0, suppressed: 0, raced: 0, failedRules: [], failedNotifications: [] };
  const rules: Array<{ tenantId: string; rule: AlertRuleItem }> = [];
  for await (const page of deps.store.enabledRules()) rules.push(...page);
  outcome.rules = rules.length;
  const reads = new Map<string, Promise<WindowValue>>();
  const read = (tenantId: string, rule: AlertRuleItem) => {
    const key = JSON.stringify([tenantId, rule.metric, rule.scope, rule.windowMinutes]);
    let value = reads.get(key);
    if (!value) {
      outcome.reads++;
      const filter = filterOf(rule.scope);
      value = deps.reader.window(tenantId, { name: rule.metric, from: new Date(now.getTime() - rule.windowMinutes * 60_000), to: now, ...(filter ? { filter } : {}) });
      reads.set(key, value);
    }
    return value;
  };
  let next = 0;
  const worker = async () => {
    while (next < rules.length) {
      const { tenantId, rule } = rules[next++]!;
      try {
        await evaluateRule(deps, tenantId, rule, now, await read(tenantId, rule), outcome);
      } catch (error) {
        outcome.failedRules.push({ tenantId, ruleId: rule.id, error: error instanceof Error ? error.message : String(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(deps.concurrency ?? 16, rules.length) }, worker));
  return outcome;
}

/** Scope → the series read: the tenant's total, or one value of the scope's dimension. */
export function filterOf(scope: AlertScope): SeriesFilter | undefined {
  return scope.type === 'all' ? undefined : { dimension: scope.type, value: scope.id };
}

/** The window's value as the rule reads it; null when there is nothing to compare (no latency observed). */
export function aggregate(value: WindowValue, rule: Pick<AlertRuleItem, 'aggregation' | 'windowMinutes' | 'metric'>): number | null {
  if (value.kind === 'counter') {
    if (rule.aggregation === 'sum') return value.sum;
    if (rule.aggregation === 'avg_per_minute') return value.sum / rule.windowMinutes;
  } else if (rule.aggregation === 'p50' || rule.aggregation === 'p95' || rule.aggregation === 'p99') {
    return value[rule.aggregation];
  }
  throw new Error(`${rule.metric} read as ${value.kind} cannot be aggregated as ${rule.aggregation}`);
}

export function breaches(value: number | null, rule: Pick<AlertRuleItem, 'comparison' | 'threshold'>): boolean {
  if (value === null) return false;
  switch (rule.comparison) {
    case 'gt':
      return value > rule.threshold;
    case 'gte':
      return value >= rule.threshold;
    case 'lt':
      return value < rule.threshold;
    case 'lte':
      return value <= rule.threshold;
  }
}

const cooldownPassed = (rule: AlertRuleItem, now: Date) => rule.lastNotifiedAt === null || now.getTime() - Date.parse(rule.lastNotifiedAt) >= rule.cooldownMinutes * 60_000;

async function evaluateRule(deps: EvaluatorDeps, tenantId: string, rule: AlertRuleItem, now: Date, window: WindowValue, outcome: EvaluationOutcome) {
  const value = aggregate(window, rule);
  const breach = breaches(value, rule);
  const at = now.toISOString();
  const webhook = rule.channels.some((c) => c.type === 'webhook');
  const webhookEntry = (kind: NotificationKind): AlertNotification[] => (webhook ? [{ channel: 'webhook', kind, at, ok: true }] : []);
  const event = (alert: AlertItem, kind: NotificationKind): TransactItem[] =>
    webhook ? [eventPut(deps.store.table, tenantId, kind === 'triggered' ? 'alert.triggered' : 'alert.resolved', alertView(alert), now)] : [];

  if (rule.openAlertId === null) {
    if (!breach) return;
    const notify = cooldownPassed(rule, now);
    const alert: AlertItem = {
      // Derived from the state read: a second evaluator that read the same state names the same alert.
      id: derivedId('alrt', now.getTime(), `${tenantId}#${rule.id}#${rule.stateRev}`),
      ruleId: rule.id,
      ruleName: rule.name,
      metric: rule.metric,
      severity: rule.severity,
      state: 'firing',
      value: value!,
      lastValue: value!,
      threshold: rule.threshold,
      comparison: rule.comparison,
      openedAt: at,
      acknowledgedAt: null,
      resolvedAt: null,
      notifiedAt: notify ? at : null,
      suppressed: !notify,
      notifications: notify ? webhookEntry('triggered') : [],
    };
    const change = { openAlertId: alert.id, openState: 'firing' as const, ...(notify ? { lastNotifiedAt: at } : {}) };
    if (!(await deps.store.transition(tenantId, rule.id, rule.stateRev, change, { put: alert }, notify ? event(alert, 'triggered') : []))) {
      outcome.raced++;
      return;
    }
    outcome.opened++;
    if (!notify) outcome.suppressed++;
    else await notifyOthers(deps, tenantId, rule, alert, 'triggered', outcome);
    return;
  }

  if (breach && (rule.openState === 'acknowledged' || !cooldownPassed(rule, now))) return;
  const open = await deps.store.getAlert(tenantId, rule.openAlertId);
  if (!open) throw new Error(`the open alert ${rule.openAlertId} of rule ${rule.id} is missing`);
  if (breach) {
    const alert: AlertItem = { ...open, lastValue: value!, notifiedAt: at, notifications: [...open.notifications, ...webhookEntry('triggered')].slice(-keptNotifications) };
    const set = { lastValue: alert.lastValue, notifiedAt: at, notifications: alert.notifications };
    const change = { openAlertId: open.id, openState: 'firing' as const, lastNotifiedAt: at };
    if (!(await deps.store.transition(tenantId, rule.id, rule.stateRev, change, { update: { id: open.id, set, state: 'firing' } }, event(alert, 'triggered')))) {
      outcome.raced++;
      return;
    }
    outcome.renotified++;
    await notifyOthers(deps, tenantId, rule, alert, 'triggered', outcome);
    return;
  }
  // A trigger nobody was told of resolves as quietly.
  const notify = open.notifiedAt !== null;
  const alert: AlertItem = {
    ...open,
    state: 'resolved',
    resolvedAt: at,
    lastValue: value ?? open.lastValue,
    notifications: notify ? [...open.notifications, ...webhookEntry('resolved')].slice(-keptNotifications) : open.notifications,
  };
  const set = { resolvedAt: at, lastValue: alert.lastValue, notifications: alert.notifications };
  if (!(await deps.store.transition(tenantId, rule.id, rule.stateRev, { openAlertId: null, openState: null }, { update: { id: open.id, set, state: 'resolved' } }, notify ? event(alert, 'resolved') : []))) {
    outcome.raced++;
    return;
  }
  outcome.resolved++;
  if (notify) await notifyOthers(deps, tenantId, rule, alert, 'resolved', outcome);
}

/** Slack and email, after the change is stored; each outcome is kept on the alert, a failure never stops the next channel. */
async function notifyOthers(deps: EvaluatorDeps, tenantId: string, rule: AlertRuleItem, alert: AlertItem, kind: NotificationKind, outcome: EvaluationOutcome) {
  const view = alertView(alert);
  const sent: AlertNotification[] = [];
  for (const channel of rule.channels) {
    if (channel.type === 'webhook') continue;
    const at = (deps.now?.() ?? new Date()).toISOString();
    try {
      if (channel.type === 'slack') {
        const sealed = await deps.store.slackSecret(tenantId, rule.id);
        if (!sealed) throw new Error('the Slack URL is missing; set the channel again');
        await deps.senders.slack(await deps.vault.open<string>(sealed, slackContext(tenantId, rule.id)), slackMessage(view, kind));
      } else {
        await deps.senders.email({ to: channel.to, ...emailMessage(view, kind) });
      }
      sent.push({ channel: channel.type, kind, at, ok: true });
    } catch (error) {
      const message = (error instanceof Error ? error.message : String(error)).slice(0, 300);
      sent.push({ channel: channel.type, kind, at, ok: false, error: message });
      outcome.failedNotifications.push({ tenantId, alertId: alert.id, channel: channel.type, error: message });
    }
  }
  if (sent.length === 0) return;
  try {
    await deps.store.recordNotifications(tenantId, alert.id, [...alert.notifications, ...sent].slice(-keptNotifications));
  } catch (error) {
    // The sends happened; only their record is lost.
    outcome.failedNotifications.push({ tenantId, alertId: alert.id, channel: 'record', error: (error as Error).message });
  }
}
