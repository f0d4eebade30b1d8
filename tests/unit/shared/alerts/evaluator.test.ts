import type { ChannelSenders } from '../../../../shared/alerts/channels';
import { evaluateRules, type EvaluatorDeps } from '../../../../shared/alerts/evaluator';
import { acknowledgeAlert } from '../../../../shared/alerts/service';
import type { AlertItem, AlertRuleItem, AlertStore, SlackSecretItem } from '../../../../shared/alerts/store';
import type { WindowValue } from '../../../../shared/metrics/reader';
import { operatorAudit } from '../../../../shared/platform/audit';
import type { TransactItem } from '../../../../shared/platform/items';

/**
 * The evaluator's state machine against an in-memory store that keeps the real store's
 * promise (a transition happens only from the state read), a reader whose values the test
 * sets, and a clock the test moves.
 */
const minute = 60_000;
const t0 = Date.parse('2026-12-01T10:00:00.000Z');

function world() {
  let now = t0;
  const rules = new Map<string, { tenantId: string; rule: AlertRuleItem }>();
  const alerts = new Map<string, AlertItem>();
  const slack = new Map<string, SlackSecretItem>();
  const events: Array<{ tenantId: string; type: string; data: { id: string } }> = [];
  const values = new Map<string, WindowValue | Error>();
  const reads: string[] = [];
  const sent = { slack: [] as Array<{ url: string; text: string }>, email: [] as Array<{ to: string[]; subject: string }> };
  const failing = { slack: false };

  const store: AlertStore = {
    table: 'main',
    createRule: async () => 'created',
    getRule: async (tenantId, id) => rules.get(`${tenantId}/${id}`)?.rule,
    listRules: async () => ({ items: [], nextCursor: null }),
    updateRule: async () => 'done',
    deleteRule: async () => true,
    slackSecret: async (tenantId, ruleId) => slack.get(`${tenantId}/${ruleId}`),
    async *enabledRules() {
      yield [...rules.values()].filter(({ rule }) => rule.enabled).map(({ tenantId, rule }) => ({ tenantId, rule: structuredClone(rule) }));
    },
    async transition(tenantId, ruleId, readRev, change, write, also: TransactItem[]) {
      const entry = rules.get(`${tenantId}/${ruleId}`);
      if (!entry || entry.rule.stateRev !== readRev || !entry.rule.enabled) return false;
      Object.assign(entry.rule, change, { stateRev: readRev + 1 });
      if ('put' in write) alerts.set(`${tenantId}/${write.put.id}`, structuredClone(write.put));
      else Object.assign(alerts.get(`${tenantId}/${write.update.id}`)!, write.update.set, { state: write.update.state });
      for (const item of also) {
        const put = item.Put?.Item as { sk: string; type: string; data: { id: string } } | undefined;
        if (put?.sk.startsWith('EVENT#')) events.push({ tenantId, type: put.type, data: put.data });
      }
      return true;
    },
    getAlert: async (tenantId, id) => structuredClone(alerts.get(`${tenantId}/${id}`)),
    listAlerts: async () => ({ items: [], nextCursor: null }),
    async acknowledge(tenantId, alert, at) {
      const stored = alerts.get(`${tenantId}/${alert.id}`)!;
      if (stored.state !== 'firing') return false;
      Object.assign(stored, { state: 'acknowledged', acknowledgedAt: at });
      const { rule } = rules.get(`${tenantId}/${alert.ruleId}`)!;
      Object.assign(rule, { openState: 'acknowledged', stateRev: rule.stateRev + 1 });
      return true;
    },
    async recordNotifications(tenantId, alertId, notifications) {
      alerts.get(`${tenantId}/${alertId}`)!.notifications = notifications;
    },
  };
  const senders: ChannelSenders = {
    async slack(url, message) {
      if (failing.slack) throw new Error('Slack answered 500');
      sent.slack.push({ url, text: message.text });
    },
    async email(message) {
      sent.email.push({ to: message.to, subject: message.subject });
    },
  };
  const deps: EvaluatorDeps = {
    store,
    reader: {
      async window(tenantId, query) {
        const key = `${tenantId}|${query.name}|${query.filter?.value ?? '*'}`;
        reads.push(key);
        const value = values.get(key) ?? { kind: 'counter', sum: 0 };
        if (value instanceof Error) throw value;
        return value;
      },
    },
    vault: { open: async <T>(sealed: { ciphertext: string }) => sealed.ciphertext as T },
    senders,
    now: () => new Date(now),
  };

  let count = 0;
  const addRule = (tenantId: string, fields: Partial<AlertRuleItem> = {}) => {
    const id = `arule_${String(++count).padStart(26, '0')}`;
    const rule: AlertRuleItem = {
      id, name: `rule ${count}`, metric: 'sync.runs_failed', aggregation: 'sum', comparison: 'gt', threshold: 3, windowMinutes: 5, scope: { type: 'all' },
      severity: 'critical', cooldownMinutes: 30, channels: [{ type: 'webhook' }, { type: 'slack', urlHint: 'https://hooks.slack.com/…abcd' }, { type: 'email', to: ['oncall@example.com'] }],
      enabled: true, version: 1, createdAt: new Date(t0).toISOString(), updatedAt: new Date(t0).toISOString(), stateRev: 0, openAlertId: null, openState: null, lastNotifiedAt: null,
      ...fields,
    };
    rules.set(`${tenantId}/${id}`, { tenantId, rule });
    slack.set(`${tenantId}/${id}`, { ciphertext: `https://hooks.slack.com/services/${tenantId}/${id}`, keyId: 'k', context: { tenantId, connectionId: id, purpose: 'x' }, tenantId, ruleId: id });
    return rule;
  };
  const alertsOf = (tenantId: string, ruleId: string) => [...alerts.entries()].filter(([key, a]) => key.startsWith(`${tenantId}/`) && a.ruleId === ruleId).map(([, a]) => a);
  return {
    deps, store, addRule, alertsOf, events, sent, reads, failing,
    set: (tenantId: string, metric: string, value: WindowValue | Error, scopeValue = '*') => values.set(`${tenantId}|${metric}|${scopeValue}`, value),
    advance: (minutes: number) => (now += minutes * minute),
    evaluate: () => evaluateRules(deps),
  };
}

