import type { IntegrationInput } from '../schema';

export const box: IntegrationInput = {
  key: 'box',
  name: 'Box',
  category: 'storage',
  description: 'Files, folders, metadata and collaborations in Box.',
  docsUrl: 'https://developer.box.com/reference/',
  baseUrl: 'https://api.box.com/2.0',
  auth: [{ type: 'oauth2' }],
  oauth2: {
    // Scopes are set on the app; each refresh token works once and lasts 60 days.
    authorizationUrl: 'https://account.box.com/api/oauth2/authorize',
    tokenUrl: 'https://api.box.com/oauth2/token',
    revocation: { url: 'https://api.box.com/oauth2/revoke', style: 'rfc7009' },
    scopeSeparator: ' ',
    defaultScopes: [],
    pkce: 'unsupported',
    clientAuth: 'post',
    tokens: { accessTokenLifetimeSeconds: 3600, refreshTokens: 'rotating' },
  },
  check: { method: 'GET', path: '/users/me' },
  rateLimits: [{ requests: 1000, perSeconds: 60, per: 'token', note: 'general API calls per user' }],
};
