import type { IntegrationInput } from '../schema';

export const asana: IntegrationInput = {
  key: 'asana',
  name: 'Asana',
  category: 'project-management',
  description: 'Workspaces, projects, tasks and users.',
  docsUrl: 'https://developers.asana.com/reference/rest-api-reference',
  baseUrl: 'https://app.asana.com/api/1.0',
  auth: [
    {
      type: 'bearer',
      fields: [{ name: 'token', label: 'Personal access token', secret: true, maxLength: 255 }],
    },
    { type: 'oauth2' },
  ],
  oauth2: {
    authorizationUrl: 'https://app.asana.com/-/oauth_authorize',
    tokenUrl: 'https://app.asana.com/-/oauth_token',
    revocation: { url: 'https://app.asana.com/-/oauth_revoke', style: 'rfc7009' },
    scopeSeparator: ' ',
    defaultScopes: ['default'],
    pkce: 'supported',
    clientAuth: 'post',
    tokens: { accessTokenLifetimeSeconds: 3600, refreshTokens: 'static' },
  },
  check: { method: 'GET', path: '/users/me' },
  rateLimits: [
    {
      requests: 1500,
      perSeconds: 60,
      per: 'token',
      note: 'paid workspaces; 150 per minute on free ones',
    },
  ],
};
