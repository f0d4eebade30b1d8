import { builtInIntegrations } from '../../../../shared/integrations/catalog';
import { IntegrationDefinition, type IntegrationInput } from '../../../../shared/integrations/schema';
import { buildBaseUrl } from '../../../../shared/integrations/service';
import { Stream, type StreamInput } from '../../../../shared/integrations/streams';
import { firstRequest } from '../../../../shared/syncs/paging';

/** A small valid stream that each test bends one way. */
const stream = (overrides: Record<string, unknown> = {}): StreamInput =>
  ({
    name: 'tickets',
    description: 'Tickets of one board.',
    method: 'GET',
    path: '/boards/{board}/tickets',
    params: [{ name: 'board', label: 'Board', pattern: '[0-9]{1,10}', maxLength: 10, required: true, example: '42' }],
    query: { order: 'updated' },
    records: { path: ['data'] },
    primaryKey: ['id'],
    cursorField: { path: ['updated_at'], format: 'iso8601' },
    incremental: { kind: 'filter', field: { in: 'query', name: 'updated_since' }, format: 'iso8601', on: 'modified' },
    deletions: { kind: 'flag', field: ['deleted'], value: true },
    pagination: { kind: 'cursor', param: { in: 'query', name: 'cursor' }, next: ['meta', 'next_cursor'] },
    pageSize: { field: { in: 'query', name: 'limit' }, max: 100 },
    ...overrides,
  }) as StreamInput;

const searchStream = (overrides: Record<string, unknown> = {}) =>
  stream({
    method: 'POST',
    path: '/tickets/search',
    params: [],
    query: {},
    body: { sort: 'updated_at' },
    incremental: {
      kind: 'filter',
      field: { in: 'body', path: ['filter'] },
      format: 'unix-seconds',
      template: { field: 'updated_at', gte: '{value}' },
      on: 'modified',
    },
    pagination: { kind: 'cursor', param: { in: 'body', path: ['after'] }, next: ['next'] },
    pageSize: { field: { in: 'body', path: ['limit'] }, max: 100 },
    ...overrides,
  });

const graphqlStream = (overrides: Record<string, unknown> = {}) =>
  stream({
    method: 'POST',
    path: '/graphql',
    params: [],
    query: {},
    graphql: { query: 'query T($first: Int!, $after: String) { tickets(first: $first, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }' },
    records: { path: ['data', 'tickets', 'nodes'] },
    incremental: { kind: 'none' },
    cursorField: undefined,
    pagination: { kind: 'graphql-page-info', pageInfo: ['data', 'tickets', 'pageInfo'], cursorVariable: 'after' },
    pageSize: { field: { in: 'variable', name: 'first' }, max: 100 },
    ...overrides,
  });

const definition = (streams: unknown[], overrides: Record<string, unknown> = {}): IntegrationInput =>
  ({
    key: 'acme',
    name: 'Acme',
    category: 'support',
    description: 'A test integration.',
    docsUrl: 'https://docs.acme.example/api',
    baseUrl: 'https://{tenant}.acme.example/api/v2',
    params: [{ name: 'tenant', label: 'Tenant', description: 'The tenant.', pattern: '[a-z0-9-]{1,30}', maxLength: 30, required: true, example: 'globex' }],
    auth: [{ type: 'bearer', fields: [{ name: 'token', label: 'Token', secret: true, maxLength: 100 }] }],
    check: { method: 'GET', path: '/me' },
    streams,
    ...overrides,
  }) as IntegrationInput;

const problems = (value: unknown) =>
  (IntegrationDefinition.safeParse(value).error?.issues ?? []).map((i) =>
    i.code === 'unrecognized_keys' ? `${[...i.path, ...i.keys].join('.')}: unknown field` : `${i.path.join('.')}: ${i.message}`,
  );
const fieldsOf = (value: unknown) => problems(value).map((p) => p.slice(0, p.indexOf(':')));

