import { builtInIntegrations } from '../../../../shared/integrations/catalog';
import { IntegrationDefinition, type IntegrationInput } from '../../../../shared/integrations/schema';
import {
  buildBaseUrl,
  buildCheckRequest,
  checkSucceeded,
  getIntegration,
  listIntegrations,
  validateConnection,
  validateCredentials,
  validateParams,
} from '../../../../shared/integrations/service';
import { Invalid, NotFound } from '../../../../shared/platform/errors';

const integration = (key: string) => builtInIntegrations.find((i) => i.key === key)!;
const stripe = integration('stripe');
const shopify = integration('shopify');
const twilio = integration('twilio');

/** A definition whose param patterns allow anything, to show the URL rules hold on their own. */
const careless = IntegrationDefinition.parse({
  key: 'careless',
  name: 'Careless',
  category: 'crm',
  description: 'Patterns that allow anything.',
  docsUrl: 'https://docs.careless.example',
  baseUrl: 'https://{host}.careless.example/api/{version}',
  params: [
    { name: 'host', label: 'Host', description: 'Any.', pattern: '.+', maxLength: 100, required: true, example: 'a' },
    { name: 'version', label: 'Version', description: 'Any.', pattern: '.+', maxLength: 100, required: false, default: 'v1', example: 'v2' },
  ],
  auth: [{ type: 'none' }],
  check: { method: 'GET', path: '/ping' },
} satisfies IntegrationInput);

function errorsOf(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (error instanceof Invalid) return error.errors;
    throw error;
  }
  throw new Error('expected Invalid, nothing was thrown');
}

describe('validating credentials', () => {
  it('accepts a well-formed key', () => {
    expect(validateCredentials(stripe, 'api_key', { apiKey: 'sk_test_4eC39HqLyjWDarjtT1zdp7dc' })).toEqual([]);
  });

  it.each([
    ['a missing field', {}, 'is required'],
    ['an empty field', { apiKey: '' }, 'is required'],
    ['a value of another format', { apiKey: 'pk_live_123' }, 'must be a secret key (sk_live_…, sk_test_…) or a restricted key (rk_live_…, rk_test_…)'],
    ['surrounding whitespace', { apiKey: 'sk_live_abc\n' }, 'must not start or end with whitespace'],
    ['a control character', { apiKey: 'sk_live_a\r\nb' }, 'must not contain control characters'],
    ['an oversized value', { apiKey: `sk_live_${'a'.repeat(300)}` }, 'must be at most 255 characters'],
    ['a value that is not a string', { apiKey: 42 }, 'must be a string'],
  ])('names credentials.apiKey for %s', (_name, credentials, message) => {
    expect(validateCredentials(stripe, 'api_key', credentials)).toEqual([{ field: 'credentials.apiKey', message }]);
  });

  it('never quotes the value it refuses', () => {
    const secret = 'pk_live_51HsuperSecretValue';
    const errors = validateCredentials(stripe, 'api_key', { apiKey: secret, token: secret });
    expect(errors.length).toBe(2);
    expect(JSON.stringify(errors)).not.toContain('superSecret');
  });

  it('names a field the auth type does not take', () => {
    expect(validateCredentials(stripe, 'api_key', { apiKey: 'sk_live_abc', password: 'x' })).toEqual([
      { field: 'credentials.password', message: 'is not a credential of api_key (it takes apiKey)' },
    ]);
  });

  it('refuses an auth type the integration does not take, and oauth2 credentials given by hand', () => {
    expect(validateCredentials(stripe, 'basic', {})).toEqual([{ field: 'authType', message: 'stripe does not take basic; it takes api_key' }]);
    expect(validateCredentials(shopify, 'oauth2', { accessToken: 'x' })).toEqual([
      { field: 'authType', message: 'oauth2 credentials come only from the OAuth flow (POST /v1/connect-sessions)' },
    ]);
  });

  it('refuses a colon in an HTTP Basic username', () => {
    const errors = validateCredentials(twilio, 'basic', { username: 'SK01:x', password: 'secret' });
    expect(errors).toEqual([{ field: 'credentials.username', message: 'must not contain a colon' }]);
  });
});

describe('validating a connection', () => {
  it('picks the only non-OAuth auth type when none is given', () => {
    const result = validateConnection(integration('hubspot'), { credentials: { token: 'pat-na1-0000-aaaa' }, params: {} });
    expect(result).toEqual({ authType: 'bearer', errors: [] });
  });

  it('lists credential and param errors together', () => {
    const result = validateConnection(shopify, { authType: 'api_key', credentials: { apiKey: 'nope' }, params: { shop: 'evil.com/x', x: '1' } });
    expect(result.errors.map((e) => e.field)).toEqual(['credentials.apiKey', 'params.x', 'params.shop']);
  });
});

