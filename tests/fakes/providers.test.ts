import { Client as HubSpot } from '@hubspot/api-client';
import { Octokit } from '@octokit/core';
import { paginateRest } from '@octokit/plugin-paginate-rest';
import { createAdminApiClient } from '@shopify/admin-api-client';
import { Connection as Salesforce } from 'jsforce';
import Stripe from 'stripe';
import { startFakeGitHub, type FakeGitHub } from './github';
import { startFakeHubSpot, type FakeHubSpot } from './hubspot';
import { startFakeSalesforce, type FakeSalesforce } from './salesforce';
import { startFakeShopify, type FakeShopify } from './shopify';
import { startFakeStripe, type FakeStripe } from './stripe';

/**
 * The fake providers, driven by the providers' own client libraries: each library pages
 * through a fake as it would through the real API, and reads its errors as the real ones.
 * A fake whose paging or errors drifted from the documented format fails here, before any
 * sync test can trust it.
 */
const token = 'gho_16C7e42F292c6912E7710c838347Ae178B4a';
const day = 86_400_000;

const octokitFor = (baseUrl: string) => new (Octokit.plugin(paginateRest))({ auth: token, baseUrl });

describe('the fake GitHub, through Octokit', () => {
  let github: FakeGitHub;
  let octokit: ReturnType<typeof octokitFor>;
  beforeAll(async () => {
    github = await startFakeGitHub();
    github.tokens.add(token);
    const now = Date.now();
    for (let i = 0; i < 7; i++) github.addIssue('acme', 'api', { created: now - (7 - i) * day, updated: now - (7 - i) * day, state: i % 3 === 0 ? 'closed' : 'open', pull_request: i === 5 });
    octokit = octokitFor(github.url);
  });
  afterAll(() => github.close());

  it('pages every issue by its Link header, newest first, pull requests among them', async () => {
    const issues = await octokit.paginate('GET /repos/{owner}/{repo}/issues', { owner: 'acme', repo: 'api', state: 'all', per_page: 3 });
    expect(issues.map((issue) => issue.number)).toEqual([7, 6, 5, 4, 3, 2, 1]);
    expect(issues.filter((issue) => issue.pull_request).map((issue) => issue.number)).toEqual([6]);
    expect(github.requests.filter((r) => r.path === '/repos/acme/api/issues')).toHaveLength(3);
  });

  it('filters on updated_at with since, and answers the open ones by default', async () => {
    const since = new Date(Date.now() - 3.5 * day).toISOString();
    const recent = await octokit.paginate('GET /repos/{owner}/{repo}/issues', { owner: 'acme', repo: 'api', state: 'all', since, sort: 'updated', direction: 'asc' });
    expect(recent.map((issue) => issue.number)).toEqual([5, 6, 7]);
    const open = await octokit.paginate('GET /repos/{owner}/{repo}/issues', { owner: 'acme', repo: 'api' });
    expect(open.every((issue) => issue.state === 'open')).toBe(true);
  });

  it('answers its primary rate limit as 403 with x-ratelimit-remaining 0, and a bad token as 401', async () => {
    github.faults.push('rate-limit');
    await expect(octokit.request('GET /repos/{owner}/{repo}/issues', { owner: 'acme', repo: 'api' })).rejects.toMatchObject({
      status: 403,
      response: { headers: { 'x-ratelimit-remaining': '0' } },
    });
    const stranger = new Octokit({ auth: 'ghp_000000000000000000000000000000000000', baseUrl: github.url });
    await expect(stranger.request('GET /user/repos')).rejects.toMatchObject({ status: 401, message: expect.stringContaining('Bad credentials') });
  });

  it('creates, lists and deletes repository webhooks, never showing their secret back', async () => {
    const created = await octokit.request('POST /repos/{owner}/{repo}/hooks', { owner: 'acme', repo: 'api', name: 'web', events: ['issues', 'push'], config: { url: 'https://junction.example/v1/hooks/github/conn_1', content_type: 'json', secret: 's3cret' } });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({ type: 'Repository', name: 'web', active: true, events: ['issues', 'push'], config: { url: 'https://junction.example/v1/hooks/github/conn_1', content_type: 'json', secret: '********' } });
    expect(github.hooks('acme', 'api')).toEqual([expect.objectContaining({ config: expect.objectContaining({ secret: 's3cret' }) })]);
    const listed = await octokit.request('GET /repos/{owner}/{repo}/hooks', { owner: 'acme', repo: 'api' });
    expect(listed.data.map((hook) => hook.id)).toEqual([created.data.id]);
    expect((await octokit.request('DELETE /repos/{owner}/{repo}/hooks/{hook_id}', { owner: 'acme', repo: 'api', hook_id: created.data.id })).status).toBe(204);
    await expect(octokit.request('GET /repos/{owner}/{repo}/hooks/{hook_id}', { owner: 'acme', repo: 'api', hook_id: created.data.id })).rejects.toMatchObject({ status: 404 });
  });

  it('refuses a hook with an invalid event name as 422 Validation Failed, and one on an unknown repository as 404', async () => {
    const config = { url: 'https://junction.example/v1/hooks/github/conn_1', content_type: 'json' };
    await expect(octokit.request('POST /repos/{owner}/{repo}/hooks', { owner: 'acme', repo: 'api', events: ['Not An Event'], config })).rejects.toMatchObject({
      status: 422,
      response: { data: { message: 'Validation Failed', errors: [expect.objectContaining({ resource: 'Hook', message: expect.stringContaining('is not a valid event name') })] } },
    });
    await expect(octokit.request('POST /repos/{owner}/{repo}/hooks', { owner: 'acme', repo: 'nowhere', events: ['push'], config })).rejects.toMatchObject({ status: 404 });
  });
});

