import type { IntegrationInput } from '../schema';

export const xero: IntegrationInput = {
  key: 'xero',
  name: 'Xero',
  category: 'accounting',
  description: 'Invoices, contacts, payments and accounts of the Xero organisations a user connects.',
  docsUrl: 'https://developer.xero.com/documentation/api/accounting/overview',
  baseUrl: 'https://api.xero.com',
  auth: [{ type: 'oauth2' }],
  oauth2: {
    // Access tokens last 30 minutes; refresh tokens are single-use and expire after 60 days unused.
    issuer: 'https://identity.xero.com',
    authorizationUrl: 'https://login.xero.com/identity/connect/authorize',
    tokenUrl: 'https://identity.xero.com/connect/token',
    revocation: { url: 'https://identity.xero.com/connect/revocation', style: 'rfc7009' },
    scopeSeparator: ' ',
    defaultScopes: ['openid', 'profile', 'email', 'accounting.settings.read', 'offline_access'],
    pkce: 'supported',
    clientAuth: 'basic',
    tokens: { accessTokenLifetimeSeconds: 1800, refreshTokens: 'rotating' },
  },
  // Lists the organisations the grant covers; accounting calls also need a xero-tenant-id header.
  check: { method: 'GET', path: '/connections' },
  rateLimits: [
    {
      requests: 60,
      perSeconds: 60,
      per: 'app-per-account',
      note: 'per organisation; also 5,000 per day and 5 concurrent calls',
    },
  ],
};