describe('the stream schema', () => {
  it('accepts a GET stream, a search POST stream and a GraphQL stream', () => {
    expect(problems(definition([stream(), searchStream({ name: 'search' }), graphqlStream({ name: 'graph' })]))).toEqual([]);
  });

  it.each([
    ['a name that is not snake_case', { name: 'Tickets' }, 'streams.0.name'],
    ['a path with a query string', { path: '/boards/{board}/tickets?all=1' }, 'streams.0.path'],
    ['a path that climbs out of the base URL', { path: '/boards/{board}/../admin' }, 'streams.0.path'],
    ['a relative path', { path: 'boards/{board}/tickets' }, 'streams.0.path'],
    ['a credential as a fixed query parameter', { query: { api_key: 'k_123' } }, 'streams.0.query.api_key'],
    ['a param spliced into a query value', { query: { q: 'board = {board}' } }, 'streams.0.query.q'],
    ['a page size above what any provider allows', { pageSize: { field: { in: 'query', name: 'limit' }, max: 50_000 } }, 'streams.0.pageSize.max'],
    ['a GET with a body', { body: { a: 1 } }, 'streams.0.method'],
    ['a page cursor sent in a body the stream does not have', { pagination: { kind: 'cursor', param: { in: 'body', path: ['after'] }, next: ['next'] } }, 'streams.0.pagination.param'],
    ['a page cursor that is also a fixed query parameter', { query: { cursor: 'start' } }, 'streams.0.pagination.param'],
    ['the page size and the cursor in one parameter', { pageSize: { field: { in: 'query', name: 'cursor' }, max: 100 } }, 'streams.0.pageSize.field'],
    ['a filter on a secret-looking parameter', { incremental: { kind: 'filter', field: { in: 'query', name: 'access_token' }, format: 'iso8601', on: 'modified' } }, 'streams.0.incremental.field'],
    ['an incremental filter without a cursor field', { cursorField: undefined }, 'streams.0.cursorField'],
    ['a query template that does not place {value}', { incremental: { kind: 'filter', field: { in: 'query', name: 'q' }, format: 'iso8601', template: 'updated > now', on: 'modified' } }, 'streams.0.incremental.template'],
    ['a template with a placeholder other than {value}', { incremental: { kind: 'filter', field: { in: 'query', name: 'q' }, format: 'iso8601', template: 'updated > {since}', on: 'modified' } }, 'streams.0.incremental.template'],
    ['a query template that is not a string', { incremental: { kind: 'filter', field: { in: 'query', name: 'q' }, format: 'iso8601', template: { gte: '{value}' }, on: 'modified' } }, 'streams.0.incremental.template'],
    ['a lookback beyond a week', { lookbackSeconds: 8 * 86_400 }, 'streams.0.lookbackSeconds'],
    ['a lookback on a stream without incremental syncs', { incremental: { kind: 'none' }, lookbackSeconds: 60 }, 'streams.0.lookbackSeconds'],
    ['a pagination kind nobody interprets', { pagination: { kind: 'magic' } }, 'streams.0.pagination.kind'],
    ['a short-page end without a page size', { pagination: { kind: 'page', param: { in: 'query', name: 'page' }, first: 1, end: { kind: 'short-page' } }, pageSize: undefined }, 'streams.0.pagination.end'],
    ['offset paging without a page size', { pagination: { kind: 'offset', param: { in: 'query', name: 'offset' }, end: { kind: 'total', path: ['total'] } }, pageSize: undefined }, 'streams.0.pageSize'],
    ['a query limit without a filter to restart from', { incremental: { kind: 'none' }, pagination: { kind: 'cursor', param: { in: 'query', name: 'cursor' }, next: ['next'], queryLimit: 10_000 } }, 'streams.0.pagination.queryLimit'],
    ['a deletion flag with no field', { deletions: { kind: 'flag', field: [], value: true } }, 'streams.0.deletions.field'],
    ['a records path of non-keys', { records: { path: ['data', 'a b'] } }, 'streams.0.records.path.1'],
    ['an unknown field', { colour: 'blue' }, 'streams.0.colour'],
  ])('names the field for %s', (_case, overrides, field) => {
    expect(fieldsOf(definition([stream(overrides)]))).toContain(field);
  });

  it('names the path for a placeholder that is neither a stream param nor a connection param', () => {
    expect(problems(definition([stream({ path: '/boards/{board}/{lane}' })]))).toContain(
      'streams.0.path: uses {lane}, which is neither a stream param nor a connection param',
    );
  });

  it('lets a path use a connection param', () => {
    expect(problems(definition([stream({ path: '/tenants/{tenant}/boards/{board}/tickets' })]))).toEqual([]);
  });

  it('refuses a stream param that shadows a connection param', () => {
    const params = [{ name: 'tenant', label: 'Tenant', pattern: '[a-z]+', maxLength: 10, required: true, example: 'a' }];
    expect(problems(definition([stream({ path: '/boards/{tenant}', params })]))).toContain('streams.0.params.0.name: is already a connection param');
  });

  it('refuses a param nothing uses, and an optional one in the path', () => {
    const [board] = stream().params!;
    expect(fieldsOf(definition([stream({ params: [board, { ...board, name: 'lane' }] })]))).toContain('streams.0.params.1.name');
    expect(fieldsOf(definition([stream({ params: [{ ...board, required: false }] })]))).toContain('streams.0.params.0.required');
  });

  it("refuses a param whose example does not match its own pattern", () => {
    const [board] = stream().params!;
    expect(problems(definition([stream({ params: [{ ...board, example: 'forty-two' }] })]))).toContain(
      "streams.0.params.0.example: must match the param's own pattern",
    );
  });

  it('takes a whole query value from a param, and refuses one that names no param', () => {
    const byQuery = { path: '/tickets', query: { board: '{board}' } };
    expect(problems(definition([stream(byQuery)]))).toEqual([]);
    expect(problems(definition([stream({ ...byQuery, query: { board: '{lane}' } })]))).toContain(
      'streams.0.query.board: uses {lane}, which is neither a stream param nor a connection param',
    );
  });

  it('refuses a POST with neither body nor GraphQL query', () => {
    expect(fieldsOf(definition([searchStream({ body: undefined, pagination: { kind: 'none' }, pageSize: undefined, incremental: { kind: 'none' } })]))).toContain('streams.0.method');
  });

  it('refuses a GraphQL variable the query does not declare', () => {
    expect(problems(definition([graphqlStream({ pagination: { kind: 'graphql-page-info', pageInfo: ['data', 'tickets', 'pageInfo'], cursorVariable: 'cursor' } })]))).toContain(
      'streams.0.pagination.cursorVariable: is not declared as $cursor in the query',
    );
  });

  it('refuses GraphQL paging on a stream without a GraphQL query', () => {
    expect(fieldsOf(definition([stream({ pagination: { kind: 'graphql-page-info', pageInfo: ['pageInfo'], cursorVariable: 'after' } })]))).toContain(
      'streams.0.pagination.kind',
    );
  });

  it('refuses to follow provider URLs with anything but GET', () => {
    expect(fieldsOf(definition([searchStream({ pagination: { kind: 'link-header' } })]))).toContain('streams.0.pagination.kind');
  });

  it('lets an incremental filter replace a fixed value of the same name, so a full sync can send a filter-free form', () => {
    const jql = { query: { jql: 'ORDER BY updated' }, incremental: { kind: 'filter', field: { in: 'query', name: 'jql' }, format: 'jql-datetime', template: 'updated >= "{value}" ORDER BY updated', on: 'modified' } };
    expect(problems(definition([stream(jql)]))).toEqual([]);
  });

  it('refuses a body nested deeper than eight levels, without overflowing on a much deeper one', () => {
    const nest = (depth: number): unknown => (depth === 0 ? 'x' : { a: nest(depth - 1) });
    expect(fieldsOf(definition([searchStream({ body: { deep: nest(12) } })]))).toContain('streams.0.body.deep');
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(fieldsOf(definition([searchStream({ body: { deep } })]))).toContain('streams.0.body.deep');
  });

  it('refuses duplicate stream names, more than 50 streams, and streams too large for one stored item', () => {
    expect(problems(definition([stream(), stream()]))).toContain('streams: stream names must be unique');
    const many = Array.from({ length: 51 }, (_, i) => stream({ name: `s${i}` }));
    expect(fieldsOf(definition(many))).toContain('streams');
    const large = Array.from({ length: 30 }, (_, i) => graphqlStream({ name: `g${i}`, graphql: { query: `query T($first: Int!, $after: String) { ${'x'.repeat(9_000)} }` } }));
    expect(problems(definition(large)).some((p) => /^streams: take \d+ bytes as JSON; at most 200000 fit$/.test(p))).toBe(true);
  });

  it('answers problems, and never throws, whatever one value of a stream is replaced with', () => {
    const odd: unknown[] = [null, 0, -1, 1e308, true, '', '{x}', 'x'.repeat(20_000), [], [{}], {}, { kind: 'none' }];
    const variants = (value: unknown, at: string[] = []): Array<[string, unknown]> => {
      const here: Array<[string, unknown]> = at.length ? odd.map((o) => [at.join('.'), o]) : [];
      const children = value && typeof value === 'object' ? Object.entries(value) : [];
      return [
        ...here,
        ...children.flatMap(([key, child]) =>
          variants(child, [...at, key]).map(([where, replaced]): [string, unknown] => [where, Array.isArray(value) ? value.map((v, i) => (String(i) === key ? replaced : v)) : { ...(value as object), [key]: replaced }]),
        ),
      ];
    };
    const throws = (bad: unknown) => {
      try {
        IntegrationDefinition.safeParse(definition([bad]));
        return false;
      } catch {
        return true;
      }
    };
    const thrown = [stream(), searchStream(), graphqlStream()].flatMap((good) => variants(good).filter(([, bad]) => throws(bad)).map(([where]) => where));
    expect(thrown).toEqual([]);
  });

  it('refuses a stream query parameter where the API key travels', () => {
    const auth = [{ type: 'api_key', sendAs: { in: 'query', name: 'access_key' }, fields: [{ name: 'apiKey', label: 'Key', secret: true, maxLength: 100 }] }];
    expect(problems(definition([stream({ query: { access_key: 'x' } })], { auth }))).toContain('streams.0.query.access_key: is where the API key travels');
  });
});

