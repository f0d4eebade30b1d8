import type { IntegrationInput } from '../schema';

export const pipedrive: IntegrationInput = {
  key: 'pipedrive',
  name: 'Pipedrive',
  category: 'crm',
  description: 'Deals, persons, organisations and activities of a Pipedrive company.',
  docsUrl: 'https://developers.pipedrive.com/docs/api/v1',
  baseUrl: 'https://api.pipedrive.com/v1',
  auth: [
    {
      type: 'api_key',
      sendAs: { in: 'header', name: 'x-api-token' },
      fields: [
        {
          name: 'apiKey',
          label: 'Personal API token',
          secret: true,
          pattern: '[a-f0-9]{40}',
          hint: 'a 40-character hexadecimal API token',
          maxLength: 255,
        },
      ],
    },
    { type: 'oauth2' },
  ],
  oauth2: {
    // Scopes are chosen in the app's settings, not in the authorization request.
    authorizationUrl: 'https://oauth.pipedrive.com/oauth/authorize',
    tokenUrl: 'https://oauth.pipedrive.com/oauth/token',
    revocation: { url: 'https://oauth.pipedrive.com/oauth/revoke', style: 'rfc7009' },
    scopeSeparator: ' ',
    defaultScopes: [],
    pkce: 'unsupported',
    clientAuth: 'basic',
    tokens: { accessTokenLifetimeSeconds: 3600, refreshTokens: 'static' },
  },
  check: { method: 'GET', path: '/users/me' },
  rateLimits: [
    {
      requests: 80,
      perSeconds: 2,
      per: 'token',
      note: 'burst limit on the Essential plan (token-based daily budget on top); higher plans allow more',
    },
  ],
};
