import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { sign as githubSign } from '@octokit/webhooks-methods';
import Stripe from 'stripe';
import { github } from '../../shared/integrations/catalog/github';
import { shopify } from '../../shared/integrations/catalog/shopify';
import { stripe } from '../../shared/integrations/catalog/stripe';
import type { IntegrationInput } from '../../shared/integrations/schema';
import { WebhookSubscription } from '../../shared/inbound/schema';
import { webhookSubscriptionStore } from '../../shared/inbound/subscription-store';
import { operatorAudit } from '../../shared/platform/audit';
import { createApiKey, createTenant } from '../../shared/tenancy/service';
import { startFakeGitHub, type FakeGitHub } from '../fakes/github';
import type { FakeProvider } from '../fakes/provider';
import { startFakeShopify, type FakeShopify } from '../fakes/shopify';
import { startFakeStripe, type FakeStripe } from '../fakes/stripe';
import { trust, type TlsFront } from '../fakes/tls';
import { localDynamoDb } from '../support/dynamodb';
import { customIntegration } from '../support/good-bodies';
import { frontOf } from '../support/proxied';
import { startTestRuntime, type ApiResponse, type TestRuntime } from '../support/runtime';

/**
 * Webhook subscriptions made through the providers' own APIs, through the local gateway
 * against the fake GitHub, Stripe and Shopify (behind TLS, as the functions reach every
 * provider): the provider holds a subscription to this connection's receiver with a
 * secret, and a delivery the provider's own library signs with that secret is accepted
 * there; list, delete, removal with the connection; the providers' refusals as 4xx/502
 * problems; another tenant's 404; and the secret in no answer, log line or event.
 */
let runtime: TestRuntime;
let rivalKey: string;
let gitHub: FakeGitHub;
let stripeFake: FakeStripe;
let shopifyFake: FakeShopify;
const fronts: TlsFront[] = [];
/** Every answer's text, to look for secrets in at the end. */
const answers: string[] = [];

/**
 * A built-in integration's own definition (its auth, headers and webhook registration),
 * as a tenant's integration whose API is the fake behind `front`.
 */
function here(definition: IntegrationInput, key: string, front: TlsFront, path = '') {
  return {
    key,
    name: definition.name,
    category: definition.category,
    description: definition.description,
    docsUrl: definition.docsUrl,
    baseUrl: `${front.url}${path}`,
    headers: definition.headers,
    auth: definition.auth.filter((method) => method.type !== 'oauth2'),
    check: definition.check,
    webhooks: { ...definition.webhooks!, events: undefined },
  };
}

async function call(path: string, init: Parameters<TestRuntime['call']>[1] = {}): Promise<ApiResponse & { text: string }> {
  const response = await runtime.call(path, init);
  const text = await response.text();
  answers.push(text);
  return Object.assign(response, { text, json: async () => JSON.parse(text) });
}

async function integration(definition: Record<string, unknown>) {
  const response = await call('/v1/integrations', { method: 'POST', json: definition });
  expect(response.status).toBe(201);
}

async function connect(json: Record<string, unknown>, fake?: FakeProvider, token?: string, key?: string): Promise<string> {
  if (fake && token) fake.tokens.add(token);
  const response = await call('/v1/connections', { method: 'POST', json, ...(key ? { key } : {}) });
  expect(response.status).toBe(201);
  return (await response.json()).id;
}

const githubToken = () => `ghp_${randomBytes(18).toString('hex')}`;
const stripeToken = () => `sk_test_${randomBytes(18).toString('hex')}`;
const shopifyToken = () => `shpat_${randomBytes(16).toString('hex')}`;

/** A connection to the fake GitHub whose token it accepts. */
async function githubConnection() {
  const token = githubToken();
  return connect({ integration: 'github-here', name: 'Repos', credentials: { token } }, gitHub, token);
}

/** The subscription items left in the table for a connection of the dev tenant (`local`), read past the API. */
const storedSubscriptions = async (connectionId: string) =>
  (await webhookSubscriptionStore({ db: localDynamoDb(runtime.dynamodbEndpoint), table: runtime.env.MAIN_TABLE_NAME! }).list('local', connectionId, { limit: 100 })).items;

const subscribe = (connectionId: string, json: unknown, key?: string) => call(`/v1/connections/${connectionId}/webhook-subscriptions`, { method: 'POST', json, ...(key ? { key } : {}) });
const hookPath = (url: string) => new URL(url).pathname;