const withStreams = builtInIntegrations.filter((i) => i.streams.length > 0);
const allStreams = withStreams.flatMap((integration) => integration.streams.map((s) => [`${integration.key}/${s.name}`, integration, s] as const));

describe('the built-in streams', () => {
  it('cover at least 12 integrations, the ones issue 18 names among them', () => {
    expect(withStreams.length).toBeGreaterThanOrEqual(12);
    const names = allStreams.map(([name]) => name);
    for (const name of ['github/issues', 'github/pull_requests', 'github/repositories', 'stripe/customers', 'stripe/charges', 'stripe/invoices', 'stripe/subscriptions', 'shopify/orders', 'shopify/customers', 'shopify/products', 'hubspot/contacts', 'hubspot/companies', 'hubspot/deals', 'salesforce/accounts']) {
      expect(names).toContain(name);
    }
  });

  it.each(allStreams)('%s parses with the stream schema', (_name, _integration, s) => {
    expect(Stream.safeParse(s).error?.issues ?? []).toEqual([]);
  });

  it.each(allStreams)('%s builds its first full and incremental requests under the base URL from its params’ examples', (_name, integration, s) => {
    const connection = Object.fromEntries(integration.params.map((p) => [p.name, p.example]));
    const params = { ...connection, ...Object.fromEntries((s.params ?? []).map((p) => [p.name, p.example])) };
    const baseUrl = buildBaseUrl(integration, connection);
    for (const mode of [{ kind: 'full' } as const, { kind: 'incremental', checkpoint: '2024-05-06T07:08:09Z' } as const]) {
      const request = firstRequest({ stream: s, baseUrl, params, mode });
      expect(request.url.startsWith(`${baseUrl}/`)).toBe(true);
      expect(decodeURIComponent(request.url)).not.toMatch(/\{[A-Za-z]+\}/);
      expect(JSON.stringify(request.body ?? {})).not.toMatch(/\{[A-Za-z]+\}/);
    }
  });
});