describe('the fake Stripe, through stripe-node', () => {
  let fake: FakeStripe;
  let stripe: Stripe;
  const key = 'sk_test_51Hfake000000000000000000000000';
  beforeAll(async () => {
    fake = await startFakeStripe();
    fake.tokens.add(key);
    const now = Date.now();
    for (let i = 0; i < 7; i++) fake.add('customers', { created: now - (7 - i) * day, email: `c${i}@example.com` });
    fake.add('subscriptions', { status: 'active' });
    fake.add('subscriptions', { status: 'canceled' });
    const { port } = new URL(fake.url);
    stripe = new Stripe(key, { host: '127.0.0.1', port: Number(port), protocol: 'http', maxNetworkRetries: 0 });
  });
  afterAll(() => fake.close());

  it('auto-pages customers newest first with has_more and starting_after', async () => {
    const customers = await stripe.customers.list({ limit: 3 }).autoPagingToArray({ limit: 100 });
    expect(customers.map((c) => c.email)).toEqual(['c6@example.com', 'c5@example.com', 'c4@example.com', 'c3@example.com', 'c2@example.com', 'c1@example.com', 'c0@example.com']);
    expect(fake.requests.filter((r) => r.path === '/v1/customers').map((r) => r.query.get('starting_after'))).toEqual([null, customers[2]!.id, customers[5]!.id]);
  });

  it('filters on created[gte] in Unix seconds, and leaves canceled subscriptions out unless status=all', async () => {
    const gte = Math.floor((Date.now() - 2.5 * day) / 1000);
    const recent = await stripe.customers.list({ created: { gte } }).autoPagingToArray({ limit: 100 });
    expect(recent.map((c) => c.email)).toEqual(['c6@example.com', 'c5@example.com']);
    expect((await stripe.subscriptions.list()).data.map((s) => s.status)).toEqual(['active']);
    expect((await stripe.subscriptions.list({ status: 'all' })).data).toHaveLength(2);
  });

  it('answers its rate limit as a 429 the library reads as a rate-limit error, and a bad key as an authentication error', async () => {
    fake.faults.push('rate-limit');
    await expect(stripe.customers.list()).rejects.toMatchObject({ type: 'StripeRateLimitError', statusCode: 429 });
    const stranger = new Stripe('sk_test_unknown', { host: '127.0.0.1', port: Number(new URL(fake.url).port), protocol: 'http', maxNetworkRetries: 0 });
    await expect(stranger.customers.list()).rejects.toMatchObject({ type: 'StripeAuthenticationError', statusCode: 401 });
  });

  it('creates a webhook endpoint with a secret of its own, shown only then, and deletes it', async () => {
    const endpoint = await stripe.webhookEndpoints.create({ url: 'https://junction.example/v1/hooks/stripe/conn_1', enabled_events: ['customer.created', 'invoice.paid'] });
    expect(endpoint).toMatchObject({ object: 'webhook_endpoint', url: 'https://junction.example/v1/hooks/stripe/conn_1', enabled_events: ['customer.created', 'invoice.paid'], status: 'enabled', secret: expect.stringMatching(/^whsec_/) });
    expect((await stripe.webhookEndpoints.retrieve(endpoint.id)).secret).toBeUndefined();
    expect((await stripe.webhookEndpoints.list()).data.map((e) => e.id)).toEqual([endpoint.id]);
    expect(await stripe.webhookEndpoints.del(endpoint.id)).toEqual({ id: endpoint.id, object: 'webhook_endpoint', deleted: true });
    await expect(stripe.webhookEndpoints.del(endpoint.id)).rejects.toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 404, code: 'resource_missing' });
  });

  it('refuses an unknown event type naming it in param', async () => {
    await expect(stripe.webhookEndpoints.create({ url: 'https://junction.example/hook', enabled_events: ['customer.created', 'customer.nope' as 'customer.created'] })).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 400,
      param: 'enabled_events[1]',
    });
  });
});

