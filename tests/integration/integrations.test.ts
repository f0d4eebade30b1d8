import { builtInIntegrations } from '../../shared/integrations/catalog';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

let runtime: TestRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(() => runtime.stop());

type Page = { data: Array<{ key: string; category: string; authTypes: string[] }>; nextCursor: string | null };
const list = async (query = '') => (await (await runtime.call(`/v1/integrations${query}`)).json()) as Page;

describe('listing integrations', () => {
  it('lists the built-ins in key order', async () => {
    const response = await runtime.call('/v1/integrations?limit=100');
    expect(response.status).toBe(200);
    const body = (await response.json()) as Page;
    expect(body.nextCursor).toBeNull();
    expect(body.data.map((i) => i.key)).toEqual(builtInIntegrations.map((i) => i.key).sort());
    expect(body.data.find((i) => i.key === 'hubspot')).toEqual({
      key: 'hubspot',
      name: 'HubSpot',
      category: 'crm',
      description: expect.any(String),
      authTypes: ['oauth2', 'bearer'],
      origin: 'built-in',
    });
  });

  it('filters by category and by auth type', async () => {
    const keysWhere = (keep: (i: (typeof builtInIntegrations)[number]) => boolean) => builtInIntegrations.filter(keep).map((i) => i.key).sort();
    const payments = (await list('?category=payments&limit=100')).data.map((i) => i.key);
    expect(payments).toEqual(keysWhere((i) => i.category === 'payments'));
    expect(payments).toContain('stripe');
    const basic = await list('?authType=basic&limit=100');
    expect(basic.data.map((i) => i.key)).toEqual(keysWhere((i) => i.auth.some((a) => a.type === 'basic')));
    expect(basic.data.map((i) => i.key)).toContain('twilio');
    const oauth = await list('?authType=oauth2&category=crm&limit=100');
    expect(oauth.data.map((i) => i.key)).toEqual(keysWhere((i) => i.category === 'crm' && i.auth.some((a) => a.type === 'oauth2')));
    expect(oauth.data.every((i) => i.category === 'crm' && i.authTypes.includes('oauth2'))).toBe(true);
  });

  it('searches the name and key case-insensitively', async () => {
    expect((await list('?q=SHOP')).data.map((i) => i.key)).toEqual(['shopify']);
    expect((await list('?q=open')).data.map((i) => i.key)).toEqual(['openai']);
    expect((await list('?q=zzz')).data).toEqual([]);
  });

  it('pages with a cursor until nextCursor is null', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page = await list(cursor ? `?limit=7&cursor=${cursor}` : '?limit=7');
      expect(page.data.length).toBeLessThanOrEqual(7);
      seen.push(...page.data.map((i) => i.key));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(Math.ceil(builtInIntegrations.length / 7));
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe(builtInIntegrations.length);
  });

  it('keeps filters across pages', async () => {
    const expected = builtInIntegrations.filter((i) => i.category === 'storage').map((i) => i.key).sort();
    const first = await list('?category=storage&limit=2');
    expect(first.data.map((i) => i.key)).toEqual(expected.slice(0, 2));
    const second = await list(`?category=storage&limit=100&cursor=${first.nextCursor}`);
    expect(second.data.map((i) => i.key)).toEqual(expected.slice(2));
    expect(second.nextCursor).toBeNull();
  });

  it('answers 400 naming the cursor for one it did not issue', async () => {
    const response = await runtime.call('/v1/integrations?cursor=not-a-cursor!');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect((await response.json()).errors).toEqual([{ field: 'query.cursor', message: 'unknown cursor' }]);
  });

  it('answers 400 for an unknown filter value', async () => {
    const response = await runtime.call('/v1/integrations?category=gardening&authType=magic');
    expect(response.status).toBe(400);
    const problem = await response.json();
    expect(problem.errors.map((e: { field: string }) => e.field)).toEqual(['query.category', 'query.authType']);
  });

  it('answers 400 for an unknown query parameter by name', async () => {
    const response = await runtime.call('/v1/integrations?colour=blue');
    expect(response.status).toBe(400);
    expect((await response.json()).errors).toEqual([{ field: 'query.colour', message: 'unknown field' }]);
  });

  it('answers 401 without an API key', async () => {
    const response = await runtime.call('/v1/integrations', { key: null });
    expect(response.status).toBe(401);
    // API Gateway's own answer when the identity source is missing (README: the one non-problem 401).
    expect(await response.json()).toEqual({ message: 'Unauthorized' });
  });
});

describe('showing one integration', () => {
  it('shows the auth types, params and base URL template', async () => {
    const response = await runtime.call('/v1/integrations/shopify');
    expect(response.status).toBe(200);
    const shopify = await response.json();
    expect(shopify).toMatchObject({
      key: 'shopify',
      baseUrl: 'https://{shop}.myshopify.com/admin/api/2026-07',
      params: [{ name: 'shop', required: true, example: 'acme-store' }],
      auth: [
        { type: 'api_key', fields: [{ name: 'apiKey', secret: true }] },
        { type: 'oauth2', fields: [] },
      ],
      oauth2: { scopeSeparator: ',', pkce: 'unsupported' },
      webhooks: { scheme: 'shopify' },
    });
    expect(shopify).not.toHaveProperty('headers');
    expect(shopify).not.toHaveProperty('check');
  });

  it('shows the streams a sync can read, without how their requests are built', async () => {
    const github = await (await runtime.call('/v1/integrations/github')).json();
    expect(github.baseUrlOverridable).toBe(true);
    expect(github.streams.map((s: { name: string }) => s.name)).toEqual(['issues', 'pull_requests', 'issue_comments', 'repositories']);
    expect(github.streams[0]).toMatchObject({
      name: 'issues',
      params: [{ name: 'owner', required: true }, { name: 'repo', required: true }],
      incremental: { kind: 'filter', on: 'modified' },
      deletions: { kind: 'tombstone-event' },
      pagination: { kind: 'link-header' },
    });
    expect(github.streams[0]).not.toHaveProperty('path');
    expect(github.streams[0]).not.toHaveProperty('query');
    const shopify = await (await runtime.call('/v1/integrations/shopify')).json();
    expect(shopify.streams.map((s: { pagination: { kind: string } }) => s.pagination.kind)).toEqual(['graphql-page-info', 'graphql-page-info', 'graphql-page-info']);
  });

  it('answers 404 problem+json for an unknown key', async () => {
    const response = await runtime.call('/v1/integrations/no-such-provider');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect((await response.json()).detail).toBe('there is no integration "no-such-provider"');
  });

  it('answers 400 naming the path for a key that is not kebab-case', async () => {
    const response = await runtime.call('/v1/integrations/Not_A_Key');
    expect(response.status).toBe(400);
    expect((await response.json()).errors[0].field).toBe('path.key');
  });

  it('answers 401 without an API key', async () => {
    expect((await runtime.call('/v1/integrations/stripe', { key: null })).status).toBe(401);
  });
});