async function expectProblem(response: ApiResponse & { text: string }, status: number, field?: string) {
  expect({ status: response.status, type: response.headers.get('content-type') }).toEqual({ status, type: 'application/problem+json' });
  if (field) expect(JSON.parse(response.text).errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
}

beforeAll(async () => {
  [gitHub, stripeFake, shopifyFake] = await Promise.all([startFakeGitHub(), startFakeStripe(), startFakeShopify()]);
  for (const fake of [gitHub, stripeFake, shopifyFake]) fronts.push(await frontOf(fake));
  trust(fronts.map((front) => front.caPem));
  runtime = await startTestRuntime();
  const store = { db: localDynamoDb(runtime.dynamodbEndpoint), table: runtime.env.MAIN_TABLE_NAME! };
  await createTenant(store, 'Rival', 'rival-subscriptions');
  rivalKey = (await createApiKey(store, operatorAudit('rival-subscriptions', 'test', 'api_key.create'), { name: 'rival', scopes: ['read', 'write'] })).secret;
  await integration(here(github, 'github-here', fronts[0]!));
  await integration(here(stripe, 'stripe-here', fronts[1]!));
  await integration(here(shopify, 'shopify-here', fronts[2]!, '/admin/api/2026-07'));
  for (const repo of ['api', 'web', 'docs', 'ops']) gitHub.addRepository('acme', repo);
});
afterAll(async () => {
  await runtime.stop();
  await Promise.all([...fronts.map((front) => front.close()), gitHub.close(), stripeFake.close(), shopifyFake.close()]);
});

describe('GitHub repository hooks', () => {
  it('creates a hook with this connection’s receiver URL and a new secret, and a delivery signed with it is accepted there', async () => {
    const token = githubToken();
    const id = await connect({ integration: 'github-here', name: 'Repos', credentials: { token } }, gitHub, token);

    const response = await subscribe(id, { events: ['issues', 'push'], params: { owner: 'acme', repo: 'api' } });

    expect(response.status).toBe(201);
    const subscription = await response.json();
    // Exactly the documented fields: parsing drops any other.
    expect(WebhookSubscription().parse(subscription)).toEqual(subscription);
    expect(subscription).toMatchObject({ connectionId: id, integration: 'github-here', events: ['issues', 'push'], params: { owner: 'acme', repo: 'api' } });
    expect(response.headers.get('location')).toBe(`/v1/connections/${id}/webhook-subscriptions/${subscription.id}`);
    const [hook] = gitHub.hooks('acme', 'api').filter((h) => String(h.id) === subscription.providerId);
    const config = hook!.config as { url: string; content_type: string; secret: string };
    expect(config).toMatchObject({ url: subscription.url, content_type: 'json' });
    expect(hookPath(config.url)).toBe(`/v1/hooks/github-here/${id}`);
    // 32 random bytes, base64url; never in the answer.
    expect(config.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(response.text).not.toContain(config.secret);
    expect((await (await call(`/v1/connections/${id}`)).json())).toMatchObject({ credentialFields: ['token', 'webhookSecret'], version: 2 });

    const body = JSON.stringify({ action: 'opened', issue: { number: 1 }, repository: { name: 'api', owner: { login: 'acme' } } });
    const delivery = await call(hookPath(config.url), {
      method: 'POST',
      key: null,
      body,
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': await githubSign(config.secret, body), 'x-github-delivery': randomUUID(), 'x-github-event': 'issues' },
    });
    expect(delivery.status).toBe(202);
  });

  it("gives a connection's second hook the secret of its first, so both verify", async () => {
    const id = await githubConnection();
    const first = await (await subscribe(id, { events: ['push'], params: { owner: 'acme', repo: 'web' } })).json();
    const second = await (await subscribe(id, { events: ['push'], params: { owner: 'acme', repo: 'docs' } })).json();

    const secretOf = (repo: string, providerId: string) => (gitHub.hooks('acme', repo).find((h) => String(h.id) === providerId)!.config as { secret: string }).secret;
    expect(secretOf('docs', second.providerId)).toBe(secretOf('web', first.providerId));
  });
});

describe('Stripe webhook endpoints', () => {
  it("stores the secret Stripe made, so a delivery signed by stripe-node's generateTestHeaderString is accepted", async () => {
    const key = stripeToken();
    const id = await connect({ integration: 'stripe-here', name: 'Payments', credentials: { apiKey: key } }, stripeFake, key);

    const response = await subscribe(id, { events: ['customer.created', 'invoice.paid'] });

    expect(response.status).toBe(201);
    const subscription = await response.json();
    const endpoint = stripeFake.records('webhook_endpoints').find((e) => e.id === subscription.providerId)!;
    expect(endpoint).toMatchObject({ url: subscription.url, enabled_events: ['customer.created', 'invoice.paid'], description: `Junction connection ${id}` });
    const secret = String(endpoint.secret);
    expect(response.text).not.toContain(secret);

    const payload = JSON.stringify({ id: `evt_${randomBytes(8).toString('hex')}`, object: 'event', type: 'customer.created', data: { object: { id: 'cus_1' } } });
    const header = new Stripe('sk_test_unused').webhooks.generateTestHeaderString({ payload, secret });
    const delivery = await call(hookPath(subscription.url), { method: 'POST', key: null, body: payload, headers: { 'content-type': 'application/json', 'stripe-signature': header } });
    expect(delivery.status).toBe(202);
  });

  it('refuses a second endpoint on one connection with 409: Stripe signs each with its own secret', async () => {
    const key = stripeToken();
    const id = await connect({ integration: 'stripe-here', name: 'Payments', credentials: { apiKey: key } }, stripeFake, key);
    expect((await subscribe(id, { events: ['charge.succeeded'] })).status).toBe(201);
    const before = stripeFake.records('webhook_endpoints').length;

    await expectProblem(await subscribe(id, { events: ['invoice.paid'] }), 409);
    expect(stripeFake.records('webhook_endpoints')).toHaveLength(before);
  });

  it("answers Stripe's refusal of an event type as 400 naming it, with Stripe's words", async () => {
    const key = stripeToken();
    const id = await connect({ integration: 'stripe-here', name: 'Payments', credentials: { apiKey: key } }, stripeFake, key);

    const response = await subscribe(id, { events: ['customer.created', 'customer.nope'] });

    await expectProblem(response, 400, 'body.events.1');
    expect(JSON.parse(response.text).detail).toContain('Invalid enabled_events[1]');
  });
});

describe('Shopify webhook subscriptions', () => {
  it("needs the app's client secret on the connection first (409), then subscribes one topic, signed with it", async () => {
    const token = shopifyToken();
    const id = await connect({ integration: 'shopify-here', name: 'Shop', credentials: { apiKey: token } }, shopifyFake, token);
    await expectProblem(await subscribe(id, { events: ['orders/create'] }), 409);
    const appSecret = `shpss_${randomBytes(16).toString('hex')}`;
    const patched = await call(`/v1/connections/${id}`, { method: 'PATCH', headers: { 'if-match': '"1"' }, json: { credentials: { apiKey: token, webhookSecret: appSecret } } });
    expect(patched.status).toBe(200);

    await expectProblem(await subscribe(id, { events: ['orders/create', 'orders/updated'] }), 400, 'body.events');
    const response = await subscribe(id, { events: ['orders/create'] });

    expect(response.status).toBe(201);
    const subscription = await response.json();
    expect(shopifyFake.records('webhookSubscriptions').find((s) => `gid://shopify/WebhookSubscription/${s.id}` === subscription.providerId)).toMatchObject({ topic: 'ORDERS_CREATE', uri: subscription.url, format: 'JSON' });
    // The app's secret stays as it was: the connection's version does not move.
    expect((await (await call(`/v1/connections/${id}`)).json()).version).toBe(2);
    const body = JSON.stringify({ id: 820982911946154500, name: '#9999' });
    const delivery = await call(hookPath(subscription.url), {
      method: 'POST',
      key: null,
      body,
      headers: { 'content-type': 'application/json', 'x-shopify-topic': 'orders/create', 'x-shopify-webhook-id': randomUUID(), 'x-shopify-hmac-sha256': createHmac('sha256', appSecret).update(body).digest('base64') },
    });
    expect(delivery.status).toBe(202);
  });

  it('answers an unknown topic as 400 on body.events.0', async () => {
    const token = shopifyToken();
    const id = await connect({ integration: 'shopify-here', name: 'Shop', credentials: { apiKey: token, webhookSecret: 'shpss_app' } }, shopifyFake, token);
    await expectProblem(await subscribe(id, { events: ['orders/nope'] }), 400, 'body.events.0');
  });
});

describe('list and delete', () => {
  it('lists newest first in pages, and delete removes at the provider, then here', async () => {
    const id = await githubConnection();
    const made: Array<{ id: string; providerId: string }> = [];
    for (const events of [['push'], ['issues'], ['release']]) made.push(await (await subscribe(id, { events, params: { owner: 'acme', repo: 'ops' } })).json());

    const first = await (await call(`/v1/connections/${id}/webhook-subscriptions?limit=2`)).json();
    const rest = await (await call(`/v1/connections/${id}/webhook-subscriptions?limit=2&cursor=${first.nextCursor}`)).json();
    expect([...first.data, ...rest.data].map((s: { id: string }) => s.id)).toEqual(made.map((s) => s.id).reverse());
    expect(rest.nextCursor).toBeNull();

    const deleted = await call(`/v1/connections/${id}/webhook-subscriptions/${made[0]!.id}`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({ id: made[0]!.id, deleted: true, removedAtProvider: true });
    expect(gitHub.hooks('acme', 'ops').map((h) => String(h.id))).not.toContain(made[0]!.providerId);
    expect((await (await call(`/v1/connections/${id}/webhook-subscriptions`)).json()).data.map((s: { id: string }) => s.id)).toEqual([made[2]!.id, made[1]!.id]);
    await expectProblem(await call(`/v1/connections/${id}/webhook-subscriptions/${made[0]!.id}`, { method: 'DELETE' }), 404);

    // Removed at GitHub by hand: forgotten here all the same, and said so.
    gitHub.hooks('acme', 'ops').splice(gitHub.hooks('acme', 'ops').findIndex((h) => String(h.id) === made[1]!.providerId), 1);
    expect(await (await call(`/v1/connections/${id}/webhook-subscriptions/${made[1]!.id}`, { method: 'DELETE' })).json()).toMatchObject({ removedAtProvider: false });
  });

  it('keeps a subscription the provider will not remove, and answers 502', async () => {
    const id = await githubConnection();
    const made = await (await subscribe(id, { events: ['push'], params: { owner: 'acme', repo: 'ops' } })).json();
    // The removal is retried once: both tries fail.
    gitHub.faults.push('server-error', 'server-error');

    await expectProblem(await call(`/v1/connections/${id}/webhook-subscriptions/${made.id}`, { method: 'DELETE' }), 502);
    expect((await (await call(`/v1/connections/${id}/webhook-subscriptions`)).json()).data.map((s: { id: string }) => s.id)).toEqual([made.id]);
  });
});

describe('deleting the connection', () => {
  it('removes its subscriptions at the provider and reports it', async () => {
    const id = await githubConnection();
    for (const repo of ['web', 'docs']) expect((await subscribe(id, { events: ['star'], params: { owner: 'acme', repo } })).status).toBe(201);
    const hooksOf = () => ['web', 'docs'].flatMap((repo) => gitHub.hooks('acme', repo)).filter((h) => (h.config as { url: string }).url.endsWith(id));
    expect(hooksOf()).toHaveLength(2);

    const response = await call(`/v1/connections/${id}`, { method: 'DELETE' });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id, deleted: true, tokenRevocation: null, webhookSubscriptions: { removed: 2, failed: [] } });
    expect(hooksOf()).toEqual([]);
    expect(await storedSubscriptions(id)).toEqual([]);
  });

  it('is deleted even when the provider is down, and says which subscriptions it could not remove', async () => {
    const down = await startFakeGitHub();
    const front = await frontOf(down);
    down.addRepository('acme', 'api');
    await integration(here(github, 'github-down', front));
    const token = githubToken();
    const id = await connect({ integration: 'github-down', name: 'Repos', credentials: { token } }, down, token);
    const made = await (await subscribe(id, { events: ['push'], params: { owner: 'acme', repo: 'api' } })).json();
    await Promise.all([front.close(), down.close()]);

    const response = await call(`/v1/connections/${id}`, { method: 'DELETE' });

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id, deleted: true, webhookSubscriptions: { removed: 0, failed: [{ id: made.id, detail: expect.stringContaining('could not be reached') }] } });
    expect((await call(`/v1/connections/${id}`)).status).toBe(404);
    await expectProblem(await call(`/v1/connections/${id}/webhook-subscriptions`), 404);
    // Its items went with it, whatever the provider said.
    expect(await storedSubscriptions(id)).toEqual([]);
  });
});