describe('the fake HubSpot, through @hubspot/api-client', () => {
  let fake: FakeHubSpot;
  let hubspot: HubSpot;
  beforeAll(async () => {
    fake = await startFakeHubSpot();
    fake.tokens.add(token);
    const now = Date.now();
    for (let i = 0; i < 7; i++) fake.add('contacts', { email: `p${i}@example.com` }, now - (7 - i) * day);
    hubspot = new HubSpot({ accessToken: token, basePath: fake.url, numberOfApiCallRetries: 0 });
  });
  afterAll(() => fake.close());

  it('pages every contact with paging.next.after', async () => {
    const contacts = await hubspot.crm.contacts.getAll(3);
    expect(contacts.map((c) => c.properties.email)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `p${i}@example.com`));
    expect(fake.requests.map((r) => r.query.get('after'))).toEqual([null, '3', '6']);
  });

  it('searches on lastmodifieddate with GTE, sorted ascending, with a total', async () => {
    const since = String(Date.now() - 2.5 * day);
    const page = await hubspot.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'lastmodifieddate', operator: 'GTE' as never, value: since }] }],
      sorts: ['lastmodifieddate'],
      properties: ['email'],
      limit: 1,
      after: '0',
    });
    expect(page.total).toBe(2);
    expect(page.results.map((c) => c.properties.email)).toEqual(['p5@example.com']);
    expect(page.paging?.next?.after).toBe('1');
  });

  it('answers its rate limit as 429 with errorType RATE_LIMIT, and an expired token as 401', async () => {
    fake.faults.push('rate-limit');
    await expect(hubspot.crm.contacts.basicApi.getPage(10)).rejects.toMatchObject({ code: 429, body: { errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' } });
    fake.faults.push('expired-token');
    await expect(hubspot.crm.contacts.basicApi.getPage(10)).rejects.toMatchObject({ code: 401, body: { category: 'EXPIRED_AUTHENTICATION' } });
  });
});

describe('the fake Shopify, through @shopify/admin-api-client', () => {
  let fake: FakeShopify;
  let shopify: ReturnType<typeof createAdminApiClient>;
  const ordersQuery = `query Orders($first: Int!, $after: String, $query: String) {
    orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) { edges { cursor node { id updatedAt name } } pageInfo { hasNextPage endCursor } }
  }`;
  type Orders = { orders: { edges: Array<{ node: { id: string; updatedAt: string; name: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
  beforeAll(async () => {
    fake = await startFakeShopify();
    fake.tokens.add('shpat_00000000000000000000000000000000');
    const now = Date.now();
    for (let i = 0; i < 7; i++) fake.add('orders', { name: `#100${i}` }, now - (7 - i) * day);
    shopify = createAdminApiClient({
      storeDomain: 'junction-test.myshopify.com',
      apiVersion: '2025-10',
      accessToken: 'shpat_00000000000000000000000000000000',
      customFetchApi: (url, init) => fetch(String(url).replace('https://junction-test.myshopify.com', fake.url), init),
      logger: () => undefined,
    });
  });
  afterAll(() => fake.close());

  it('pages orders by pageInfo.endCursor, filtered on updated_at', async () => {
    const names: string[] = [];
    let after: string | null = null;
    const since = new Date(Date.now() - 4.5 * day).toISOString();
    do {
      const { data, errors }: { data?: Orders; errors?: unknown } = await shopify.request<Orders>(ordersQuery, { variables: { first: 2, after, query: `updated_at:>'${since}'` } });
      expect(errors).toBeUndefined();
      names.push(...data!.orders.edges.map((edge) => edge.node.name));
      after = data!.orders.pageInfo.hasNextPage ? data!.orders.pageInfo.endCursor : null;
    } while (after);
    expect(names).toEqual(['#1003', '#1004', '#1005', '#1006']);
  });

  it('answers throttling as a THROTTLED GraphQL error with the bucket in extensions, over HTTP 200', async () => {
    fake.faults.push('rate-limit');
    const { errors } = await shopify.request(ordersQuery, { variables: { first: 2 } });
    expect(errors?.graphQLErrors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'THROTTLED' }) })]);
  });

  it('creates and deletes webhook subscriptions, refusing an unknown topic, a taken address and an unknown id', async () => {
    const create = `mutation Create($topic: WebhookSubscriptionTopic!, $webhookSubscription: WebhookSubscriptionInput!) {
      webhookSubscriptionCreate(topic: $topic, webhookSubscription: $webhookSubscription) { webhookSubscription { id topic uri } userErrors { field message } }
    }`;
    const remove = `mutation Delete($id: ID!) { webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId userErrors { field message } } }`;
    type Created = { webhookSubscriptionCreate: { webhookSubscription: { id: string; topic: string; uri: string } | null; userErrors: Array<{ message: string }> } };
    type Deleted = { webhookSubscriptionDelete: { deletedWebhookSubscriptionId: string | null; userErrors: Array<{ message: string }> } };
    const webhookSubscription = { uri: 'https://junction.example/v1/hooks/shopify/conn_1', format: 'JSON' };

    const made = await shopify.request<Created>(create, { variables: { topic: 'ORDERS_CREATE', webhookSubscription } });
    // The fake answers every field of the node, not only those selected.
    expect(made.data?.webhookSubscriptionCreate).toMatchObject({ webhookSubscription: { id: expect.stringMatching(/^gid:\/\/shopify\/WebhookSubscription\/\d+$/), topic: 'ORDERS_CREATE', uri: webhookSubscription.uri }, userErrors: [] });
    const again = await shopify.request<Created>(create, { variables: { topic: 'ORDERS_CREATE', webhookSubscription } });
    expect(again.data?.webhookSubscriptionCreate.userErrors).toEqual([expect.objectContaining({ message: 'Address for this topic has already been taken' })]);
    const unknown = await shopify.request<Created>(create, { variables: { topic: 'ORDERS_NOPE', webhookSubscription } });
    expect(unknown.errors?.graphQLErrors).toEqual([expect.objectContaining({ message: expect.stringContaining('$topic') })]);

    const id = made.data!.webhookSubscriptionCreate.webhookSubscription!.id;
    expect((await shopify.request<Deleted>(remove, { variables: { id } })).data?.webhookSubscriptionDelete).toEqual({ deletedWebhookSubscriptionId: id, userErrors: [] });
    expect((await shopify.request<Deleted>(remove, { variables: { id } })).data?.webhookSubscriptionDelete.userErrors).toEqual([expect.objectContaining({ message: 'Webhook subscription does not exist' })]);
  });
});

