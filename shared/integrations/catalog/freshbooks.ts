import type { IntegrationInput } from '../schema';

export const freshbooks: IntegrationInput = {
  key: 'freshbooks',
  name: 'FreshBooks',
  category: 'accounting',
  description: 'Clients, invoices, expenses and time entries.',
  docsUrl: 'https://www.freshbooks.com/api/start',
  baseUrl: 'https://api.freshbooks.com',
  auth: [{ type: 'oauth2' }],
  oauth2: {
    // Access tokens last 12 hours; each refresh token works once.
    authorizationUrl: 'https://auth.freshbooks.com/oauth/authorize',
    tokenUrl: 'https://api.freshbooks.com/auth/oauth/token',
    revocation: { url: 'https://api.freshbooks.com/auth/oauth/revoke', style: 'rfc7009' },
    scopeSeparator: ' ',
    defaultScopes: ['user:profile:read'],
    pkce: 'unsupported',
    clientAuth: 'post',
    tokens: { accessTokenLifetimeSeconds: 43200, refreshTokens: 'rotating' },
  },
  check: { method: 'GET', path: '/auth/api/v1/users/me' },
};