describe('refusals', () => {
  it.each([
    ['an event GitHub does not send repository hooks', { events: ['push', 'marketplace_purchase'], params: { owner: 'acme', repo: 'api' } }, 'body.events.1'],
    ['an event named twice', { events: ['push', 'push'], params: { owner: 'acme', repo: 'api' } }, 'body.events.1'],
    ['a missing repo', { events: ['push'], params: { owner: 'acme' } }, 'body.params.repo'],
    ['an owner that is not a login', { events: ['push'], params: { owner: '../admin', repo: 'api' } }, 'body.params.owner'],
    ['a param GitHub does not take', { events: ['push'], params: { owner: 'acme', repo: 'api', org: 'acme' } }, 'body.params.org'],
    ['a repository GitHub does not know (or may not manage)', { events: ['push'], params: { owner: 'acme', repo: 'unknown' } }, 'body.params'],
  ])('answers %s with 400 naming the field, and creates nothing', async (_what, body, field) => {
    const id = await githubConnection();
    const before = gitHub.requests.filter((r) => r.method === 'POST').length;
    await expectProblem(await subscribe(id, body), 400, field);
    expect((await (await call(`/v1/connections/${id}/webhook-subscriptions`)).json()).data).toEqual([]);
    // Only what the catalog cannot know reaches GitHub.
    expect(gitHub.requests.filter((r) => r.method === 'POST').length - before).toBe(field === 'body.params' ? 1 : 0);
  });

  it('answers 400 on path.id for an integration without registration through its API', async () => {
    await integration({ ...customIntegration('no-registration'), webhooks: { scheme: 'github', secret: 'endpoint' } });
    const id = await connect({ integration: 'no-registration', name: 'Plain', credentials: { token: 't' } });
    await expectProblem(await subscribe(id, { events: ['push'] }), 400, 'path.id');
  });

  it("answers 502 when the provider refuses the connection's credentials or fails, keeping nothing", async () => {
    const stranger = await connect({ integration: 'github-here', name: 'Stranger', credentials: { token: githubToken() } });
    const refused = await subscribe(stranger, { events: ['push'], params: { owner: 'acme', repo: 'api' } });
    await expectProblem(refused, 502);
    expect(JSON.parse(refused.text).detail).toContain('HTTP 401');

    const id = await githubConnection();
    gitHub.faults.push('server-error');
    await expectProblem(await subscribe(id, { events: ['push'], params: { owner: 'acme', repo: 'api' } }), 502);
    expect((await (await call(`/v1/connections/${id}/webhook-subscriptions`)).json()).data).toEqual([]);
    expect((await (await call(`/v1/connections/${id}`)).json()).credentialFields).toEqual(['token']);
  });

  it("answers another tenant's key 404 on every route, and the provider hears nothing", async () => {
    const id = await githubConnection();
    const made = await (await subscribe(id, { events: ['push'], params: { owner: 'acme', repo: 'api' } })).json();
    const requests = gitHub.requests.length;

    await expectProblem(await subscribe(id, { events: ['push'], params: { owner: 'acme', repo: 'api' } }, rivalKey), 404);
    await expectProblem(await call(`/v1/connections/${id}/webhook-subscriptions`, { key: rivalKey }), 404);
    await expectProblem(await call(`/v1/connections/${id}/webhook-subscriptions/${made.id}`, { method: 'DELETE', key: rivalKey }), 404);

    expect(gitHub.requests.length).toBe(requests);
    expect((await (await call(`/v1/connections/${id}/webhook-subscriptions`)).json()).data.map((s: { id: string }) => s.id)).toEqual([made.id]);
  });
});

describe('secrets', () => {
  it('appear in no answer, no log line of the functions and no event', async () => {
    const { output } = await runtime.logsDuring(async () => {
      const id = await githubConnection();
      await subscribe(id, { events: ['watch'], params: { owner: 'acme', repo: 'web' } });
      await call(`/v1/connections/${id}`, { method: 'DELETE' });
    });
    const events = await call('/v1/events?limit=100');
    const secrets = [
      ...['api', 'web', 'docs', 'ops'].flatMap((repo) => gitHub.hooks('acme', repo).map((h) => (h.config as { secret: string }).secret)),
      ...stripeFake.records('webhook_endpoints').map((e) => String(e.secret)),
    ];
    expect(secrets.length).toBeGreaterThan(3);
    const leaks = secrets.filter((secret) => answers.some((text) => text.includes(secret)) || output.includes(secret) || events.text.includes(secret));
    expect(leaks).toEqual([]);
  });
});