describe('the fake Salesforce, through jsforce', () => {
  let fake: FakeSalesforce;
  let salesforce: Salesforce;
  beforeAll(async () => {
    fake = await startFakeSalesforce();
    fake.tokens.add(token);
    const now = Date.now();
    for (let i = 0; i < 2_450; i++) fake.add('Contact', { LastName: `Contact ${i}`, IsDeleted: i % 1000 === 7 }, now - (2_450 - i) * 60_000);
    salesforce = new Salesforce({ instanceUrl: fake.url, accessToken: token, version: '62.0' });
  });
  afterAll(() => fake.close());

  it('follows nextRecordsUrl through every batch of a query, leaving deleted records out', async () => {
    const result = await salesforce.query('SELECT Id, LastName, SystemModstamp FROM Contact ORDER BY SystemModstamp ASC', { autoFetch: true, maxFetch: 10_000 });
    expect(result.totalSize).toBe(2_447);
    expect(result.records).toHaveLength(2_447);
    expect(new Set(result.records.map((record) => record.Id)).size).toBe(2_447);
    // Batches of 2,000 by default: the query and one queryMore.
    expect(fake.requests.filter((r) => r.path.includes('/query'))).toHaveLength(2);
  });

  it('includes deleted records through queryAll', async () => {
    const before = fake.requests.length;
    const result = await salesforce.query('SELECT Id, IsDeleted FROM Contact', { scanAll: true, autoFetch: true, maxFetch: 10_000 });
    expect(fake.requests[before]!.path).toMatch(/\/queryAll$/);
    expect(result.records.filter((record) => record.IsDeleted)).toHaveLength(3);
  });

  it('reads the daily limit and an expired session as Salesforce errors', async () => {
    fake.faults.push('rate-limit');
    await expect(salesforce.query('SELECT Id FROM Contact')).rejects.toMatchObject({ errorCode: 'REQUEST_LIMIT_EXCEEDED' });
    fake.faults.push('expired-token');
    await expect(salesforce.query('SELECT Id FROM Contact')).rejects.toMatchObject({ errorCode: 'INVALID_SESSION_ID' });
  });
});

