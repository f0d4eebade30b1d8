import { builtInIntegrations } from '../../../../shared/integrations/catalog';
import { buildBaseUrl } from '../../../../shared/integrations/service';
import type { Stream } from '../../../../shared/integrations/streams';
import {
  firstRequest,
  interpretPage,
  PagingError,
  type PageRequest,
  type PagingContext,
  type PagingErrorReason,
  type ProviderResponse,
  type SyncMode,
} from '../../../../shared/syncs/paging';

const full: SyncMode = { kind: 'full' };
const since = (checkpoint: string): SyncMode => ({ kind: 'incremental', checkpoint });

/** A built-in stream with its connection and stream params filled from `params`. */
function context(key: string, name: string, params: Record<string, string> = {}, mode: SyncMode = full, extra: Partial<PagingContext> = {}): PagingContext {
  const integration = builtInIntegrations.find((i) => i.key === key)!;
  const stream = integration.streams.find((s) => s.name === name)!;
  const connection = Object.fromEntries(integration.params.map((p) => [p.name, params[p.name] ?? p.example]));
  return { stream, baseUrl: buildBaseUrl(integration, { ...connection, ...(params.baseUrl ? { baseUrl: params.baseUrl } : {}) }), params: { ...connection, ...params }, mode, ...extra };
}

const ok = (body: unknown, headers: Record<string, string> = {}): ProviderResponse => ({ status: 200, headers, body });
const query = (request: PageRequest) => Object.fromEntries(new URL(request.url).searchParams);

function refusal(run: () => unknown): { reason: PagingErrorReason; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof PagingError) return { reason: error.reason, message: error.message };
    throw error;
  }
  throw new Error('expected a PagingError, nothing was thrown');
}