const failures = (sum: number): WindowValue => ({ kind: 'counter', sum });

describe('the alert evaluator', () => {
  it('opens a firing alert on a breach and notifies the webhook, Slack and email channels once', async () => {
    const w = world();
    const rule = w.addRule('t1');
    w.set('t1', 'sync.runs_failed', failures(5));

    const outcome = await w.evaluate();

    expect(outcome).toMatchObject({ rules: 1, opened: 1, suppressed: 0, failedRules: [], failedNotifications: [] });
    const [alert] = w.alertsOf('t1', rule.id);
    expect(alert).toMatchObject({ state: 'firing', value: 5, threshold: 3, suppressed: false, notifiedAt: new Date(t0).toISOString() });
    expect(alert!.notifications.map((n) => [n.channel, n.kind, n.ok])).toEqual([['webhook', 'triggered', true], ['slack', 'triggered', true], ['email', 'triggered', true]]);
    expect(w.events.map((e) => [e.type, e.data.id])).toEqual([['alert.triggered', alert!.id]]);
    expect(w.sent.slack).toEqual([{ url: `https://hooks.slack.com/services/t1/${rule.id}`, text: expect.stringContaining('sync.runs_failed is 5') }]);
    expect(w.sent.email.map((m) => m.to)).toEqual([['oncall@example.com']]);
  });

  it('does nothing while the value stays within the threshold', async () => {
    const w = world();
    const rule = w.addRule('t1');
    w.set('t1', 'sync.runs_failed', failures(3));
    await w.evaluate();
    expect(w.alertsOf('t1', rule.id)).toEqual([]);
    expect(w.events).toEqual([]);
  });

  it('repeats a firing alert only once its cooldown has passed since the last notification', async () => {
    const w = world();
    w.addRule('t1', { cooldownMinutes: 30 });
    w.set('t1', 'sync.runs_failed', failures(5));
    await w.evaluate();
    for (let i = 0; i < 29; i++) {
      w.advance(1);
      await w.evaluate();
    }
    expect(w.events.map((e) => e.type)).toEqual(['alert.triggered']);
    w.advance(1);
    const outcome = await w.evaluate();
    expect(outcome.renotified).toBe(1);
    expect(w.events.map((e) => e.type)).toEqual(['alert.triggered', 'alert.triggered']);
    expect(w.sent.email).toHaveLength(2);
  });

  it('fires, is acknowledged, resolves and fires again, notifying exactly as the cooldown says', async () => {
    const w = world();
    const rule = w.addRule('t1', { cooldownMinutes: 30 });
    w.set('t1', 'sync.runs_failed', failures(5));
    await w.evaluate(); // t0: fires, notified
    const first = w.alertsOf('t1', rule.id)[0]!;

    w.advance(1);
    await acknowledgeAlert(w.deps, operatorAudit('t1', 'test', 'alert.acknowledge'), first.id);
    w.advance(40); // past the cooldown: an acknowledged alert is still not repeated
    await w.evaluate();
    expect(w.events.map((e) => e.type)).toEqual(['alert.triggered']);

    w.set('t1', 'sync.runs_failed', failures(0));
    w.advance(1);
    await w.evaluate(); // t0+42: resolves, notified (its trigger was)
    expect(w.alertsOf('t1', rule.id)[0]).toMatchObject({ state: 'resolved', acknowledgedAt: expect.any(String), resolvedAt: expect.any(String) });
    expect(w.events.map((e) => e.type)).toEqual(['alert.triggered', 'alert.resolved']);

    w.set('t1', 'sync.runs_failed', failures(9));
    w.advance(1);
    await w.evaluate(); // t0+43: fires again, 43 minutes after the last trigger notification: notified
    const second = w.alertsOf('t1', rule.id).find((a) => a.id !== first.id)!;
    expect(second).toMatchObject({ state: 'firing', suppressed: false, value: 9 });
    expect(w.events.map((e) => e.type)).toEqual(['alert.triggered', 'alert.resolved', 'alert.triggered']);

    w.set('t1', 'sync.runs_failed', failures(0));
    w.advance(1);
    await w.evaluate(); // t0+44: resolves, notified
    w.set('t1', 'sync.runs_failed', failures(9));
    w.advance(1);
    await w.evaluate(); // t0+45: fires within 30 minutes of the last trigger notification: recorded, suppressed
    const third = w.alertsOf('t1', rule.id).find((a) => a.id !== first.id && a.id !== second.id)!;
    expect(third).toMatchObject({ state: 'firing', suppressed: true, notifiedAt: null });
    expect(w.events.map((e) => e.type)).toEqual(['alert.triggered', 'alert.resolved', 'alert.triggered', 'alert.resolved']);

    w.advance(28);
    await w.evaluate(); // t0+73: 30 minutes after t0+43: the suppressed alert is notified now
    expect(w.events.map((e) => e.type)).toEqual(['alert.triggered', 'alert.resolved', 'alert.triggered', 'alert.resolved', 'alert.triggered']);
    expect(w.alertsOf('t1', rule.id).find((a) => a.id === third.id)).toMatchObject({ suppressed: true, notifiedAt: new Date(t0 + 73 * minute).toISOString() });
    expect(w.sent.email).toHaveLength(5);
  });

  it('resolves an alert nobody was told of without a notification', async () => {
    const w = world();
    const rule = w.addRule('t1', { lastNotifiedAt: new Date(t0 - minute).toISOString() });
    w.set('t1', 'sync.runs_failed', failures(5));
    expect((await w.evaluate()).suppressed).toBe(1);
    w.set('t1', 'sync.runs_failed', failures(0));
    w.advance(1);
    expect((await w.evaluate()).resolved).toBe(1);
    expect(w.alertsOf('t1', rule.id)[0]).toMatchObject({ state: 'resolved', suppressed: true, notifiedAt: null });
    expect(w.events).toEqual([]);
    expect(w.sent.email).toEqual([]);
  });

  it('sends email and evaluates the other rules when Slack fails, and shows the failure on the alert', async () => {
    const w = world();
    const failingRule = w.addRule('t1');
    const other = w.addRule('t2', { channels: [{ type: 'slack', urlHint: 'x' }] });
    w.set('t1', 'sync.runs_failed', failures(5));
    w.set('t2', 'sync.runs_failed', failures(5));
    w.failing.slack = true;

    const outcome = await w.evaluate();

    expect(outcome.opened).toBe(2);
    expect(outcome.failedNotifications.map((f) => f.channel)).toEqual(['slack', 'slack']);
    expect(w.alertsOf('t1', failingRule.id)[0]!.notifications.map((n) => [n.channel, n.ok, n.error])).toEqual([
      ['webhook', true, undefined],
      ['slack', false, 'Slack answered 500'],
      ['email', true, undefined],
    ]);
    expect(w.sent.email).toHaveLength(1);
    expect(w.alertsOf('t2', other.id)).toHaveLength(1);
  });

  it('counts a rule whose metric cannot be read and evaluates the others', async () => {
    const w = world();
    const broken = w.addRule('t1', { metric: 'webhook.failures' });
    const fine = w.addRule('t1');
    w.set('t1', 'webhook.failures', new Error('metrics table throttled'));
    w.set('t1', 'sync.runs_failed', failures(5));

    const outcome = await w.evaluate();

    expect(outcome.failedRules).toEqual([{ tenantId: 't1', ruleId: broken.id, error: 'metrics table throttled' }]);
    expect(w.alertsOf('t1', fine.id)).toHaveLength(1);
  });

  it('opens one alert and notifies once when two evaluators run at the same time', async () => {
    const w = world();
    const rule = w.addRule('t1');
    w.set('t1', 'sync.runs_failed', failures(5));

    const [a, b] = await Promise.all([w.evaluate(), w.evaluate()]);

    expect(a.opened + b.opened).toBe(1);
    expect(a.raced + b.raced).toBe(1);
    expect(w.alertsOf('t1', rule.id)).toHaveLength(1);
    expect(w.events).toHaveLength(1);
    expect(w.sent.email).toHaveLength(1);
  });

  it('reads once for rules that share tenant, metric, scope and window, and reads each scope on its own', async () => {
    const w = world();
    w.addRule('t1', { threshold: 1 });
    w.addRule('t1', { threshold: 2, comparison: 'lt' });
    w.addRule('t1', { scope: { type: 'connection', id: 'conn_1' } });
    w.addRule('t2');

    const outcome = await w.evaluate();

    expect(outcome.reads).toBe(3);
    expect(w.reads.sort()).toEqual(['t1|sync.runs_failed|*', 't1|sync.runs_failed|conn_1', 't2|sync.runs_failed|*']);
  });

  it('reads latency percentiles, and compares nothing when no latency was observed', async () => {
    const w = world();
    const slow = w.addRule('t1', { metric: 'webhook.latency', aggregation: 'p95', threshold: 1000, channels: [{ type: 'webhook' }] });
    w.set('t1', 'webhook.latency', { kind: 'latency', count: 0, p50: null, p95: null, p99: null });
    await w.evaluate();
    expect(w.alertsOf('t1', slow.id)).toEqual([]);

    w.set('t1', 'webhook.latency', { kind: 'latency', count: 40, p50: 200, p95: 2000, p99: 5000 });
    w.advance(1);
    await w.evaluate();
    expect(w.alertsOf('t1', slow.id)[0]).toMatchObject({ state: 'firing', value: 2000 });
  });

  it('averages a counter per minute of the window', async () => {
    const w = world();
    const rule = w.addRule('t1', { aggregation: 'avg_per_minute', windowMinutes: 10, threshold: 2, comparison: 'gte', channels: [{ type: 'webhook' }] });
    w.set('t1', 'sync.runs_failed', failures(20));
    await w.evaluate();
    expect(w.alertsOf('t1', rule.id)[0]).toMatchObject({ value: 2 });
  });
});