describe('building base URLs', () => {
  it('fills the shop into the Shopify template', () => {
    expect(buildBaseUrl(shopify, { shop: 'acme-store' })).toBe('https://acme-store.myshopify.com/admin/api/2026-07');
  });

  it.each(['evil.com/x', 'evil.com#', 'x@evil.com', 'evil.com?', '..', 'ACME', ''])('rejects the shop %j', (shop) => {
    const errors = errorsOf(() => buildBaseUrl(shopify, { shop }));
    expect(errors).toEqual([{ field: 'params.shop', message: expect.any(String) }]);
  });

  it('keeps the host on the template’s suffix even when a param’s pattern allows anything', () => {
    for (const host of ['evil.com/x', 'evil.com#', 'a@evil.com', 'evil.com:8443', 'evil.com?']) {
      expect(errorsOf(() => buildBaseUrl(careless, { host }))).toEqual([
        { field: 'params.host', message: 'must be a host name label (letters, digits, hyphens)' },
      ]);
    }
  });

  it('keeps a path param inside its segment', () => {
    expect(buildBaseUrl(careless, { host: 'a', version: '../../admin' })).toBe('https://a.careless.example/api/..%2F..%2Fadmin');
    expect(errorsOf(() => buildBaseUrl(careless, { host: 'a', version: '..' }))).toEqual([
      { field: 'params.version', message: 'must not be . or ..' },
    ]);
  });

  it('uses a param’s default when it is not given', () => {
    expect(buildBaseUrl(careless, { host: 'tenant-1' })).toBe('https://tenant-1.careless.example/api/v1');
  });

  it('requires required params and refuses unknown ones', () => {
    expect(errorsOf(() => buildBaseUrl(shopify, {}))).toEqual([{ field: 'params.shop', message: 'is required' }]);
    expect(validateParams(stripe, { baseUrl: 'https://evil.example' })).toEqual([
      { field: 'params.baseUrl', message: 'stripe does not allow overriding its base URL' },
    ]);
  });

  it('takes an https base URL override where the integration allows one', () => {
    const selfHosted = IntegrationDefinition.parse({ ...careless, key: 'self-hosted', baseUrlOverride: { hostSuffixes: ['.corp.example'] } });
    expect(buildBaseUrl(selfHosted, { host: 'a', baseUrl: 'https://git.corp.example/api/' })).toBe('https://git.corp.example/api');
    expect(validateParams(selfHosted, { host: 'a', baseUrl: 'http://git.corp.example' })).toEqual([
      { field: 'params.baseUrl', message: 'must be an absolute https URL' },
    ]);
    expect(validateParams(selfHosted, { host: 'a', baseUrl: 'https://corp.example.evil.com' })).toEqual([
      { field: 'params.baseUrl', message: 'must be on *.corp.example' },
    ]);
  });
});

describe('GitHub Enterprise Server', () => {
  const github = integration('github');

  it('takes a base URL override on any host, at the /api/v3 path only', () => {
    expect(buildBaseUrl(github, { baseUrl: 'https://github.acme.example/api/v3/' })).toBe('https://github.acme.example/api/v3');
    expect(validateParams(github, { baseUrl: 'https://github.acme.example' })).toEqual([
      { field: 'params.baseUrl', message: 'must have the path /api/v3 (https://HOST/api/v3)' },
    ]);
    expect(validateParams(github, { baseUrl: 'https://github.acme.example/api/graphql' })).toHaveLength(1);
  });
});

