import { randomBytes } from 'node:crypto';

/** A custom integration with bearer credentials, as a tenant would declare one. */
export const customIntegration = (key = 'odd-input') => ({
  key,
  name: 'Odd input',
  category: 'crm',
  description: 'A custom integration for the route-wide tests.',
  docsUrl: 'https://docs.example.com',
  baseUrl: 'https://api.example.com/v1',
  auth: [{ type: 'bearer', fields: [{ name: 'token', label: 'Token', secret: true, maxLength: 64 }] }],
  check: { method: 'GET', path: '/me' },
});

/** What a custom integration adds to take OAuth (an identity provider nobody calls). */
export const oauthOf = () => ({
  auth: [{ type: 'oauth2' }],
  oauth2: {
    authorizationUrl: 'https://idp.example.com/authorize',
    tokenUrl: 'https://idp.example.com/token',
    scopeSeparator: ' ',
    defaultScopes: ['read'],
    pkce: 'required',
    clientAuth: 'basic',
    tokens: { accessTokenLifetimeSeconds: 3600, refreshTokens: 'rotating' },
  },
});

export const stripeKey = () => `sk_test_${randomBytes(18).toString('hex')}`;
const clientSecret = () => `secret-${randomBytes(8).toString('hex')}`;

/** The secrets the good bodies carry: no answer or log line may repeat one. */
export const secretsIn = (text: string) => text.match(/sk_test_[0-9a-f]{36}|secret-[0-9a-f]{16}/g) ?? [];

/**
 * A body each write route accepts, keyed by route. The route-wide tests fail for a route
 * that takes a body and is missing here: add one.
 */
export const goodBodies: Record<string, () => Record<string, unknown>> = {
  'POST /v1/api-keys': () => ({ name: 'Good key', scopes: ['read', 'write'] }),
  'POST /v1/connections': () => ({ integration: 'stripe', name: 'Good connection', credentials: { apiKey: stripeKey() }, params: {} }),
  'PATCH /v1/connections/{id}': () => ({ name: 'Renamed', credentials: { apiKey: stripeKey() } }),
  'POST /v1/integrations': () => customIntegration(`good-${randomBytes(4).toString('hex')}`),
  'PATCH /v1/integrations/{key}': () => ({ name: 'Renamed', description: 'Changed.', auth: customIntegration().auth }),
  'PUT /v1/integrations/{key}/oauth-client': () => ({ clientId: 'client', clientSecret: clientSecret(), scopes: ['crm.objects.contacts.read'] }),
  'POST /v1/connect-sessions': () => ({ integration: 'hubspot', returnUrl: 'https://app.example.com/done', params: {}, scopes: [] }),
  // A public address written literally: saving a host name would need DNS, which tests lack.
  'POST /v1/webhook-endpoints': () => ({ url: 'https://93.184.215.14/hooks', eventTypes: ['connection.*'], description: 'Good endpoint', headers: { 'X-Team': 'payments' }, rateLimitPerSecond: 10 }),
  'PATCH /v1/webhook-endpoints/{id}': () => ({ description: 'Changed', eventTypes: ['*'], enabled: false }),
  'POST /v1/webhook-endpoints/{id}/replay': () => ({ since: new Date(Date.now() - 3_600_000).toISOString() }),
  // A stream of the Stripe connection of POST /v1/connections above.
  'POST /v1/connections/{id}/syncs': () => ({ streams: ['customers'] }),
  'POST /v1/syncs/bulk': () => ({ action: 'cancel', runIds: ['sync_01JCZ8X7Q4B3N5M6P7R8S9T0V1'] }),
  // The proxy passes any text body on as sent: the provider judges it.
  'POST /v1/connections/{id}/proxy/{path+}': () => ({ note: 'passed on as sent' }),
  'PUT /v1/connections/{id}/proxy/{path+}': () => ({ note: 'passed on as sent' }),
  'PATCH /v1/connections/{id}/proxy/{path+}': () => ({ note: 'passed on as sent' }),
  // A hook on the repository of the registering connection (tests/support/registering.ts).
  'POST /v1/connections/{id}/webhook-subscriptions': () => ({ events: ['push'], params: { owner: 'acme', repo: 'api' } }),
  // A 0-byte file (it completes with no parts), with the SHA-256 of nothing.
  'POST /v1/uploads': () => ({ filename: 'report.pdf', size: 0, contentType: 'application/pdf', sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', metadata: { team: 'finance' } }),
  // Aimed at a 10-byte upload created without part checksums: one part of 10 bytes.
  'POST /v1/uploads/{id}/parts': () => ({ parts: [{ number: 1 }] }),
  'PUT /v1/uploads/{id}/parts/{partNumber}': () => ({ etag: '"9b2cf535f27731c974343645a3985328"', size: 10 }),
  'POST /v1/alert-rules': () => ({
    name: 'Sync failures', metric: 'sync.runs_failed', aggregation: 'sum', comparison: 'gt', threshold: 3, windowMinutes: 5,
    scope: { type: 'integration', id: 'stripe' }, severity: 'critical', cooldownMinutes: 30, channels: [{ type: 'webhook' }, { type: 'email', to: ['oncall@example.com'] }],
  }),
  'PATCH /v1/alert-rules/{id}': () => ({ name: 'Renamed', threshold: 5, windowMinutes: 10 }),
};