describe('GitHub issues: Link header paging', () => {
  const repo = { owner: 'octocat', repo: 'Hello-World' };
  // The sample of https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api
  const link =
    '<https://api.github.com/repositories/1300192/issues?page=2>; rel="prev", <https://api.github.com/repositories/1300192/issues?page=4>; rel="next", ' +
    '<https://api.github.com/repositories/1300192/issues?page=515>; rel="last", <https://api.github.com/repositories/1300192/issues?page=1>; rel="first"';
  const issue = (id: number, updated: string) => ({ id, number: id, state: 'open', title: 'Found a bug', updated_at: updated });

  it('asks for every state, sorted by update, since the checkpoint less a minute of lookback, rounded down to the second', () => {
    const request = firstRequest(context('github', 'issues', repo, since('2024-01-01T00:01:00.750Z')));
    expect(request.method).toBe('GET');
    expect(request.url.split('?')[0]).toBe('https://api.github.com/repos/octocat/Hello-World/issues');
    expect(query(request)).toEqual({ state: 'all', sort: 'updated', direction: 'asc', per_page: '100', since: '2024-01-01T00:00:00Z' });
  });

  it('sends no since in a full sync, nor in the first incremental sync', () => {
    expect(query(firstRequest(context('github', 'issues', repo, full)))).not.toHaveProperty('since');
    expect(query(firstRequest(context('github', 'issues', repo, { kind: 'incremental', checkpoint: null })))).not.toHaveProperty('since');
  });

  it('follows rel="next" among the other relations', () => {
    const ctx = context('github', 'issues', repo);
    const page = interpretPage(ctx, firstRequest(ctx), ok([issue(1, '2011-04-22T13:33:48Z')], { Link: link }));
    expect(page.records).toEqual([issue(1, '2011-04-22T13:33:48Z')]);
    expect(page.next).toMatchObject({ method: 'GET', url: 'https://api.github.com/repositories/1300192/issues?page=4' });
  });

  it('ends on the page whose Link header has no rel="next"', () => {
    const ctx = context('github', 'issues', repo);
    const last = '<https://api.github.com/repositories/1300192/issues?page=514>; rel="prev", <https://api.github.com/repositories/1300192/issues?page=1>; rel="first"';
    expect(interpretPage(ctx, firstRequest(ctx), ok([issue(1, '2011-04-22T13:33:48Z')], { link: last })).next).toBeUndefined();
  });

  it('reports the latest updated_at of the page as ISO 8601', () => {
    const ctx = context('github', 'issues', repo);
    const page = interpretPage(ctx, firstRequest(ctx), ok([issue(1, '2011-04-22T13:33:48Z'), issue(2, '2012-01-01T00:00:00Z'), issue(3, '2011-12-31T23:59:59Z')]));
    expect(page.maxCursorValue).toBe('2012-01-01T00:00:00.000Z');
  });

  it('refuses a next link to another host: the token goes with every request', () => {
    const ctx = context('github', 'issues', repo);
    const evil = '<https://collector.attacker.example/repositories/1300192/issues?page=2>; rel="next"';
    expect(refusal(() => interpretPage(ctx, firstRequest(ctx), ok([], { Link: evil }))).reason).toBe('next-url');
  });

  it('keeps a GitHub Enterprise Server next link under its /api/v3 base', () => {
    const ctx = context('github', 'issues', { ...repo, baseUrl: 'https://github.acme.example/api/v3' });
    const first = firstRequest(ctx);
    expect(first.url.split('?')[0]).toBe('https://github.acme.example/api/v3/repos/octocat/Hello-World/issues');
    const inside = '<https://github.acme.example/api/v3/repositories/7/issues?page=2>; rel="next"';
    expect(interpretPage(ctx, first, ok([], { Link: inside })).next?.url).toBe('https://github.acme.example/api/v3/repositories/7/issues?page=2');
    const outside = '<https://github.acme.example/admin/users?page=2>; rel="next"';
    expect(refusal(() => interpretPage(ctx, first, ok([], { Link: outside }))).reason).toBe('next-url');
  });

  it('refuses a next link to the page just read', () => {
    const ctx = context('github', 'issues', repo);
    const first = firstRequest(ctx);
    expect(refusal(() => interpretPage(ctx, first, ok([], { Link: `<${first.url}>; rel="next"` }))).reason).toBe('cursor-repeated');
  });

  it('refuses an answer whose records are not an array', () => {
    const ctx = context('github', 'issues', repo);
    expect(refusal(() => interpretPage(ctx, firstRequest(ctx), ok({ message: 'Not Found' })))).toEqual({
      reason: 'shape',
      message: 'the answer must be an array of records',
    });
  });

  it('refuses an answer that is not a 2xx, rather than reading it as an empty page', () => {
    const ctx = context('github', 'issues', repo);
    expect(refusal(() => interpretPage(ctx, firstRequest(ctx), { status: 404, headers: {}, body: [] })).reason).toBe('status');
  });

  it('refuses a record without its primary key, or without a time in its cursor field', () => {
    const ctx = context('github', 'issues', repo);
    expect(refusal(() => interpretPage(ctx, firstRequest(ctx), ok([{ number: 1, updated_at: '2011-04-22T13:33:48Z' }]))).reason).toBe('record');
    expect(refusal(() => interpretPage(ctx, firstRequest(ctx), ok([{ id: 1, updated_at: 'yesterday' }]))).reason).toBe('cursor-value');
    expect(refusal(() => interpretPage(ctx, firstRequest(ctx), ok([{ id: 1, updated_at: '2011-04-22T13:33:48' }]))).reason).toBe('cursor-value');
  });

  it('refuses a missing stream param, and one that does not match its pattern', () => {
    expect(refusal(() => firstRequest(context('github', 'issues', { owner: 'octocat' })))).toEqual({ reason: 'param', message: 'param repo is required' });
    expect(refusal(() => firstRequest(context('github', 'issues', { owner: 'octo/cat', repo: 'x' }))).reason).toBe('param');
    expect(refusal(() => firstRequest(context('github', 'issues', { owner: 'octocat', repo: '..' }))).reason).toBe('param');
  });

  it('refuses a checkpoint that is not a time with a zone', () => {
    expect(refusal(() => firstRequest(context('github', 'issues', repo, since('2024-01-01 10:00')))).reason).toBe('checkpoint');
  });
});

