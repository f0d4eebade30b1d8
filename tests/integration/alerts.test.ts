import { SendEmailCommand, SESv2Client, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { channelSenders } from '../../shared/alerts/channels';
import { evaluateRules } from '../../shared/alerts/evaluator';
import { alertStore, countOpenAlerts } from '../../shared/alerts/store';
import { operatorAudit } from '../../shared/platform/audit';
import { createApiKey, createTenant } from '../../shared/tenancy/service';
import { defaultVault } from '../../shared/vault/default';
import { alertRuleBody, plantFiringAlert } from '../support/alerts';
import { localDynamoDb } from '../support/dynamodb';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

// Slack's stand-in answers on loopback; the outbound client refuses loopback unless opened.
process.env.OUTBOUND_ALLOWED_NETWORKS = '127.0.0.1/32';

/**
 * Alert rules and alerts through the gateway on DynamoDB Local: the rules API and its
 * refusals, tenant isolation, the scheduled evaluator end to end (requests counted into
 * the metrics, rolled up, read by the evaluator, an alert opened, the webhook event
 * written and the email recorded by the local SES), and channels that fail.
 */
let runtime: TestRuntime;
let main: { db: ReturnType<typeof localDynamoDb>; table: string };
let rivalKey: string;
let alertingKey: string;
const slackUrl = 'https://hooks.slack.com/services/T0000/B0000/abcdefghijklmnopWXYZ';

beforeAll(async () => {
  runtime = await startTestRuntime();
  main = { db: localDynamoDb(runtime.dynamodbEndpoint), table: runtime.env.MAIN_TABLE_NAME! };
  await createTenant(main, 'Rival', 'rival');
  rivalKey = (await createApiKey(main, operatorAudit('rival', 'test', 'api_key.create'), { name: 'rival', scopes: ['read', 'write'] })).secret;
  await createTenant(main, 'Alerting', 'alerting');
  alertingKey = (await createApiKey(main, operatorAudit('alerting', 'test', 'api_key.create'), { name: 'alerting', scopes: ['read', 'write'] })).secret;
});
afterAll(() => runtime.stop());

const create = (body: unknown, key?: string) => runtime.call('/v1/alert-rules', { method: 'POST', json: body, ...(key ? { key } : {}) });

describe('alert rules', () => {
  it('creates, reads, lists, changes and deletes a rule, never answering its Slack URL', async () => {
    const created = await create({ ...alertRuleBody(), channels: [{ type: 'slack', url: slackUrl }, { type: 'webhook' }] });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    const rule = await created.json();
    expect(rule).toMatchObject({ metric: 'sync.runs_failed', aggregation: 'sum', threshold: 3, windowMinutes: 5, scope: { type: 'all' }, enabled: true, version: 1 });
    expect(rule.channels).toEqual([{ type: 'slack', urlHint: 'https://hooks.slack.com/…WXYZ' }, { type: 'webhook' }]);

    const read = await runtime.call(`/v1/alert-rules/${rule.id}`);
    expect(await read.text()).not.toContain('abcdefghijklmnop');
    const listed = await (await runtime.call('/v1/alert-rules?limit=100')).json();
    expect(listed.data.map((r: { id: string }) => r.id)).toContain(rule.id);
    expect(JSON.stringify(listed)).not.toContain('abcdefghijklmnop');

    expect((await runtime.call(`/v1/alert-rules/${rule.id}`, { method: 'PATCH', json: { threshold: 10 } })).status).toBe(428);
    expect((await runtime.call(`/v1/alert-rules/${rule.id}`, { method: 'PATCH', json: { threshold: 10 }, headers: { 'if-match': '"7"' } })).status).toBe(412);
    const changed = await runtime.call(`/v1/alert-rules/${rule.id}`, { method: 'PATCH', json: { threshold: 10, severity: 'info' }, headers: { 'if-match': '"1"' } });
    expect(changed.status).toBe(200);
    expect(await changed.json()).toMatchObject({ threshold: 10, severity: 'info', version: 2 });

    expect((await runtime.call(`/v1/alert-rules/${rule.id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await runtime.call(`/v1/alert-rules/${rule.id}`)).status).toBe(404);
  });

  it.each([
    ['an unknown metric', { metric: 'sync.nope' }, 'body.metric'],
    ['a window of no minutes', { windowMinutes: 0 }, 'body.windowMinutes'],
    ['a window longer than a day', { windowMinutes: 1441 }, 'body.windowMinutes'],
    ['a window in fractions of a minute', { windowMinutes: 2.5 }, 'body.windowMinutes'],
    ['a threshold given as text', { threshold: '5' }, 'body.threshold'],
    ['a threshold of null', { threshold: null }, 'body.threshold'],
    ['a percentile of a counter', { aggregation: 'p95' }, 'body.aggregation'],
    ['a sum of a latency', { metric: 'webhook.latency', aggregation: 'sum' }, 'body.aggregation'],
    ['an unknown aggregation', { aggregation: 'median' }, 'body.aggregation'],
    ['a scope the metric is not kept by', { scope: { type: 'endpoint', id: 'whep_1' } }, 'body.scope'],
    ['an unknown scope', { scope: { type: 'team', id: 'x' } }, 'body.scope.type'],
    ['a cooldown of none', { cooldownMinutes: 0 }, 'body.cooldownMinutes'],
    ['no channels', { channels: [] }, 'body.channels'],
    ['a Slack URL that is not Slack', { channels: [{ type: 'slack', url: 'https://127.0.0.1/services/T0000/B0000/x' }] }, 'body.channels.0.url'],
    ['a Slack URL over plain HTTP', { channels: [{ type: 'slack', url: 'http://hooks.slack.com/services/T0000/B0000/abcdef' }] }, 'body.channels.0.url'],
    ['an email channel without an address', { channels: [{ type: 'email', to: ['nobody'] }] }, 'body.channels.0.to.0'],
    ['an unknown field', { owner: 'me' }, 'body.owner'],
  ])('refuses %s with a 400 naming the field', async (_what, change, field) => {
    const response = await create({ ...alertRuleBody(), ...change });
    expect(response.status).toBe(400);
    const problem = await response.json();
    expect(problem.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('refuses a change whose aggregation no longer fits the stored metric, naming the field', async () => {
    const rule = await (await create(alertRuleBody())).json();
    const response = await runtime.call(`/v1/alert-rules/${rule.id}`, { method: 'PATCH', json: { aggregation: 'p99' }, headers: { 'if-match': '"1"' } });
    expect(response.status).toBe(400);
    expect((await response.json()).errors).toEqual([{ field: 'body.aggregation', message: expect.stringContaining('sync.runs_failed is a counter') }]);
  });

  it('refuses a tenant its 101st rule with a 409', async () => {
    await createTenant(main, 'Many rules', 'many-rules');
    const key = (await createApiKey(main, operatorAudit('many-rules', 'test', 'api_key.create'), { name: 'many', scopes: ['read', 'write'] })).secret;
    for (let i = 0; i < 100; i++) expect((await create({ ...alertRuleBody(), name: `rule ${i}` }, key)).status).toBe(201);
    const refused = await create(alertRuleBody(), key);
    expect(refused.status).toBe(409);
    expect((await refused.json()).detail).toContain('100 alert rules');
  });
});

describe("another tenant's alert rules and alerts", () => {
  it('are neither shown, changed nor acknowledged for the rival, and counted for their owner only', async () => {
    const rule = await (await create({ ...alertRuleBody(), name: 'owned rule' })).json();
    const alertId = await plantFiringAlert(main, 'local', rule.id, 'owned rule');

    expect((await runtime.call(`/v1/alert-rules/${rule.id}`, { key: rivalKey })).status).toBe(404);
    expect((await runtime.call(`/v1/alert-rules/${rule.id}`, { method: 'PATCH', key: rivalKey, json: { threshold: 1 }, headers: { 'if-match': '"1"' } })).status).toBe(404);
    expect((await runtime.call(`/v1/alerts/${alertId}/acknowledge`, { method: 'POST', key: rivalKey })).status).toBe(404);
    expect((await runtime.call(`/v1/alert-rules/${rule.id}`, { method: 'DELETE', key: rivalKey })).status).toBe(404);
    const rivalRules = await (await runtime.call('/v1/alert-rules?limit=100', { key: rivalKey })).json();
    const rivalAlerts = await (await runtime.call('/v1/alerts?limit=100', { key: rivalKey })).json();
    expect(JSON.stringify([rivalRules, rivalAlerts])).not.toContain('owned rule');
    expect(await countOpenAlerts(main, 'rival')).toEqual({ firing: 0, acknowledged: 0 });

    const owner = await (await runtime.call(`/v1/alerts?state=firing&ruleId=${rule.id}`)).json();
    expect(owner.data.map((a: { id: string }) => a.id)).toEqual([alertId]);
    expect((await runtime.call(`/v1/alert-rules/${rule.id}`)).status).toBe(200);
  });
});

describe('acknowledging', () => {
  it('acknowledges a firing alert once, moves it out of the firing count, and refuses it again with a 409', async () => {
    const rule = await (await create(alertRuleBody())).json();
    const alertId = await plantFiringAlert(main, 'local', rule.id);
    const before = await countOpenAlerts(main, 'local');

    const acknowledged = await runtime.call(`/v1/alerts/${alertId}/acknowledge`, { method: 'POST' });
    expect(acknowledged.status).toBe(200);
    expect(await acknowledged.json()).toMatchObject({ id: alertId, state: 'acknowledged', acknowledgedAt: expect.any(String) });
    expect((await runtime.call(`/v1/alerts/${alertId}/acknowledge`, { method: 'POST' })).status).toBe(409);
    await expectEventually(async () => countOpenAlerts(main, 'local'), { firing: before.firing - 1, acknowledged: before.acknowledged + 1 });
    const listed = await (await runtime.call(`/v1/alerts?state=acknowledged&ruleId=${rule.id}`)).json();
    expect(listed.data.map((a: { id: string }) => a.id)).toEqual([alertId]);
  });

  it('closes the open alert of a rule that is disabled, without a notification', async () => {
    const rule = await (await create(alertRuleBody())).json();
    const alertId = await plantFiringAlert(main, 'local', rule.id);
    expect((await runtime.call(`/v1/alert-rules/${rule.id}`, { method: 'PATCH', json: { enabled: false }, headers: { 'if-match': '"1"' } })).status).toBe(200);
    const listed = await (await runtime.call(`/v1/alerts?ruleId=${rule.id}`)).json();
    expect(listed.data).toEqual([expect.objectContaining({ id: alertId, state: 'resolved', notifications: [] })]);
  });
});

describe('the scheduled evaluator', () => {
  const as = (path: string, init: Parameters<TestRuntime['call']>[1] = {}) => runtime.call(path, { ...init, key: alertingKey });

  it('opens an alert from counted requests, writes alert.triggered, emails through the local SES, and resolves it', async () => {
    const created = await as('/v1/alert-rules', {
      method: 'POST',
      json: { ...alertRuleBody(), name: 'Client errors', metric: 'api.client_errors', threshold: 0, windowMinutes: 10, channels: [{ type: 'webhook' }, { type: 'email', to: ['oncall@example.com'] }] },
    });
    expect(created.status).toBe(201);
    const rule = await created.json();
    // Counted client errors (containers flush their counts on their own schedule: any one of them breaches `gt 0`).
    for (let i = 0; i < 3; i++) expect((await as('/v1/events?type=nonsense')).status).toBe(400);

    // Each tick runs the rollup and the evaluator side by side: tick on (the schedule's clock
    // moving two minutes a time) until an evaluation has seen the rolled-up counts.
    let firing = { data: [] as unknown[] };
    for (let minutes = 4; minutes <= 14 && firing.data.length === 0; minutes += 2) {
      await runtime.scheduler.tick(Date.now() + minutes * 60_000);
      firing = await (await as(`/v1/alerts?state=firing&ruleId=${rule.id}`)).json();
    }
    expect(firing.data).toHaveLength(1);
    const alert = firing.data[0] as { id: string; value: number; notifications: Array<{ channel: string; ok: boolean }> };
    expect(alert).toMatchObject({ ruleName: 'Client errors', metric: 'api.client_errors', suppressed: false, notifiedAt: expect.any(String) });
    expect(alert.value).toBeGreaterThanOrEqual(1);
    expect(alert.notifications.map((n: { channel: string; ok: boolean }) => [n.channel, n.ok])).toEqual([['webhook', true], ['email', true]]);
    const triggered = await (await as('/v1/events?type=alert.triggered')).json();
    expect(triggered.data.map((e: { data: { id: string } }) => e.data.id)).toEqual([alert.id]);
    const mail = runtime.ses.messages.filter((m) => m.to.includes('oncall@example.com') && m.subject.includes('Client errors'));
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatchObject({ from: 'junction-alerts@example.com', subject: expect.stringContaining('[critical] Client errors: api.client_errors is') });

    // Out of breach (the threshold moved above the count): the next run resolves it and says so.
    expect((await as(`/v1/alert-rules/${rule.id}`, { method: 'PATCH', json: { threshold: 1000 }, headers: { 'if-match': '"1"' } })).status).toBe(200);
    await runtime.scheduler.tick(Date.now() + 20 * 60_000);
    const resolved = await (await as(`/v1/alerts?state=resolved&ruleId=${rule.id}`)).json();
    expect(resolved.data.map((a: { id: string }) => a.id)).toEqual([alert.id]);
    const events = await (await as('/v1/events?type=alert.resolved')).json();
    expect(events.data.map((e: { data: { id: string; state: string } }) => [e.data.id, e.data.state])).toEqual([[alert.id, 'resolved']]);
    expect(runtime.ses.messages.filter((m) => m.subject.startsWith('Resolved Client errors'))).toHaveLength(1);
  });
});

describe('a failing channel', () => {
  let slack: Server;
  let slackCalls = 0;
  beforeAll(async () => {
    slack = createServer((_request, response) => {
      slackCalls++;
      response.writeHead(500).end('oops');
    });
    await new Promise<void>((resolve) => slack.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => slack.close(() => resolve())));

  it('does not stop the email channel or the other rules, and shows on the alert', async () => {
    await createTenant(main, 'Failing Slack', 'failing-slack');
    const key = (await createApiKey(main, operatorAudit('failing-slack', 'test', 'api_key.create'), { name: 'k', scopes: ['read', 'write'] })).secret;
    const both = await (await create({ ...alertRuleBody(), name: 'Slack and email', channels: [{ type: 'slack', url: slackUrl }, { type: 'email', to: ['team@example.com'] }] }, key)).json();
    const other = await (await create({ ...alertRuleBody(), name: 'Email only', channels: [{ type: 'email', to: ['other@example.com'] }] }, key)).json();
    const port = (slack.address() as AddressInfo).port;
    const real = channelSenders({ ses: () => new SESv2Client({ region: 'us-east-1', endpoint: runtime.ses.url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }), from: () => 'alerts@example.com' });
    const sent = runtime.ses.messages.length;

    const outcome = await evaluateRules({
      store: alertStore(main),
      // Both rules breach; every other tenant's rules read nothing.
      reader: { window: async (tenantId) => ({ kind: 'counter', sum: tenantId === 'failing-slack' ? 10 : 0 }) },
      vault: defaultVault(),
      // Slack's URL as sealed and opened, sent through the outbound client to the stand-in that answers 500.
      senders: { ...real, slack: (url, message) => real.slack(url.replace('https://hooks.slack.com', `http://127.0.0.1:${port}`), message) },
    });

    expect(outcome.failedRules).toEqual([]);
    expect(outcome.failedNotifications.filter((f) => f.tenantId === 'failing-slack')).toEqual([expect.objectContaining({ channel: 'slack', error: 'Slack answered 500' })]);
    expect(slackCalls).toBeGreaterThanOrEqual(1);
    const alerts = (await (await runtime.call('/v1/alerts?state=firing', { key })).json()).data as Array<{ ruleId: string; notifications: Array<{ channel: string; ok: boolean; error?: string }> }>;
    expect(alerts.find((a) => a.ruleId === both.id)!.notifications.map((n) => [n.channel, n.ok, n.error])).toEqual([
      ['slack', false, 'Slack answered 500'],
      ['email', true, undefined],
    ]);
    expect(alerts.find((a) => a.ruleId === other.id)!.notifications.map((n) => [n.channel, n.ok])).toEqual([['email', true]]);
    // (Other tenants' open alerts resolve in this run too: only this tenant's addresses are counted.)
    const ours = runtime.ses.messages.slice(sent).flatMap((m) => m.to).filter((to) => ['team@example.com', 'other@example.com'].includes(to));
    expect(ours.sort()).toEqual(['other@example.com', 'team@example.com']);
  });
});

describe('the local SES', () => {
  it.each([
    ['no FromEmailAddress', { Destination: { ToAddresses: ['a@example.com'] }, Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } } } } }, 'FromEmailAddress is required'],
    ['no Destination', { FromEmailAddress: 'f@example.com', Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } } } } }, 'Destination is required'],
    ['no Content', { FromEmailAddress: 'f@example.com', Destination: { ToAddresses: ['a@example.com'] } }, 'Content is required'],
    ['51 recipients', { FromEmailAddress: 'f@example.com', Destination: { ToAddresses: Array.from({ length: 51 }, (_, i) => `a${i}@example.com`) }, Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } } } } }, 'Recipient count exceeds 50'],
  ])('refuses a message with %s as SES does (400 BadRequestException)', async (_what, body, message) => {
    // Sent by the SDK's own client, signed as a function's would be; it checks nothing itself.
    const error = await sesClient('local').send(new SendEmailCommand(body as SendEmailCommandInput)).then(
      () => undefined,
      (thrown: { name: string; message: string; $metadata: { httpStatusCode?: number } }) => thrown,
    );
    expect(error?.$metadata.httpStatusCode).toBe(400);
    expect(error?.name).toBe('BadRequestException');
    expect(error?.message).toContain(message);
  });

  const simple = { FromEmailAddress: 'f@example.com', Destination: { ToAddresses: ['a@example.com'] }, Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } } } } };

  it('takes a message signed with the local credentials, and refuses one signed with another secret (403 SignatureDoesNotMatch)', async () => {
    await expect(sesClient('local').send(new SendEmailCommand(simple))).resolves.toMatchObject({ MessageId: expect.stringMatching(/^local-/) });
    await expect(sesClient('not-the-local-secret').send(new SendEmailCommand(simple))).rejects.toMatchObject({
      name: 'SignatureDoesNotMatchException',
      $metadata: { httpStatusCode: 403 },
    });
  });

  it('refuses an unsigned request (403 MissingAuthenticationToken)', async () => {
    const response = await fetch(`${runtime.ses.url}/v2/email/outbound-emails`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(simple) });
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
  });
});

function sesClient(secretAccessKey: string) {
  return new SESv2Client({ region: 'us-east-1', endpoint: runtime.ses.url, credentials: { accessKeyId: 'local', secretAccessKey }, maxAttempts: 1 });
}

async function expectEventually<T>(read: () => Promise<T>, expected: T) {
  // The open-alert index is eventually consistent: poll with a deadline, never sleep a fixed time.
  const deadline = Date.now() + 5000;
  let last: T = await read();
  while (JSON.stringify(last) !== JSON.stringify(expected) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    last = await read();
  }
  expect(last).toEqual(expected);
}