describe('the fake Salesforce, against its documented query answers', () => {
  let fake: FakeSalesforce;
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${fake.url}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
    return { status: response.status, headers: response.headers, body: (await response.json()) as any };
  };
  beforeAll(async () => {
    fake = await startFakeSalesforce();
    fake.tokens.add(token);
    const now = Date.now();
    for (let i = 0; i < 450; i++) fake.add('Account', { Name: `Account ${i}`, IsDeleted: i === 3 }, now - (450 - i) * 60_000);
  });
  afterAll(() => fake.close());

  it('pages a SOQL query by nextRecordsUrl in batches of the asked size, until done', async () => {
    const soql = encodeURIComponent('SELECT Id, Name, SystemModstamp FROM Account ORDER BY SystemModstamp ASC');
    const options = { 'sforce-query-options': 'batchSize=200' };
    const first = await get(`/services/data/v62.0/query?q=${soql}`, options);
    expect(first.body).toMatchObject({ totalSize: 449, done: false, nextRecordsUrl: expect.stringMatching(/^\/services\/data\/v62\.0\/query\/\w+-200$/) });
    expect(first.body.records[0]).toMatchObject({ attributes: { type: 'Account' }, Name: 'Account 0', SystemModstamp: expect.stringMatching(/\+0000$/) });
    expect(first.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/100000$/);
    const second = await get(first.body.nextRecordsUrl, options);
    const third = await get(second.body.nextRecordsUrl, options);
    expect(third.body).toMatchObject({ done: true });
    expect(third.body.nextRecordsUrl).toBeUndefined();
    expect([...first.body.records, ...second.body.records, ...third.body.records]).toHaveLength(449);
  });

  it('filters on SystemModstamp, includes deleted records only through queryAll, and refuses other SOQL', async () => {
    // A SOQL dateTime literal, unquoted: 2026-12-07T10:00:00.000+0000.
    const since = new Date(Date.now() - 10.5 * 60_000).toISOString().replace('Z', '+0000');
    const recent = await get(`/services/data/v62.0/query?q=${encodeURIComponent(`SELECT Id FROM Account WHERE SystemModstamp > ${since}`)}`);
    expect(recent.body.totalSize).toBe(10);
    const everything = await get(`/services/data/v62.0/queryAll?q=${encodeURIComponent('SELECT Id, IsDeleted FROM Account')}`);
    expect(everything.body.totalSize).toBe(450);
    const bad = await get(`/services/data/v62.0/query?q=${encodeURIComponent('SELEKT Id FROM Account')}`);
    expect(bad).toMatchObject({ status: 400, body: [{ errorCode: 'MALFORMED_QUERY' }] });
  });

  it('answers the daily limit as 403 REQUEST_LIMIT_EXCEEDED, and an expired session as 401 INVALID_SESSION_ID', async () => {
    fake.faults.push('rate-limit', 'expired-token');
    expect(await get('/services/data/v62.0/query?q=SELECT+Id+FROM+Account')).toMatchObject({ status: 403, body: [{ errorCode: 'REQUEST_LIMIT_EXCEEDED' }] });
    expect(await get('/services/data/v62.0/query?q=SELECT+Id+FROM+Account')).toMatchObject({ status: 401, body: [{ errorCode: 'INVALID_SESSION_ID' }] });
  });
});
