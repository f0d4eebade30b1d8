import type { IntegrationInput } from '../schema';

export const smartsheet: IntegrationInput = {
  key: 'smartsheet',
  name: 'Smartsheet',
  category: 'project-management',
  description: 'Sheets, rows, workspaces and reports.',
  docsUrl: 'https://smartsheet.redoc.ly/',
  baseUrl: 'https://api.smartsheet.com/2.0',
  baseUrlOverride: { hostSuffixes: ['.smartsheet.com', '.smartsheet.eu'] },
  auth: [
    {
      type: 'bearer',
      fields: [{ name: 'token', label: 'API access token', secret: true, maxLength: 255 }],
    },
  ],
  check: { method: 'GET', path: '/users/me' },
  rateLimits: [{ requests: 300, perSeconds: 60, per: 'token' }],
};
