import { IntegrationDefinition, type IntegrationInput } from '../../../../shared/integrations/schema';
import { compilePattern } from '../../../../shared/integrations/vocabulary';

/** A small valid definition that each test bends one way. */
const base = (): IntegrationInput => ({
  key: 'acme',
  name: 'Acme',
  category: 'crm',
  description: 'A test integration.',
  docsUrl: 'https://docs.acme.example/api',
  baseUrl: 'https://{tenant}.acme.example/api/v2',
  params: [
    {
      name: 'tenant',
      label: 'Tenant',
      description: 'The tenant subdomain.',
      pattern: '[a-z0-9-]{1,30}',
      maxLength: 30,
      required: true,
      example: 'globex',
    },
  ],
  auth: [{ type: 'bearer', fields: [{ name: 'token', label: 'Token', secret: true, maxLength: 100 }] }],
  check: { method: 'GET', path: '/me' },
});

const problems = (definition: unknown) =>
  (IntegrationDefinition.safeParse(definition).error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);

describe('the integration schema', () => {
  it('accepts a definition whose templates use only declared params', () => {
    expect(problems(base())).toEqual([]);
  });

  it('rejects a baseUrl that uses an undeclared param', () => {
    expect(problems({ ...base(), baseUrl: 'https://{shop}.acme.example/api' })).toEqual([
      'baseUrl: uses {shop}, which is not a declared param',
    ]);
  });

  it('rejects an undeclared param in the check path and the OAuth URLs', () => {
    const definition = {
      ...base(),
      check: { method: 'GET', path: '/users/{userId}' },
      auth: [{ type: 'oauth2' }],
      oauth2: oauth2({ tokenUrl: 'https://{region}.auth.acme.example/token' }),
    };
    expect(problems(definition)).toEqual([
      'check.path: uses {userId}, which is not a declared param',
      'oauth2.tokenUrl: uses {region}, which is not a declared param',
    ]);
  });

  it('rejects oauth2 as an auth type without an oauth2 block', () => {
    expect(problems({ ...base(), auth: [{ type: 'oauth2' }] })).toEqual(['oauth2: is required when oauth2 is an auth type']);
  });

  it('rejects an oauth2 block the auth types do not use', () => {
    expect(problems({ ...base(), oauth2: oauth2() })).toEqual(['oauth2: is given but oauth2 is not among the auth types']);
  });

  it('accepts more than one auth type, each once', () => {
    expect(problems({ ...base(), auth: [{ type: 'oauth2' }, ...base().auth], oauth2: oauth2() })).toEqual([]);
    expect(problems({ ...base(), auth: [...base().auth, ...base().auth] })).toEqual(['auth: each auth type may appear once']);
  });

  it('requires the credential field names the API fixes for each auth type', () => {
    const definition = {
      ...base(),
      auth: [{ type: 'basic', fields: [{ name: 'user', label: 'User', secret: false, maxLength: 10 }] }],
    };
    expect(problems(definition)).toEqual(['auth.0.fields: basic takes exactly the fields username, password, in that order']);
  });

  it.each([
    ['plain http', 'http://api.acme.example', 'must start with https://'],
    ['a param as the whole host', 'https://{tenant}/api', 'must keep a fixed host suffix of at least two labels after its {params} (like .myshopify.com)'],
    ['a param before a bare top-level domain', 'https://{tenant}.com/api', 'must keep a fixed host suffix of at least two labels after its {params} (like .myshopify.com)'],
    ['a param in the query', 'https://api.acme.example/v1?org={tenant}', 'must not put a {param} in the query or fragment'],
    ['credentials', 'https://user@{tenant}.acme.example', 'must not carry credentials'],
    ['a malformed placeholder', 'https://api.acme.example/{tenant-id}', 'has a malformed {placeholder} (letters and digits, starting with a letter)'],
  ])('rejects a baseUrl with %s', (_name, baseUrl, message) => {
    expect(problems({ ...base(), baseUrl })).toEqual([`baseUrl: ${message}`]);
  });

  it('rejects a check path that climbs out of the base URL', () => {
    expect(problems({ ...base(), check: { method: 'GET', path: '/../admin' } })).toEqual([
      'check.path: must not contain . or .. segments',
    ]);
  });

  it('rejects a param whose example does not match its own pattern', () => {
    const [param] = base().params!;
    expect(problems({ ...base(), params: [{ ...param!, example: 'Not Valid!' }] })).toEqual([
      "params.0.example: must match the param's own pattern",
    ]);
  });

  it('rejects a pattern that is not a regular expression', () => {
    const [param] = base().params!;
    expect(problems({ ...base(), params: [{ ...param!, pattern: '[a-z' }] })).toEqual([
      'params.0.pattern: must be a valid regular expression',
    ]);
  });

  it('refuses to let a definition set authentication or transport headers itself', () => {
    expect(problems({ ...base(), headers: { Authorization: 'Bearer x' } })).toEqual(['headers.Authorization: is a reserved header']);
    expect(problems({ ...base(), headers: { 'X-Version': 'a\r\nHost: evil' } })).toEqual([
      'headers.X-Version: must not contain control characters',
    ]);
  });

  it('matches a pattern against the whole value, whatever alternation it uses', () => {
    expect(compilePattern('sk_live|rk_live').test('sk_live_and_more')).toBe(false);
    expect(compilePattern('sk_live|rk_live').test('rk_live')).toBe(true);
  });
});

function oauth2(overrides: Record<string, unknown> = {}) {
  return {
    authorizationUrl: 'https://auth.acme.example/authorize',
    tokenUrl: 'https://auth.acme.example/token',
    scopeSeparator: ' ',
    defaultScopes: ['read'],
    pkce: 'supported',
    clientAuth: 'basic',
    tokens: { accessTokenLifetimeSeconds: 3600, refreshTokens: 'rotating' },
    ...overrides,
  };
}
