import type { IntegrationInput } from '../schema';

/**
 * Two real ways in: an OAuth app (for connecting many customers' accounts) and a private
 * app's access token (one account, pasted in). Both send `Authorization: Bearer`.
 */
export const hubspot: IntegrationInput = {
  key: 'hubspot',
  name: 'HubSpot',
  category: 'crm',
  description: 'Contacts, companies, deals and tickets in a HubSpot account.',
  docsUrl: 'https://developers.hubspot.com/docs/api-reference',
  baseUrl: 'https://api.hubapi.com',
  auth: [
    { type: 'oauth2' },
    {
      type: 'bearer',
      fields: [
        {
          name: 'token',
          label: 'Private app access token',
          secret: true,
          pattern: 'pat-[a-z0-9]+-[A-Za-z0-9-]+',
          hint: 'a private app access token (pat-na1-…, pat-eu1-…)',
          maxLength: 512,
        },
      ],
    },
  ],
  oauth2: {
    authorizationUrl: 'https://app.hubspot.com/oauth/authorize',
    // The dated 2026-03 endpoints replace /oauth/v1, which HubSpot retires on 16 February 2027.
    tokenUrl: 'https://api.hubapi.com/oauth/2026-03/token',
    revocation: { url: 'https://api.hubapi.com/oauth/2026-03/token/revoke', style: 'rfc7009' },
    scopeSeparator: ' ',
    defaultScopes: ['oauth'],
    pkce: 'supported',
    clientAuth: 'post',
    tokens: { accessTokenLifetimeSeconds: 1800, refreshTokens: 'static' },
  },
  check: { method: 'GET', path: '/account-info/2026-03/details' },
  rateLimits: [
    {
      requests: 100,
      perSeconds: 10,
      per: 'app-per-account',
      note: 'private apps on Free and Starter; 190 on Professional and Enterprise; 110 for a public OAuth app in each account',
    },
  ],
};