describe('GitHub pull requests: newest first, no filter', () => {
  const pull = (id: number, updated: string) => ({ id, number: id, state: 'closed', updated_at: updated });
  const ctx = context('github', 'pull_requests', { owner: 'octocat', repo: 'Hello-World' }, since('2024-03-01T12:00:00Z'));
  const next = '<https://api.github.com/repositories/1300192/pulls?page=2>; rel="next"';

  it('keeps paging while every pull request is newer than the checkpoint less the lookback', () => {
    const page = interpretPage(ctx, firstRequest(ctx), ok([pull(3, '2024-03-02T00:00:00Z'), pull(2, '2024-03-01T11:59:30Z')], { Link: next }));
    expect(page.records.map((r) => r.id)).toEqual([3, 2]);
    expect(page.next).toBeDefined();
  });

  it('stops at the first older pull request, and leaves it and the rest out', () => {
    const page = interpretPage(ctx, firstRequest(ctx), ok([pull(3, '2024-03-02T00:00:00Z'), pull(2, '2024-03-01T11:58:00Z'), pull(1, '2024-03-01T12:30:00Z')], { Link: next }));
    expect(page.records.map((r) => r.id)).toEqual([3]);
    expect(page.next).toBeUndefined();
    expect(page.maxCursorValue).toBe('2024-03-02T00:00:00.000Z');
  });

  it('reads everything in a full sync', () => {
    const fullCtx = { ...ctx, mode: full };
    const page = interpretPage(fullCtx, firstRequest(fullCtx), ok([pull(2, '2020-01-01T00:00:00Z')], { Link: next }));
    expect(page.records).toHaveLength(1);
    expect(page.next).toBeDefined();
  });
});

describe('Stripe customers: has_more and starting_after', () => {
  // The list object of https://docs.stripe.com/api/pagination
  const customer = (id: string, created: number) => ({ id, object: 'customer', created, email: 'jenny.rosen@example.com' });
  const list = (data: unknown[], hasMore: unknown) => ({ object: 'list', url: '/v1/customers', has_more: hasMore, data });

  it('filters on created[gte] in Unix seconds and asks for 100 per page', () => {
    const request = firstRequest(context('stripe', 'customers', {}, since('2024-01-01T00:01:00Z')));
    expect(request.url.split('?')[0]).toBe('https://api.stripe.com/v1/customers');
    expect(query(request)).toEqual({ limit: '100', 'created[gte]': '1704067200' });
  });

  it('continues after the last customer while has_more is true, keeping the filter', () => {
    const ctx = context('stripe', 'customers', {}, since('2024-01-01T00:01:00Z'));
    const page = interpretPage(ctx, firstRequest(ctx), ok(list([customer('cus_005', 1704067300), customer('cus_004', 1704067250)], true)));
    expect(query(page.next!)).toEqual({ limit: '100', 'created[gte]': '1704067200', starting_after: 'cus_004' });
    expect(page.maxCursorValue).toBe('2024-01-01T00:01:40.000Z');
  });

  it('ends when has_more is false', () => {
    const ctx = context('stripe', 'customers');
    expect(interpretPage(ctx, firstRequest(ctx), ok(list([customer('cus_4QFJOjw2pOmAGJ', 1405641735)], false))).next).toBeUndefined();
  });

  it('refuses has_more true on a page with no customer to continue after', () => {
    const ctx = context('stripe', 'customers');
    expect(refusal(() => interpretPage(ctx, firstRequest(ctx), ok(list([], true)))).reason).toBe('shape');
  });

  it('refuses a page that ends on the customer it started after', () => {
    const ctx = context('stripe', 'customers');
    const second = interpretPage(ctx, firstRequest(ctx), ok(list([customer('cus_004', 1)], true))).next!;
    expect(refusal(() => interpretPage(ctx, second, ok(list([customer('cus_004', 1)], true)))).reason).toBe('cursor-repeated');
  });

  it('refuses a has_more that is not a boolean', () => {
    const ctx = context('stripe', 'customers');
    expect(refusal(() => interpretPage(ctx, firstRequest(ctx), ok(list([customer('cus_1', 1)], 'yes')))).reason).toBe('shape');
  });

  it('sends status=all for subscriptions, which otherwise leave canceled ones out', () => {
    expect(query(firstRequest(context('stripe', 'subscriptions')))).toMatchObject({ status: 'all' });
  });
});

