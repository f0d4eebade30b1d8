import type { IntegrationInput } from '../schema';

export const gitlab: IntegrationInput = {
  key: 'gitlab',
  name: 'GitLab',
  category: 'developer-tools',
  description: 'Projects, merge requests, issues and pipelines on GitLab.com or a self-managed instance.',
  docsUrl: 'https://docs.gitlab.com/api/rest/',
  baseUrl: 'https://gitlab.com/api/v4',
  // Self-managed instances: override the base URL (their OAuth endpoints need a custom integration).
  baseUrlOverride: {},
  auth: [
    {
      type: 'bearer',
      fields: [
        {
          name: 'token',
          label: 'Personal access token',
          secret: true,
          pattern: 'glpat-[A-Za-z0-9_.-]{20,}',
          hint: 'a personal access token (glpat-…)',
          maxLength: 255,
        },
      ],
    },
    { type: 'oauth2' },
  ],
  oauth2: {
    issuer: 'https://gitlab.com',
    authorizationUrl: 'https://gitlab.com/oauth/authorize',
    tokenUrl: 'https://gitlab.com/oauth/token',
    revocation: { url: 'https://gitlab.com/oauth/revoke', style: 'rfc7009' },
    scopeSeparator: ' ',
    defaultScopes: ['read_user'],
    pkce: 'supported',
    clientAuth: 'post',
    tokens: { accessTokenLifetimeSeconds: 7200, refreshTokens: 'rotating' },
  },
  check: { method: 'GET', path: '/user' },
  rateLimits: [
    {
      requests: 2000,
      perSeconds: 60,
      per: 'token',
      note: 'authenticated API traffic per user on GitLab.com',
    },
  ],
};
