import type { IntegrationInput } from '../schema';

export const onedrive: IntegrationInput = {
  key: 'onedrive',
  name: 'OneDrive (Microsoft Graph)',
  category: 'storage',
  description: 'Files and folders in OneDrive and SharePoint, through Microsoft Graph.',
  docsUrl: 'https://learn.microsoft.com/en-us/graph/api/resources/onedrive',
  baseUrl: 'https://graph.microsoft.com/v1.0',
  params: [
    {
      name: 'tenant',
      label: 'Microsoft Entra tenant',
      description: 'The directory to sign in against: common (work, school and personal accounts), organizations, consumers, or a tenant id or domain.',
      pattern: '[a-z0-9](?:[a-z0-9.-]{0,61}[a-z0-9])?',
      hint: 'common, organizations, consumers, a tenant id or a verified domain',
      maxLength: 63,
      required: false,
      default: 'common',
      example: 'common',
    },
  ],
  auth: [{ type: 'oauth2' }],
  oauth2: {
    // Microsoft identity platform v2: a new refresh token comes with every refresh (store it); there is no
    // revocation endpoint for a single grant.
    authorizationUrl: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize',
    tokenUrl: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token',
    scopeSeparator: ' ',
    defaultScopes: ['offline_access', 'User.Read', 'Files.Read'],
    pkce: 'supported',
    clientAuth: 'post',
    tokens: { accessTokenLifetimeSeconds: 3600, refreshTokens: 'rotating' },
  },
  check: { method: 'GET', path: '/me/drive' },
  rateLimits: [
    {
      requests: 10000,
      perSeconds: 600,
      per: 'app-per-account',
      note: 'Graph requests per app per tenant every 10 minutes, across services',
    },
  ],
};
