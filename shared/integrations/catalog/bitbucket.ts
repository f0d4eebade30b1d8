import type { IntegrationInput } from '../schema';

export const bitbucket: IntegrationInput = {
  key: 'bitbucket',
  name: 'Bitbucket',
  category: 'developer-tools',
  description: 'Workspaces, repositories, pull requests and pipelines on Bitbucket Cloud.',
  docsUrl: 'https://developer.atlassian.com/cloud/bitbucket/rest/',
  baseUrl: 'https://api.bitbucket.org/2.0',
  auth: [
    {
      type: 'basic',
      fields: [
        { name: 'username', label: 'Email or username', secret: false, maxLength: 255 },
        { name: 'password', label: 'API token or app password', secret: true, maxLength: 255 },
      ],
    },
    { type: 'oauth2' },
  ],
  oauth2: {
    // Scopes are set on the OAuth consumer, not asked for in the request.
    authorizationUrl: 'https://bitbucket.org/site/oauth2/authorize',
    tokenUrl: 'https://bitbucket.org/site/oauth2/access_token',
    scopeSeparator: ' ',
    defaultScopes: [],
    pkce: 'unsupported',
    clientAuth: 'basic',
    tokens: { accessTokenLifetimeSeconds: 7200, refreshTokens: 'static' },
  },
  check: { method: 'GET', path: '/user' },
  rateLimits: [
    {
      requests: 1000,
      perSeconds: 3600,
      per: 'token',
      note: 'per user for most repository data endpoints',
    },
  ],
};