describe('the check request', () => {
  it('sends an API key where the integration says', () => {
    expect(buildCheckRequest(stripe, 'api_key', {}, { apiKey: 'sk_test_abc' })).toEqual({
      method: 'GET',
      url: 'https://api.stripe.com/v1/balance',
      headers: { Authorization: 'Bearer sk_test_abc' },
    });
    const token = `shpat_${'0'.repeat(32)}`;
    expect(buildCheckRequest(shopify, 'api_key', { shop: 'acme-store' }, { apiKey: token })).toEqual({
      method: 'GET',
      url: 'https://acme-store.myshopify.com/admin/api/2026-07/shop.json',
      headers: { 'X-Shopify-Access-Token': token },
    });
  });

  it('sends HTTP Basic to an account-scoped Twilio path', () => {
    const sid = 'AC0123456789abcdef0123456789abcdef';
    const request = buildCheckRequest(twilio, 'basic', { accountSid: sid }, { username: sid, password: 'token' });
    expect(request.url).toBe(`https://api.twilio.com/2010-04-01/Accounts/${sid}/IncomingPhoneNumbers.json?PageSize=1`);
    expect(request.headers.Authorization).toBe(`Basic ${Buffer.from(`${sid}:token`).toString('base64')}`);
  });

  it('carries the fixed headers GitHub requires', () => {
    const request = buildCheckRequest(integration('github'), 'bearer', {}, { token: `ghp_${'a'.repeat(36)}` });
    expect(request.headers).toMatchObject({ 'User-Agent': 'Junction', 'X-GitHub-Api-Version': '2022-11-28' });
  });

  it('counts Slack’s 200 with ok false as a failure', () => {
    const slack = integration('slack');
    expect(checkSucceeded(slack, { status: 200, body: '{"ok":false,"error":"invalid_auth"}' })).toBe(false);
    expect(checkSucceeded(slack, { status: 200, body: '{"ok":true}' })).toBe(true);
    expect(checkSucceeded(stripe, { status: 200, body: 'not json' })).toBe(true);
    expect(checkSucceeded(stripe, { status: 401, body: '{}' })).toBe(false);
  });
});

describe('listing and showing', () => {
  const all = { limit: 100 };

  it('filters by category and auth type and searches name or key', () => {
    expect(listIntegrations(builtInIntegrations, { ...all, category: 'productivity' }).data.map((i) => i.key)).toEqual(['airtable', 'notion']);
    const oauth = listIntegrations(builtInIntegrations, { ...all, authType: 'oauth2' }).data;
    expect(oauth.map((i) => i.key)).toEqual(builtInIntegrations.filter((i) => i.oauth2).map((i) => i.key).sort());
    expect(oauth.every((i) => i.authTypes.includes('oauth2'))).toBe(true);
    expect(listIntegrations(builtInIntegrations, { ...all, q: 'HUB' }).data.map((i) => i.key)).toEqual(['github', 'hubspot']);
  });

  it('pages in key order until nextCursor is null', () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = listIntegrations(builtInIntegrations, { limit: 4, cursor });
      seen.push(...page.data.map((i) => i.key));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(builtInIntegrations.map((i) => i.key).sort());
  });

  it.each(['%%%', 'aGVsbG8gd29ybGQ', Buffer.from('Stripe').toString('base64url'), 'c3RyaXBl!'])('refuses the cursor %j', (cursor) => {
    expect(() => listIntegrations(builtInIntegrations, { limit: 5, cursor })).toThrow(Invalid);
  });

  it('answers NotFound for an unknown key', () => {
    expect(() => getIntegration(builtInIntegrations, 'nope')).toThrow(NotFound);
  });

  it('shows each stream with its params and its incremental, deletion and paging kinds', () => {
    const issues = getIntegration(builtInIntegrations, 'github').streams.find((s) => s.name === 'issues');
    expect(issues).toEqual({
      name: 'issues',
      description: expect.any(String),
      params: [
        expect.objectContaining({ name: 'owner', required: true, example: 'octocat' }),
        expect.objectContaining({ name: 'repo', required: true, example: 'Hello-World' }),
      ],
      primaryKey: ['id'],
      cursorField: ['updated_at'],
      incremental: { kind: 'filter', on: 'modified' },
      lookbackSeconds: 60,
      deletions: { kind: 'tombstone-event', events: ['issues.deleted'] },
      pagination: { kind: 'link-header' },
    });
    const customers = getIntegration(builtInIntegrations, 'stripe').streams.find((s) => s.name === 'customers');
    expect(customers).toMatchObject({ params: [], incremental: { kind: 'filter', on: 'created' }, pagination: { kind: 'has-more' } });
    expect(getIntegration(builtInIntegrations, 'twilio').streams).toEqual([]);
  });

  it('shows what a client needs and keeps how Junction calls the provider to itself', () => {
    const view = getIntegration(builtInIntegrations, 'github');
    expect(view.auth.map((a) => a.type)).toEqual(['bearer', 'oauth2']);
    expect(Object.keys(view)).not.toEqual(expect.arrayContaining(['headers']));
    expect(JSON.stringify(view)).not.toMatch(/X-GitHub-Api-Version|login\/oauth|tokenRequestHeaders|check|per_page|\/repos\//);
  });
});
