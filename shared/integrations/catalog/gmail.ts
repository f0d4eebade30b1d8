import type { IntegrationInput } from '../schema';

export const gmail: IntegrationInput = {
  key: 'gmail',
  name: 'Gmail',
  category: 'email',
  description: 'Messages, threads, labels and drafts of a Gmail mailbox.',
  docsUrl: 'https://developers.google.com/workspace/gmail/api/reference/rest',
  baseUrl: 'https://gmail.googleapis.com/gmail/v1',
  auth: [{ type: 'oauth2' }],
  oauth2: {
    // access_type=offline asks for a refresh token; prompt=consent gets one again on re-authorization.
    // Refresh tokens of apps in testing expire after 7 days; in production they last until revoked.
    issuer: 'https://accounts.google.com',
    authorizationUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenUrl: 'https://oauth2.googleapis.com/token',
    revocation: { url: 'https://oauth2.googleapis.com/revoke', style: 'rfc7009' },
    scopeSeparator: ' ',
    defaultScopes: ['https://www.googleapis.com/auth/gmail.readonly'],
    pkce: 'supported',
    clientAuth: 'post',
    authorizationParams: { access_type: 'offline', prompt: 'consent' },
    tokens: { accessTokenLifetimeSeconds: 3600, refreshTokens: 'static' },
  },
  check: { method: 'GET', path: '/users/me/profile' },
  rateLimits: [
    {
      requests: 15000,
      perSeconds: 60,
      per: 'token',
      note: 'quota units per user per minute (reading a message costs 5)',
    },
  ],
};
