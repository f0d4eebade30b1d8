import type { IntegrationInput } from '../schema';

export const intercom: IntegrationInput = {
  key: 'intercom',
  name: 'Intercom',
  category: 'support',
  description: 'Conversations, contacts and companies of an Intercom workspace.',
  docsUrl: 'https://developers.intercom.com/docs/references/rest-api/api.intercom.io',
  baseUrl: 'https://api.intercom.io',
  baseUrlOverride: { hostSuffixes: ['.intercom.io'] },
  headers: { 'Intercom-Version': '2.11' },
  auth: [
    {
      type: 'bearer',
      fields: [{ name: 'token', label: 'Access token', secret: true, maxLength: 255 }],
    },
    { type: 'oauth2' },
  ],
  oauth2: {
    // Permissions are set in the app's settings; access tokens do not expire.
    authorizationUrl: 'https://app.intercom.com/oauth',
    tokenUrl: 'https://api.intercom.io/auth/eagle/token',
    scopeSeparator: ' ',
    defaultScopes: [],
    pkce: 'unsupported',
    clientAuth: 'post',
    tokens: { accessTokenLifetimeSeconds: null, refreshTokens: 'none' },
  },
  check: { method: 'GET', path: '/me' },
  rateLimits: [
    {
      requests: 10000,
      perSeconds: 60,
      per: 'app-per-account',
      note: 'private apps: 10,000 per minute per app, 25,000 per workspace',
    },
  ],
};
