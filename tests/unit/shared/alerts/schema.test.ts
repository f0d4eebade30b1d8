import { AlertRuleInput, AlertRulePatch } from '../../../../shared/alerts/schema';

const good = {
  name: 'Slow deliveries',
  metric: 'webhook.latency',
  aggregation: 'p95',
  comparison: 'gt',
  threshold: 2000,
  windowMinutes: 15,
  scope: { type: 'endpoint', id: 'whep_01JCZ8X7Q4B3N5M6P7R8S9T0V1' },
  channels: [{ type: 'slack', url: 'https://hooks.slack.com/services/T0000/B0000/abcdefghijkl' }],
};

const fieldsOf = (result: { success: boolean; error?: { issues: Array<{ path: PropertyKey[] }> } }) => result.error?.issues.map((issue) => issue.path.join('.')) ?? [];

describe('an alert rule', () => {
  it('takes a latency percentile scoped to an endpoint, with defaults for the rest', () => {
    expect(AlertRuleInput.parse(good)).toMatchObject({ severity: 'warning', cooldownMinutes: 60, enabled: true });
  });

  it.each([
    ['a percentile of a counter', { metric: 'webhook.failures' }, 'aggregation'],
    ['a scope its family is not kept by', { scope: { type: 'connection', id: 'conn_1' } }, 'scope'],
    ['an infinite threshold', { threshold: Infinity }, 'threshold'],
    ['a threshold as text', { threshold: '2000' }, 'threshold'],
    ['a threshold DynamoDB cannot keep', { threshold: 1e308 }, 'threshold'],
    ['a threshold finer than DynamoDB keeps', { threshold: 1e-200 }, 'threshold'],
    ['a window past a day', { windowMinutes: 1441 }, 'windowMinutes'],
    ['a cooldown past a week', { cooldownMinutes: 10_081 }, 'cooldownMinutes'],
    ['two Slack channels', { channels: [good.channels[0], good.channels[0]] }, 'channels'],
    ['six channels', { channels: Array.from({ length: 6 }, () => ({ type: 'email', to: ['a@example.com'] })) }, 'channels'],
    ['an address twice', { channels: [{ type: 'email', to: ['a@example.com', 'A@example.com'] }] }, 'channels.0.to'],
    ['a Slack URL elsewhere', { channels: [{ type: 'slack', url: 'https://hooks.slack.com.evil.example/services/T0000/B0000/abc' }] }, 'channels.0.url'],
    ['a control character in the name', { name: 'a\u0007b' }, 'name'],
  ])('refuses %s, naming the field', (_what, change, field) => {
    expect(fieldsOf(AlertRuleInput.safeParse({ ...good, ...change }))).toContain(field);
  });

  it('refuses an empty patch', () => {
    expect(AlertRulePatch.safeParse({}).success).toBe(false);
  });
});