describe('Shopify orders: GraphQL edges and pageInfo', () => {
  const shop = { shop: 'acme-store' };
  const answer = (edges: unknown[], pageInfo: unknown) => ({
    data: { orders: { edges, pageInfo } },
    extensions: { cost: { requestedQueryCost: 252, actualQueryCost: 12, throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 1988, restoreRate: 100 } } },
  });
  const order = (id: number, updatedAt: string) => ({ node: { id: `gid://shopify/Order/${id}`, name: `#${id}`, updatedAt } });

  it('posts the query to the shop’s GraphQL endpoint with first, and the updated_at search in incremental syncs', () => {
    const request = firstRequest(context('shopify', 'orders', shop, since('2024-02-03T04:06:00Z')));
    expect(request).toMatchObject({ method: 'POST', url: 'https://acme-store.myshopify.com/admin/api/2026-07/graphql.json' });
    expect(request.body?.variables).toEqual({ first: 250, query: "updated_at:>='2024-02-03T04:05:00Z'" });
    expect(request.body?.query).toContain('orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT)');
  });

  it('sends no search in a full sync', () => {
    expect(firstRequest(context('shopify', 'orders', shop)).body?.variables).toEqual({ first: 250 });
  });

  it('reads the nodes of the edges and continues from pageInfo.endCursor', () => {
    const ctx = context('shopify', 'orders', shop);
    const page = interpretPage(ctx, firstRequest(ctx), ok(answer([order(1, '2024-01-01T00:00:00Z'), order(2, '2024-01-02T00:00:00Z')], { hasNextPage: true, endCursor: 'eyJsYXN0X2lkIjoyfQ==' })));
    expect(page.records.map((r) => r.id)).toEqual(['gid://shopify/Order/1', 'gid://shopify/Order/2']);
    expect(page.next?.body?.variables).toEqual({ first: 250, after: 'eyJsYXN0X2lkIjoyfQ==' });
    expect(page.maxCursorValue).toBe('2024-01-02T00:00:00.000Z');
  });

  it('ends when hasNextPage is false', () => {
    const ctx = context('shopify', 'orders', shop);
    expect(interpretPage(ctx, firstRequest(ctx), ok(answer([], { hasNextPage: false, endCursor: null }))).next).toBeUndefined();
  });

  it('refuses an endCursor equal to the cursor the page was asked with', () => {
    const ctx = context('shopify', 'orders', shop);
    const second = interpretPage(ctx, firstRequest(ctx), ok(answer([order(1, '2024-01-01T00:00:00Z')], { hasNextPage: true, endCursor: 'abc' }))).next!;
    expect(refusal(() => interpretPage(ctx, second, ok(answer([order(1, '2024-01-01T00:00:00Z')], { hasNextPage: true, endCursor: 'abc' })))).reason).toBe('cursor-repeated');
  });

  it('refuses hasNextPage without an endCursor', () => {
    const ctx = context('shopify', 'orders', shop);
    expect(refusal(() => interpretPage(ctx, firstRequest(ctx), ok(answer([], { hasNextPage: true }))))).toMatchObject({ reason: 'shape' });
  });

  it('refuses a THROTTLED answer instead of reading it as an empty page', () => {
    const ctx = context('shopify', 'orders', shop);
    const throttled = { data: null, errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/limits#rate-limits' } }] };
    expect(refusal(() => interpretPage(ctx, firstRequest(ctx), ok(throttled)))).toEqual({
      reason: 'graphql-errors',
      message: 'the GraphQL answer carries errors (THROTTLED)',
    });
  });

  it('refuses an edge without its node', () => {
    const ctx = context('shopify', 'orders', shop);
    expect(refusal(() => interpretPage(ctx, firstRequest(ctx), ok(answer([{ cursor: 'x' }], { hasNextPage: false })))).reason).toBe('record');
  });
});

