import { matchesEventType } from '../../../../shared/webhooks/event-types';
import { WebhookEndpointInput, WebhookEndpointPatch } from '../../../../shared/webhooks/schema';

const good = { url: 'https://hooks.example.com/junction', eventTypes: ['connection.*'] };
const issuesOf = (body: unknown) => {
  const parsed = WebhookEndpointInput.safeParse(body);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

describe('event type subscriptions', () => {
  it.each([
    ['*', 'connection.created', true],
    ['connection.*', 'connection.auth_failed', true],
    ['connection.*', 'sync.started', false],
    ['connection.created', 'connection.created', true],
    ['connection.created', 'connection.deleted', false],
    ['conn.*', 'connection.created', false],
  ])('%s takes %s: %s', (filter, type, expected) => {
    expect(matchesEventType(filter, type)).toBe(expected);
  });

  it('accepts exact types, families and *', () => {
    expect(issuesOf({ ...good, eventTypes: ['connection.created', 'connection.*', '*'] })).toEqual([]);
  });

  it.each([
    ['an unknown type', ['connection.exploded'], 'eventTypes.0'],
    ['a family with no types', ['nothing.*'], 'eventTypes.0'],
    ['a pattern that is not a type', ['connection.cre*'], 'eventTypes.0'],
    ['no types', [], 'eventTypes'],
    ['a type twice', ['connection.created', 'connection.created'], 'eventTypes'],
  ])('refuses %s', (_what, eventTypes, path) => {
    expect(issuesOf({ ...good, eventTypes })).toEqual([expect.stringMatching(new RegExp(`^${path.replace('.', '\\.')}: `))]);
  });
});

describe('custom headers', () => {
  it('accepts plain configuration headers', () => {
    expect(issuesOf({ ...good, headers: { 'X-Team': 'payments', 'X-Env': 'prod eu-west-1' } })).toEqual([]);
  });

  it.each([
    'Host', 'Content-Length', 'Content-Type', 'Transfer-Encoding', 'Connection', 'Upgrade', 'TE',
    'Authorization', 'Proxy-Authorization', 'Cookie', 'X-Api-Key', 'X-Auth-Token', 'X-Client-Secret',
    'webhook-id', 'Webhook-Signature',
  ])('refuses %s', (name) => {
    expect(issuesOf({ ...good, headers: { [name]: 'x' } })).toEqual([expect.stringMatching(new RegExp(`^headers\\.${name}: `))]);
  });

  it.each([
    ['a CR/LF in a value (header injection)', { 'X-A': 'a\r\nX-Evil: 1' }],
    ['a name that is not a token', { 'X A': 'a' }],
    ['the same name twice in two cases', { 'X-A': 'a', 'x-a': 'b' }],
    ['more than ten headers', Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`X-H${i}`, 'v']))],
    ['a value over 1,024 characters', { 'X-A': 'a'.repeat(1025) }],
  ])('refuses %s', (_what, headers) => {
    expect(issuesOf({ ...good, headers })).not.toEqual([]);
  });
});

describe('the rest of an endpoint', () => {
  it('fills defaults: enabled, no description, no headers, no rate limit', () => {
    expect(WebhookEndpointInput.parse(good)).toEqual({ ...good, description: '', enabled: true, headers: {}, rateLimitPerSecond: null });
  });

  it.each([0, 1001, 2.5])('refuses a rate limit of %s per second', (rateLimitPerSecond) => {
    expect(issuesOf({ ...good, rateLimitPerSecond })).toEqual([expect.stringMatching(/^rateLimitPerSecond: /)]);
  });

  it('refuses an empty patch and an unknown field', () => {
    expect(WebhookEndpointPatch.safeParse({}).success).toBe(false);
    expect(WebhookEndpointPatch.safeParse({ secret: 'whsec_x' }).success).toBe(false);
  });
});
