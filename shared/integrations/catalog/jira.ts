import type { IntegrationInput } from '../schema';

export const jira: IntegrationInput = {
  key: 'jira',
  name: 'Jira',
  category: 'project-management',
  description: 'Projects, issues and users of an Atlassian Jira Cloud site.',
  docsUrl: 'https://developer.atlassian.com/cloud/jira/platform/rest/v3/',
  baseUrl: 'https://api.atlassian.com/ex/jira/{cloudId}/rest/api/3',
  // The cloud id is known only after the flow (GET https://api.atlassian.com/oauth/token/accessible-resources):
  // set it on the connection with PATCH params.
  params: [
    {
      name: 'cloudId',
      label: 'Cloud id',
      description: "The site's cloud id, from the accessible-resources endpoint.",
      pattern: '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
      hint: 'a UUID',
      maxLength: 36,
      required: false,
      example: '11223344-a1b2-3b33-c444-def123456789',
    },
  ],
  auth: [{ type: 'oauth2' }],
  oauth2: {
    // Refresh tokens rotate (each is single-use) and need the offline_access scope.
    authorizationUrl: 'https://auth.atlassian.com/authorize',
    tokenUrl: 'https://auth.atlassian.com/oauth/token',
    scopeSeparator: ' ',
    defaultScopes: ['read:jira-work', 'read:jira-user', 'offline_access'],
    pkce: 'unsupported',
    clientAuth: 'post',
    authorizationParams: { audience: 'api.atlassian.com', prompt: 'consent' },
    tokens: { accessTokenLifetimeSeconds: 3600, refreshTokens: 'rotating' },
  },
  check: { method: 'GET', path: '/myself' },
};