describe('HubSpot contacts: search with paging.next.after', () => {
  // The shape of https://developers.hubspot.com/docs/api-reference/2026-03/crm/search-the-crm answers.
  const contact = (id: string, updatedAt: string) => ({ id, properties: { email: 'bh@hubspot.com', lastmodifieddate: updatedAt }, createdAt: '2019-10-30T03:30:17.883Z', updatedAt, archived: false });
  const answer = (results: unknown[], after?: string) => ({ total: 2, results, ...(after ? { paging: { next: { after, link: `?after=${after}` } } } : {}) });

  it('puts the modification filter and the page size in the search body', () => {
    const request = firstRequest(context('hubspot', 'contacts', {}, since('2024-01-01T00:05:00Z')));
    expect(request).toMatchObject({ method: 'POST', url: 'https://api.hubapi.com/crm/objects/2026-03/contacts/search' });
    expect(request.body).toMatchObject({
      sorts: [{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' }],
      limit: 200,
      filterGroups: [{ filters: [{ propertyName: 'lastmodifieddate', operator: 'GTE', value: '2024-01-01T00:00:00Z' }] }],
    });
  });

  it('sends paging.next.after back as after, and ends without paging', () => {
    const ctx = context('hubspot', 'contacts');
    const page = interpretPage(ctx, firstRequest(ctx), ok(answer([contact('512', '2019-12-07T16:50:06.678Z')], 'NTI1Cg%3D%3D')));
    expect(page.next?.body).toMatchObject({ after: 'NTI1Cg%3D%3D', limit: 200 });
    expect(interpretPage(ctx, page.next!, ok(answer([contact('513', '2019-12-08T16:50:06.678Z')]))).next).toBeUndefined();
  });

  it('keeps paging with after while the next page stays within 10,000 results', () => {
    const ctx = context('hubspot', 'contacts');
    const deep = { ...firstRequest(ctx), position: { seen: 9_599 } };
    expect(interpretPage(ctx, deep, ok(answer([contact('9600', '2024-05-02T10:00:00Z')], '9600'))).next?.body).toMatchObject({ after: '9600' });
  });

  it('starts the search again from the latest modification seen before passing 10,000 results', () => {
    const ctx = context('hubspot', 'contacts');
    const deep = { ...firstRequest(ctx), position: { seen: 9_850, maxCursorValue: '2024-05-01T00:00:00.000Z' } };
    const page = interpretPage(ctx, deep, ok(answer([contact('9701', '2024-05-02T10:00:00.500Z')], '9800')));
    expect(page.next?.body).not.toHaveProperty('after');
    expect(page.next?.body?.filterGroups).toEqual([{ filters: [{ propertyName: 'lastmodifieddate', operator: 'GTE', value: '2024-05-02T10:00:00Z' }] }]);
    expect(page.next?.position).toMatchObject({ seen: 0, since: '2024-05-02T10:00:00.500Z' });
  });

  it('refuses to restart when more records share one modification time than one search can answer', () => {
    const ctx = context('hubspot', 'contacts');
    const stuck = { ...firstRequest(ctx), position: { seen: 9_900, since: '2024-05-02T10:00:00.000Z', maxCursorValue: '2024-05-02T10:00:00.000Z' } };
    expect(refusal(() => interpretPage(ctx, stuck, ok(answer([contact('1', '2024-05-02T10:00:00.000Z')], '10000')))).reason).toBe('cursor-stalled');
  });

  it('refuses a next cursor equal to the one the page was asked with', () => {
    const ctx = context('hubspot', 'contacts');
    const second = interpretPage(ctx, firstRequest(ctx), ok(answer([contact('1', '2024-01-01T00:00:00Z')], '100'))).next!;
    expect(refusal(() => interpretPage(ctx, second, ok(answer([contact('1', '2024-01-01T00:00:00Z')], '100')))).reason).toBe('cursor-repeated');
  });
});

describe('Salesforce accounts: SOQL with nextRecordsUrl', () => {
  const org = { myDomain: 'acme' };
  // The query answer of https://developer.salesforce.com/docs/platform/api-rest/guide/dome-queryall.html
  const account = (id: string, stamp: string, deleted = false) => ({
    attributes: { type: 'Account', url: `/services/data/v62.0/sobjects/Account/${id}` },
    Id: id,
    Name: 'Test 1',
    SystemModstamp: stamp,
    IsDeleted: deleted,
  });

  it('queries every standard field, with a SystemModstamp filter in incremental syncs', () => {
    const request = firstRequest(context('salesforce', 'accounts', org, since('2024-01-01T00:05:00Z')));
    expect(request.url.split('?')[0]).toBe('https://acme.my.salesforce.com/services/data/v62.0/queryAll');
    expect(query(request)).toEqual({ q: 'SELECT FIELDS(STANDARD) FROM Account WHERE SystemModstamp >= 2024-01-01T00:00:00Z ORDER BY SystemModstamp ASC' });
    expect(query(firstRequest(context('salesforce', 'accounts', org)))).toEqual({ q: 'SELECT FIELDS(STANDARD) FROM Account ORDER BY SystemModstamp ASC' });
  });

  it('follows nextRecordsUrl on the org’s own host while done is false', () => {
    const ctx = context('salesforce', 'accounts', org);
    const answer = { totalSize: 3214, done: false, nextRecordsUrl: '/services/data/v62.0/query/01gD0000002HU6KIAW-2000', records: [account('001D000000IRFmaIAH', '2024-01-15T10:20:30.000+0000')] };
    const page = interpretPage(ctx, firstRequest(ctx), ok(answer));
    expect(page.next).toMatchObject({ method: 'GET', url: 'https://acme.my.salesforce.com/services/data/v62.0/query/01gD0000002HU6KIAW-2000' });
    expect(page.maxCursorValue).toBe('2024-01-15T10:20:30.000Z');
  });

  it('ends when done is true, and keeps deleted records for their IsDeleted flag', () => {
    const ctx = context('salesforce', 'accounts', org);
    const page = interpretPage(ctx, firstRequest(ctx), ok({ totalSize: 1, done: true, records: [account('001D000000IRFmaIAH', '2024-01-15T10:20:30.000+0000', true)] }));
    expect(page.next).toBeUndefined();
    expect(page.records[0]).toMatchObject({ IsDeleted: true });
  });

  it('refuses a nextRecordsUrl on another host or outside the REST API’s version path', () => {
    const ctx = context('salesforce', 'accounts', org);
    const first = firstRequest(ctx);
    for (const next of ['https://collector.attacker.example/services/data/v62.0/query/01g-2000', '//collector.attacker.example/x', '/services/apexrest/steal', 'http://acme.my.salesforce.com/services/data/v62.0/query/01g-2000']) {
      expect([next, refusal(() => interpretPage(ctx, first, ok({ done: false, nextRecordsUrl: next, records: [] }))).reason]).toEqual([next, 'next-url']);
    }
  });

  it('refuses done false without a next URL', () => {
    const ctx = context('salesforce', 'accounts', org);
    expect(refusal(() => interpretPage(ctx, firstRequest(ctx), ok({ totalSize: 5000, done: false, records: [] }))).reason).toBe('shape');
  });
});

describe('Jira issues: nextPageToken and JQL times', () => {
  it('writes the JQL time to the minute, fourteen hours before the checkpoint', () => {
    const request = firstRequest(context('jira', 'issues', {}, since('2024-01-01T00:00:30Z')));
    expect(request.url.split('?')[0]).toBe('https://api.atlassian.com/ex/jira/11223344-a1b2-3b33-c444-def123456789/rest/api/3/search/jql');
    expect(query(request)).toEqual({ jql: 'updated >= "2023-12-31 10:00" ORDER BY updated ASC', fields: '*all', maxResults: '100' });
  });

  it('sends nextPageToken back until the last page leaves it out', () => {
    const ctx = context('jira', 'issues');
    const issue = { id: '10002', key: 'ED-1', fields: { updated: '2024-01-15T10:20:30.000+0000' } };
    const page = interpretPage(ctx, firstRequest(ctx), ok({ issues: [issue], nextPageToken: 'CAEaAggD', isLast: false }));
    expect(query(page.next!)).toMatchObject({ nextPageToken: 'CAEaAggD' });
    expect(interpretPage(ctx, page.next!, ok({ issues: [issue], isLast: true })).next).toBeUndefined();
  });
});

describe('offset and page paging', () => {
  const member = (id: string) => ({ id, email_address: `${id}@example.com`, status: 'subscribed', last_changed: '2015-09-15T14:40:36+00:00' });
  const members = (n: number, from: number, total: unknown) => ({ members: Array.from({ length: n }, (_, i) => member(`m${from + i}`)), list_id: 'a1b2c3d4e5', total_items: total });
  const audience = { dc: 'us21', listId: 'a1b2c3d4e5' };

  it('moves a Mailchimp offset by the records answered, and ends at total_items', () => {
    const ctx = context('mailchimp', 'members', audience, full, { pageSize: 2 });
    const first = firstRequest(ctx);
    expect(query(first)).toEqual({ sort_field: 'last_changed', sort_dir: 'ASC', count: '2' });
    const second = interpretPage(ctx, first, ok(members(2, 0, 5))).next!;
    expect(query(second)).toMatchObject({ offset: '2' });
    const third = interpretPage(ctx, second, ok(members(2, 2, 5))).next!;
    expect(query(third)).toMatchObject({ offset: '4' });
    expect(interpretPage(ctx, third, ok(members(1, 4, 5))).next).toBeUndefined();
  });

  it('ends an offset list on an empty page even when its total says more', () => {
    const ctx = context('mailchimp', 'members', audience, full, { pageSize: 2 });
    expect(interpretPage(ctx, firstRequest(ctx), ok(members(0, 0, 10))).next).toBeUndefined();
  });

  it('refuses a total that is not a count', () => {
    const ctx = context('mailchimp', 'members', audience, full, { pageSize: 2 });
    expect(refusal(() => interpretPage(ctx, firstRequest(ctx), ok(members(2, 0, '5')))).reason).toBe('shape');
  });

  it('ends Jira projects at isLast', () => {
    const ctx = context('jira', 'projects');
    const project = { id: '10000', key: 'EX', name: 'Example' };
    const page = interpretPage(ctx, firstRequest(ctx), ok({ values: [project], startAt: 0, maxResults: 50, total: 2, isLast: false }));
    expect(query(page.next!)).toMatchObject({ startAt: '1' });
    expect(interpretPage(ctx, page.next!, ok({ values: [project], startAt: 1, maxResults: 50, total: 2, isLast: true })).next).toBeUndefined();
  });

  it('numbers ClickUp pages from 0 and ends on a page shorter than its fixed 100', () => {
    const ctx = context('clickup', 'tasks', { listId: '901234567' });
    const task = (i: number) => ({ id: `86a${i}`, name: 'Task', date_updated: String(1_700_000_000_000 + i) });
    const first = firstRequest(ctx);
    expect(query(first)).toMatchObject({ page: '0' });
    const full100 = interpretPage(ctx, first, ok({ tasks: Array.from({ length: 100 }, (_, i) => task(i)) }));
    expect(query(full100.next!)).toMatchObject({ page: '1' });
    expect(full100.maxCursorValue).toBe(new Date(1_700_000_000_099).toISOString());
    expect(interpretPage(ctx, full100.next!, ok({ tasks: [task(100)] })).next).toBeUndefined();
  });

  it('refuses a page size the provider does not let anyone set, or one above its maximum', () => {
    expect(refusal(() => firstRequest(context('clickup', 'tasks', { listId: '1' }, full, { pageSize: 50 }))).reason).toBe('page-size');
    expect(refusal(() => firstRequest(context('stripe', 'customers', {}, full, { pageSize: 101 }))).reason).toBe('page-size');
  });
});

describe('request building', () => {
  it('gives a whole query value the param’s value (Asana’s project)', () => {
    expect(query(firstRequest(context('asana', 'tasks', { projectGid: '1200000000000000' })))).toMatchObject({ project: '1200000000000000', limit: '100' });
  });

  it('fills an exact {value} with a number for Unix times (Intercom’s updated_at)', () => {
    const request = firstRequest(context('intercom', 'contacts', {}, since('2024-01-03T00:00:00Z')));
    expect(request.body).toMatchObject({ query: { field: 'updated_at', operator: '>', value: 1_704_067_200 }, pagination: { per_page: 150 } });
  });

  it('percent-encodes a param in the path, so a GitLab project path stays one segment', () => {
    expect(firstRequest(context('gitlab', 'issues', { projectId: 'gitlab-org/gitlab' })).url.split('?')[0]).toBe('https://gitlab.com/api/v4/projects/gitlab-org%2Fgitlab/issues');
  });

  it('never moves the filter before the epoch', () => {
    expect(query(firstRequest(context('jira', 'issues', {}, since('1970-01-01T01:00:00Z'))))).toMatchObject({ jql: 'updated >= "1970-01-01 00:00" ORDER BY updated ASC' });
  });
});

describe('any answer', () => {
  const odd: unknown[] = [null, 0, -1, 1e308, true, '', 'x', [], [{}], {}, [null], '//collector.attacker.example/x'];
  /** Every way to replace one value of an answer (at any depth) with an odd one. */
  const variants = (value: unknown, at: string[] = []): unknown[] => {
    const here = at.length ? odd : [];
    const children = value && typeof value === 'object' ? Object.entries(value) : [];
    return [
      ...here,
      ...children.flatMap(([key, child]) =>
        variants(child, [...at, key]).map((replaced) => (Array.isArray(value) ? value.map((v, i) => (String(i) === key ? replaced : v)) : { ...(value as object), [key]: replaced })),
      ),
    ];
  };
  const samples: Array<[string, PagingContext, unknown]> = [
    ['stripe', context('stripe', 'customers', {}, since('2024-01-01T00:00:00Z')), { object: 'list', has_more: true, data: [{ id: 'cus_1', created: 1 }] }],
    ['shopify', context('shopify', 'orders', {}, since('2024-01-01T00:00:00Z')), { data: { orders: { edges: [{ node: { id: 'gid://shopify/Order/1', updatedAt: '2024-01-01T00:00:00Z' } }], pageInfo: { hasNextPage: true, endCursor: 'a' } } } }],
    ['hubspot', context('hubspot', 'contacts'), { results: [{ id: '1', updatedAt: '2024-01-01T00:00:00Z' }], paging: { next: { after: '1' } } }],
    ['salesforce', context('salesforce', 'accounts'), { done: false, nextRecordsUrl: '/services/data/v62.0/query/01g-2000', records: [{ Id: '001', SystemModstamp: '2024-01-15T10:20:30.000+0000' }] }],
    ['mailchimp', context('mailchimp', 'members', { listId: 'a1b2c3d4e5' }, full, { pageSize: 1 }), { members: [{ id: 'm', last_changed: '2015-09-15T14:40:36+00:00' }], total_items: 3 }],
    ['jira', context('jira', 'projects'), { values: [{ id: '1' }], isLast: false }],
  ];

  it.each(samples)('a %s answer with any one value replaced gives a page or a PagingError, nothing else', (_name, ctx, body) => {
    const request = firstRequest(ctx);
    const other = variants(body).filter((bad) => {
      try {
        interpretPage(ctx, request, ok(bad));
        return false;
      } catch (error) {
        return !(error instanceof PagingError);
      }
    });
    expect(other).toEqual([]);
  });
});

describe('a custom stream', () => {
  const base: Stream = {
    name: 'tickets',
    description: 'Tickets.',
    method: 'GET',
    path: '/tickets',
    records: { path: ['data'] },
    primaryKey: ['id'],
    incremental: { kind: 'none' },
    deletions: { kind: 'none' },
    pagination: { kind: 'cursor', param: { in: 'query', name: 'cursor' }, next: ['meta', 'next'], hasMore: ['meta', 'has_more'] },
  };
  const ctx: PagingContext = { stream: base, baseUrl: 'https://api.acme.example/v2', params: {}, mode: full };

  it('restarts past a per-query limit comparing Unix times as numbers, not as text', () => {
    const limited: Stream = {
      ...base,
      cursorField: { path: ['updated'], format: 'unix-seconds' },
      incremental: { kind: 'filter', field: { in: 'query', name: 'since' }, format: 'unix-seconds', on: 'modified' },
      pagination: { kind: 'cursor', param: { in: 'query', name: 'cursor' }, next: ['meta', 'next'], queryLimit: 2 },
      pageSize: { field: { in: 'query', name: 'limit' }, max: 1 },
    };
    const limitedCtx: PagingContext = { ...ctx, stream: limited, mode: since('1970-01-01T00:16:39Z') };
    const first = firstRequest(limitedCtx);
    expect(query(first)).toEqual({ limit: '1', since: '999' });
    const page = interpretPage(limitedCtx, { ...first, position: { ...first.position, seen: 1 } }, ok({ data: [{ id: 7, updated: 1000 }], meta: { next: 'c2' } }));
    expect(query(page.next!)).toEqual({ limit: '1', since: '1000' });
  });

  it('ends when has-more is false even if a cursor is present', () => {
    expect(interpretPage(ctx, firstRequest(ctx), ok({ data: [{ id: 1 }], meta: { next: 'c2', has_more: false } })).next).toBeUndefined();
  });

  it('refuses a record that is not an object', () => {
    expect(refusal(() => interpretPage(ctx, firstRequest(ctx), ok({ data: [1, 2] }))).reason).toBe('record');
  });

  it('refuses a cursor that is not a string', () => {
    expect(refusal(() => interpretPage(ctx, firstRequest(ctx), ok({ data: [], meta: { next: { page: 2 } } }))).reason).toBe('shape');
  });

  it('reads no inherited property as a field of the answer', () => {
    const inherited = Object.create({ data: [{ id: 1 }] }) as object;
    expect(refusal(() => interpretPage(ctx, firstRequest(ctx), ok(inherited))).reason).toBe('shape');
  });
});
