import type { IntegrationInput } from '../schema';

export const klaviyo: IntegrationInput = {
  key: 'klaviyo',
  name: 'Klaviyo',
  category: 'marketing',
  description: 'Profiles, lists, segments, campaigns and events.',
  docsUrl: 'https://developers.klaviyo.com/en/reference/api_overview',
  baseUrl: 'https://a.klaviyo.com/api',
  // Every call names its API revision (https://developers.klaviyo.com/en/docs/api_versioning_and_deprecation_policy).
  headers: { revision: '2025-10-15', Accept: 'application/vnd.api+json' },
  auth: [
    {
      type: 'api_key',
      sendAs: { in: 'header', name: 'Authorization', prefix: 'Klaviyo-API-Key ' },
      fields: [
        {
          name: 'apiKey',
          label: 'Private API key',
          secret: true,
          pattern: 'pk_[A-Za-z0-9]{20,}',
          hint: 'a private API key (pk_…)',
          maxLength: 255,
        },
      ],
    },
    { type: 'oauth2' },
  ],
  oauth2: {
    authorizationUrl: 'https://www.klaviyo.com/oauth/authorize',
    tokenUrl: 'https://a.klaviyo.com/oauth/token',
    revocation: { url: 'https://a.klaviyo.com/oauth/revoke', style: 'rfc7009' },
    scopeSeparator: ' ',
    defaultScopes: ['accounts:read'],
    pkce: 'required',
    clientAuth: 'basic',
    tokens: { accessTokenLifetimeSeconds: 3600, refreshTokens: 'static' },
  },
  check: { method: 'GET', path: '/accounts' },
  rateLimits: [
    {
      requests: 3,
      perSeconds: 1,
      per: 'account',
      note: 'burst per endpoint for the most restrictive tier (XS); 60 per minute steady',
    },
  ],
};
