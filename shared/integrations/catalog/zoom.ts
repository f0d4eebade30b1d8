import type { IntegrationInput } from '../schema';

export const zoom: IntegrationInput = {
  key: 'zoom',
  name: 'Zoom',
  category: 'communication',
  description: 'Meetings, webinars, recordings and users of a Zoom account.',
  docsUrl: 'https://developers.zoom.us/docs/api/',
  baseUrl: 'https://api.zoom.us/v2',
  auth: [{ type: 'oauth2' }],
  oauth2: {
    // Granular scopes are chosen in the app's settings; each refresh returns a new refresh token.
    authorizationUrl: 'https://zoom.us/oauth/authorize',
    tokenUrl: 'https://zoom.us/oauth/token',
    revocation: { url: 'https://zoom.us/oauth/revoke', style: 'rfc7009' },
    scopeSeparator: ' ',
    defaultScopes: [],
    pkce: 'supported',
    clientAuth: 'basic',
    tokens: { accessTokenLifetimeSeconds: 3600, refreshTokens: 'rotating' },
  },
  check: { method: 'GET', path: '/users/me' },
  rateLimits: [
    {
      requests: 10,
      perSeconds: 1,
      per: 'account',
      note: 'Light APIs on Pro accounts; Medium, Heavy and Resource-intensive APIs allow fewer',
    },
  ],
};
