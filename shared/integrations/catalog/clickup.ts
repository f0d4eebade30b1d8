import type { IntegrationInput } from '../schema';

export const clickup: IntegrationInput = {
  key: 'clickup',
  name: 'ClickUp',
  category: 'project-management',
  description: 'Workspaces, spaces, lists and tasks.',
  docsUrl: 'https://developer.clickup.com/reference',
  baseUrl: 'https://api.clickup.com/api/v2',
  auth: [
    {
      type: 'api_key',
      sendAs: { in: 'header', name: 'Authorization' },
      fields: [
        {
          name: 'apiKey',
          label: 'Personal API token',
          secret: true,
          pattern: 'pk_[A-Za-z0-9_]{20,}',
          hint: 'a personal token (pk_…)',
          maxLength: 255,
        },
      ],
    },
  ],
  check: { method: 'GET', path: '/user' },
  rateLimits: [
    {
      requests: 100,
      perSeconds: 60,
      per: 'token',
      note: 'Free Forever, Unlimited and Business plans; Business Plus 1,000, Enterprise 10,000',
    },
  ],
};
