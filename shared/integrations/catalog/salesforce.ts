import type { IntegrationInput } from '../schema';

export const salesforce: IntegrationInput = {
  key: 'salesforce',
  name: 'Salesforce',
  category: 'crm',
  description: 'Accounts, contacts, opportunities and any object of a Salesforce org, through the REST API.',
  docsUrl: 'https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/',
  baseUrl: 'https://{myDomain}.my.salesforce.com/services/data/v62.0',
  // Every org has a My Domain since Winter '23; logins and the API live under it.
  params: [
    {
      name: 'myDomain',
      label: 'My Domain',
      description: "The org's My Domain name: acme for acme.my.salesforce.com.",
      pattern: '[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?',
      hint: 'the My Domain name (letters, digits, hyphens)',
      maxLength: 40,
      required: true,
      example: 'acme',
    },
  ],
  auth: [{ type: 'oauth2' }],
  oauth2: {
    // The token response carries no expires_in: the session lasts the org's timeout (2 hours by default).
    // Refresh tokens are reusable unless the connected app turns on rotation.
    authorizationUrl: 'https://{myDomain}.my.salesforce.com/services/oauth2/authorize',
    tokenUrl: 'https://{myDomain}.my.salesforce.com/services/oauth2/token',
    revocation: { url: 'https://{myDomain}.my.salesforce.com/services/oauth2/revoke', style: 'rfc7009' },
    scopeSeparator: ' ',
    defaultScopes: ['api', 'refresh_token'],
    pkce: 'supported',
    clientAuth: 'post',
    tokens: { accessTokenLifetimeSeconds: 7200, refreshTokens: 'static' },
  },
  check: { method: 'GET', path: '/limits' },
  rateLimits: [
    {
      requests: 100000,
      perSeconds: 86400,
      per: 'account',
      note: 'API requests per rolling 24 hours for Enterprise Edition, plus 1,000 per user licence',
    },
  ],
};
