import { IntegrationDefinition } from '../../../../shared/integrations/schema';
import { forwardedHeaders, joinedUrl, providerPath, returnedHeaders } from '../../../../shared/proxy/service';

/** What the proxy lets through, and where it may go: the rules, one by one. */
const prefix = '/v1/connections/conn_01JCZ8X7Q4B3N5M6P7R8S9T0V1/proxy/';
const definition = IntegrationDefinition.parse({
  key: 'keyed',
  name: 'Keyed',
  category: 'crm',
  description: 'An API key in a header, and a fixed version header.',
  docsUrl: 'https://docs.example.com',
  baseUrl: 'https://api.example.com/v2',
  headers: { 'Notion-Version': '2022-06-28' },
  auth: [{ type: 'api_key', sendAs: { in: 'header', name: 'X-Api-Key' }, fields: [{ name: 'apiKey', label: 'Key', secret: true, maxLength: 64 }] }],
  check: { method: 'GET', path: '/me' },
});

describe('the proxied path', () => {
  it('keeps what is safe as written, in one canonical escaping', () => {
    expect(providerPath(`${prefix}files:batchGet/a%20b/%7Eme@x`)).toEqual(['files:batchGet', 'a%20b', '~me@x']);
    expect(joinedUrl('https://api.example.com/v2', providerPath(`${prefix}users/42`), 'a=1&a=2&b=%2F')).toBe('https://api.example.com/v2/users/42?a=1&a=2&b=%2F');
  });

  it.each([
    ['..', '..'],
    ['an escaped ..', '%2E%2e'],
    ['an escaped slash', 'a%2Fb'],
    ['an escaped backslash', 'a%5Cb'],
    ['an empty segment', 'a//b'],
    ['nothing at all', ''],
    ['a control character', 'a%0Ab'],
    ['a broken escape', '%E0%A4%A'],
  ])('refuses %s', (_what, path) => {
    expect(() => providerPath(`${prefix}${path}`)).toThrow(expect.objectContaining({ status: 400, errors: [expect.objectContaining({ field: 'path.path' })] }));
  });

  it('never leaves the base URL, whatever the segments say', () => {
    expect(() => joinedUrl('https://api.example.com/v2', ['..', 'admin'], '')).toThrow(expect.objectContaining({ status: 400 }));
    expect(joinedUrl('https://api.example.com/v2/', ['x'], '')).toBe('https://api.example.com/v2/x');
  });
});

describe('the headers', () => {
  it('passes on only the allowed request headers, never what the integration sets itself', () => {
    const passed = forwardedHeaders(
      {
        authorization: 'Bearer jh_secret',
        cookie: 'session=1',
        host: 'junction.example.com',
        'x-api-key': 'caller-key',
        'notion-version': '2021-01-01',
        'stripe-version': '2024-06-20',
        accept: 'application/json',
        'if-match': '"7"',
        'idempotency-key': 'k1',
        'x-forwarded-for': '10.0.0.1',
        'accept-encoding': 'gzip',
      },
      definition,
      'api_key',
    );
    expect(passed).toEqual({ 'stripe-version': '2024-06-20', accept: 'application/json', 'if-match': '"7"', 'idempotency-key': 'k1' });
  });

  it('passes back paging, validators and rate-limit headers, never cookies; the IETF RateLimit ones renamed', () => {
    const back = returnedHeaders({
      'content-type': 'application/json',
      link: '<https://api.example.com/v2/users?page=2>; rel="next"',
      etag: 'W/"1"',
      'set-cookie': ['a=1', 'b=2'],
      'x-ratelimit-remaining': '12',
      'x-hubspot-ratelimit-max': '100',
      'x-rate-limit-reset': '60',
      'ratelimit-remaining': '3',
      'retry-after': '5',
      'x-total-count': '42',
      connection: 'keep-alive',
      'content-length': '10',
      server: 'nginx',
    });
    expect(back).toEqual({
      'content-type': 'application/json',
      link: '<https://api.example.com/v2/users?page=2>; rel="next"',
      etag: 'W/"1"',
      'x-ratelimit-remaining': '12',
      'x-hubspot-ratelimit-max': '100',
      'x-rate-limit-reset': '60',
      'provider-ratelimit-remaining': '3',
      'retry-after': '5',
      'x-total-count': '42',
    });
  });
});
